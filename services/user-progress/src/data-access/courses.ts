import type { CourseSnapshot } from '@syllabus/contracts';
import { isDuplicateKey, type CourseDocument, type Models } from './models';
import { trusted } from './trusted';

export type CourseRecord = Pick<CourseDocument, 'slug' | 'title' | 'lessonIds' | 'status'> & { _id: string };

/** The local copy of the catalog's courses, as this service needs them. */
export function createCourseReadModel(models: Models) {
  return {
    find: (courseId: string) => models.courses.findById(courseId).lean<CourseRecord>().exec(),

    /**
     * Writes a course's state as of `version`, unless the copy already has that version or a
     * newer one: idempotent and order-proof (a late upsert collides with the newer document and
     * is ignored).
     */
    async apply(course: CourseSnapshot, status: CourseDocument['status'], at: Date) {
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

export type CourseReadModel = ReturnType<typeof createCourseReadModel>;
