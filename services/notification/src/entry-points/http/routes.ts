import type { Express } from 'express';
import { guardsFor, principalOf, type TokenVerifier } from '@syllabus/auth';
import { notificationRoutes } from '@syllabus/contracts';
import { mountRoutes } from '@syllabus/service-kit';
import type { FeedService } from '../../domain/feed';
import type { WebhookService } from '../../domain/webhooks';
import type { LiveStreams } from './live-streams';

export function mountNotificationRoutes(
  app: Express,
  deps: {
    feed: FeedService;
    webhooks: WebhookService;
    streams: LiveStreams;
    verifyToken: TokenVerifier;
  },
  validateResponses: boolean,
) {
  const { feed } = deps;
  mountRoutes(
    app,
    notificationRoutes,
    {
      listNotifications: async ({ query }, req, res) => {
        const page = await feed.page(principalOf(req).userId, {
          unreadOnly: query.unread === 'true',
          before: query.cursor === undefined ? undefined : Number(query.cursor),
          limit: query.limit,
        });
        res.set('Cache-Control', 'private, no-store').json(page);
      },
      markAllRead: async (_input, req, res) => {
        res.json({ updated: await feed.markAllRead(principalOf(req).userId) });
      },
      markRead: async ({ params }, req, res) => {
        await feed.markRead(principalOf(req).userId, params.notification);
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
        res.json({ preferences: await feed.preferences(principalOf(req).userId) });
      },
      setPreferences: async ({ body }, req, res) => {
        res.json({ preferences: await feed.setPreferences(principalOf(req).userId, body.preferences) });
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
    { guards: guardsFor(deps.verifyToken), validateResponses },
  );
}
