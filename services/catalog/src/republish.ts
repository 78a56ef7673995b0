// `npm run republish -w @syllabus/catalog`: announces every published course again (as
// catalog.course-published.v1, current version), through the outbox. Consumers apply events
// idempotently, so this rebuilds a read model that missed events, e.g. one created later.
import { Pool } from 'pg';
import { fields, loadConfigOrExit, z } from '@syllabus/config';
import { Registry } from '@syllabus/service-kit';
import { createCourseRepository } from './data-access/courses';
import { createDatabase } from '@syllabus/postgres';
import { recordCourseEvent } from './domain/course-service';

const config = loadConfigOrExit(z.object({ POSTGRES_URL: fields.postgresUrl() }));
const pool = new Pool({ connectionString: config.POSTGRES_URL });

createDatabase(pool, new Registry(), 'catalog')
  .transaction(async (tx) => {
    const courses = createCourseRepository(tx);
    const published = await tx.query<{ id: string }>(
      'published_course_ids',
      "SELECT id FROM courses WHERE status = 'published' ORDER BY title",
    );
    for (const { id } of published) {
      await recordCourseEvent(
        tx,
        courses,
        'catalog.course-published.v1',
        (await courses.findByIdForUpdate(id))!,
      );
    }
    return published.length;
  })
  .then((count) => process.stdout.write(`catalog: ${count} courses announced again\n`))
  .catch((error: unknown) => {
    process.stderr.write(`republish failed: ${String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => void pool.end());
