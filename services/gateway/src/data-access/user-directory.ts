import { userProgressRoutes as routes, type User } from '@syllabus/contracts';
import { HttpProblem } from '@syllabus/service-kit';
import type { ServiceCalls } from './service-calls';

/** Users live in user-progress; the gateway reaches them through its internal routes. */
export function createUserDirectory(deps: { call: ServiceCalls; internalToken: string }) {
  const { call } = deps;
  const headers = { authorization: `Bearer ${deps.internalToken}` };
  return {
    create: (body: { email: string; password: string; displayName: string; timeZone?: string }) =>
      call(routes.createUser, { headers, body }),
    verify: (body: { email: string; password: string }) => call(routes.verifyCredentials, { headers, body }),
    setPassword: (userId: string, password: string) =>
      call(routes.setPassword, { headers, params: { userId }, body: { password } }),
    async find(userId: string): Promise<User | undefined> {
      try {
        return await call(routes.getUser, { headers, params: { userId } });
      } catch (error) {
        if (error instanceof HttpProblem && (error.status === 401 || error.status === 400)) return undefined;
        throw error;
      }
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
