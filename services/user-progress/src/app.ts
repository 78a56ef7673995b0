import { createServiceApp, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { createProgressService } from './domain/progress';
import { createPasswords } from './domain/passwords';
import { createUserService } from './domain/users';
import { mountProgressRoutes } from './entry-points/http/routes';

export function createApp(
  deps: Dependencies & { config: Config; logger: Logger; isStopping: () => boolean },
) {
  const users = createUserService({
    models: deps.models,
    passwords: createPasswords({ concurrency: deps.config.HASH_CONCURRENCY, queue: deps.config.HASH_QUEUE }),
    onEventRecorded: () => deps.relay.wake(),
  });
  const progress = createProgressService({
    models: deps.models,
    onEventRecorded: () => deps.relay.wake(),
    leaderboardTtlMs: deps.config.LEADERBOARD_CACHE_MS,
  });
  return createServiceApp({
    service: 'user-progress',
    logger: deps.logger,
    metrics: deps.metrics,
    isStopping: deps.isStopping,
    healthChecks: [
      // Users and progress live in MongoDB. Events wait inside their documents while the
      // broker is away, so the broker only degrades the service.
      {
        name: 'mongodb',
        critical: true,
        check: () => deps.mongo.db?.admin().ping() ?? Promise.reject(new Error('not connected')),
      },
      { name: 'rabbitmq', critical: false, check: () => deps.broker.check() },
    ],
    routes: (app) =>
      mountProgressRoutes(app, {
        users,
        progress,
        verifyToken: deps.verifyToken,
        internalToken: deps.config.INTERNAL_TOKEN,
      }),
  });
}
