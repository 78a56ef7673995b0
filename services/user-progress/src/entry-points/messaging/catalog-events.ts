import type { Broker } from '@syllabus/messaging';
import type { Models } from '../../data-access/models';
import { applyCourseEvent } from '../../domain/course-read-model';

/** Builds the local read model of courses from the catalog's events. */
export function consumeCatalogEvents(deps: { broker: Broker; models: Models }) {
  return deps.broker.consume({
    queue: 'user-progress.catalog-events',
    // One at a time: the version check is then race-free even on servers (FerretDB) whose
    // conditional updates are not atomic under concurrency.
    prefetch: 1,
    handler: (event) => applyCourseEvent(deps.models, event),
  });
}
