import request, { type Test } from 'supertest';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Requests to `app` (an app or a URL) that carry `authorization` (e.g. `Bearer …`), as supertest makes them. */
export function withBearer(
  app: Parameters<typeof request>[0],
  authorization: string,
): Record<Method, (path: string) => Test> {
  const agent = request(app);
  return {
    get: (path) => agent.get(path).set('Authorization', authorization),
    post: (path) => agent.post(path).set('Authorization', authorization),
    put: (path) => agent.put(path).set('Authorization', authorization),
    patch: (path) => agent.patch(path).set('Authorization', authorization),
    delete: (path) => agent.delete(path).set('Authorization', authorization),
  };
}
