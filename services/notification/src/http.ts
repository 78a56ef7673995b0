import type { ServiceContext, ServiceHttp } from '@syllabus/service-kit';
import type { Config } from './config';
import { createWebhookRepository } from './data-access/webhooks';
import type { Dependencies } from './dependencies';
import { createFeedService } from './domain/feed';
import { createWebhookService } from './domain/webhooks';
import { createLiveStreams } from './entry-points/http/live-streams';
import { mountNotificationRoutes } from './entry-points/http/routes';

export function createHttp(deps: Dependencies, { config }: ServiceContext<Config>): ServiceHttp {
  const feed = createFeedService({ data: deps.data });
  const streams = createLiveStreams({
    feed,
    fanout: deps.fanout,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    maxDurationMs: config.SSE_MAX_DURATION_MS,
  });
  const webhooks = createWebhookService({
    subscriptions: createWebhookRepository(deps.db),
    allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    perUser: config.WEBHOOKS_PER_USER,
  });
  return {
    // PostgreSQL holds the feed, preferences, the inbox and the deliveries: without it nothing
    // works. Redis only fans live events out across instances, and the broker only brings new
    // events: both degrade.
    healthChecks: [
      { name: 'postgres', critical: true, check: () => deps.postgres.query('SELECT 1') },
      { name: 'redis', critical: false, check: () => deps.redis.ping() },
      { name: 'rabbitmq', critical: false, check: () => deps.broker.check() },
    ],
    routes: (app) =>
      mountNotificationRoutes(app, {
        feed,
        webhooks,
        streams,
        verifyToken: deps.verifyToken,
        validateResponses: config.VALIDATE_RESPONSES,
      }),
    // Open streams would hold the server open.
    drain: () => streams.closeAll(),
  };
}
