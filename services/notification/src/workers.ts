import type { ServiceContext, ServiceParts, Worker } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { consumeEvents } from './entry-points/messaging/events-consumer';
import type { UseCases } from './use-cases';

/** Background work: consuming events, and sending the emails and webhooks they queue. */
export const createWorkers = (
  { deps, useCases }: ServiceParts<Dependencies, UseCases>,
  { config }: ServiceContext<Config>,
): Worker[] => [
  {
    name: 'events',
    start: () =>
      consumeEvents({
        broker: deps.broker,
        maxAttempts: config.MAX_ATTEMPTS,
        retryDelaysMs: config.RETRY_DELAYS_MS,
        handle: useCases.handleEvent,
      }),
  },
  { name: 'deliveries', start: () => useCases.deliveries.start(), stop: () => useCases.deliveries.stop() },
];
