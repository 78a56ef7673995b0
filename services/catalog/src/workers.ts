import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { consumeCacheInvalidations } from './entry-points/messaging/cache-invalidation';

/** The catalog's background work: the outbox relay and its own cache-invalidation consumer. */
export async function startWorkers(deps: Dependencies, { logger, lifecycle }: ServiceContext<Config>) {
  await consumeCacheInvalidations({ ...deps, logger });
  deps.outbox.start();
  lifecycle.onShutdown('outbox relay', () => deps.outbox.stop());
}
