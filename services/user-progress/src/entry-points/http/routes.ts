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
      createUser: async ({ body }) => ({ status: 201, body: await users.register(body) }),
      verifyCredentials: async ({ body }) => ({ status: 200, body: await users.verifyCredentials(body) }),
      getUser: async ({ params }) => {
        const user = await users.findById(params.userId);
        if (!user) throw new DomainError('account-gone', 'no such account');
        return { status: 200, body: user };
      },
      setPassword: async ({ params, body }) => {
        if (!(await users.setPassword({ id: params.userId }, body.password)))
          throw new DomainError('account-gone', 'no such account');
        return { status: 204 };
      },
      enrol: async ({ body }, req) => ({
        status: 201,
        body: await progress.enrol(principalOf(req).userId, body.courseId),
      }),
      listEnrolments: async (_input, req) => ({
        status: 200,
        body: { items: await progress.enrolments(principalOf(req).userId) },
      }),
      completeLesson: async ({ params }, req) => {
        const result = await progress.completeLesson(principalOf(req).userId, params.course, params.lesson);
        return { status: 200, body: { ...result.enrolment, changed: result.changed } };
      },
      myStats: async (_input, req) => ({ status: 200, body: await progress.stats(principalOf(req).userId) }),
      leaderboard: async ({ query }) => ({
        status: 200,
        body: { items: await progress.leaderboard(query.limit) },
      }),
      userEnrolments: async ({ params }, req) => {
        const user = await subjectOf(req, params.userId);
        return { status: 200, body: { items: await progress.enrolments(user.id) } };
      },
      userStats: async ({ params }, req) => ({
        status: 200,
        body: await progress.stats((await subjectOf(req, params.userId)).id),
      }),
    },
    {
      guards: guardsFor(deps.verifyToken, deps.internalToken),
      validateResponses: deps.validateResponses,
    },
  );
}
