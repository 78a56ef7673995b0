import { z } from 'zod';
import { flag, optionalText, pageSize, slug, slugPattern, text, timestamp, uniqueList, uuid } from './fields';
import { route } from './route';

// The catalog's routes: tracks, skills and courses, read by anyone, written by authors.

export const levels = ['entry', 'mid', 'senior'] as const;
export const courseStatuses = ['draft', 'published', 'archived'] as const;
/**
 * At most this many slugs, and this many characters with their commas, in one `getCourses` call:
 * the URL stays within a server's header limit (16 kB in Node) even if every character sent were
 * percent-encoded, so a long request is this API's 400, never the HTTP server's 431.
 */
export const courseBatch = { maxSlugs: 25, maxLength: 1_200 } as const;
/** Courses on a list page unless the client asks for another number. */
export const DEFAULT_PAGE_SIZE = 20;

const level = z.enum(levels).meta({ id: 'Level' });
const slugList = uniqueList(slug, 50);

export const trackSchema = z
  .strictObject({ slug, title: z.string(), description: z.string(), courseCount: z.int().min(0) })
  .meta({ id: 'Track' });
export const skillSchema = z.strictObject({ slug, name: z.string() }).meta({ id: 'Skill' });

export const courseSummarySchema = z
  .strictObject({
    id: uuid,
    slug,
    title: z.string(),
    summary: z.string(),
    level,
    track: slug,
    skills: z.array(slug),
    lessonCount: z.int().min(0),
    durationMinutes: z.int().min(0),
    version: z.int().min(1),
  })
  .meta({ id: 'CourseSummary' });

export const lessonSchema = z
  .strictObject({
    id: uuid,
    position: z.int().min(1),
    title: z.string(),
    body: z.string(),
    durationMinutes: z.int().min(1),
  })
  .meta({ id: 'Lesson' });

export const courseRefSchema = z
  .strictObject({ id: uuid, slug, title: z.string(), level })
  .meta({ id: 'CourseRef' });

export const courseSchema = z
  .strictObject({
    id: uuid,
    slug,
    title: z.string(),
    summary: z.string(),
    level,
    status: z.enum(courseStatuses).meta({ id: 'CourseStatus' }),
    version: z.int().min(1),
    authorId: z.string(),
    track: z.strictObject({ slug, title: z.string() }),
    createdAt: timestamp,
    updatedAt: timestamp,
    publishedAt: timestamp.nullable(),
    lessons: z.array(lessonSchema),
    skills: z.array(skillSchema),
    prerequisites: z.array(courseRefSchema),
  })
  .meta({ id: 'Course' });

const etag = z.strictObject({
  ETag: z.string().meta({ description: 'The course version and a hash of this representation' }),
});
const ifMatchOf = (description: string) =>
  z.strictObject({ 'if-match': z.string().max(200).optional().meta({ description }) });
const ifMatch = ifMatchOf(
  'The ETag you last read (or `*`): the change applies only to that version, otherwise 412',
);
const ifMatchRequired = ifMatchOf(
  'The ETag you last read (or `*`): without it 428, so that no edit overwrites another; a stale one 412',
);

const bySlug = z.strictObject({
  course: slug.meta({ description: "The course's slug", example: 'graphql-apis' }),
});
const byId = z.strictObject({ course: uuid.meta({ description: "The course's id" }) });
const courseAnswer = (description: string) => ({ description, body: courseSchema, headers: etag });
const authoring = ['course-not-found', 'not-course-author', 'version-mismatch'] as const;
/** From a course in an answer to the operations an author runs next. */
const thisVersion = { course: '$response.body#/id', 'header.if-match': '$response.header.ETag' };
const authoringLinks = {
  UpdateCourse: { operationId: 'updateCourse', parameters: thisVersion },
  AddLesson: { operationId: 'addLesson', parameters: thisVersion },
  SetSkills: { operationId: 'setCourseSkills', parameters: thisVersion },
  SetPrerequisites: { operationId: 'setCoursePrerequisites', parameters: thisVersion },
  Publish: { operationId: 'publishCourse', parameters: thisVersion },
  Archive: { operationId: 'archiveCourse', parameters: thisVersion },
  Read: { operationId: 'getCourse', parameters: { course: '$response.body#/slug' } },
};

