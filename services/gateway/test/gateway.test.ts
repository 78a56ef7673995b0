import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SignJWT, base64url, generateKeyPair, importJWK, type JWK } from 'jose';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createTokenVerifier } from '@syllabus/auth';
import { expressPath } from '@syllabus/contracts';
import { mountedRoutes } from '@syllabus/service-kit';
import { freePort, startRedisServer, testEnv, waitFor } from '@syllabus/testing';
import { withBearer } from '@syllabus/testing/http';
import { apiDocument } from '../src/api';
import { createKeyRing, generateSigningKey } from '../src/domain/keys';
import { startDirectory } from './directory-stand-in';
import { startGateway } from './support';

const INTERNAL = `gateway-test-${randomUUID()}-${randomUUID()}`;
let directory: Awaited<ReturnType<typeof startDirectory>>;
let signingKey: JWK;

/** Runs `work` against a gateway started with `env`, and stops it whatever happens. */
async function usingGateway(
  work: (gateway: Awaited<ReturnType<typeof gatewayWith>>) => Promise<void>,
  env: Record<string, string> = {},
) {
  const gateway = await gatewayWith(env);
  try {
    await work(gateway);
  } finally {
    await gateway.stop();
  }
}

async function gatewayWith(env: Record<string, string> = {}) {
  return startGateway({
    REDIS_URL: testEnv.REDIS_URL,
    REDIS_KEY_PREFIX: `test:gateway:${randomUUID().slice(0, 8)}:`,
    USER_PROGRESS_URL: directory.url,
    CATALOG_URL: `http://127.0.0.1:${await freePort()}`,
    NOTIFICATION_URL: `http://127.0.0.1:${await freePort()}`,
    UPSTREAM_TIMEOUT_MS: '1000',
    INTERNAL_TOKEN: INTERNAL,
    JWT_SIGNING_KEYS: JSON.stringify([signingKey]),
    CORS_ORIGINS: 'https://app.syllabus.test',
    // Each test signs up afresh; the tests of the limits set their own.
    AUTH_RATE_LIMIT_MAX: '200',
    ...env,
  });
}

async function signup(app: Parameters<typeof request>[0]) {
  const email = `user-${randomUUID().slice(0, 8)}@syllabus.test`;
  const res = await request(app)
    .post('/v1/auth/signup')
    .send({ email, password: 'a long password', displayName: 'U' })
    .expect(201);
  assert.equal(res.headers['cache-control'], 'no-store', 'a response carrying tokens is never cached');
  return { email, ...(res.body as { accessToken: string; refreshToken: string; user: { id: string } }) };
}

