import { ROOT_CONTEXT, context, propagation } from '@opentelemetry/api';
import type { DomainEvent } from '@syllabus/contracts';
import { createRelayLoop, type Broker, type RelayLoop } from '@syllabus/messaging';
import { Gauge, type Logger, type Registry } from '@syllabus/service-kit';
import type { Database, Queryable } from '@syllabus/postgres';
import type { Outbox } from '../domain/ports';

/** Records each event in the transaction `tx`, with the change it describes. */
export const createOutbox = (tx: Queryable): Outbox => ({
  async record(event: DomainEvent) {
    const traceContext: Record<string, string> = {};
    propagation.inject(context.active(), traceContext);
    await tx.query(
      'append_outbox',
      'INSERT INTO outbox (event_id, type, event, trace_context) VALUES ($1, $2, $3, $4)',
      [event.id, event.type, JSON.stringify(event), JSON.stringify(traceContext)],
    );
  },
});

/**
 * Publishes outbox rows in order, with publisher confirms, and marks them sent. Rows are
 * claimed with FOR UPDATE SKIP LOCKED, so several instances relay without sending a row twice;
 * a row is marked only after the broker confirmed it, so none is lost (a crash between the
 * two re-sends it: delivery is at least once, and consumers deduplicate by event id).
 */
export function createOutboxRelay(options: {
  db: Database;
  broker: Broker;
  logger: Logger;
  registry: Registry;
  intervalMs?: number;
  batchSize?: number;
}): RelayLoop {
  const { db, broker, logger } = options;
  const batchSize = options.batchSize ?? 100;

  new Gauge({
    name: 'outbox_pending_events',
    help: 'Events written but not yet confirmed by the broker',
    registers: [options.registry],
    async collect() {
      const [row] = await db.query<{ count: number }>(
        'outbox_pending',
        'SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL',
      );
      this.set(row?.count ?? 0);
    },
  });

  const relayBatch = () =>
    db.transaction(async (tx) => {
      const rows = await tx.query<{
        position: string;
        event: DomainEvent;
        trace_context: Record<string, string>;
      }>(
        'outbox_claim',
        `SELECT position, event, trace_context FROM outbox
          WHERE published_at IS NULL ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      // Published in order on one channel; confirmed together; marked up to the first failure.
      const results = await Promise.allSettled(
        rows.map((row) =>
          context.with(propagation.extract(ROOT_CONTEXT, row.trace_context), () => broker.publish(row.event)),
        ),
      );
      const firstFailure = results.findIndex((result) => result.status === 'rejected');
      const confirmed = firstFailure === -1 ? rows : rows.slice(0, firstFailure);
      if (confirmed.length > 0) {
        await tx.query(
          'outbox_mark_published',
          'UPDATE outbox SET published_at = now() WHERE position = ANY($1::bigint[])',
          [confirmed.map((row) => row.position)],
        );
      }
      if (firstFailure !== -1) {
        await tx.query(
          'outbox_count_attempt',
          'UPDATE outbox SET attempts = attempts + 1 WHERE position = $1',
          [rows[firstFailure]!.position],
        );
      }
      return firstFailure === -1 ? rows.length : 0;
    });

  return createRelayLoop({
    relayBatch: async () => (await relayBatch()) === batchSize,
    intervalMs: options.intervalMs ?? 1_000,
    logger,
    ready: () => broker.connected,
  });
}
