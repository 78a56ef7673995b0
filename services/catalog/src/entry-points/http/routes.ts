import { createHash } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import {
  authenticate,
  authenticateIfPresent,
  principalOf,
  requireRole,
  type TokenVerifier,
} from '@syllabus/auth';
import { HttpProblem, ValidationProblem, parseInput } from '@syllabus/service-kit';
import type { CatalogReads } from '../../domain/catalog-reads';
import type { CourseService } from '../../domain/course-service';
import type { CourseDetail } from '../../domain/model';
import {
  courseParams,
  coursePatchBody,
  cursors,
  lessonOrderBody,
  lessonParams,
  listQuery,
  newCourseBody,
  newLessonBody,
  prerequisitesBody,
  prerequisitesQuery,
  skillsBody,
  slugParams,
} from './schemas';

/**
 * A course's ETag names its version (for If-Match) and hashes its representation (so that a
 * change to a prerequisite's title, which does not bump this course's version, still changes it).
 */
const etagOf = (course: CourseDetail) =>
  `"v${course.version}-${createHash('sha256').update(JSON.stringify(course)).digest('hex').slice(0, 16)}"`;

function expectedVersion(req: Request, required: boolean): number | undefined {
  const header = req.get('If-Match')?.trim();
  if (!header) {
    if (required)
      throw new HttpProblem(428, 'Precondition required', 'send If-Match with the ETag you last read');
    return undefined;
  }
  if (header === '*') return undefined;
  const match = /^"v(\d{1,9})(?:-[0-9a-f]{1,64})?"$/.exec(header);
  if (!match) {
    throw new ValidationProblem([
      { in: 'headers', field: 'if-match', message: 'must be an ETag this API issued, e.g. "v3-…"' },
    ]);
  }
  return Number(match[1]);
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
const etagsOfPages = new Map<string, string>();
function sendPublishedCourse(req: Request, res: Response, json: string) {
  let etag = etagsOfPages.get(json);
  if (etag === undefined) {
    const { version } = JSON.parse(json) as Pick<CourseDetail, 'version'>;
    etag = `"v${version}-${createHash('sha256').update(json).digest('hex').slice(0, 16)}"`;
    if (etagsOfPages.size >= 1_000) etagsOfPages.delete(etagsOfPages.keys().next().value!);
    etagsOfPages.set(json, etag);
  }
  res.set('ETag', etag);
  res.set('Cache-Control', req.principal ? 'private, no-cache' : 'public, no-cache');
  res.type('application/json').send(json);
}

export function mountCatalogRoutes(
  app: Express,
  deps: { reads: CatalogReads; courses: CourseService; verifyToken: TokenVerifier },
) {
  const { reads, courses } = deps;
  const anyone = authenticateIfPresent(deps.verifyToken);
  const authors = [authenticate(deps.verifyToken), requireRole('author', 'admin')];

  app.get('/v1/tracks', async (_req, res) => {
    res.set('Cache-Control', 'public, no-cache').json({ items: await reads.tracks() });
  });

  app.get('/v1/skills', async (_req, res) => {
    res.set('Cache-Control', 'public, no-cache').json({ items: await reads.skills() });
  });

  app.get('/v1/courses', async (req, res) => {
    const { cursor, ...filter } = parseInput(listQuery, req.query, 'query');
    const after = cursor === undefined ? undefined : cursors.decode(cursor);
    if (cursor !== undefined && !after) {
      throw new ValidationProblem([
        { in: 'query', field: 'cursor', message: 'not a cursor this API issued' },
      ]);
    }
    const page = await reads.listCourses({ ...filter, after });
    // Express derives a weak ETag from the body and answers 304 to a matching If-None-Match.
    res.set('Cache-Control', 'public, no-cache').json({
      items: page.items,
      nextCursor: page.next ? cursors.encode(page.next) : null,
    });
  });

  app.get('/v1/courses/:slug', anyone, async (req, res) => {
    const { slug } = parseInput(slugParams, req.params, 'params');
    const published = await reads.publishedCourseJson(slug);
    if (published !== 'null') return sendPublishedCourse(req, res, published);
    sendCourse(req, res, await reads.course(slug, req.principal)); // a draft, to its author
  });

  app.get('/v1/courses/:slug/prerequisites', anyone, async (req, res) => {
    const { slug } = parseInput(slugParams, req.params, 'params');
    const { transitive } = parseInput(prerequisitesQuery, req.query, 'query');
    res.json({ items: await reads.prerequisites(slug, transitive === 'true', req.principal) });
  });

  app.post('/v1/courses', ...authors, async (req, res) => {
    const course = await courses.createCourse(principalOf(req), parseInput(newCourseBody, req.body, 'body'));
    res.location(`/v1/courses/${course.slug}`);
    sendCourse(req, res, course, 201);
  });

  app.patch('/v1/courses/:id', ...authors, async (req, res) => {
    const { id } = parseInput(courseParams, req.params, 'params');
    const patch = parseInput(coursePatchBody, req.body, 'body');
    sendCourse(
      req,
      res,
      await courses.updateCourse(principalOf(req), id, expectedVersion(req, true)!, patch),
    );
  });

  app.post('/v1/courses/:id/lessons', ...authors, async (req, res) => {
    const { id } = parseInput(courseParams, req.params, 'params');
    const lesson = parseInput(newLessonBody, req.body, 'body');
    sendCourse(
      req,
      res,
      await courses.addLesson(principalOf(req), id, expectedVersion(req, false), lesson),
      201,
    );
  });

  app.put('/v1/courses/:id/lessons/order', ...authors, async (req, res) => {
    const { id } = parseInput(courseParams, req.params, 'params');
    const { lessonIds } = parseInput(lessonOrderBody, req.body, 'body');
    sendCourse(
      req,
      res,
      await courses.reorderLessons(principalOf(req), id, expectedVersion(req, false), lessonIds),
    );
  });

  app.delete('/v1/courses/:id/lessons/:lessonId', ...authors, async (req, res) => {
    const { id, lessonId } = parseInput(lessonParams, req.params, 'params');
    sendCourse(
      req,
      res,
      await courses.removeLesson(principalOf(req), id, expectedVersion(req, false), lessonId),
    );
  });

  app.put('/v1/courses/:id/skills', ...authors, async (req, res) => {
    const { id } = parseInput(courseParams, req.params, 'params');
    const { skills } = parseInput(skillsBody, req.body, 'body');
    sendCourse(req, res, await courses.setSkills(principalOf(req), id, expectedVersion(req, false), skills));
  });

  app.put('/v1/courses/:id/prerequisites', ...authors, async (req, res) => {
    const { id } = parseInput(courseParams, req.params, 'params');
    const { prerequisites } = parseInput(prerequisitesBody, req.body, 'body');
    sendCourse(
      req,
      res,
      await courses.setPrerequisites(principalOf(req), id, expectedVersion(req, false), prerequisites),
    );
  });

  app.post('/v1/courses/:id/publish', ...authors, async (req, res) => {
    const { id } = parseInput(courseParams, req.params, 'params');
    sendCourse(req, res, await courses.publish(principalOf(req), id, expectedVersion(req, false)));
  });

  app.post('/v1/courses/:id/archive', ...authors, async (req, res) => {
    const { id } = parseInput(courseParams, req.params, 'params');
    sendCourse(req, res, await courses.archive(principalOf(req), id, expectedVersion(req, false)));
  });
}