describe('gateway authentication', () => {
  let gateway: Awaited<ReturnType<typeof gatewayWith>>;
  before(async () => {
    directory = await startDirectory(INTERNAL);
    signingKey = await generateSigningKey();
    gateway = await gatewayWith();
  });
  after(async () => {
    await gateway.stop();
    directory.close();
  });

  it('when tokens are issued, then they are ES256 access tokens (typ at+jwt) with kid, iss, aud, sub and roles, for at most 15 minutes, verifiable with the JWKS, and never cached', async () => {
    const { accessToken, user, refreshToken } = await signup(gateway.app);
    const [header, payload] = accessToken
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(new TextDecoder().decode(base64url.decode(part))) as Record<string, unknown>);
    assert.equal(header!.alg, 'ES256');
    assert.equal(header!.typ, 'at+jwt');
    assert.equal(header!.kid, signingKey.kid);
    const refreshed = await request(gateway.app).post('/v1/auth/refresh').send({ refreshToken }).expect(200);
    assert.equal(refreshed.headers['cache-control'], 'no-store');
    assert.equal(payload!.sub, user.id);
    assert.deepEqual(payload!.roles, ['learner']);
    assert.equal(payload!.aud, 'syllabus');
    assert.ok(Number(payload!.exp) - Number(payload!.iat) <= 900);
    const jwks = await request(gateway.app).get('/.well-known/jwks.json').expect(200);
    assert.deepEqual(
      jwks.body.keys.map((k: JWK) => k.kid),
      [signingKey.kid],
    );
    assert.ok(
      jwks.body.keys.every((k: JWK) => k.d === undefined),
      'no private part is published',
    );
  });

  it('when a session reaches its absolute lifetime, then refreshing ends it, however often it was refreshed', async () => {
    const short = await gatewayWith({ SESSION_MAX_SECONDS: '2' });
    try {
      const started = Date.now();
      let { refreshToken } = await signup(short.app);
      let refreshed = 0;
      await waitFor(
        async () => {
          const res = await request(short.app).post('/v1/auth/refresh').send({ refreshToken });
          if (res.status === 200) {
            refreshToken = (res.body as { refreshToken: string }).refreshToken;
            refreshed += 1;
          }
          return res.status === 401;
        },
        { what: 'the session to end', timeoutMs: 10_000, intervalMs: 200 },
      );
      assert.ok(refreshed >= 3, `refreshed ${refreshed} times before it ended`);
      assert.ok(Date.now() - started >= 1_900, 'not before its lifetime');
    } finally {
      await short.stop();
    }
  });

  it('when a refresh token is used, then it rotates; when a spent one is replayed, then the whole family is revoked', async () => {
    const { refreshToken } = await signup(gateway.app);
    const second = await request(gateway.app).post('/v1/auth/refresh').send({ refreshToken }).expect(200);
    assert.notEqual(second.body.refreshToken, refreshToken);
    const third = await request(gateway.app)
      .post('/v1/auth/refresh')
      .send({ refreshToken: second.body.refreshToken })
      .expect(200);
    // The thief replays the first token: refused, and the legitimate latest one dies with it.
    const replay = await request(gateway.app).post('/v1/auth/refresh').send({ refreshToken }).expect(401);
    assert.match(replay.body.detail, /already used/);
    await request(gateway.app)
      .post('/v1/auth/refresh')
      .send({ refreshToken: third.body.refreshToken })
      .expect(401);
  });

  it('when a learner logs out, then the refresh token no longer works', async () => {
    const { refreshToken } = await signup(gateway.app);
    await request(gateway.app).post('/v1/auth/logout').send({ refreshToken }).expect(204);
    await request(gateway.app).post('/v1/auth/refresh').send({ refreshToken }).expect(401);
  });

  it('when the password is wrong or the account unknown, then the same 401', async () => {
    const { email } = await signup(gateway.app);
    const wrong = await request(gateway.app)
      .post('/v1/auth/login')
      .send({ email, password: 'not the password' })
      .expect(401);
    const unknown = await request(gateway.app)
      .post('/v1/auth/login')
      .send({ email: 'nobody@syllabus.test', password: 'not the password' })
      .expect(401);
    assert.equal(wrong.body.detail, unknown.body.detail);
  });

  /** A token like the gateway's, with one thing changed. */
  async function forge(
    changes: {
      alg?: 'ES256' | 'HS256';
      typ?: string;
      roles?: string[];
      iss?: string;
      aud?: string;
      iat?: number;
      exp?: number | string;
    },
    key: Parameters<SignJWT['sign']>[0],
  ) {
    return new SignJWT({ roles: changes.roles ?? ['learner'] })
      .setProtectedHeader({ alg: changes.alg ?? 'ES256', kid: signingKey.kid, typ: changes.typ ?? 'at+jwt' })
      .setSubject('x')
      .setIssuer(changes.iss ?? 'http://127.0.0.1:8080')
      .setAudience(changes.aud ?? 'syllabus')
      .setIssuedAt(changes.iat)
      .setExpirationTime(changes.exp ?? '5m')
      .sign(key);
  }
  const gatewayKey = () => importJWK(signingKey, 'ES256');
  const now = () => Math.floor(Date.now() / 1000);

  const forgeries: [string, (good: string) => Promise<string>][] = [
    [
      'alg none',
      async (good) => `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${good.split('.')[1]}.`,
    ],
    [
      'tampered payload',
      async (good) => {
        const [h, p, s] = good.split('.');
        const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p!))) as object;
        return `${h}.${base64url.encode(JSON.stringify({ ...claims, roles: ['admin'] }))}.${s}`;
      },
    ],
    [
      'HS256 with the public key',
      async () => {
        const { d: _d, ...publicJwk } = signingKey;
        return forge({ alg: 'HS256', roles: ['admin'] }, new TextEncoder().encode(JSON.stringify(publicJwk)));
      },
    ],
    ['expired', async () => forge({ iat: now() - 3600, exp: now() - 1800 }, await gatewayKey())],
    ['not an access token (typ JWT)', async () => forge({ typ: 'JWT' }, await gatewayKey())],
    ['no typ', async () => forge({ typ: '' }, await gatewayKey())],
    ['wrong audience', async () => forge({ aud: 'elsewhere' }, await gatewayKey())],
    ['wrong issuer', async () => forge({ iss: 'https://evil.test' }, await gatewayKey())],
    [
      'signed by another key',
      async () => forge({ roles: ['admin'] }, (await generateKeyPair('ES256')).privateKey),
    ],
  ];
  for (const [name, forge] of forgeries) {
    it(`when a forged token (${name}) reaches the gateway, then 401, never 500`, async () => {
      const { accessToken } = await signup(gateway.app);
      const res = await request(gateway.app)
        .get('/v1/me/dashboard')
        .set('Authorization', `Bearer ${await forge(accessToken)}`);
      assert.equal(res.status, 401, JSON.stringify(res.body));
    });
  }

  it('when the trace view is not configured, then asking for a trace says it is off', async () => {
    const { accessToken } = await signup(gateway.app);
    const res = await withBearer(gateway.app, `Bearer ${accessToken}`)
      .get(`/v1/me/traces/${'a'.repeat(32)}`)
      .expect(404);
    assert.equal(res.body.type, 'urn:problem:syllabus:trace-view-off');
  });

  it('when keys rotate, then both are published and a token signed by the old key still verifies', async () => {
    const newKey = await generateSigningKey();
    const ring = await createKeyRing([newKey, signingKey]);
    assert.deepEqual(
      ring.jwks.keys.map((k) => k.kid),
      [newKey.kid, signingKey.kid],
    );
    assert.equal(ring.signing.kid, newKey.kid);
    const { accessToken } = await signup(gateway.app); // signed with the old key
    const verify = createTokenVerifier({
      localKeys: ring.jwks,
      issuer: 'http://127.0.0.1:8080',
      audience: 'syllabus',
    });
    assert.equal((await verify(accessToken)).roles[0], 'learner');
  });
});

