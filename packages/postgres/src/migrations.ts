import { Client } from 'pg';
import { runner } from 'node-pg-migrate';

/**
 * Applies every pending SQL migration in `directory`, in one transaction, under an advisory
 * lock so that concurrent runs (several replicas starting at once) wait their turn. A database
 * that does not exist yet is created first, where the role may (a local or compose server); a
 * managed one is expected to exist already.
 */
export async function migrateUp(
  databaseUrl: string,
  directory: string,
  log: (message: string) => void = () => undefined,
): Promise<string[]> {
  if (await ensureDatabase(databaseUrl)) log(`created database ${databaseName(databaseUrl)}`);
  // Our own connection, closed before we return: node-pg-migrate closes one it opened without
  // waiting, so a caller that dropped the database right after (a test) could have it
  // terminated later, as an error nobody listened for.
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined); // a broken connection fails the query in flight instead
  await client.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir: directory,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      singleTransaction: true,
      advisoryLockMode: 'wait',
      checkOrder: true,
      log,
    });
    return applied.map((migration) => migration.name);
  } finally {
    await client.end();
  }
}

const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/** Creates the URL's database when it is missing; true when it did. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const probe = new Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    return false;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000' /* invalid_catalog_name */) throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = '/postgres';
  const admin = new Client({ connectionString: maintenance.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(databaseName(databaseUrl))}`);
    return true;
  } catch (error) {
    // Another replica's migration run created it in the meantime.
    if ((error as { code?: string }).code === '42P04' /* duplicate_database */) return false;
    throw error;
  } finally {
    await admin.end();
  }
}
