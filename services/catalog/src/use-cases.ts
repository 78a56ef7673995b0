import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import { createCatalogData } from './data-access/catalog-data';
import { createOutboxRelay } from './data-access/outbox';
import type { Dependencies } from './dependencies';
import { createCatalogReads } from './domain/catalog-reads';
import { createCourseService } from './domain/course-service';

/** The catalog's domain, wired from its clients; nothing starts here. */
export function createUseCases(deps: Dependencies, { config, logger, metrics }: ServiceContext<Config>) {
  const data = createCatalogData(deps.db);
  // Sends what the use cases record in the outbox; `workers.ts` starts and stops it.
  const outboxRelay = createOutboxRelay({
    db: deps.db,
    broker: deps.broker,
    logger,
    registry: metrics.registry,
    intervalMs: config.OUTBOX_INTERVAL_MS,
  });
  deps.broker.onConnect(() => outboxRelay.wake());
  return {
    reads: createCatalogReads({ courses: data.courses, cache: deps.cache }),
    courses: createCourseService({ data, onEventRecorded: () => outboxRelay.wake() }),
    outboxRelay,
  };
}

export type UseCases = ReturnType<typeof createUseCases>;

/** What catalog's stages are typed by (`HttpStage<Catalog>`, `WorkersStage<Catalog>`). */
export interface Catalog {
  config: Config;
  deps: Dependencies;
  useCases: UseCases;
}
