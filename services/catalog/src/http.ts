import {
  dependencyChecks,
  type ServiceContext,
  type ServiceHttp,
  type ServiceParts,
} from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { mountCatalogRoutes } from './entry-points/http/routes';
import type { UseCases } from './use-cases';

export function createHttp(
  { deps, useCases }: ServiceParts<Dependencies, UseCases>,
  { config }: ServiceContext<Config>,
): ServiceHttp {
  return {
    healthChecks: [
      dependencyChecks.postgres(deps.postgres, true), // without it there is nothing to serve
      dependencyChecks.redis(deps.redis, false), // reads go to PostgreSQL meanwhile
      dependencyChecks.rabbitmq(deps.broker, false), // writes wait in the outbox meanwhile
    ],
    routes: (app) =>
      mountCatalogRoutes(
        app,
        {
          reads: useCases.reads,
          courses: useCases.courses,
          verifyToken: deps.verifyToken,
          etags: deps.etags,
        },
        config.VALIDATE_RESPONSES,
      ),
  };
}
