import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startSystem } from './support';

// Attacks on the running system, through the gateway, as a client would make them: every
// service (the gateway too) is a process of its own against the real servers.
let system: Awaited<ReturnType<typeof startSystem>>;

/** A raw HTTP request with headers `fetch` would refuse to send. */
function rawRequest(url: string, headers: Record<string, string>) {
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('abuse through the gateway', () => {
  before(async () => {
    system = await startSystem({ gatewayProcess: true, gatewayEnv: { AUTH_RATE_LIMIT_MAX: '1000' } });
  });
  after(() => system.stop());

  it('when clients flood routes with `Expect: 100-continue`, then no 5xx, and login and the catalog keep answering', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      for (const path of ['/v1/leaderboard', '/v1/courses', '/v1/me/notifications']) {
        statuses.push(await rawRequest(`${system.gateway.url}${path}`, { Expect: '100-continue' }));
      }
    }
    assert.deepEqual(
      statuses.filter((status) => status >= 500),
      [],
      `statuses: ${statuses.join(' ')}`,
    );
    assert.ok(statuses.includes(200), 'the catalog answered the flood itself');
    const login = await request(system.gateway.url)
      .post('/v1/auth/login')
      .send({ email: 'nobody@syllabus.test', password: 'not a password' });
    assert.equal(login.status, 401, 'login answers (no breaker opened on user-progress)');
    await request(system.gateway.url).get('/v1/courses').expect(200);
  });

  it('when a client sends an expectation the gateway cannot meet, then 417, and nothing upstream counts it', async () => {
    assert.equal(await rawRequest(`${system.gateway.url}/v1/courses`, { Expect: 'something-else' }), 417);
    await request(system.gateway.url).get('/v1/courses').expect(200);
  });
});
