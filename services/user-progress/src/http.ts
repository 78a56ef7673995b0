import {
  dependencyChecks,
  type ServiceContext,
  type ServiceHttp,
  type ServiceParts,
} from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { mountProgressRoutes } from './entry-points/http/routes';
import type { UseCases } from './use-cases';

export function createHttp(
  { deps, useCases }: ServiceParts<Dependencies, UseCases>,
  { config }: ServiceContext<Config>,
): ServiceHttp {
  return {
    // Users and progress live in MongoDB. Events wait in its outbox while the broker is away, so
    // the broker only degrades the service; so does Redis, which holds only the leaderboard (the
    // relay catches it up later).
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
  };
}
