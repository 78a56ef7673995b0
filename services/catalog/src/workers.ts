import type { ServiceContext, ServiceParts, Worker } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { consumeCacheInvalidations } from './entry-points/messaging/cache-invalidation';
import type { UseCases } from './use-cases';

/** The catalog's background work: its own cache-invalidation consumer, and the outbox relay. */
export const createWorkers = (
  { deps, useCases }: ServiceParts<Dependencies, UseCases>,
  { logger }: ServiceContext<Config>,
): Worker[] => [
  { name: 'cache invalidation', start: () => consumeCacheInvalidations({ ...deps, logger }) },
  {
    name: 'outbox relay',
    start: () => useCases.outboxRelay.start(),
    stop: () => useCases.outboxRelay.stop(),
  },
];
