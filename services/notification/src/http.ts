import { dependencyChecks, type ServiceContext, type ServiceHttp } from '@syllabus/service-kit';
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
    healthChecks: [
      dependencyChecks.postgres(deps.postgres, true), // the feed, the inbox, deliveries: everything
      dependencyChecks.redis(deps.redis, false), // fans live events out across instances only
      dependencyChecks.rabbitmq(deps.broker, false), // only brings new events
    ],
    routes: (app) =>
      mountNotificationRoutes(
        app,
        { feed, webhooks, streams, verifyToken: deps.verifyToken },
        config.VALIDATE_RESPONSES,
      ),
    // Open streams would hold the server open.
    drain: () => streams.closeAll(),
  };
}
