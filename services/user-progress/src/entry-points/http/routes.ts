import type { Express, Request } from 'express';
import { guardsFor, principalOf, type TokenVerifier } from '@syllabus/auth';
import { DomainError, userProgressRoutes } from '@syllabus/contracts';
import { mountRoutes } from '@syllabus/service-kit';
import type { ProgressService } from '../../domain/progress';
import type { UserService } from '../../domain/users';

export function mountProgressRoutes(
  app: Express,
  deps: {
    users: UserService;
    progress: ProgressService;
    verifyToken: TokenVerifier;
    internalToken: string;
    validateResponses: boolean;
  },
) {
  const { users, progress } = deps;

  /** Object-level check: a learner reaches only their own records; an admin reaches anyone's. */
  async function subjectOf(req: Request, userId: string) {
    const principal = principalOf(req);
    if (principal.userId !== userId && !principal.roles.includes('admin')) {
      throw new DomainError('not-yours', 'you may read only your own progress');
    }
    const user = await users.findById(userId);
    if (!user) throw new DomainError('not-yours', 'you may read only your own progress');
    return user;
  }

  mountRoutes(
    app,
    userProgressRoutes,
    {
      createUser: async ({ body }, _req, res) => {
        res.status(201).json(await users.register(body));
      },
      verifyCredentials: async ({ body }, _req, res) => {
        res.json(await users.verifyCredentials(body));
      },
      getUser: async ({ params }, _req, res) => {
        const user = await users.findById(params.userId);
        if (!user) throw new DomainError('account-gone', 'no such account');
        res.json(user);
      },
      setPassword: async ({ params, body }, _req, res) => {
        if (!(await users.setPassword({ id: params.userId }, body.password)))
          throw new DomainError('account-gone', 'no such account');
        res.status(204).end();
      },
      enrol: async ({ body }, req, res) => {
        res.status(201).json(await progress.enrol(principalOf(req).userId, body.courseId));
      },
      listEnrolments: async (_input, req, res) => {
        res.json({ items: await progress.enrolments(principalOf(req).userId) });
      },
      completeLesson: async ({ params }, req, res) => {
        const result = await progress.completeLesson(principalOf(req).userId, params.course, params.lesson);
        res.json({ ...result.enrolment, changed: result.changed });
      },
      myStats: async (_input, req, res) => {
        res.json(await progress.stats(principalOf(req).userId));
      },
      leaderboard: async ({ query }, _req, res) => {
        res.json({ items: await progress.leaderboard(query.limit) });
      },
      userEnrolments: async ({ params }, req, res) => {
        const user = await subjectOf(req, params.userId);
        res.json({ items: await progress.enrolments(user.id) });
      },
      userStats: async ({ params }, req, res) => {
        res.json(await progress.stats((await subjectOf(req, params.userId)).id));
      },
    },
    {
      guards: guardsFor(deps.verifyToken, deps.internalToken),
      validateResponses: deps.validateResponses,
    },
  );
}