export const catalogRoutes = {
  listTracks: route({
    operationId: 'listTracks',
    method: 'get',
    path: '/v1/tracks',
    summary: 'Tracks, with the number of published courses in each',
    access: 'anyone',
    responses: { 200: { description: 'Every track', body: z.strictObject({ items: z.array(trackSchema) }) } },
  }),
  listSkills: route({
    operationId: 'listSkills',
    method: 'get',
    path: '/v1/skills',
    summary: 'Skills',
    access: 'anyone',
    responses: { 200: { description: 'Every skill', body: z.strictObject({ items: z.array(skillSchema) }) } },
  }),
  listCourses: route({
    operationId: 'listCourses',
    method: 'get',
    path: '/v1/courses',
    summary: 'Published courses, filtered and searched, a page at a time (by title)',
    access: 'anyone',
    query: z.strictObject({
      track: slug.optional(),
      level: level.optional(),
      skill: slug.optional(),
      q: text(200).optional().meta({ description: 'Words to search titles and summaries for' }),
      limit: pageSize(DEFAULT_PAGE_SIZE),
      cursor: z
        .string()
        .max(600)
        .optional()
        .meta({ description: '`nextCursor` of the previous page (other values: 422)' }),
    }),
    responses: {
      200: {
        description: 'A page of courses; `nextCursor` is null on the last page',
        body: z
          .strictObject({ items: z.array(courseSummarySchema), nextCursor: z.string().nullable() })
          .meta({ id: 'CoursePage' }),
      },
    },
    problems: ['unknown-cursor'],
  }),
  getCourse: route({
    operationId: 'getCourse',
    method: 'get',
    path: '/v1/courses/{course}',
    summary: 'A course with its ordered lessons, skills and direct prerequisites',
    description: 'Drafts and archived courses are visible to their author and admins only.',
    access: 'anyone',
    params: bySlug,
    responses: {
      200: courseAnswer('The course; If-None-Match with its ETag gives 304'),
    },
    problems: ['course-not-found'],
  }),
  getCourses: route({
    operationId: 'getCourses',
    method: 'get',
    path: '/v1/course-details',
    summary: `Up to ${courseBatch.maxSlugs} courses by slug in one call, each as getCourse answers it`,
    description:
      'For clients that hold many slugs at once (a dashboard, a GraphQL resolver): one round trip ' +
      'instead of one per course. Courses that do not exist or that you may not see are left out.',
    access: 'anyone',
    query: z.strictObject({
      slugs: z
        .string()
        .max(courseBatch.maxLength)
        .regex(
          new RegExp(`^${slugPattern}(,${slugPattern}){0,${courseBatch.maxSlugs - 1}}$`),
          `up to ${courseBatch.maxSlugs} slugs, comma-separated`,
        )
        .meta({ example: 'graphql-apis,caching-strategies' }),
    }),
    responses: {
      200: {
        description: 'The courses found, in the order asked',
        body: z.strictObject({ items: z.array(courseSchema) }),
      },
    },
  }),
  listPrerequisites: route({
    operationId: 'listPrerequisites',
    method: 'get',
    path: '/v1/courses/{course}/prerequisites',
    summary: "A course's prerequisites; with transitive=true their whole closure, nearest first",
    access: 'anyone',
    params: bySlug,
    query: z.strictObject({ transitive: flag }),
    responses: {
      200: {
        description: 'The prerequisites, each with its distance from the course',
        body: z.strictObject({
          items: z.array(courseRefSchema.extend({ depth: z.int().min(1) }).meta({ id: 'Prerequisite' })),
        }),
      },
    },
    problems: ['course-not-found'],
  }),
  createCourse: route({
    operationId: 'createCourse',
    method: 'post',
    path: '/v1/courses',
    summary: 'Create a draft course',
    access: 'author',
    body: z
      .strictObject({
        slug,
        title: text(200),
        summary: optionalText(2_000).default(''),
        level,
        track: slug,
        skills: slugList.default([]),
        prerequisites: slugList.default([]),
      })
      .meta({ id: 'NewCourse' }),
    responses: {
      201: {
        ...courseAnswer('The draft'),
        headers: etag.extend({ Location: z.string().meta({ description: "The course's address" }) }),
      },
    },
    problems: ['slug-taken', 'unknown-reference', 'prerequisite-cycle'],
    links: { 201: authoringLinks },
  }),
  updateCourse: route({
    operationId: 'updateCourse',
    method: 'patch',
    path: '/v1/courses/{course}',
    summary: "Change a course's title, summary, level or track",
    access: 'author',
    params: byId,
    headers: ifMatchRequired,
    body: z
      .strictObject({
        title: text(200).optional(),
        summary: optionalText(2_000).optional(),
        level: level.optional(),
        track: slug.optional(),
      })
      .refine((patch) => Object.keys(patch).length > 0, 'send at least one field to change')
      .meta({ id: 'CoursePatch', minProperties: 1 }),
    responses: { 200: courseAnswer('The course as changed') },
    problems: [...authoring, 'version-required', 'unknown-reference'],
  }),
  addLesson: route({
    operationId: 'addLesson',
    method: 'post',
    path: '/v1/courses/{course}/lessons',
    summary: 'Add a lesson (at the end, or at a position)',
    access: 'author',
    params: byId,
    headers: ifMatch,
    body: z
      .strictObject({
        title: text(200),
        body: optionalText(100_000).default(''),
        durationMinutes: z.int().min(1).max(600).default(10),
        position: z.int().min(1).max(10_000).optional(),
      })
      .meta({ id: 'NewLesson' }),
    responses: { 201: courseAnswer('The course with the lesson') },
    problems: [...authoring, 'course-state'],
    links: {
      201: {
        RemoveLesson: {
          operationId: 'removeLesson',
          parameters: { ...thisVersion, lesson: '$response.body#/lessons/0/id' },
        },
        Reorder: {
          operationId: 'reorderLessons',
          parameters: thisVersion,
          body: { lessonIds: ['$response.body#/lessons/0/id'] },
        },
        Publish: { operationId: 'publishCourse', parameters: thisVersion },
      },
    },
  }),
  reorderLessons: route({
    operationId: 'reorderLessons',
    method: 'put',
    path: '/v1/courses/{course}/lessons/order',
    summary: "Put a course's lessons in a new order",
    access: 'author',
    params: byId,
    headers: ifMatch,
    body: z.strictObject({
      lessonIds: uniqueList(uuid, 500, 1).meta({ description: "Every one of the course's lessons, once" }),
    }),
    responses: { 200: courseAnswer('The course in its new order') },
    problems: [...authoring, 'unknown-reference', 'course-state'],
  }),
  removeLesson: route({
    operationId: 'removeLesson',
    method: 'delete',
    path: '/v1/courses/{course}/lessons/{lesson}',
    summary: 'Remove a lesson',
    access: 'author',
    params: z.strictObject({ course: uuid, lesson: uuid }),
    headers: ifMatch,
    responses: { 200: courseAnswer('The course without the lesson') },
    problems: [...authoring, 'lesson-not-found', 'course-state'],
  }),
  setCourseSkills: route({
    operationId: 'setCourseSkills',
    method: 'put',
    path: '/v1/courses/{course}/skills',
    summary: 'Set the skills a course teaches',
    access: 'author',
    params: byId,
    headers: ifMatch,
    body: z.strictObject({ skills: slugList }),
    responses: { 200: courseAnswer('The course with its skills') },
    problems: [...authoring, 'unknown-reference'],
  }),
  setCoursePrerequisites: route({
    operationId: 'setCoursePrerequisites',
    method: 'put',
    path: '/v1/courses/{course}/prerequisites',
    summary: "Set a course's direct prerequisites (by slug)",
    access: 'author',
    params: byId,
    headers: ifMatch,
    body: z.strictObject({ prerequisites: slugList }),
    responses: { 200: courseAnswer('The course with its prerequisites') },
    problems: [...authoring, 'unknown-reference', 'prerequisite-cycle'],
  }),
  publishCourse: route({
    operationId: 'publishCourse',
    method: 'post',
    path: '/v1/courses/{course}/publish',
    summary: 'Publish a draft that has lessons',
    access: 'author',
    params: byId,
    headers: ifMatch,
    responses: { 200: courseAnswer('The published course') },
    problems: [...authoring, 'course-state'],
    links: {
      200: {
        Enrol: { operationId: 'enrol', body: { courseId: '$response.body#/id' } },
        Archive: { operationId: 'archiveCourse', parameters: thisVersion },
        Read: { operationId: 'getCourse', parameters: { course: '$response.body#/slug' } },
      },
    },
  }),
  archiveCourse: route({
    operationId: 'archiveCourse',
    method: 'post',
    path: '/v1/courses/{course}/archive',
    summary: 'Archive a course: no new enrolments; enrolled learners keep it',
    access: 'author',
    params: byId,
    headers: ifMatch,
    responses: { 200: courseAnswer('The archived course') },
    problems: [...authoring, 'course-state'],
  }),
};
