import { fields, loadConfigOrExit, z } from '@syllabus/config';
import { openPostgres, type Database } from '@syllabus/postgres';
import { Registry, createLifecycle, createLogger } from '@syllabus/service-kit';

/** A one-off command on the catalog's database (`POSTGRES_URL`): prints what `work` reports, then closes. */
export function runOnDatabase(name: string, work: (db: Database) => Promise<string>) {
  const config = loadConfigOrExit(z.object({ POSTGRES_URL: fields.postgresUrl() }));
  const logger = createLogger({ service: `catalog ${name}`, level: 'warn' });
  const lifecycle = createLifecycle({ logger, timeoutMs: 10_000 });
  const { db } = openPostgres({
    url: config.POSTGRES_URL,
    service: 'catalog',
    registry: new Registry(),
    lifecycle,
    logger,
  });
  work(db)
    .then((report) => process.stdout.write(`${report}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`catalog ${name} failed: ${String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(() => void lifecycle.shutdown('done'));
}
