import { createHash } from 'node:crypto';
import type { Express, Request } from 'express';
import type { LRUCache } from 'lru-cache';
import { guardsFor, principalOf, type Principal, type TokenVerifier } from '@syllabus/auth';
import { DomainError, catalogRoutes } from '@syllabus/contracts';
import { JsonText, mountRoutes } from '@syllabus/service-kit';
import type { CatalogReads } from '../../domain/catalog-reads';
import type { CourseService } from '../../domain/course-service';
import type { CourseDetail } from '../../domain/model';
import { cursors } from './cursors';

type EtagCache = Pick<LRUCache<string, string>, 'get' | 'set'>;

/**
 * A course's ETag names its version (for If-Match) and hashes its representation (so that a
 * change to a prerequisite's title, which does not bump this course's version, still changes it).
 */
const etagOf = (course: CourseDetail) =>
  `"v${course.version}-${createHash('sha256').update(JSON.stringify(course)).digest('hex').slice(0, 16)}"`;

/**
 * The version an If-Match names; undefined for `*` or none. An ETag this API did not issue
 * matches no version (RFC 9110 §13.1.1): 412, like a stale one.
 */
function expectedVersion(ifMatch: string | undefined, required = false): number | undefined {
  if (ifMatch === undefined && required)
    throw new DomainError('version-required', 'send If-Match with the ETag you last read');
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const version = /^\s*"v(\d{1,9})(?:-[0-9a-f]{1,64})?"\s*$/.exec(ifMatch)?.[1];
  if (version === undefined)
    throw new DomainError('version-mismatch', `${ifMatch.slice(0, 100)} is not an ETag of this course`);
  return Number(version);
}

/** Who may keep a copy: shared caches only of what anyone may read. */
const cacheControl = (req: Request) => (req.principal ? 'private, no-cache' : 'public, no-cache');

/** The course with its ETag (Express answers 304 when the client's If-None-Match still matches). */
const courseAnswer = <S extends 200 | 201>(req: Request, course: CourseDetail, status: S) => ({
  status,
  headers: { ETag: etagOf(course), 'Cache-Control': cacheControl(req) },
  body: course,
});

/**
 * The same for a published course as cached: its text is sent as it is, and its ETag (the same
 * as `etagOf` gives, the text being `JSON.stringify` of the course) is worked out once per text
 * and remembered — parsing, serialising and hashing the page on every read cost the catalog a
 * sixth of its time per cached read.
 */
function publishedCourseAnswer(req: Request, json: string, etags: EtagCache) {
  let etag = etags.get(json);
  if (etag === undefined) {
    const { version } = JSON.parse(json) as Pick<CourseDetail, 'version'>;
    etag = `"v${version}-${createHash('sha256').update(json).digest('hex').slice(0, 16)}"`;
    etags.set(json, etag);
  }
  return {
    status: 200 as const,
    headers: { ETag: etag, 'Cache-Control': cacheControl(req) },
    body: new JsonText<CourseDetail>(json),
  };
}

export function mountCatalogRoutes(
  app: Express,
  deps: {
    reads: CatalogReads;
    courses: CourseService;
    verifyToken: TokenVerifier;
    /** The ETags of published pages, by their text. */
    etags: EtagCache;
  },
  validateResponses: boolean,
) {
  const { reads, courses } = deps;

  /** An author's change to a course, made at the version their If-Match names; the course after it. */
  const change = async (
    req: Request,
    headers: { 'if-match'?: string },
    versionRequired: boolean,
    make: (principal: Principal, version: number | undefined) => Promise<CourseDetail>,
  ) =>
    courseAnswer(
      req,
      await make(principalOf(req), expectedVersion(headers['if-match'], versionRequired)),
      200,
    );
  mountRoutes(
    app,
    catalogRoutes,
    {
      listTracks: async () => ({
        status: 200,
        headers: { 'Cache-Control': 'public, no-cache' },
        body: { items: await reads.tracks() },
      }),
      listSkills: async () => ({
        status: 200,
        headers: { 'Cache-Control': 'public, no-cache' },
        body: { items: await reads.skills() },
      }),
      listCourses: async ({ query }) => {
        const { cursor, ...filter } = query;
        const after = cursor === undefined ? undefined : cursors.decode(cursor);
        if (cursor !== undefined && !after) {
          throw new DomainError('unknown-cursor', 'not a cursor this API issued', {
            errors: [{ in: 'query', field: 'cursor', message: 'not a cursor this API issued' }],
          });
        }
        const page = await reads.listCourses({ ...filter, after });
        // Express derives a weak ETag from the body and answers 304 to a matching If-None-Match.
        return {
          status: 200,
          headers: { 'Cache-Control': 'public, no-cache' },
          body: { items: page.items, nextCursor: page.next ? cursors.encode(page.next) : null },
        };
      },
      getCourse: async ({ params }, req) => {
        const published = await reads.publishedCourseJson(params.course);
        if (published !== 'null') return publishedCourseAnswer(req, published, deps.etags);
        return courseAnswer(req, await reads.course(params.course, req.principal), 200); // a draft, to its author
      },
      getCourses: async ({ query }, req) => ({
        status: 200,
        headers: { 'Cache-Control': cacheControl(req) },
        body: { items: await reads.courses(query.slugs.split(','), req.principal) },
      }),
      listPrerequisites: async ({ params, query }, req) => ({
        status: 200,
        body: { items: await reads.prerequisites(params.course, query.transitive === 'true', req.principal) },
      }),
      createCourse: async ({ body }, req) => {
        const course = await courses.createCourse(principalOf(req), body);
        const answer = courseAnswer(req, course, 201);
        return { ...answer, headers: { ...answer.headers, Location: `/v1/courses/${course.slug}` } };
      },
      updateCourse: ({ params, headers, body }, req) =>
        change(req, headers, true, (who, version) => courses.updateCourse(who, params.course, version, body)),
      addLesson: async ({ params, headers, body }, req) => ({
        ...(await change(req, headers, false, (who, version) =>
          courses.addLesson(who, params.course, version, body),
        )),
        status: 201,
      }),
      reorderLessons: ({ params, headers, body }, req) =>
        change(req, headers, false, (who, version) =>
          courses.reorderLessons(who, params.course, version, body.lessonIds),
        ),
      removeLesson: ({ params, headers }, req) =>
        change(req, headers, false, (who, version) =>
          courses.removeLesson(who, params.course, version, params.lesson),
        ),
      setCourseSkills: ({ params, headers, body }, req) =>
        change(req, headers, false, (who, version) =>
          courses.setSkills(who, params.course, version, body.skills),
        ),
      setCoursePrerequisites: ({ params, headers, body }, req) =>
        change(req, headers, false, (who, version) =>
          courses.setPrerequisites(who, params.course, version, body.prerequisites),
        ),
      publishCourse: ({ params, headers }, req) =>
        change(req, headers, false, (who, version) => courses.publish(who, params.course, version)),
      archiveCourse: ({ params, headers }, req) =>
        change(req, headers, false, (who, version) => courses.archive(who, params.course, version)),
    },
    { guards: guardsFor(deps.verifyToken), validateResponses },
  );
}
