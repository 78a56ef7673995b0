import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { Client } from 'pg';
import request from 'supertest';
import { pino } from 'pino';
import { freePort, testEnv } from '@syllabus/testing';
import { z } from 'zod';
import { DomainError } from '@syllabus/contracts';
import { createMetrics, createServiceApp, parseInput, type HealthCheck } from '../src/index';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager().enable();

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info', mixin: undefined }, stream), lines };
}

const postgresCheck = (url: string): HealthCheck => ({
  name: 'postgres',
  critical: true,
  check: async () => {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 500 });
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
  },
});

function buildApp(healthChecks: HealthCheck[] = []) {
  const { logger, lines } = capturedLogger();
  const metrics = createMetrics('kit-test');
  const app = createServiceApp({
    service: 'kit-test',
    logger,
    metrics,
    healthChecks,
    routes: (router) => {
      router.post('/things', (req, res) => {
        const body = parseInput(
          z.object({ name: z.string().min(2), size: z.number().int().positive() }).strict(),
          req.body,
          'body',
        );
        res.status(201).json(body);
      });
      router.get('/things/:id', () => {
        throw new DomainError('slug-taken', 'that thing is taken');
      });
      router.get('/boom', (_req, _res, next) => {
        const span = provider.getTracer('test').startSpan('boom-request');
        context.with(trace.setSpan(context.active(), span), () => {
          try {
            throw new Error('database password is hunter2');
          } catch (error) {
            next(error);
          } finally {
            span.end();
          }
        });
      });
    },
  });
  return { app, lines, metrics };
}

describe('service app', () => {
  before(() => {
    context.setGlobalContextManager(contextManager);
  });
  after(() => {
    context.disable();
  });

  it('when the body is valid, then the route answers, with security headers and a request id', async () => {
    const { app } = buildApp();
    const res = await request(app).post('/things').send({ name: 'lamp', size: 3 }).expect(201);
    assert.deepEqual(res.body, { name: 'lamp', size: 3 });
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(res.headers['content-security-policy']);
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('when a request is logged, then its bearer token and cookies are not', async () => {
    const { app, lines } = buildApp();
    await request(app)
      .get('/things/1?x=1')
      .set('Authorization', 'Bearer secret-token-123')
      .set('Cookie', 'session=secret-cookie');
    await request(app)
      .post('/things')
      .set('Authorization', 'Bearer secret-token-123')
      .send({ name: 'lamp', size: 3 });
    const logged = JSON.stringify(lines);
    assert.match(logged, /request completed/);
    assert.doesNotMatch(logged, /secret-token-123|secret-cookie/);
  });

  it('when a request id is given, then it is kept; when it is unsafe, then a new one is made', async () => {
    const { app } = buildApp();
    const kept = await request(app).get('/things/1').set('X-Request-Id', 'abc-123');
    assert.equal(kept.headers['x-request-id'], 'abc-123');
    const replaced = await request(app).get('/things/1').set('X-Request-Id', 'bad id\twith spaces');
    assert.notEqual(replaced.headers['x-request-id'], 'bad id\twith spaces');
  });

  it('when fields are invalid or unknown, then 400 problem+json names each one', async () => {
    const { app } = buildApp();
    const res = await request(app).post('/things').send({ name: 'x', size: -1, colour: 'red' }).expect(400);
    assert.match(res.headers['content-type']!, /^application\/problem\+json/);
    assert.equal(res.body.type, 'urn:problem:syllabus:validation');
    assert.equal(res.body.status, 400);
    const fields = (res.body.errors as { field: string; in: string }[])
      .map((e) => `${e.in}.${e.field}`)
      .sort();
    assert.deepEqual(fields, ['body.', 'body.name', 'body.size']);
    assert.match(JSON.stringify(res.body.errors), /unknown field\(s\): colour/);
  });

  it('when the JSON is malformed, then 400; when the body is too large, then 413', async () => {
    const { app } = buildApp();
    const malformed = await request(app)
      .post('/things')
      .set('Content-Type', 'application/json')
      .send('{"name":');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.type, 'urn:problem:syllabus:malformed-json');
    const big = await request(app)
      .post('/things')
      .send({ name: 'x'.repeat(200_000), size: 1 });
    assert.equal(big.status, 413);
    assert.match(big.body.detail, /100kb/);
  });

  it('when a domain error is thrown, then its problem type, status and detail are answered', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/things/7').expect(409);
    assert.equal(res.body.detail, 'that thing is taken');
    assert.equal(res.body.type, 'urn:problem:syllabus:slug-taken');
    assert.equal(res.body.title, 'Slug taken');
    assert.equal(res.body.instance, '/things/7');
  });

  it('when a route does not exist, then 404 problem+json', async () => {
    const { app } = buildApp();
    const res = await request(app).delete('/nowhere').expect(404);
    assert.match(res.body.detail, /DELETE \/nowhere/);
  });

  it('when an unknown error escapes, then 500 without its message, logged, and the span marked failed', async () => {
    exporter.reset();
    const { app, lines } = buildApp();
    const res = await request(app).get('/boom').expect(500);
    assert.doesNotMatch(JSON.stringify(res.body), /hunter2/);
    assert.equal(res.body.type, 'urn:problem:syllabus:internal');
    const logged = lines.find((line) => line.msg === 'unhandled error');
    assert.ok(logged, 'the error is logged');
    assert.match(JSON.stringify(logged), /hunter2/);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.name, 'boom-request');
    assert.equal(span?.status.code, 2 /* ERROR */);
    assert.equal(span?.events[0]?.name, 'exception');
  });

  it('when requests are served, then /metrics reports them by route template', async () => {
    const { app } = buildApp();
    await request(app).get('/things/41');
    await request(app).get('/things/42');
    assert.equal((await request(app).get('/metrics')).status, 404, 'not on the public port');
    const res = await request(app.operator).get('/metrics').expect(200);
    assert.match(
      res.text,
      /http_server_request_duration_seconds_count\{service="kit-test",method="GET",route="\/things\/:id",status_code="409"\} 2/,
    );
    assert.match(res.text, /process_cpu_user_seconds_total/);
  });

  it('when a critical dependency is up, then ready; when it is down, then 503 naming it', async () => {
    const up = buildApp([postgresCheck(testEnv.POSTGRES_URL)]);
    const ok = await request(up.app.operator).get('/health/ready').expect(200);
    assert.equal(ok.body.status, 'ok');
    assert.equal(ok.body.checks.postgres.status, 'up');

    const deadUrl = `postgres://nobody:x@127.0.0.1:${await freePort()}/none`;
    const down = buildApp([postgresCheck(deadUrl)]);
    const res = await request(down.app.operator).get('/health/ready').expect(503);
    assert.match(res.headers['content-type']!, /^application\/problem\+json/);
    assert.equal(res.body.detail, 'postgres unavailable');
    assert.equal(res.body.checks.postgres.status, 'down');
  });

  it('when only a non-critical dependency is down, then ready but degraded', async () => {
    const { app } = buildApp([
      postgresCheck(testEnv.POSTGRES_URL),
      { name: 'cache', critical: false, check: () => Promise.reject(new Error('connection refused')) },
    ]);
    const res = await request(app.operator).get('/health/ready').expect(200);
    assert.equal(res.body.status, 'degraded');
    assert.equal((await request(app).get('/health/ready')).status, 404, 'not on the public port');
    assert.equal(res.body.checks.cache.error, 'connection refused');
  });
});
