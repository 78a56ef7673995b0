import { dependencyChecks, type HttpStage } from '@syllabus/service-kit';
import { createLiveStreams } from './entry-points/http/live-streams';
import { mountNotificationRoutes } from './entry-points/http/routes';
import type { Notification } from './use-cases';

export const createHttp: HttpStage<Notification> = ({ deps, useCases: { feed, webhooks } }, { config }) => {
  const streams = createLiveStreams({
    feed,
    fanout: deps.fanout,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    maxDurationMs: config.SSE_MAX_DURATION_MS,
  });
  return {
    healthChecks: [
      dependencyChecks.postgres(deps.postgres, true), // the feed, the inbox, deliveries: everything
      dependencyChecks.rabbitmq(deps.broker, false), // only brings new events
      dependencyChecks.redis(deps.redis, false), // fans live events out across instances only
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
};
