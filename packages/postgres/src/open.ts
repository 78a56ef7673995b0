import { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { createDatabase, type Database } from './database';

/**
 * The one way a service opens PostgreSQL: a bounded pool that fails fast when the database is
 * away, its idle-client errors logged instead of crashing the process, its teardown registered
 * beside it, and the timed query wrapper over it (every query measured by name).
 */
export function openPostgres(options: {
  url: string;
  /** Names the query-duration metric, e.g. `catalog` → `catalog_db_query_duration_seconds`. */
  service: string;
  registry: Registry;
  lifecycle: { onShutdown(name: string, close: () => unknown): void };
  logger: { warn(details: object, message: string): void };
  max?: number;
}): { pool: Pool; db: Database } {
  const pool = new Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 2_000,
  });
  pool.on('error', (error) => options.logger.warn({ err: error }, 'idle postgres client failed'));
  options.lifecycle.onShutdown('postgres', () => pool.end());
  return { pool, db: createDatabase(pool, options.registry, options.service) };
}
