import type { WorkersStage } from '@syllabus/service-kit';
import { consumeEvents } from './entry-points/messaging/events-consumer';
import type { Notification } from './use-cases';

/** Background work: consuming events, and sending the emails and webhooks they queue. */
export const createWorkers: WorkersStage<Notification> = ({ deps, useCases }, { config }) => [
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
