import type { Broker } from '@syllabus/messaging';
import type { CourseReadModel } from '../../domain/ports';
import { applyCourseEvent } from '../../domain/course-read-model';

/** Builds the local read model of courses from the catalog's events. */
export function consumeCatalogEvents(deps: {
  broker: Broker;
  courses: CourseReadModel;
  progress: { forgetCourse: (courseId: string) => void };
}) {
  return deps.broker.consume({
    queue: 'user-progress.catalog-events',
    // One at a time: the version check is then race-free even on servers (FerretDB) whose
    // conditional updates are not atomic under concurrency.
    prefetch: 1,
    handler: async (event) => {
      await applyCourseEvent(deps.courses, event);
      deps.progress.forgetCourse(event.data.courseId);
    },
  });
}
