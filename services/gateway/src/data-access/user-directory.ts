import type { User } from '@syllabus/contracts';
import { HttpProblem, OverloadedProblem } from '@syllabus/service-kit';
import type { Upstreams } from './upstreams';

export type DirectoryUser = User;

interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: unknown;
}

/** Users live in user-progress; the gateway reaches them through its internal routes. */
export function createUserDirectory(deps: { upstreams: Upstreams; internalToken: string }) {
  async function call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    const response = await deps.upstreams.send('user-progress', {
      method,
      path,
      headers: { authorization: `Bearer ${deps.internalToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.statusCode === 204) {
      await response.body.dump();
      return undefined as T;
    }
    const payload = (await response.body.json()) as T & ProblemBody;
    if (response.statusCode >= 200 && response.statusCode < 300) return payload;
    // The upstream's own problem (validation, conflict, wrong credentials, too busy) is the
    // client's answer; any other failure of it is a bad gateway.
    if (response.statusCode === 503 && response.headers['retry-after'] !== undefined) {
      throw new OverloadedProblem(
        payload.detail ?? 'user-progress is busy',
        Number(response.headers['retry-after']) || 1,
      );
    }
    if (response.statusCode >= 500)
      throw HttpProblem.named('bad-gateway', `user-progress answered ${response.statusCode}`, {
        upstream: 'user-progress',
      });
    throw new HttpProblem(
      response.statusCode,
      payload.title ?? 'Upstream error',
      payload.detail,
      payload.errors ? { errors: payload.errors } : {},
      payload.type?.split(':').at(-1),
    );
  }
  return {
    create: (input: { email: string; password: string; displayName: string; timeZone?: string }) =>
      call<DirectoryUser>('POST', '/internal/users', input),
    verify: (credentials: { email: string; password: string }) =>
      call<DirectoryUser>('POST', '/internal/credentials/verify', credentials),
    setPassword: (userId: string, password: string) =>
      call<undefined>('PUT', `/internal/users/${encodeURIComponent(userId)}/password`, { password }),
    async find(userId: string): Promise<DirectoryUser | undefined> {
      try {
        return await call<DirectoryUser>('GET', `/internal/users/${encodeURIComponent(userId)}`);
      } catch (error) {
        if (error instanceof HttpProblem && (error.status === 401 || error.status === 400)) return undefined;
        throw error;
      }
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
