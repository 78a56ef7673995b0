import type { WorkersStage } from '@syllabus/service-kit';
import { consumeCacheInvalidations } from './entry-points/messaging/cache-invalidation';
import type { Catalog } from './use-cases';

/** The catalog's background work: its own cache-invalidation consumer, and the outbox relay. */
export const createWorkers: WorkersStage<Catalog> = ({ deps, useCases: { outboxRelay } }, { logger }) => [
  { name: 'cache invalidation', start: () => consumeCacheInvalidations({ ...deps, logger }) },
  { name: 'outbox relay', start: () => outboxRelay.start(), stop: () => outboxRelay.stop() },
];
