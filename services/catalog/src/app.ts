import { createServiceApp, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { createCatalogReads } from './domain/catalog-reads';
import { createCourseService } from './domain/course-service';
import { mountCatalogRoutes } from './entry-points/http/routes';

export function createApp(
  deps: Dependencies & { config: Config; logger: Logger; isStopping: () => boolean },
) {
  const reads = createCatalogReads({ db: deps.db, cache: deps.cache });
  const courses = createCourseService({ db: deps.db, onEventRecorded: () => deps.outbox.wake() });
  return createServiceApp({
    service: 'catalog',
    logger: deps.logger,
    metrics: deps.metrics,
    isStopping: deps.isStopping,
    healthChecks: [
      // Without PostgreSQL the catalog has nothing to serve. Without Redis it reads from the
      // database; without the broker its writes wait in the outbox. Both only degrade it.
      { name: 'postgres', critical: true, check: () => deps.postgres.query('SELECT 1') },
      { name: 'redis', critical: false, check: () => deps.redis.ping() },
      { name: 'rabbitmq', critical: false, check: () => deps.broker.check() },
    ],
    routes: (app) =>
      mountCatalogRoutes(app, {
        reads,
        courses,
        verifyToken: deps.verifyToken,
        validateResponses: deps.config.VALIDATE_RESPONSES,
      }),
  });
}
