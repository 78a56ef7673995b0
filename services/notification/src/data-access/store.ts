import { context, propagation } from '@opentelemetry/api';
import type { Database, Queryable } from '@syllabus/postgres';
import type { Channel, Notification, NotificationData, NotificationStore } from '../domain/ports';
import { notifiableEvents, type NotifiableEvent } from '../domain/templates';

interface NotificationRow {
  id: string;
  seq: string;
  user_id: string;
  event_id: string;
  event_type: string;
  title: string;
  body: string;
  created_at: Date;
  read_at: Date | null;
}

const toNotification = (row: NotificationRow): Notification => ({
  id: row.id,
  seq: Number(row.seq),
  userId: row.user_id,
  eventId: row.event_id,
  eventType: row.event_type,
  title: row.title,
  body: row.body,
  createdAt: row.created_at.toISOString(),
  readAt: row.read_at?.toISOString() ?? null,
});

const columnOf: Record<Channel, string> = { inApp: 'in_app', email: 'email', webhook: 'webhook' };
const channelOf = Object.fromEntries(Object.entries(columnOf).map(([k, v]) => [v, k])) as Record<
  string,
  Channel
>;

function createNotificationStore(db: Queryable): NotificationStore {
  return {
    async firstDelivery(eventId: string, type: string): Promise<boolean> {
      const rows = await db.query(
        'inbox_insert',
        'INSERT INTO inbox (event_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id',
        [eventId, type],
      );
      return rows.length === 1;
    },

    async saveRecipient(recipient: { userId: string; email: string; displayName: string; timeZone: string }) {
      await db.query(
        'upsert_recipient',
        `INSERT INTO recipients (user_id, email, display_name, time_zone) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, display_name = EXCLUDED.display_name,
           time_zone = EXCLUDED.time_zone`,
        [recipient.userId, recipient.email, recipient.displayName, recipient.timeZone],
      );
    },

    async recipient(userId: string) {
      const [row] = await db.query<{ email: string; display_name: string }>(
        'find_recipient',
        'SELECT email, display_name FROM recipients WHERE user_id = $1',
        [userId],
      );
      return row && { email: row.email, displayName: row.display_name };
    },

    async saveCourseTitle(courseId: string, title: string) {
      await db.query(
        'upsert_course_title',
        `INSERT INTO course_titles (course_id, title) VALUES ($1, $2)
         ON CONFLICT (course_id) DO UPDATE SET title = EXCLUDED.title`,
        [courseId, title],
      );
    },

    async courseTitle(courseId: string): Promise<string | undefined> {
      const [row] = await db.query<{ title: string }>(
        'find_course_title',
        'SELECT title FROM course_titles WHERE course_id = $1',
        [courseId],
      );
      return row?.title;
    },

    async preferencesFor(userId: string, eventType: NotifiableEvent): Promise<Record<Channel, boolean>> {
      const rows = await db.query<{ channel: string; enabled: boolean }>(
        'preferences_for_event',
        'SELECT channel, enabled FROM preferences WHERE user_id = $1 AND event_type = $2',
        [userId, eventType],
      );
      const chosen: Record<Channel, boolean> = { ...notifiableEvents[eventType] };
      for (const row of rows) chosen[channelOf[row.channel]!] = row.enabled;
      return chosen;
    },

    async allPreferences(userId: string) {
      const rows = await db.query<{ event_type: string; channel: string; enabled: boolean }>(
        'all_preferences',
        'SELECT event_type, channel, enabled FROM preferences WHERE user_id = $1',
        [userId],
      );
      const all = Object.fromEntries(
        Object.entries(notifiableEvents).map(([type, defaults]) => [type, { ...defaults }]),
      ) as Record<NotifiableEvent, Record<Channel, boolean>>;
      for (const row of rows) {
        const forType = all[row.event_type as NotifiableEvent];
        if (forType) forType[channelOf[row.channel]!] = row.enabled;
      }
      return all;
    },

    async setPreference(userId: string, eventType: NotifiableEvent, channel: Channel, enabled: boolean) {
      await db.query(
        'upsert_preference',
        `INSERT INTO preferences (user_id, event_type, channel, enabled) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, event_type, channel) DO UPDATE SET enabled = EXCLUDED.enabled`,
        [userId, eventType, columnOf[channel], enabled],
      );
    },

    async insertNotification(n) {
      const [row] = await db.query<NotificationRow>(
        'insert_notification',
        `INSERT INTO notifications (user_id, event_id, event_type, title, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [n.userId, n.eventId, n.eventType, n.title, n.body, n.at],
      );
      return toNotification(row!);
    },

    async enqueueDelivery(d) {
      const traceContext: Record<string, string> = {};
      propagation.inject(context.active(), traceContext);
      await db.query(
        'enqueue_delivery',
        `INSERT INTO deliveries (event_id, channel, user_id, subscription_id, payload, trace_context)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [
          d.eventId,
          d.channel,
          d.userId,
          d.subscriptionId,
          JSON.stringify(d.payload),
          JSON.stringify(traceContext),
        ],
      );
    },

    async activeSubscriptionsFor(userId: string, eventType: string) {
      return db.query<{ id: string }>(
        'subscriptions_for_event',
        `SELECT id FROM webhook_subscriptions
          WHERE user_id = $1 AND $2 = ANY(event_types) AND disabled_at IS NULL AND deleted_at IS NULL`,
        [userId, eventType],
      );
    },

    async feed(userId: string, options: { unreadOnly: boolean; before?: number; limit: number }) {
      const rows = await db.query<NotificationRow>(
        'notification_feed',
        `SELECT * FROM notifications
          WHERE user_id = $1 AND ($2::bigint IS NULL OR seq < $2) AND (NOT $3 OR read_at IS NULL)
          ORDER BY seq DESC LIMIT $4`,
        [userId, options.before ?? null, options.unreadOnly, options.limit],
      );
      return rows.map(toNotification);
    },

    async after(userId: string, seq: number, limit: number) {
      const rows = await db.query<NotificationRow>(
        'notifications_after',
        'SELECT * FROM notifications WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [userId, seq, limit],
      );
      return rows.map(toNotification);
    },

    async unreadCount(userId: string): Promise<number> {
      const [row] = await db.query<{ count: number }>(
        'unread_count',
        'SELECT count(*)::int AS count FROM notifications WHERE user_id = $1 AND read_at IS NULL',
        [userId],
      );
      return row?.count ?? 0;
    },

    async markRead(userId: string, id: string): Promise<boolean> {
      const rows = await db.query(
        'mark_read',
        `UPDATE notifications SET read_at = COALESCE(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING id`,
        [id, userId],
      );
      return rows.length === 1;
    },

    async markAllRead(userId: string): Promise<number> {
      const rows = await db.query(
        'mark_all_read',
        'UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL RETURNING id',
        [userId],
      );
      return rows.length;
    },
  };
}

/** The store, and the same store inside one transaction (committed if `work` resolves). */
export function createNotificationData(db: Database): NotificationData {
  return {
    ...createNotificationStore(db),
    transaction: (work) => db.transaction((tx) => work(createNotificationStore(tx))),
  };
}
