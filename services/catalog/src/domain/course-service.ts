import { DomainError, createEvent, type EventType } from '@syllabus/contracts';
import type { Principal } from '@syllabus/auth';
import type { Course, CourseDetail, CourseSummary, Level } from './model';
import type { CatalogData, CatalogUnitOfWork, CourseRepository } from './ports';

type CourseEventType = Extract<EventType, `catalog.${string}`>;

export type NewCourse = Pick<CourseSummary, 'slug' | 'title' | 'summary' | 'level' | 'track' | 'skills'> & {
  prerequisites: string[];
};

export interface NewLesson {
  title: string;
  body: string;
  durationMinutes: number;
  position?: number;
}

/** Loads a course with its lessons, skills and direct prerequisites. */
export async function loadCourseDetail(
  courses: CourseRepository,
  course: Course,
  publishedOnly = false,
): Promise<CourseDetail> {
  const [lessons, skills, prerequisites] = await Promise.all([
    courses.lessonsOf(course.id),
    courses.skillsOf(course.id),
    courses.prerequisitesOf(course.id, publishedOnly),
  ]);
  return { ...course, lessons, skills, prerequisites };
}

const canEdit = (principal: Principal, course: Course) =>
  principal.roles.includes('admin') || course.authorId === principal.userId;

/**
 * Authoring use cases. Each runs in one transaction: lock the course, check who may change it
 * and which version they saw, change it, bump its version, and record the event others need
 * in the outbox — all or nothing.
 */
