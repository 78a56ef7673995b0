import { createHash } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import type { LRUCache } from 'lru-cache';
import { guardsFor, principalOf, type TokenVerifier } from '@syllabus/auth';
import { DomainError, catalogRoutes } from '@syllabus/contracts';
import { mountRoutes } from '@syllabus/service-kit';
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

/** Answers with the course and its ETag; 304 when the client's If-None-Match still matches. */
function sendCourse(req: Request, res: Response, course: CourseDetail, status = 200) {
  res.set('ETag', etagOf(course));
  res.set('Cache-Control', req.principal ? 'private, no-cache' : 'public, no-cache');
  res.status(status).json(course);
}

/**
 * The same for a published course as cached: its text is sent as it is, and its ETag (the same
 * as `etagOf` gives, the text being `JSON.stringify` of the course) is worked out once per text
 * and remembered — parsing, serialising and hashing the page on every read cost the catalog a
 * sixth of its time per cached read.
 */
function sendPublishedCourse(req: Request, res: Response, json: string, etags: EtagCache) {
  let etag = etags.get(json);
  if (etag === undefined) {
    const { version } = JSON.parse(json) as Pick<CourseDetail, 'version'>;
    etag = `"v${version}-${createHash('sha256').update(json).digest('hex').slice(0, 16)}"`;
    etags.set(json, etag);
  }
  res.set('ETag', etag);
  res.set('Cache-Control', req.principal ? 'private, no-cache' : 'public, no-cache');
  res.type('application/json').send(json);
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
  mountRoutes(
    app,
    catalogRoutes,
    {
      listTracks: async (_input, _req, res) => {
        res.set('Cache-Control', 'public, no-cache').json({ items: await reads.tracks() });
      },
      listSkills: async (_input, _req, res) => {
        res.set('Cache-Control', 'public, no-cache').json({ items: await reads.skills() });
      },
      listCourses: async ({ query }, _req, res) => {
        const { cursor, ...filter } = query;
        const after = cursor === undefined ? undefined : cursors.decode(cursor);
        if (cursor !== undefined && !after) {
          throw new DomainError('unknown-cursor', 'not a cursor this API issued', {
            errors: [{ in: 'query', field: 'cursor', message: 'not a cursor this API issued' }],
          });
        }
        const page = await reads.listCourses({ ...filter, after });
        // Express derives a weak ETag from the body and answers 304 to a matching If-None-Match.
        res.set('Cache-Control', 'public, no-cache').json({
          items: page.items,
          nextCursor: page.next ? cursors.encode(page.next) : null,
        });
      },
      getCourse: async ({ params }, req, res) => {
        const published = await reads.publishedCourseJson(params.course);
        if (published !== 'null') return sendPublishedCourse(req, res, published, deps.etags);
        sendCourse(req, res, await reads.course(params.course, req.principal)); // a draft, to its author
      },
      getCourses: async ({ query }, req, res) => {
        const items = await reads.courses(query.slugs.split(','), req.principal);
        res.set('Cache-Control', req.principal ? 'private, no-cache' : 'public, no-cache').json({ items });
      },
      listPrerequisites: async ({ params, query }, req, res) => {
        res.json({
          items: await reads.prerequisites(params.course, query.transitive === 'true', req.principal),
        });
      },
      createCourse: async ({ body }, req, res) => {
        const course = await courses.createCourse(principalOf(req), body);
        res.location(`/v1/courses/${course.slug}`);
        sendCourse(req, res, course, 201);
      },
      updateCourse: async ({ params, headers, body }, req, res) => {
        const version = expectedVersion(headers['if-match'], true);
        sendCourse(req, res, await courses.updateCourse(principalOf(req), params.course, version, body));
      },
      addLesson: async ({ params, headers, body }, req, res) => {
        const version = expectedVersion(headers['if-match']);
        sendCourse(req, res, await courses.addLesson(principalOf(req), params.course, version, body), 201);
      },
      reorderLessons: async ({ params, headers, body }, req, res) => {
        const version = expectedVersion(headers['if-match']);
        const course = await courses.reorderLessons(principalOf(req), params.course, version, body.lessonIds);
        sendCourse(req, res, course);
      },
      removeLesson: async ({ params, headers }, req, res) => {
        const version = expectedVersion(headers['if-match']);
        const course = await courses.removeLesson(principalOf(req), params.course, version, params.lesson);
        sendCourse(req, res, course);
      },
      setCourseSkills: async ({ params, headers, body }, req, res) => {
        const version = expectedVersion(headers['if-match']);
        sendCourse(req, res, await courses.setSkills(principalOf(req), params.course, version, body.skills));
      },
      setCoursePrerequisites: async ({ params, headers, body }, req, res) => {
        const version = expectedVersion(headers['if-match']);
        const course = await courses.setPrerequisites(
          principalOf(req),
          params.course,
          version,
          body.prerequisites,
        );
        sendCourse(req, res, course);
      },
      publishCourse: async ({ params, headers }, req, res) => {
        const version = expectedVersion(headers['if-match']);
        sendCourse(req, res, await courses.publish(principalOf(req), params.course, version));
      },
      archiveCourse: async ({ params, headers }, req, res) => {
        const version = expectedVersion(headers['if-match']);
        sendCourse(req, res, await courses.archive(principalOf(req), params.course, version));
      },
    },
    { guards: guardsFor(deps.verifyToken), validateResponses },
  );
}
