import type { CourseSnapshot } from '@syllabus/contracts';
import type { CourseCopy, CourseReadModel } from '../domain/ports';
import { isDuplicateKey, type CourseDocument, type Models } from './models';
import { trusted } from './trusted';

/** The local copy of the catalog's courses, as this service needs them. */
export function createCourseReadModel(models: Models): CourseReadModel {
  return {
    async find(courseId: string): Promise<CourseCopy | null> {
      const doc = await models.courses.findById(courseId).lean<CourseDocument & { _id: string }>();
      return (
        doc && { id: doc._id, slug: doc.slug, title: doc.title, lessonIds: doc.lessonIds, status: doc.status }
      );
    },

    /**
     * Writes a course's state as of `version`, unless the copy already has that version or a
     * newer one: idempotent and order-proof (a late upsert collides with the newer document and
     * is ignored).
     */
    async apply(course: CourseSnapshot, status: CourseCopy['status'], at: Date) {
      try {
        await models.courses.updateOne(
          { _id: course.courseId, version: trusted({ $lt: course.version }) },
          {
            $set: {
              slug: course.slug,
              title: course.title,
              version: course.version,
              lessonIds: course.lessonIds,
              status,
              updatedAt: at,
            },
          },
          { upsert: true },
        );
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    },
  };
}
