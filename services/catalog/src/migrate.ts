// `npm run migrate -w @syllabus/catalog`: applies pending migrations (a Job in Kubernetes, a
// one-shot service in docker compose, and the same function in the tests).
import { fields, loadConfigOrExit, z } from '@syllabus/config';
import { migrateUp } from './data-access/migrations';

const config = loadConfigOrExit(z.object({ POSTGRES_URL: fields.postgresUrl() }));

migrateUp(config.POSTGRES_URL, (message) => process.stdout.write(`${message}\n`)).then(
  (applied) => process.stdout.write(`catalog migrations: ${applied.length} applied\n`),
  (error: unknown) => {
    process.stderr.write(`catalog migrations failed: ${String(error)}\n`);
    process.exit(1);
  },
);
