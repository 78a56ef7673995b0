import type { Express } from 'express';
import { guardsFor, principalOf, type TokenVerifier } from '@syllabus/auth';
import { DomainError, notificationRoutes } from '@syllabus/contracts';
import type { Database } from '@syllabus/postgres';
import { mountRoutes } from '@syllabus/service-kit';
import type { Fanout } from '../../data-access/fanout';
import { createNotificationStore, type Channel } from '../../data-access/store';
import type { NotifiableEvent } from '../../domain/templates';
import type { WebhookService } from '../../domain/webhooks';
import type { LiveStreams } from './live-streams';

export function mountNotificationRoutes(
  app: Express,
  deps: {
    db: Database;
    webhooks: WebhookService;
    fanout: Fanout;
    streams: LiveStreams;
    verifyToken: TokenVerifier;
    validateResponses: boolean;
  },
) {
  const store = createNotificationStore(deps.db);

  mountRoutes(
    app,
    notificationRoutes,
    {
      listNotifications: async ({ query }, req, res) => {
        const { userId } = principalOf(req);
        const items = await store.feed(userId, {
          unreadOnly: query.unread === 'true',
          before: query.cursor === undefined ? undefined : Number(query.cursor),
          limit: query.limit,
        });
        res.set('Cache-Control', 'private, no-store').json({
          items,
          nextCursor: items.length === query.limit ? String(items.at(-1)!.seq) : null,
          unreadCount: await store.unreadCount(userId),
        });
      },
      markAllRead: async (_input, req, res) => {
        res.json({ updated: await store.markAllRead(principalOf(req).userId) });
      },
      markRead: async ({ params }, req, res) => {
        // Someone else's notification and no notification look the same from outside.
        if (!(await store.markRead(principalOf(req).userId, params.notification)))
          throw new DomainError('notification-not-found', `no notification ${params.notification}`);
        res.status(204).end();
      },
      notificationStream: async ({ headers }, req, res) => {
        const after = headers['last-event-id'];
        await deps.streams.open(
          principalOf(req).userId,
          after === undefined ? undefined : Number(after),
          res,
        );
      },
      getPreferences: async (_input, req, res) => {
        res.json({ preferences: await store.allPreferences(principalOf(req).userId) });
      },
      setPreferences: async ({ body }, req, res) => {
        const { userId } = principalOf(req);
        await deps.db.transaction(async (tx) => {
          const inTx = createNotificationStore(tx);
          for (const [eventType, channels] of Object.entries(body.preferences)) {
            for (const [channel, enabled] of Object.entries(channels ?? {})) {
              if (enabled !== undefined)
                await inTx.setPreference(userId, eventType as NotifiableEvent, channel as Channel, enabled);
            }
          }
        });
        res.json({ preferences: await store.allPreferences(userId) });
      },
      createWebhook: async ({ body }, req, res) => {
        res.status(201).json(await deps.webhooks.subscribe(principalOf(req).userId, body));
      },
      listWebhooks: async (_input, req, res) => {
        res.json({ items: await deps.webhooks.list(principalOf(req).userId) });
      },
      deleteWebhook: async ({ params }, req, res) => {
        await deps.webhooks.remove(principalOf(req).userId, params.webhook);
        res.status(204).end();
      },
    },
    { guards: guardsFor(deps.verifyToken), validateResponses: deps.validateResponses },
  );
}
