import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { problemTypes, problemTypeUri } from '@syllabus/contracts';

/**
 * A stand-in for user-progress's internal routes, the gateway's only dependency for auth: it
 * answers as they are declared, problems included (the gateway refuses anything else as a 502).
 */
export async function startDirectory(token: string) {
  const users = new Map<string, { id: string; email: string; password: string; displayName: string }>();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      const problem = (name: 'unauthorized' | 'wrong-credentials', detail?: string) =>
        res.writeHead(401, { 'Content-Type': 'application/problem+json' }).end(
          JSON.stringify({
            type: problemTypeUri(name),
            title: problemTypes[name].title,
            status: 401,
            detail,
          }),
        );
      if (req.headers.authorization !== `Bearer ${token}`) return problem('unauthorized');
      const body = raw ? (JSON.parse(raw) as Record<string, string>) : {};
      const view = (u: { id: string; email: string; displayName: string }) => ({
        id: u.id,
        email: u.email,
        displayName: u.displayName,
        roles: ['learner'],
        timeZone: 'UTC',
        createdAt: new Date().toISOString(),
      });
      if (req.url === '/internal/users' && req.method === 'POST') {
        const id = randomUUID().replace(/-/g, '').slice(0, 24);
        const user = {
          id,
          email: body.email!.toLowerCase(),
          password: body.password!,
          displayName: body.displayName!,
        };
        users.set(user.email, user);
        return send(201, view(user));
      }
      if (req.url === '/internal/credentials/verify') {
        const user = users.get(String(body.email).toLowerCase());
        return user && user.password === body.password
          ? send(200, view(user))
          : problem('wrong-credentials', 'the email or password is wrong');
      }
      const found = [...users.values()].find((u) => req.url === `/internal/users/${u.id}`);
      return found ? send(200, view(found)) : problem('unauthorized');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
