import { createServiceApp, type Logger } from '@syllabus/service-kit';
import type { Dependencies } from './dependencies';

export function createApp(deps: Dependencies & { logger: Logger; isStopping: () => boolean }) {
  return createServiceApp({
    service: 'notification',
    logger: deps.logger,
    metrics: deps.metrics,
    isStopping: deps.isStopping,
    healthChecks: [
      // PostgreSQL holds the feed, preferences and the inbox: without it nothing works. Redis only
      // fans live events out across instances, and the broker only brings new events: both degrade.
      { name: 'postgres', critical: true, check: () => deps.postgres.query('SELECT 1') },
      { name: 'redis', critical: false, check: () => deps.redis.ping() },
      { name: 'rabbitmq', critical: false, check: () => deps.broker.check() },
    ],
    routes: () => {
      // The curriculum API arrives with the notification domain.
    },
  });
}
