import { timingSafeEqual } from 'node:crypto';
import type { Express, Request, RequestHandler } from 'express';
import { authenticate, principalOf, requireRole, type TokenVerifier } from '@syllabus/auth';
import { ForbiddenProblem, UnauthorizedProblem, parseInput } from '@syllabus/service-kit';
import type { ProgressService } from '../../domain/progress';
import type { UserService } from '../../domain/users';
import {
  completionParams,
  credentialsBody,
  emptyQuery,
  enrolmentBody,
  leaderboardQuery,
  newUserBody,
  passwordBody,
  userParams,
} from './schemas';

/** Internal routes are for the gateway only: it proves itself with a shared secret. */
function requireInternalToken(token: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req, _res, next) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedProblem('internal route');
    }
    next();
  };
}

export function mountProgressRoutes(
  app: Express,
  deps: { users: UserService; progress: ProgressService; verifyToken: TokenVerifier; internalToken: string },
) {
  const { users, progress } = deps;
  const learners = [authenticate(deps.verifyToken), requireRole('learner', 'admin')];

  /** Object-level check: a learner reaches only their own records; an admin reaches anyone's. */
  async function subjectOf(req: Request) {
    const { userId } = parseInput(userParams, req.params, 'params');
    const principal = principalOf(req);
    if (principal.userId !== userId && !principal.roles.includes('admin')) {
      throw new ForbiddenProblem('you may read only your own progress');
    }
    const user = await users.findById(userId);
    if (!user) throw new ForbiddenProblem('you may read only your own progress');
    return user;
  }

  app.post('/internal/users', requireInternalToken(deps.internalToken), async (req, res) => {
    res.status(201).json(await users.register(parseInput(newUserBody, req.body, 'body')));
  });

  app.post('/internal/credentials/verify', requireInternalToken(deps.internalToken), async (req, res) => {
    res.json(await users.verifyCredentials(parseInput(credentialsBody, req.body, 'body')));
  });

  app.get('/internal/users/:userId', requireInternalToken(deps.internalToken), async (req, res) => {
    const { userId } = parseInput(userParams, req.params, 'params');
    const user = await users.findById(userId);
    if (!user) throw new UnauthorizedProblem('no such account');
    res.json(user);
  });

  app.put('/internal/users/:userId/password', requireInternalToken(deps.internalToken), async (req, res) => {
    const { userId } = parseInput(userParams, req.params, 'params');
    const { password } = parseInput(passwordBody, req.body, 'body');
    if (!(await users.setPassword({ id: userId }, password)))
      throw new UnauthorizedProblem('no such account');
    res.status(204).end();
  });

  app.post('/v1/me/enrollments', ...learners, async (req, res) => {
    const { courseId } = parseInput(enrolmentBody, req.body, 'body');
    const enrolment = await progress.enrol(principalOf(req).userId, courseId);
    res.status(201).location(`/v1/me/enrollments/${courseId}`).json(enrolment);
  });

  app.get('/v1/me/enrollments', ...learners, async (req, res) => {
    parseInput(emptyQuery, req.query, 'query');
    res.json({ items: await progress.enrolments(principalOf(req).userId) });
  });

  app.put('/v1/me/enrollments/:courseId/lessons/:lessonId/completion', ...learners, async (req, res) => {
    const { courseId, lessonId } = parseInput(completionParams, req.params, 'params');
    const result = await progress.completeLesson(principalOf(req).userId, courseId, lessonId);
    res.json({ ...result.enrolment, changed: result.changed });
  });

  app.get('/v1/me/stats', ...learners, async (req, res) => {
    parseInput(emptyQuery, req.query, 'query');
    res.json(await progress.stats(principalOf(req).userId));
  });

  app.get('/v1/leaderboard', ...learners, async (req, res) => {
    const { limit } = parseInput(leaderboardQuery, req.query, 'query');
    res.json({ items: await progress.leaderboard(limit) });
  });

  app.get('/v1/users/:userId/enrollments', ...learners, async (req, res) => {
    const user = await subjectOf(req);
    res.json({ items: await progress.enrolments(user.id) });
  });

  app.get('/v1/users/:userId/stats', ...learners, async (req, res) => {
    res.json(await progress.stats((await subjectOf(req)).id));
  });
}
