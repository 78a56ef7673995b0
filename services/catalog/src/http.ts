import { dependencyChecks, type HttpStage } from '@syllabus/service-kit';
import { mountCatalogRoutes } from './entry-points/http/routes';
import type { Catalog } from './use-cases';

export const createHttp: HttpStage<Catalog> = ({ deps, useCases }, { config }) => ({
  healthChecks: [
    dependencyChecks.postgres(deps.postgres, true), // without it there is nothing to serve
    dependencyChecks.redis(deps.redis, false), // reads go to PostgreSQL meanwhile
    dependencyChecks.rabbitmq(deps.broker, false), // writes wait in the outbox meanwhile
  ],
  routes: (app) =>
    mountCatalogRoutes(
      app,
      { ...useCases, verifyToken: deps.verifyToken, etags: deps.etags },
      config.VALIDATE_RESPONSES,
    ),
});
