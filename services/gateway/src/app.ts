import { createServiceApp, type Logger } from '@syllabus/service-kit';
import type { Dependencies } from './dependencies';

export function createApp(deps: Dependencies & { logger: Logger; isStopping: () => boolean }) {
  return createServiceApp({
    service: 'gateway',
    logger: deps.logger,
    metrics: deps.metrics,
    isStopping: deps.isStopping,
    healthChecks: [
      // Refresh tokens and the shared rate limits live in Redis: without it the gateway cannot
      // sign anyone in safely, so it stops taking traffic.
      { name: 'redis', critical: true, check: () => deps.redis.ping() },
    ],
    routes: () => {
      // Authentication, routing and aggregation arrive with the gateway issue.
    },
  });
}
