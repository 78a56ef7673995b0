import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { Histogram, type Registry } from 'prom-client';

/** Runs named, parameterised queries; the name labels the query-duration metric. */
export interface Queryable {
  query<Row extends QueryResultRow>(name: string, text: string, values?: unknown[]): Promise<Row[]>;
}

export interface Database extends Queryable {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** `metricPrefix` names the service's histogram, e.g. `catalog` → `catalog_db_query_duration_seconds`. */
export function createDatabase(pool: Pool, registry: Registry, metricPrefix: string): Database {
  const duration = new Histogram({
    name: `${metricPrefix}_db_query_duration_seconds`,
    help: 'PostgreSQL queries by name',
    labelNames: ['query'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const on = (client: Pool | PoolClient): Queryable => ({
    async query<Row extends QueryResultRow>(name: string, text: string, values: unknown[] = []) {
      const stop = duration.startTimer({ query: name });
      try {
        return (await client.query<Row>(text, values)).rows;
      } finally {
        stop();
      }
    },
  });
  // A connection runs one query at a time: queries a transaction asks for together (a
  // `Promise.all` over its reads) take turns here. pg's own queue for them is deprecated, and
  // gone in pg 9.
  const oneAtATime = (queryable: Queryable): Queryable => {
    let turn: Promise<unknown> = Promise.resolve();
    return {
      query<Row extends QueryResultRow>(name: string, text: string, values?: unknown[]) {
        const result = turn.then(() => queryable.query<Row>(name, text, values));
        turn = result.catch(() => undefined);
        return result;
      },
    };
  };
  return {
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(oneAtATime(on(client)));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

/** Whether a query failed on a unique index (SQLSTATE 23505): data access turns it into a domain error. */
export const isUniqueViolation = (error: unknown) => (error as { code?: unknown }).code === '23505';
