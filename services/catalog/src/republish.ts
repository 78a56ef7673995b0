// `npm run republish -w @syllabus/catalog`: announces every published course again (as
// catalog.course-published.v1, current version), through the outbox. Consumers apply events
// idempotently, so this rebuilds a read model that missed events, e.g. one created later.
import { createCourseRepository } from './data-access/courses';
import { announcePublished } from './domain/course-service';
import { runOnDatabase } from './script';

runOnDatabase('republish', (db) =>
  db.transaction(async (tx) => {
    const courses = createCourseRepository(tx);
    const ids = await courses.publishedIds();
    await announcePublished(tx, courses, ids);
    return `catalog: ${ids.length} courses announced again`;
  }),
);
