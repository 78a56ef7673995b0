import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { createRelayLoop, type RelayLoop } from '@syllabus/messaging';
import type { Database } from '@syllabus/postgres';
import { Counter, type Logger, type Registry } from '@syllabus/service-kit';
import type { Email, EmailSender, WebhookClient } from './senders';

const tracer = trace.getTracer('@syllabus/notification');

interface DeliveryRow {
  id: string;
  event_id: string;
  channel: 'email' | 'webhook';
  subscription_id: string | null;
  payload: unknown;
  attempts: number;
  trace_context: Record<string, string>;
}

/**
 * Works off the `deliveries` table: claims due rows (SKIP LOCKED, with a lease, so several
 * instances share the work and none sends a row twice at once), sends each email or webhook,
 * and records the outcome — delivered, or retried later with exponential backoff, or failed
 * after the last attempt. A webhook subscription that keeps failing is disabled.
 *
 * At most `concurrency` sends run at once, each on its own (a slow one holds only its slot), and
 * at most one per webhook subscription: a slow or hostile receiver delays only its own deliveries.
 */
export function createDeliveryWorker(options: {
  db: Database;
  email: EmailSender;
  postWebhook: WebhookClient;
  logger: Logger;
  registry: Registry;
  intervalMs: number;
  maxAttempts: number;
  backoffMs: number;
  disableAfter: number;
  concurrency: number;
  /**
   * How long a claimed row is this instance's: past it, another instance (or this one after a
   * restart) takes the row again. Comfortably longer than one send may take (its deadline), and
   * no longer, so that a crashed instance's sends resume soon.
   */
  leaseMs: number;
}): RelayLoop {
  const { db, logger } = options;
  const outcomes = new Counter({
    name: 'notification_deliveries_total',
    help: 'Email and webhook delivery attempts by channel and result',
    labelNames: ['channel', 'result'] as const,
    registers: [options.registry],
  });

  const backoff = (attempts: number) => {
    const base = Math.min(options.backoffMs * 2 ** (attempts - 1), 3_600_000);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  };

  async function deliver(row: DeliveryRow) {
    if (row.channel === 'email') {
      await options.email.send(row.payload as Email, { eventId: row.event_id, deliveryId: row.id });
      return 'delivered';
    }
    const [subscription] = await db.query<{ url: string; secret: string; usable: boolean }>(
      'find_webhook_target',
      `SELECT url, secret, disabled_at IS NULL AND deleted_at IS NULL AS usable FROM webhook_subscriptions WHERE id = $1`,
      [row.subscription_id],
    );
    if (!subscription?.usable) return 'skipped';
    await options.postWebhook(subscription, row.payload as { id: string; type: string });
    await db.query(
      'reset_webhook_failures',
      'UPDATE webhook_subscriptions SET consecutive_failures = 0 WHERE id = $1',
      [row.subscription_id],
    );
    return 'delivered';
  }

  // One transaction: nobody ever sees a disabled subscription with deliveries still pending.
  async function recordFailure(row: DeliveryRow, error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    const final = row.attempts >= options.maxAttempts;
    const disabled = await db.transaction(async (tx) => {
      await tx.query(
        'record_delivery_failure',
        `UPDATE deliveries SET status = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4 / 1000.0)
          WHERE id = $1`,
        [row.id, final ? 'failed' : 'pending', message.slice(0, 1_000), backoff(row.attempts)],
      );
      if (row.channel !== 'webhook') return false;
      const [subscription] = await tx.query<{ disabled: boolean }>(
        'count_webhook_failure',
        `UPDATE webhook_subscriptions
            SET consecutive_failures = consecutive_failures + 1,
                disabled_at = CASE WHEN consecutive_failures + 1 >= $2 THEN COALESCE(disabled_at, now()) END
          WHERE id = $1 RETURNING disabled_at IS NOT NULL AS disabled`,
        [row.subscription_id, options.disableAfter],
      );
      if (!subscription?.disabled) return false;
      await tx.query(
        'skip_disabled_webhook_deliveries',
        `UPDATE deliveries SET status = 'skipped' WHERE subscription_id = $1 AND status = 'pending'`,
        [row.subscription_id],
      );
      return true;
    });
    if (disabled)
      logger.warn({ subscriptionId: row.subscription_id }, 'webhook disabled after repeated failures');
    logger.warn(
      { deliveryId: row.id, channel: row.channel, attempt: row.attempts, final, reason: message },
      'delivery failed',
    );
  }

  const sending = new Set<Promise<void>>();
  const busySubscriptions = new Set<string>();

  async function relayBatch(): Promise<boolean> {
    const free = options.concurrency - sending.size;
    if (free <= 0) return false;
    // The oldest due row of each subscription that has nothing in flight here, then the emails.
    const rows = await db.query<DeliveryRow>(
      'claim_due_deliveries',
      `UPDATE deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $3 / 1000.0)
         FROM (SELECT id FROM deliveries
                WHERE id IN (SELECT id FROM (SELECT id, next_attempt_at,
                                                    row_number() OVER (PARTITION BY COALESCE(subscription_id, id)
                                                                       ORDER BY next_attempt_at) AS nth
                                               FROM deliveries
                                              WHERE status = 'pending' AND next_attempt_at <= now()
                                                AND (subscription_id IS NULL OR NOT (subscription_id = ANY($2::uuid[])))) c
                              WHERE nth = 1 ORDER BY next_attempt_at LIMIT $1)
                  AND status = 'pending'
                FOR UPDATE SKIP LOCKED) due
        WHERE d.id = due.id
        RETURNING d.id, d.event_id, d.channel, d.subscription_id, d.payload, d.attempts, d.trace_context`,
      [free, [...busySubscriptions], options.leaseMs],
    );
    for (const row of rows) {
      if (row.subscription_id) busySubscriptions.add(row.subscription_id);
      // Each send is a span in the trace of the event that asked for it.
      const send = context
        .with(propagation.extract(ROOT_CONTEXT, row.trace_context), () =>
          tracer.startActiveSpan(
            `${row.channel} send`,
            { kind: SpanKind.CLIENT, attributes: { 'syllabus.delivery.attempt': row.attempts } },
            (span) =>
              attempt(row)
                .catch((error: unknown) =>
                  logger.warn(
                    { err: error, deliveryId: row.id },
                    'delivery outcome not recorded; its lease retries it',
                  ),
                )
                .finally(() => span.end()),
          ),
        )
        .finally(() => {
          sending.delete(send);
          if (row.subscription_id) busySubscriptions.delete(row.subscription_id);
          loop.wake(); // a slot is free
        });
      sending.add(send);
    }
    return rows.length === free;
  }

  async function attempt(row: DeliveryRow) {
    try {
      const result = await deliver(row);
      await db.query(
        'record_delivery_outcome',
        `UPDATE deliveries SET status = $2, delivered_at = CASE WHEN $2 = 'delivered' THEN now() END, last_error = NULL
              WHERE id = $1`,
        [row.id, result],
      );
      outcomes.inc({ channel: row.channel, result });
    } catch (error) {
      outcomes.inc({ channel: row.channel, result: 'error' });
      const span = trace.getActiveSpan();
      span?.recordException(error instanceof Error ? error : String(error));
      span?.setStatus({ code: SpanStatusCode.ERROR });
      await recordFailure(row, error);
    }
  }

  const loop = createRelayLoop({
    relayBatch,
    intervalMs: options.intervalMs,
    logger,
    name: 'delivery worker',
  });
  return {
    ...loop,
    start: () => loop.start(),
    wake: () => loop.wake(),
    async stop() {
      await loop.stop();
      await Promise.allSettled([...sending]); // let the sends in flight finish and be recorded
    },
  };
}
