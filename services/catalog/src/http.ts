import type { ServiceContext, ServiceHttp } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { createCatalogReads } from './domain/catalog-reads';
import { createCourseService } from './domain/course-service';
import { mountCatalogRoutes } from './entry-points/http/routes';

export function createHttp(deps: Dependencies, { config }: ServiceContext<Config>): ServiceHttp {
  const reads = createCatalogReads({ db: deps.db, cache: deps.cache });
  const courses = createCourseService({ db: deps.db, onEventRecorded: () => deps.outbox.wake() });
  return {
    // Without PostgreSQL the catalog has nothing to serve. Without Redis it reads from the
    // database; without the broker its writes wait in the outbox. Both only degrade it.
    healthChecks: [
      { name: 'postgres', critical: true, check: () => deps.postgres.query('SELECT 1') },
      { name: 'redis', critical: false, check: () => deps.redis.ping() },
      { name: 'rabbitmq', critical: false, check: () => deps.broker.check() },
    ],
    routes: (app) =>
      mountCatalogRoutes(app, {
        reads,
        courses,
        verifyToken: deps.verifyToken,
        validateResponses: config.VALIDATE_RESPONSES,
      }),
  };
}
