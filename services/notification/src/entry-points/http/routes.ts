import type { Express } from 'express';
import { guardsFor, principalOf, type TokenVerifier } from '@syllabus/auth';
import { notificationRoutes } from '@syllabus/contracts';
import { mountRoutes, streamed } from '@syllabus/service-kit';
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
      listNotifications: async ({ query }, req) => {
        const page = await feed.page(principalOf(req).userId, {
          unreadOnly: query.unread === 'true',
          before: query.cursor === undefined ? undefined : Number(query.cursor),
          limit: query.limit,
        });
        return { status: 200, headers: { 'Cache-Control': 'private, no-store' }, body: page };
      },
      markAllRead: async (_input, req) => ({
        status: 200,
        body: { updated: await feed.markAllRead(principalOf(req).userId) },
      }),
      markRead: async ({ params }, req) => {
        await feed.markRead(principalOf(req).userId, params.notification);
        return { status: 204 };
      },
      notificationStream: async ({ headers }, req, res) => {
        const after = headers['last-event-id'];
        await deps.streams.open(
          principalOf(req).userId,
          after === undefined ? undefined : Number(after),
          res,
        );
        return streamed;
      },
      getPreferences: async (_input, req) => ({
        status: 200,
        body: { preferences: await feed.preferences(principalOf(req).userId) },
      }),
      setPreferences: async ({ body }, req) => ({
        status: 200,
        body: { preferences: await feed.setPreferences(principalOf(req).userId, body.preferences) },
      }),
      createWebhook: async ({ body }, req) => ({
        status: 201,
        body: await deps.webhooks.subscribe(principalOf(req).userId, body),
      }),
      listWebhooks: async (_input, req) => ({
        status: 200,
        body: { items: await deps.webhooks.list(principalOf(req).userId) },
      }),
      deleteWebhook: async ({ params }, req) => {
        await deps.webhooks.remove(principalOf(req).userId, params.webhook);
        return { status: 204 };
      },
    },
    { guards: guardsFor(deps.verifyToken), validateResponses },
  );
}
