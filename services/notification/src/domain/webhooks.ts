import type { Database } from '@syllabus/postgres';
import { DomainError } from '@syllabus/contracts';
import { newWebhookSecret } from './signing';
import { assertSafeWebhookUrl } from './ssrf';

export interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  createdAt: string;
  disabledAt: string | null;
  consecutiveFailures: number;
}

interface SubscriptionRow {
  id: string;
  url: string;
  event_types: string[];
  created_at: Date;
  disabled_at: Date | null;
  consecutive_failures: number;
}

const toSubscription = (row: SubscriptionRow): Subscription => ({
  id: row.id,
  url: row.url,
  eventTypes: row.event_types,
  createdAt: row.created_at.toISOString(),
  disabledAt: row.disabled_at?.toISOString() ?? null,
  consecutiveFailures: row.consecutive_failures,
});

export function createWebhookService(deps: { db: Database; allowPrivateNetworks: boolean; perUser: number }) {
  const { db } = deps;
  return {
    /** The secret is returned here once; it is never shown again. */
    async subscribe(userId: string, input: { url: string; eventTypes: string[] }) {
      const url = await assertSafeWebhookUrl(input.url, deps.allowPrivateNetworks);
      const secret = newWebhookSecret();
      // One event fans out to every subscription: a cap per learner bounds the calls one event makes.
      const row = await db.transaction(async (tx) => {
        await tx.query('lock_user_subscriptions', 'SELECT pg_advisory_xact_lock(hashtext($1))', [userId]);
        const [{ count } = { count: 0 }] = await tx.query<{ count: number }>(
          'count_subscriptions',
          'SELECT count(*)::int AS count FROM webhook_subscriptions WHERE user_id = $1 AND deleted_at IS NULL',
          [userId],
        );
        if (count >= deps.perUser) {
          throw new DomainError(
            'webhook-limit',
            `at most ${deps.perUser} webhooks per learner; delete one first`,
          );
        }
        const [inserted] = await tx.query<SubscriptionRow>(
          'insert_subscription',
          `INSERT INTO webhook_subscriptions (user_id, url, event_types, secret) VALUES ($1, $2, $3, $4) RETURNING *`,
          [userId, url.toString(), input.eventTypes, secret],
        );
        return inserted!;
      });
      return { ...toSubscription(row), secret };
    },

    async list(userId: string) {
      const rows = await db.query<SubscriptionRow>(
        'list_subscriptions',
        'SELECT * FROM webhook_subscriptions WHERE user_id = $1 AND deleted_at IS NULL ORDER BY created_at, id',
        [userId],
      );
      return rows.map(toSubscription);
    },

    async remove(userId: string, id: string) {
      const rows = await db.query(
        'delete_subscription',
        `UPDATE webhook_subscriptions SET deleted_at = now() WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING id`,
        [id, userId],
      );
      if (rows.length === 0) throw new DomainError('webhook-not-found', `no webhook ${id}`);
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
