import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import request from 'supertest';
import { testEnv } from '@syllabus/testing';
import { startSystem } from './support';
import { withBearer } from '@syllabus/testing/http';

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

/** A new learner signed up through the gateway: their email and token pair. */
async function signUp() {
  const email = `abuse-${randomUUID().slice(0, 8)}@syllabus.test`;
  const res = await request(system.gateway.url)
    .post('/v1/auth/signup')
    .send({ email, password: 'a long password', displayName: 'A' })
    .expect(201);
  return { email, ...(res.body as Pair) };
}

describe('abuse through the gateway', () => {
  before(async () => {
    system = await startSystem({
      gatewayProcess: true,
      gatewayEnv: {
        AUTH_RATE_LIMIT_MAX: '1000',
        RATE_LIMIT_MAX: '100000', // the attacks below are many requests; the limits have tests of their own
        TRUST_PROXY_HOPS: '1', // as behind a load balancer: clients told apart by X-Forwarded-For
        LOGIN_SLOWDOWN_AFTER: '3',
        LOGIN_SLOWDOWN_MS: '100',
        LOGIN_SLOWDOWN_MAX_MS: '800',
      },
    });
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

  it("when one learner opens 200 live streams, then beyond a few they get 429, and another learner's feed still answers", async () => {
    const greedy = await signUp();
    const other = await signUp();
    const controller = new AbortController();
    try {
      const statuses = await Promise.all(
        Array.from({ length: 200 }, async () => {
          const response = await fetch(`${system.gateway.url}/v1/me/notifications/stream`, {
            headers: { Authorization: `Bearer ${greedy.accessToken}` },
            signal: controller.signal,
          });
          if (response.status !== 200) await response.body?.cancel();
          return response.status;
        }),
      );
      const opened = statuses.filter((status) => status === 200).length;
      assert.ok(opened >= 1 && opened <= 5, `${opened} streams opened`);
      assert.equal(statuses.filter((status) => status === 429).length, 200 - opened);
      // Normal latency is a few milliseconds; starved, it would never answer.
      const started = Date.now();
      await withBearer(system.gateway.url, `Bearer ${other.accessToken}`)
        .get('/v1/me/notifications')
        .timeout(5_000)
        .expect(200);
      assert.ok(Date.now() - started < 5_000);
    } finally {
      controller.abort();
    }
  });

  it('when an account is guessed at from many addresses, then each guess waits longer, and its owner still signs in', async () => {
    const { email } = await signUp();
    const durations: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const started = Date.now();
      await request(system.gateway.url)
        .post('/v1/auth/login')
        .set('X-Forwarded-For', `203.0.113.${10 + i}`)
        .send({ email, password: `guess ${i}` })
        .expect(401);
      durations.push(Date.now() - started);
    }
    // Free for three failures, then 100, 200, 400, 800 ms more each.
    assert.ok(
      durations[6]! >= 800 && durations[6]! > durations[0]! + 600,
      `durations: ${durations.join(', ')}`,
    );
    const started = Date.now();
    await request(system.gateway.url)
      .post('/v1/auth/login')
      .set('X-Forwarded-For', '198.51.100.9')
      .send({ email, password: 'a long password' })
      .expect(200);
    assert.ok(Date.now() - started < 5_000, 'delayed at most, never locked out');
  });

  it('when a learner registers webhooks for the IPv6 forms of private addresses, then each is refused with 422', async () => {
    const learner = await signUp();
    for (const url of [
      'https://[::127.0.0.1]/hook', // IPv4-compatible
      'https://[::7f00:1]/hook', // the same, written in hex
      'https://[64:ff9b::a9fe:a9fe]/hook', // NAT64 of the metadata address
      'https://[2002:7f00:1::]/hook', // 6to4 of loopback
      'https://[fec0::1]/hook', // site-local
    ]) {
      const res = await withBearer(system.gateway.url, `Bearer ${learner.accessToken}`)
        .post('/v1/me/webhooks')
        .send({ url, eventTypes: ['progress.enrolled.v1'] });
      assert.equal(res.status, 422, `${url}: ${JSON.stringify(res.body)}`);
    }
  });

  it('when a client sends 10,000 forged cursors, then the catalog cache gains no entry', async () => {
    const cache = new Redis(testEnv.CACHE_REDIS_URL);
    const entries = () => cache.keys(`${system.catalogCacheNamespace}*`);
    try {
      await request(system.gateway.url).get('/v1/courses').expect(200); // the canonical first page
      const before = (await entries()).sort();
      const forged = Array.from(
        { length: 10_000 },
        (_, i) =>
          i % 2
            ? `forged-${i}`
            : Buffer.from(JSON.stringify([`forged ${i}`, randomUUID()])).toString('base64url'), // well-formed, for a position nobody was given
      );
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let cursor = forged.pop(); cursor !== undefined; cursor = forged.pop()) {
            const response = await fetch(
              `${system.gateway.url}/v1/courses?cursor=${encodeURIComponent(cursor)}`,
            );
            await response.arrayBuffer();
            assert.ok(response.status === 200 || response.status === 422, `${response.status} for ${cursor}`);
          }
        }),
      );
      assert.deepEqual((await entries()).sort(), before);
    } finally {
      cache.disconnect();
    }
  });

  describe('sessions end when they should', () => {
    const api = () => request(system.gateway.url);
    const refresh = (refreshToken: string) => api().post('/v1/auth/refresh').send({ refreshToken });
    /** Another session of the same account. */
    const signIn = async (email: string) =>
      (await api().post('/v1/auth/login').send({ email, password: 'a long password' }).expect(200))
        .body as Pair;
    /** A proxied route and a gateway route: both must refuse a revoked session's token. */
    const usable = async (accessToken: string) => {
      const [enrolments, dashboard] = await Promise.all([
        api().get('/v1/me/enrollments').set('Authorization', `Bearer ${accessToken}`),
        api().get('/v1/me/dashboard').set('Authorization', `Bearer ${accessToken}`),
      ]);
      assert.equal(enrolments.status, dashboard.status, 'the same answer on every route');
      return enrolments.status === 200;
    };

    it('when someone logs out with a refresh token that was already rotated, then the newer one and its access tokens stop working', async () => {
      const first = await signUp();
      const second = (await refresh(first.refreshToken).expect(200)).body as Pair;
      assert.ok(await usable(second.accessToken));
      await api().post('/v1/auth/logout').send({ refreshToken: first.refreshToken }).expect(204);
      await refresh(second.refreshToken).expect(401);
      assert.equal(await usable(second.accessToken), false);
      assert.equal(await usable(first.accessToken), false);
    });

    it('when a spent refresh token is replayed, then its session ends, access tokens included', async () => {
      const first = await signUp();
      const second = (await refresh(first.refreshToken).expect(200)).body as Pair;
      await refresh(first.refreshToken).expect(401);
      assert.equal(await usable(second.accessToken), false);
      await refresh(second.refreshToken).expect(401);
    });

    it("when a learner logs out everywhere, then every session of theirs ends, and nobody else's", async () => {
      const account = await signUp();
      const other = await signIn(account.email);
      const stranger = await signUp();
      await api()
        .post('/v1/auth/logout-all')
        .set('Authorization', `Bearer ${account.accessToken}`)
        .expect(204);
      assert.equal(await usable(account.accessToken), false);
      assert.equal(await usable(other.accessToken), false);
      await refresh(other.refreshToken).expect(401);
      assert.ok(await usable(stranger.accessToken));
    });

    it('when the password changes, then every other session ends, the old password stops working, and this client goes on with a new pair', async () => {
      const account = await signUp();
      const elsewhere = await signIn(account.email);
      await api()
        .post('/v1/auth/password')
        .set('Authorization', `Bearer ${account.accessToken}`)
        .send({ currentPassword: 'not the password', newPassword: 'another long password' })
        .expect(401);
      const changed = await api()
        .post('/v1/auth/password')
        .set('Authorization', `Bearer ${account.accessToken}`)
        .send({ currentPassword: 'a long password', newPassword: 'another long password' })
        .expect(200);
      assert.equal(await usable(elsewhere.accessToken), false);
      await refresh(elsewhere.refreshToken).expect(401);
      assert.ok(await usable((changed.body as Pair).accessToken));
      await api()
        .post('/v1/auth/login')
        .send({ email: account.email, password: 'a long password' })
        .expect(401);
      await api()
        .post('/v1/auth/login')
        .send({ email: account.email, password: 'another long password' })
        .expect(200);
    });

    it('when someone signs up with an email an operator might use, then a learner all the same', async () => {
      const res = await api()
        .post('/v1/auth/signup')
        .send({
          email: `admin-${randomUUID().slice(0, 6)}@syllabus.test`,
          password: 'a long password',
          displayName: 'Admin',
        })
        .expect(201);
      assert.deepEqual(res.body.user.roles, ['learner']);
    });
  });
});

interface Pair {
  accessToken: string;
  refreshToken: string;
}
