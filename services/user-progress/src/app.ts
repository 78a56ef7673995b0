import { createServiceApp, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { mountProgressRoutes } from './entry-points/http/routes';

export function createApp(
  deps: Dependencies & { config: Config; logger: Logger; isStopping: () => boolean },
) {
  return createServiceApp({
    service: 'user-progress',
    logger: deps.logger,
    metrics: deps.metrics,
    isStopping: deps.isStopping,
    healthChecks: [
      // Users and progress live in MongoDB. Events wait in its outbox while the broker is
      // away, so the broker only degrades the service.
      {
        name: 'mongodb',
        critical: true,
        check: () => deps.mongo.db?.admin().ping() ?? Promise.reject(new Error('not connected')),
      },
      { name: 'rabbitmq', critical: false, check: () => deps.broker.check() },
      // Only the leaderboard lives in Redis; while it is away the relay catches the board up later.
      { name: 'redis', critical: false, check: () => deps.redis.ping() },
    ],
    routes: (app) =>
      mountProgressRoutes(app, {
        users: deps.users,
        progress: deps.progress,
        verifyToken: deps.verifyToken,
        internalToken: deps.config.INTERNAL_TOKEN,
        validateResponses: deps.config.VALIDATE_RESPONSES,
      }),
  });
}
