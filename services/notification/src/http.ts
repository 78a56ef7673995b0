import {
  dependencyChecks,
  type ServiceContext,
  type ServiceHttp,
  type ServiceParts,
} from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { createLiveStreams } from './entry-points/http/live-streams';
import { mountNotificationRoutes } from './entry-points/http/routes';
import type { UseCases } from './use-cases';

export function createHttp(
  { deps, useCases }: ServiceParts<Dependencies, UseCases>,
  { config }: ServiceContext<Config>,
): ServiceHttp {
  const { feed, webhooks } = useCases;
  const streams = createLiveStreams({
    feed,
    fanout: deps.fanout,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    maxDurationMs: config.SSE_MAX_DURATION_MS,
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
