import type { DomainEvent, EventsOf } from '@syllabus/contracts';
import type { Broker } from '@syllabus/messaging';

/** Progress events to notify about, identity events for addresses, catalog events for titles. */
export function consumeEvents(deps: {
  broker: Broker;
  maxAttempts: number;
  retryDelaysMs: number[];
  handle: (event: DomainEvent<EventsOf<'notification.events'>>) => Promise<void>;
}) {
  return deps.broker.consume({
    queue: 'notification.events',
    maxAttempts: deps.maxAttempts,
    retryDelaysMs: deps.retryDelaysMs,
    handler: deps.handle,
  });
}
