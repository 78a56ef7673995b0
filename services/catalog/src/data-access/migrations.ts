import { join } from 'node:path';
import { runner } from 'node-pg-migrate';

export const migrationsDirectory = join(__dirname, '..', '..', '..', 'migrations');

/** Applies every pending migration, under an advisory lock so that concurrent runs wait their turn. */
export async function migrateUp(
  databaseUrl: string,
  log: (message: string) => void = () => undefined,
): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDirectory,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    advisoryLockMode: 'wait',
    checkOrder: true,
    log,
  });
  return applied.map((migration) => migration.name);
}