describe('gateway limits and hardening', () => {
  before(async () => {
    directory = await startDirectory(INTERNAL);
    signingKey ??= await generateSigningKey();
  });
  after(() => directory.close());

  it('when two gateway instances share Redis, then a limit of N per window holds across both', async () => {
    const prefix = `test:gateway:${randomUUID().slice(0, 8)}:`;
    const env = { REDIS_KEY_PREFIX: prefix, RATE_LIMIT_MAX: '10', RATE_LIMIT_WINDOW_MS: '60000' };
    const [one, two] = [await gatewayWith(env), await gatewayWith(env)];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 24; i += 1) {
        const res = await request(i % 2 ? one.app : two.app).get('/v1/openapi-missing');
        statuses.push(res.status);
        if (res.status === 429) {
          assert.match(res.headers['content-type']!, /problem\+json/);
          assert.ok(res.headers['retry-after']);
        } else {
          assert.match(String(res.headers.ratelimit), /limit=10, remaining=\d+, reset=\d+/);
        }
      }
      assert.equal(statuses.filter((s) => s !== 429).length, 10);
    } finally {
      await one.stop();
      await two.stop();
    }
  });

  it('when Redis forgets the counting script (as after a restart), then the limit still counts every request', async () => {
    const prefix = `test:gateway:${randomUUID().slice(0, 8)}:`;
    const gateway = await gatewayWith({
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_MAX: '3',
      RATE_LIMIT_WINDOW_MS: '60000',
    });
    const redis = new Redis(testEnv.REDIS_URL);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 2; i += 1)
        statuses.push((await request(gateway.app).get('/v1/openapi-missing')).status);
      assert.equal(await redis.script('FLUSH'), 'OK');
      for (let i = 0; i < 2; i += 1)
        statuses.push((await request(gateway.app).get('/v1/openapi-missing')).status);
      assert.deepEqual(statuses, [404, 404, 404, 429]);
    } finally {
      redis.disconnect();
      await gateway.stop();
    }
  });

  it("when one account is guessed from one address, then that address is refused; its owner's logins count nothing and another address still signs in", async () => {
    const gateway = await gatewayWith({
      LOGIN_FAILURES_PER_SOURCE: '3',
      LOGIN_SLOWDOWN_AFTER: '100',
      TRUST_PROXY_HOPS: '1',
    });
    const from = (address: string, body: object) =>
      request(gateway.app).post('/v1/auth/login').set('X-Forwarded-For', address).send(body);
    try {
      const { email } = await signup(gateway.app);
      for (let i = 0; i < 5; i += 1)
        await from('198.51.100.9', { email, password: 'a long password' }).expect(200);
      const statuses = [];
      for (let i = 0; i < 5; i += 1)
        statuses.push((await from('203.0.113.7', { email, password: `guess ${i}` })).status);
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      await from('198.51.100.9', { email, password: 'a long password' }).expect(200);
      // Another account from the guessing address is not affected.
      const other = await signup(gateway.app);
      await from('203.0.113.7', { email: other.email, password: 'a long password' }).expect(200);
    } finally {
      await gateway.stop();
    }
  });

  it('when Redis is down, then limits are not enforced (documented), and the gateway reports not ready', async () => {
    const redis = await startRedisServer();
    await usingGateway(
      async (gateway) => {
        await redis.stop();
        const statuses = [];
        for (let i = 0; i < 4; i += 1)
          statuses.push((await request(gateway.app).get('/v1/nothing-here')).status);
        assert.deepEqual(statuses, [404, 404, 404, 404]);
        await request(gateway.app.operator).get('/health/ready').expect(503);
      },
      { REDIS_URL: redis.url, RATE_LIMIT_MAX: '2' },
    );
  });

  it('when a request is too big, from a foreign origin, or malformed, then it is refused before any upstream', async () => {
    await usingGateway(async (gateway) => {
      const big = await request(gateway.app)
        .post('/v1/auth/login')
        .send({ email: 'x'.repeat(120_000), password: 'y' });
      assert.equal(big.status, 413);
      const allowed = await request(gateway.app)
        .get('/v1/openapi.json')
        .set('Origin', 'https://app.syllabus.test');
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.syllabus.test');
      const foreign = await request(gateway.app).get('/v1/openapi.json').set('Origin', 'https://evil.test');
      assert.equal(foreign.headers['access-control-allow-origin'], undefined);
      assert.equal(allowed.headers['x-powered-by'], undefined);
      const bad = await request(gateway.app)
        .post('/v1/auth/signup')
        .send({ email: 'a@b.c', password: 'long enough', displayName: 'x', admin: true });
      assert.equal(bad.status, 400);
    });
  });

  it('when the docs are opened, then the OpenAPI 3.1 document and an interactive page are served', async () => {
    await usingGateway(async (gateway) => {
      const spec = await request(gateway.app).get('/v1/openapi.json').expect(200);
      assert.equal(spec.body.openapi, '3.1.0');
      // The four catalog routes the hand-written document once lacked, with their real schemas.
      assert.ok(spec.body.paths['/v1/courses/{course}/lessons/order'].put.requestBody);
      assert.ok(spec.body.paths['/v1/courses/{course}/lessons/{lesson}'].delete);
      assert.ok(spec.body.paths['/v1/courses/{course}/skills'].put.requestBody);
      assert.ok(spec.body.paths['/v1/courses/{course}/prerequisites'].put.requestBody);
      assert.equal(spec.body.components.schemas.CoursePatch.additionalProperties, false);
      const page = await request(gateway.app).get('/docs').expect(200);
      assert.match(page.text, /swagger-ui-bundle\.js/);
      await request(gateway.app).get('/docs/assets/swagger-ui-bundle.js').expect(200);
      await request(gateway.app).get('/docs/init.js').expect(200);
    });
  });

  it('when the routes are listed, then every mounted route is documented and every documented route is mounted', async () => {
    await usingGateway(async (gateway) => {
      const documented = Object.entries(apiDocument.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${expressPath(path)}`),
      );
      // The interactive page is not part of the API: it is the API's documentation.
      const mounted = mountedRoutes(gateway.app).filter((route) => !route.startsWith('GET /docs'));
      assert.deepEqual([...mounted].sort(), [...documented].sort());
      assert.ok(documented.length >= 33, `${documented.length} operations`);
    });
  });

  it('when a known path is asked with another method, then 405 with Allow, without reaching a service', async () => {
    await usingGateway(async (gateway) => {
      const res = await request(gateway.app).delete('/v1/courses').expect(405);
      assert.equal(res.headers.allow, 'GET, HEAD, POST, OPTIONS');
      assert.equal(res.body.type, 'urn:problem:syllabus:method-not-allowed');
      const stats = await request(gateway.app).post('/v1/me/stats').expect(405);
      assert.equal(stats.headers.allow, 'GET, HEAD, OPTIONS');
      // The most specific declared path decides: this is a wrong method on the lesson order,
      // not a lesson called "order".
      const order = await request(gateway.app)
        .delete(`/v1/courses/${randomUUID()}/lessons/order`)
        .expect(405);
      assert.equal(order.headers.allow, 'PUT, OPTIONS');
      await request(gateway.app).post('/v1/no-such-thing').expect(404);
    });
  });

  it('when a request is proxied, then the request id and trace context go along, and hop-by-hop headers do not', async () => {
    const seen: Record<string, string | string[] | undefined>[] = [];
    const upstream = createServer((req, res) => {
      seen.push(req.headers);
      res
        .writeHead(200, {
          'Content-Type': 'application/json',
          'Keep-Alive': 'timeout=99',
          'X-Upstream': 'catalog',
        })
        .end('{"items":[]}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const gateway = await gatewayWith({
      CATALOG_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    try {
      const res = await request(gateway.app)
        .get('/v1/tracks?x=1')
        .set('X-Request-Id', 'trace-me-123')
        .set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
        .set('Connection', 'keep-alive, X-Secret-Hop')
        .set('X-Secret-Hop', 'must not pass')
        .set('Proxy-Authorization', 'Basic abc')
        .expect(200);
      assert.deepEqual(res.body, { items: [] });
      assert.equal(res.headers['x-upstream'], 'catalog');
      // The upstream's own hop header stays on its hop (the gateway's server sets its own).
      assert.notEqual(res.headers['keep-alive'], 'timeout=99');
      const [headers] = seen;
      assert.equal(headers!['x-request-id'], 'trace-me-123');
      assert.equal(headers!['traceparent'], '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
      assert.equal(headers!['x-secret-hop'], undefined);
      assert.equal(headers!['proxy-authorization'], undefined);
      assert.match(String(headers!['x-forwarded-for']), /127\.0\.0\.1/);
    } finally {
      await gateway.stop();
      upstream.close();
    }
  });

  it('when an upstream answers 5xx, then its breaker counts it; when it sheds load (503 with Retry-After), then not', async () => {
    const answers = { status: 500, retryAfter: undefined as string | undefined };
    let calls = 0;
    const upstream = createServer((_req, res) => {
      calls += 1;
      res
        .writeHead(answers.status, answers.retryAfter ? { 'Retry-After': answers.retryAfter } : {})
        .end('{}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const shedding = await gatewayWith({ CATALOG_URL: url });
    try {
      answers.status = 503;
      answers.retryAfter = '1';
      for (let i = 0; i < 10; i += 1) {
        const res = await request(shedding.app).get('/v1/courses').expect(503);
        assert.equal(res.headers['retry-after'], '1', 'passed on as the upstream said it');
      }
      assert.equal(shedding.deps.upstreams.states().catalog, 'closed');
      assert.equal(calls, 10, 'every request reached the upstream');
      answers.retryAfter = undefined;
      answers.status = 500;
      for (let i = 0; i < 20; i += 1) await request(shedding.app).get('/v1/courses');
      assert.equal(shedding.deps.upstreams.states().catalog, 'open');
    } finally {
      await shedding.stop();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it('when an upstream is busy, then at most its bulkhead reaches it, the overflow gets 503 + Retry-After at once, and nothing is declared dead', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    let served = 0;
    const held: (() => void)[] = [];
    const upstream = createServer((_req, res) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      held.push(() => {
        inFlight -= 1;
        served += 1;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"items":[]}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const gateway = await gatewayWith({
      CATALOG_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      UPSTREAM_CONCURRENCY: '2',
      UPSTREAM_QUEUE: '2',
    });
    try {
      const refused: number[] = [];
      const answers = Array.from({ length: 6 }, () =>
        request(gateway.app)
          .get('/v1/courses')
          .then((res) => {
            if (res.status === 503) refused.push(res.status);
            return res;
          }),
      );
      const settled = Promise.all(answers);
      // Two are at the upstream and two wait for a slot; the other two are refused at once.
      await waitFor(() => held.length === 2 && refused.length === 2);
      // Released one by one: each freed slot lets one waiting request through.
      await waitFor(() => {
        held.shift()?.();
        return served === 4;
      });
      const results = await settled;
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 200, 503, 503]);
      for (const res of results.filter((r) => r.status === 503)) {
        assert.equal(res.headers['retry-after'], '1');
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.match(res.body.detail, /catalog is at capacity/);
      }
      assert.equal(mostInFlight, 2, 'never more than the bulkhead at the upstream');
      assert.equal(gateway.deps.upstreams.states().catalog, 'closed');
    } finally {
      await gateway.stop();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it('when an upstream keeps failing, then its circuit opens and it is refused at once', async () => {
    await usingGateway(async (gateway) => {
      for (let i = 0; i < 6; i += 1) await request(gateway.app).get('/v1/courses').expect(503);
      assert.equal(gateway.deps.upstreams.states().catalog, 'open');
      const res = await request(gateway.app).get('/v1/courses').expect(503);
      assert.match(res.body.detail, /catalog is unavailable/);
      assert.equal(gateway.deps.upstreams.states().notification, 'closed');
    });
  });

  it('when an upstream cannot be reached, then 503 problem+json, quickly', async () => {
    await usingGateway(async (gateway) => {
      const started = Date.now();
      const res = await request(gateway.app).get('/v1/courses');
      assert.equal(res.status, 503);
      assert.equal(res.body.upstream, 'catalog');
      assert.ok(Date.now() - started < 1_000);
    });
  });
});
