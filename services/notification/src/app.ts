import { createServiceApp, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';
import { createNotificationStore } from './data-access/store';
import type { Dependencies } from './dependencies';
import { createWebhookService } from './domain/webhooks';
import { createLiveStreams, type LiveStreams } from './entry-points/http/live-streams';
import { mountNotificationRoutes } from './entry-points/http/routes';

export function createApp(
  deps: Dependencies & { config: Config; logger: Logger; isStopping: () => boolean; streams?: LiveStreams },
) {
  const streams =
    deps.streams ??
    createLiveStreams({
      store: createNotificationStore(deps.db),
      fanout: deps.fanout,
      heartbeatMs: deps.config.SSE_HEARTBEAT_MS,
      maxDurationMs: deps.config.SSE_MAX_DURATION_MS,
    });
  const webhooks = createWebhookService({
    db: deps.db,
    allowPrivateNetworks: deps.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    perUser: deps.config.WEBHOOKS_PER_USER,
  });
  const app = createServiceApp({
    service: 'notification',
    logger: deps.logger,
    metrics: deps.metrics,
    isStopping: deps.isStopping,
    healthChecks: [
      // PostgreSQL holds the feed, preferences, the inbox and the deliveries: without it nothing
      // works. Redis only fans live events out across instances, and the broker only brings new
      // events: both degrade.
      { name: 'postgres', critical: true, check: () => deps.postgres.query('SELECT 1') },
      { name: 'redis', critical: false, check: () => deps.redis.ping() },
      { name: 'rabbitmq', critical: false, check: () => deps.broker.check() },
    ],
    routes: (router) =>
      mountNotificationRoutes(router, {
        ...deps,
        webhooks,
        streams,
        validateResponses: deps.config.VALIDATE_RESPONSES,
      }),
  });
  return Object.assign(app, { streams });
}
