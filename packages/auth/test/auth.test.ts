import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, base64url, generateKeyPair } from 'jose';
import { pino } from 'pino';
import request from 'supertest';
import { createMetrics, createServiceApp } from '@syllabus/service-kit';
import { freePort } from '@syllabus/testing';
import { authenticate, createTokenVerifier, principalOf, requireRole } from '../src/index';
import { startTestIssuer, type TestIssuer } from '../src/testing';

let issuer: TestIssuer;

function buildApp(jwksUrl = issuer.jwksUrl) {
  const verify = createTokenVerifier({ jwksUrl, issuer: issuer.issuer, audience: issuer.audience });
  return createServiceApp({
    service: 'auth-test',
    logger: pino({ level: 'silent' }),
    metrics: createMetrics('auth-test'),
    healthChecks: [],
    routes: (app) => {
      app.get('/me', authenticate(verify), (req, res) => {
        res.json(principalOf(req));
      });
      app.post('/courses', authenticate(verify), requireRole('author', 'admin'), (_req, res) => {
        res.status(201).json({ created: true });
      });
    },
  });
}

const segments = (token: string) => token.split('.') as [string, string, string];
const encode = (value: object) => base64url.encode(JSON.stringify(value));

describe('access tokens verified against the JWKS', () => {
  before(async () => (issuer = await startTestIssuer()));
  after(() => issuer.close());

  it('when the token is valid, then the principal is the subject with its roles', async () => {
    const token = await issuer.mint({ sub: 'user-1', roles: ['learner'] });
    const res = await request(buildApp()).get('/me').set('Authorization', `Bearer ${token}`).expect(200);
    assert.deepEqual(res.body, { userId: 'user-1', roles: ['learner'] });
  });

  it('when no token is sent, then 401 with WWW-Authenticate', async () => {
    const res = await request(buildApp()).get('/me').expect(401);
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assert.match(res.headers['content-type']!, /problem\+json/);
  });

  const forgeries: [string, () => Promise<string>][] = [
    [
      'alg none',
      async () => {
        const [, payload] = segments(await issuer.mint({ sub: 'user-1', roles: ['admin'] }));
        return `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`;
      },
    ],
    [
      'HS256 signed with the public key (key confusion)',
      async () =>
        new SignJWT({ roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS256', kid: issuer.publicJwk.kid })
          .setSubject('user-1')
          .setIssuer(issuer.issuer)
          .setAudience(issuer.audience)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(JSON.stringify(issuer.publicJwk))),
    ],
    [
      'expired',
      () =>
        issuer.mint({ sub: 'user-1', roles: ['learner'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
    ],
    [
      'wrong audience',
      () => issuer.mint({ sub: 'user-1', roles: ['learner'] }, { audience: 'someone-else' }),
    ],
    [
      'wrong issuer',
      () => issuer.mint({ sub: 'user-1', roles: ['learner'] }, { issuer: 'https://evil.test' }),
    ],
    [
      'tampered payload',
      async () => {
        const [header, payload, signature] = segments(
          await issuer.mint({ sub: 'user-1', roles: ['learner'] }),
        );
        const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as object;
        return `${header}.${encode({ ...claims, roles: ['admin'] })}.${signature}`;
      },
    ],
    [
      'signed by another key under the same kid',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return new SignJWT({ roles: ['admin'] })
          .setProtectedHeader({ alg: 'ES256', kid: issuer.publicJwk.kid })
          .setSubject('user-1')
          .setIssuer(issuer.issuer)
          .setAudience(issuer.audience)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
      },
    ],
    ['garbage', () => Promise.resolve('not.a.jwt')],
  ];
  for (const [name, forge] of forgeries) {
    it(`when the token is forged (${name}), then 401, never 500`, async () => {
      const res = await request(buildApp())
        .get('/me')
        .set('Authorization', `Bearer ${await forge()}`);
      assert.equal(res.status, 401, JSON.stringify(res.body));
      assert.equal(res.body.status, 401);
    });
  }

  it('when a learner calls an author route, then 403; when an author does, then it passes', async () => {
    const app = buildApp();
    const learner = await issuer.mint({ sub: 'user-1', roles: ['learner'] });
    const denied = await request(app).post('/courses').set('Authorization', `Bearer ${learner}`).expect(403);
    assert.match(denied.body.detail, /author or admin/);
    const author = await issuer.mint({ sub: 'user-2', roles: ['author'] });
    await request(app).post('/courses').set('Authorization', `Bearer ${author}`).expect(201);
  });

  it('when the JWKS cannot be reached, then 503, not 401 or 500', async () => {
    const app = buildApp(`http://127.0.0.1:${await freePort()}/.well-known/jwks.json`);
    const token = await issuer.mint({ sub: 'user-1', roles: ['learner'] });
    const res = await request(app).get('/me').set('Authorization', `Bearer ${token}`);
    assert.equal(res.status, 503);
  });
});
