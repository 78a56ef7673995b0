import type { DomainEvent } from '@syllabus/contracts';
import type { Broker } from '@syllabus/messaging';

/** Progress events to notify about, identity events for addresses, catalog events for titles. */
export function consumeEvents(deps: {
  broker: Broker;
  queue: string;
  maxAttempts: number;
  retryDelaysMs: number[];
  handle: (event: DomainEvent) => Promise<void>;
}) {
  return deps.broker.consume({
    queue: deps.queue,
    eventTypes: [
      'progress.enrolled.v1',
      'progress.lesson-completed.v1',
      'progress.course-completed.v1',
      'progress.streak-milestone.v1',
      'identity.user-registered.v1',
      'catalog.course-published.v1',
      'catalog.course-updated.v1',
    ],
    maxAttempts: deps.maxAttempts,
    retryDelaysMs: deps.retryDelaysMs,
    handler: deps.handle,
  });
}