export function createCourseService(deps: { data: CatalogData; onEventRecorded?: () => void }) {
  const { data } = deps;

  async function changeCourse(
    principal: Principal,
    courseId: string,
    expectedVersion: number | undefined,
    change: (courses: CourseRepository, course: Course) => Promise<CourseEventType | 'none' | void>,
  ): Promise<CourseDetail> {
    const result = await data.transaction(async (unit) => {
      const { courses } = unit;
      const course = await courses.findByIdForUpdate(courseId);
      if (!course || !canEdit(principal, course)) {
        if (course && principal.roles.includes('author'))
          throw new DomainError('not-course-author', 'this course is not yours');
        throw new DomainError('course-not-found', `no course ${courseId}`);
      }
      if (expectedVersion !== undefined && expectedVersion !== course.version) {
        throw new DomainError(
          'version-mismatch',
          `you sent version ${expectedVersion}; the course is at version ${course.version}`,
        );
      }
      const decided = await change(courses, course);
      await courses.bumpVersion(course.id);
      const updated = (await courses.findByIdForUpdate(course.id))!;
      const eventType = decided ?? (updated.status === 'published' ? 'catalog.course-updated.v1' : 'none');
      if (eventType !== 'none') await recordCourseEvent(unit, eventType, updated);
      return { detail: await loadCourseDetail(courses, updated), recorded: eventType !== 'none' };
    });
    if (result.recorded) deps.onEventRecorded?.();
    return result.detail;
  }

  async function resolveSlugs(
    lookup: (slugs: string[]) => Promise<Map<string, string>>,
    slugs: string[],
    field: string,
  ) {
    const ids = await lookup(slugs);
    const unknown = slugs.filter((slug) => !ids.has(slug));
    if (unknown.length > 0) {
      throw new DomainError('unknown-reference', `unknown ${field}: ${unknown.join(', ')}`, {
        errors: unknown.map((slug) => ({ in: 'body', field, message: `unknown: ${slug}` })),
      });
    }
    return slugs.map((slug) => ids.get(slug)!);
  }

  async function setPrerequisites(courses: CourseRepository, course: Course, slugs: string[]) {
    await courses.lockPrerequisiteGraph();
    const ids = await resolveSlugs((s) => courses.courseIdsOf(s), slugs, 'prerequisites');
    if (ids.includes(course.id))
      throw new DomainError('prerequisite-cycle', 'a course cannot be its own prerequisite');
    if (await courses.wouldCreateCycle(course.id, ids)) {
      throw new DomainError('prerequisite-cycle', 'these prerequisites would create a cycle');
    }
    await courses.replacePrerequisites(course.id, ids);
  }

  return {
    async createCourse(principal: Principal, input: NewCourse): Promise<CourseDetail> {
      return data.transaction(async ({ courses }) => {
        const trackId = await courses.trackIdOf(input.track);
        if (!trackId)
          throw new DomainError('unknown-reference', `unknown track: ${input.track}`, {
            errors: [{ in: 'body', field: 'track', message: `unknown: ${input.track}` }],
          });
        if (await courses.slugExists(input.slug))
          throw new DomainError('slug-taken', `the slug ${input.slug} is taken`);
        const skillIds = await resolveSlugs((s) => courses.skillIdsOf(s), input.skills, 'skills');
        // Two authors racing for one slug: the insert of the loser raises `slug-taken` too.
        const id = await courses.insert({ ...input, trackId, authorId: principal.userId });
        await courses.replaceSkills(id, skillIds);
        const course = (await courses.findByIdForUpdate(id))!;
        if (input.prerequisites.length > 0) await setPrerequisites(courses, course, input.prerequisites);
        // A draft is nobody's business yet: no event until it is published.
        return loadCourseDetail(courses, course);
      });
    },

    updateCourse(
      principal: Principal,
      courseId: string,
      /** Required by the route (If-Match); undefined for `If-Match: *`. */
      expectedVersion: number | undefined,
      patch: Partial<{ title: string; summary: string; level: Level; track: string }>,
    ) {
      return changeCourse(principal, courseId, expectedVersion, async (courses, course) => {
        const trackId = patch.track === undefined ? undefined : await courses.trackIdOf(patch.track);
        if (patch.track !== undefined && !trackId) {
          throw new DomainError('unknown-reference', `unknown track: ${patch.track}`, {
            errors: [{ in: 'body', field: 'track', message: `unknown: ${patch.track}` }],
          });
        }
        await courses.update(course.id, {
          title: patch.title,
          summary: patch.summary,
          level: patch.level,
          trackId,
        });
      });
    },

    addLesson(
      principal: Principal,
      courseId: string,
      expectedVersion: number | undefined,
      lesson: NewLesson,
    ) {
      return changeCourse(principal, courseId, expectedVersion, async (courses, course) => {
        await courses.insertLesson(course.id, lesson);
      });
    },

    reorderLessons(
      principal: Principal,
      courseId: string,
      expectedVersion: number | undefined,
      lessonIds: string[],
    ) {
      return changeCourse(principal, courseId, expectedVersion, async (courses, course) => {
        const current = (await courses.lessonsOf(course.id)).map((lesson) => lesson.id);
        const isPermutation =
          lessonIds.length === current.length &&
          new Set(lessonIds).size === lessonIds.length &&
          lessonIds.every((id) => current.includes(id));
        if (!isPermutation) {
          throw new DomainError(
            'unknown-reference',
            "lessonIds must list each of the course's lessons once",
            {
              errors: [
                {
                  in: 'body',
                  field: 'lessonIds',
                  message: "must list each of the course's lessons exactly once",
                },
              ],
            },
          );
        }
        await courses.reorderLessons(course.id, lessonIds);
      });
    },

    removeLesson(
      principal: Principal,
      courseId: string,
      expectedVersion: number | undefined,
      lessonId: string,
    ) {
      return changeCourse(principal, courseId, expectedVersion, async (courses, course) => {
        if (!(await courses.deleteLesson(course.id, lessonId))) {
          throw new DomainError('lesson-not-found', `no lesson ${lessonId} in this course`);
        }
        if (course.status === 'published' && (await courses.lessonsOf(course.id)).length === 0) {
          throw new DomainError(
            'course-state',
            'a published course keeps at least one lesson; archive it instead',
          );
        }
      });
    },

    setSkills(principal: Principal, courseId: string, expectedVersion: number | undefined, skills: string[]) {
      return changeCourse(principal, courseId, expectedVersion, async (courses, course) => {
        await courses.replaceSkills(
          course.id,
          await resolveSlugs((s) => courses.skillIdsOf(s), skills, 'skills'),
        );
      });
    },

    setPrerequisites(
      principal: Principal,
      courseId: string,
      expectedVersion: number | undefined,
      slugs: string[],
    ) {
      return changeCourse(principal, courseId, expectedVersion, (courses, course) =>
        setPrerequisites(courses, course, slugs),
      );
    },

    publish(principal: Principal, courseId: string, expectedVersion: number | undefined) {
      return changeCourse(principal, courseId, expectedVersion, async (courses, course) => {
        if (course.status === 'published')
          throw new DomainError('course-state', 'the course is already published');
        if ((await courses.lessonsOf(course.id)).length === 0) {
          throw new DomainError('course-state', 'a course needs at least one lesson to be published');
        }
        await courses.update(course.id, { status: 'published' });
        return 'catalog.course-published.v1';
      });
    },

    archive(principal: Principal, courseId: string, expectedVersion: number | undefined) {
      return changeCourse(principal, courseId, expectedVersion, async (courses, course) => {
        if (course.status === 'archived')
          throw new DomainError('course-state', 'the course is already archived');
        await courses.update(course.id, { status: 'archived' });
        // Only learners who could see it need to hear that it is gone.
        return course.status === 'published' ? 'catalog.course-archived.v1' : 'none';
      });
    },
  };
}

export type CourseService = ReturnType<typeof createCourseService>;

async function recordCourseEvent(
  { courses, outbox }: CatalogUnitOfWork,
  type: CourseEventType,
  course: Course,
) {
  const lessonIds = (await courses.lessonsOf(course.id)).map((lesson) => lesson.id);
  const event = createEvent(
    type,
    { courseId: course.id, slug: course.slug, title: course.title, version: course.version, lessonIds },
    { source: 'catalog', subject: `course/${course.id}` },
  );
  await outbox.record(event);
}

/** Announces each course as published, at its current version, through the outbox. */
export async function announcePublished(unit: CatalogUnitOfWork, ids: readonly string[]) {
  for (const id of ids)
    await recordCourseEvent(unit, 'catalog.course-published.v1', (await unit.courses.findByIdForUpdate(id))!);
}
