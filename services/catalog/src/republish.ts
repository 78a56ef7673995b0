// `npm run republish -w @syllabus/catalog`: announces every published course again (as
// catalog.course-published.v1, current version), through the outbox. Consumers apply events
// idempotently, so this rebuilds a read model that missed events, e.g. one created later.
import { createCatalogData } from './data-access/catalog-data';
import { announcePublished } from './domain/course-service';
import { runOnDatabase } from './script';

runOnDatabase('republish', (db) =>
  createCatalogData(db).transaction(async (unit) => {
    const ids = await unit.courses.publishedIds();
    await announcePublished(unit, ids);
    return `catalog: ${ids.length} courses announced again`;
  }),
);
