import type { Express } from 'express';
import { authenticate, principalOf, requireRole, type TokenVerifier } from '@syllabus/auth';
import type { Database } from '@syllabus/postgres';
import { NotFoundProblem, parseInput } from '@syllabus/service-kit';
import type { Fanout } from '../../data-access/fanout';
import { createNotificationStore, type Channel } from '../../data-access/store';
import type { NotifiableEvent } from '../../domain/templates';
import type { WebhookService } from '../../domain/webhooks';
import {
  feedQuery,
  lastEventId,
  notificationParams,
  preferencesBody,
  webhookBody,
  webhookParams,
} from './schemas';
import type { LiveStreams } from './live-streams';

export function mountNotificationRoutes(
  app: Express,
  deps: {
    db: Database;
    webhooks: WebhookService;
    fanout: Fanout;
    streams: LiveStreams;
    verifyToken: TokenVerifier;
  },
) {
  const store = createNotificationStore(deps.db);
  const learners = [authenticate(deps.verifyToken), requireRole('learner', 'admin')];

  app.get('/v1/me/notifications', ...learners, async (req, res) => {
    const { userId } = principalOf(req);
    const query = parseInput(feedQuery, req.query, 'query');
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
  });

  app.post('/v1/me/notifications/read-all', ...learners, async (req, res) => {
    res.json({ updated: await store.markAllRead(principalOf(req).userId) });
  });

  app.post('/v1/me/notifications/:id/read', ...learners, async (req, res) => {
    const { id } = parseInput(notificationParams, req.params, 'params');
    // Someone else's notification and no notification look the same from outside.
    if (!(await store.markRead(principalOf(req).userId, id)))
      throw new NotFoundProblem(`no notification ${id}`);
    res.status(204).end();
  });

  app.get('/v1/me/notifications/stream', ...learners, async (req, res) => {
    const after = parseInput(lastEventId, req.get('Last-Event-ID') ?? undefined, 'headers');
    await deps.streams.open(principalOf(req).userId, after === undefined ? undefined : Number(after), res);
  });

  app.get('/v1/me/notification-preferences', ...learners, async (req, res) => {
    res.json({ preferences: await store.allPreferences(principalOf(req).userId) });
  });

  app.put('/v1/me/notification-preferences', ...learners, async (req, res) => {
    const { userId } = principalOf(req);
    const { preferences } = parseInput(preferencesBody, req.body, 'body');
    await deps.db.transaction(async (tx) => {
      const inTx = createNotificationStore(tx);
      for (const [eventType, channels] of Object.entries(preferences)) {
        for (const [channel, enabled] of Object.entries(channels ?? {})) {
          if (enabled !== undefined)
            await inTx.setPreference(userId, eventType as NotifiableEvent, channel as Channel, enabled);
        }
      }
    });
    res.json({ preferences: await store.allPreferences(userId) });
  });

  app.post('/v1/me/webhooks', ...learners, async (req, res) => {
    const subscription = await deps.webhooks.subscribe(
      principalOf(req).userId,
      parseInput(webhookBody, req.body, 'body'),
    );
    res.status(201).location(`/v1/me/webhooks/${subscription.id}`).json(subscription);
  });

  app.get('/v1/me/webhooks', ...learners, async (req, res) => {
    res.json({ items: await deps.webhooks.list(principalOf(req).userId) });
  });

  app.delete('/v1/me/webhooks/:id', ...learners, async (req, res) => {
    const { id } = parseInput(webhookParams, req.params, 'params');
    await deps.webhooks.remove(principalOf(req).userId, id);
    res.status(204).end();
  });
}
