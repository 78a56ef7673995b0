import type { Broker } from '@syllabus/messaging';
import type { Models } from '../../data-access/models';
import { applyCourseEvent } from '../../domain/course-read-model';

/** Builds the local read model of courses from the catalog's events. */
export function consumeCatalogEvents(deps: { broker: Broker; models: Models; queue: string }) {
  return deps.broker.consume({
    queue: deps.queue,
    eventTypes: ['catalog.course-published.v1', 'catalog.course-updated.v1', 'catalog.course-archived.v1'],
    // One at a time: the version check is then race-free even on servers (FerretDB) whose
    // conditional updates are not atomic under concurrency.
    prefetch: 1,
    handler: (event) => applyCourseEvent(deps.models, event),
  });
}
