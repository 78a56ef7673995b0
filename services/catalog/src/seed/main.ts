// `npm run seed -w @syllabus/catalog`: loads the curriculum (after the migrations), idempotently.
import { Pool } from 'pg';
import { fields, loadConfigOrExit, z } from '@syllabus/config';
import { Registry } from '@syllabus/service-kit';
import { createDatabase } from '@syllabus/postgres';
import { seedCurriculum } from './seed';

const config = loadConfigOrExit(z.object({ POSTGRES_URL: fields.postgresUrl() }));
const pool = new Pool({ connectionString: config.POSTGRES_URL });

seedCurriculum(createDatabase(pool, new Registry(), 'catalog'))
  .then((result) => {
    process.stdout.write(
      `catalog seed: ${result.created} courses added; ${result.tracks} tracks, ${result.courses} courses, ${result.lessons} lessons in all\n`,
    );
  })
  .catch((error: unknown) => {
    process.stderr.write(`catalog seed failed: ${String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => void pool.end());
