import { dependencyChecks, type ServiceContext, type ServiceHttp } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { createCatalogReads } from './domain/catalog-reads';
import { createCourseService } from './domain/course-service';
import { mountCatalogRoutes } from './entry-points/http/routes';

export function createHttp(deps: Dependencies, { config }: ServiceContext<Config>): ServiceHttp {
  const reads = createCatalogReads({ db: deps.db, cache: deps.cache });
  const courses = createCourseService({ db: deps.db, onEventRecorded: () => deps.outbox.wake() });
  return {
    healthChecks: [
      dependencyChecks.postgres(deps.postgres, true), // without it there is nothing to serve
      dependencyChecks.redis(deps.redis, false), // reads go to PostgreSQL meanwhile
      dependencyChecks.rabbitmq(deps.broker, false), // writes wait in the outbox meanwhile
    ],
    routes: (app) =>
      mountCatalogRoutes(app, { reads, courses, verifyToken: deps.verifyToken }, config.VALIDATE_RESPONSES),
  };
}
