import { runner } from 'node-pg-migrate';

/**
 * Applies every pending SQL migration in `directory`, in one transaction, under an advisory
 * lock so that concurrent runs (several replicas starting at once) wait their turn.
 */
export async function migrateUp(
  databaseUrl: string,
  directory: string,
  log: (message: string) => void = () => undefined,
): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: directory,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    advisoryLockMode: 'wait',
    checkOrder: true,
    log,
  });
  return applied.map((migration) => migration.name);
}
