import type { DomainEvent, EventsOf } from '@syllabus/contracts';
import type { CourseReadModel } from './ports';

/** Keeps the local copy of a catalog course current from the catalog's events. */
export function applyCourseEvent(
  courses: CourseReadModel,
  event: DomainEvent<EventsOf<'user-progress.catalog-events'>>,
) {
  const status = event.type === 'catalog.course-archived.v1' ? 'archived' : 'published';
  return courses.apply(event.data, status, new Date(event.time));
}
