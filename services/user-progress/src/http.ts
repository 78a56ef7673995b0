import { dependencyChecks, type HttpStage } from '@syllabus/service-kit';
import { mountProgressRoutes } from './entry-points/http/routes';
import type { UserProgress } from './use-cases';

// Users and progress live in MongoDB. Events wait in its outbox while the broker is away, so the
// broker only degrades the service; so does Redis, which holds only the leaderboard (the relay
// catches it up later).
export const createHttp: HttpStage<UserProgress> = ({ deps, useCases }, { config }) => ({
  healthChecks: [
    {
      name: 'mongodb',
      critical: true,
      check: () => deps.mongo.db?.admin().ping() ?? Promise.reject(new Error('not connected')),
    },
    dependencyChecks.rabbitmq(deps.broker, false),
    dependencyChecks.redis(deps.redis, false),
  ],
  routes: (app) =>
    mountProgressRoutes(app, {
      users: useCases.users,
      progress: useCases.progress,
      verifyToken: deps.verifyToken,
      internalToken: config.INTERNAL_TOKEN,
      validateResponses: config.VALIDATE_RESPONSES,
    }),
});
