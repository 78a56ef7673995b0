import type { Database } from '@syllabus/postgres';
import type { Subscription, WebhookRepository } from '../domain/ports';
import type { NotifiableEvent } from '../domain/templates';

interface SubscriptionRow {
  id: string;
  url: string;
  /** Only what the route accepted: event types a webhook may be told of. */
  event_types: NotifiableEvent[];
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

/** Webhook subscriptions: a learner's, counted, added within a cap, listed and removed (softly). */
export function createWebhookRepository(db: Database): WebhookRepository {
  return {
    async insertWithinLimit(userId, subscription, perUser) {
      // Counted and inserted under a lock of the learner's, so two at once cannot both pass the cap.
      return db.transaction(async (tx) => {
        await tx.query('lock_user_subscriptions', 'SELECT pg_advisory_xact_lock(hashtext($1))', [userId]);
        const [{ count } = { count: 0 }] = await tx.query<{ count: number }>(
          'count_subscriptions',
          'SELECT count(*)::int AS count FROM webhook_subscriptions WHERE user_id = $1 AND deleted_at IS NULL',
          [userId],
        );
        if (count >= perUser) return undefined;
        const [inserted] = await tx.query<SubscriptionRow>(
          'insert_subscription',
          `INSERT INTO webhook_subscriptions (user_id, url, event_types, secret) VALUES ($1, $2, $3, $4) RETURNING *`,
          [userId, subscription.url, subscription.eventTypes, subscription.secret],
        );
        return toSubscription(inserted!);
      });
    },

    async list(userId: string) {
      const rows = await db.query<SubscriptionRow>(
        'list_subscriptions',
        'SELECT * FROM webhook_subscriptions WHERE user_id = $1 AND deleted_at IS NULL ORDER BY created_at, id',
        [userId],
      );
      return rows.map(toSubscription);
    },

    async remove(userId: string, id: string): Promise<boolean> {
      const rows = await db.query(
        'delete_subscription',
        `UPDATE webhook_subscriptions SET deleted_at = now() WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING id`,
        [id, userId],
      );
      return rows.length > 0;
    },
  };
}
