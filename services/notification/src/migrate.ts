// `npm run migrate -w @syllabus/notification`: applies pending migrations.
import { join } from 'node:path';
import { fields, loadConfigOrExit, z } from '@syllabus/config';
import { migrateUp } from '@syllabus/postgres';

export const migrationsDirectory = join(__dirname, '..', '..', 'migrations');

if (require.main === module) {
  const config = loadConfigOrExit(z.object({ POSTGRES_URL: fields.postgresUrl() }));
  migrateUp(config.POSTGRES_URL, migrationsDirectory, (message) => process.stdout.write(`${message}\n`)).then(
    (applied) => process.stdout.write(`notification migrations: ${applied.length} applied\n`),
    (error: unknown) => {
      process.stderr.write(`notification migrations failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
