// Journeys through the whole system, each read back from the real Jaeger that `npm test` runs:
// what these tests assert about a trace is what a learner studying it in Jaeger finds there.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import request from 'supertest';
import { testEnv, waitFor } from '@syllabus/testing';
import { withBearer } from '@syllabus/testing/http';
import { descendsFrom, jaeger, traceIdOf, type StoredSpan } from '@syllabus/testing/jaeger';
import { startSmtpServer } from '@syllabus/testing/smtp';
import { persistedOperations } from '../src/graphql/operations';
import { completeCourse, startSystem } from './support';

const store = jaeger();

const server = (service: string) => (s: StoredSpan) => s.service === service && s.kind === 'server';
const inScope = (service: string, scope: RegExp) => (s: StoredSpan) =>
  s.service === service && scope.test(s.scope);

/** Every string any span, event or resource carries, for the no-personal-data check. */
const valuesOf = (spans: StoredSpan[]) =>
  spans.flatMap((s) => [
    s.name,
    ...Object.values(s.attributes).map(String),
    ...s.events.flatMap((e) => Object.values(e.attributes).map(String)),
  ]);

describe('journeys, as Jaeger stores them', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let system: Awaited<ReturnType<typeof startSystem>>;
  /** What a learner typed or was given, which must never be in a trace. */
  const secrets: string[] = [];

  before(async () => {
    smtp = await startSmtpServer();
    system = await startSystem({
      telemetryEndpoint: testEnv.JAEGER_OTLP_URL,
      gatewayEnv: { JAEGER_QUERY_URL: store.url },
      smtpUrl: smtp.url,
      notificationEnv: {
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        DELIVERY_BACKOFF_MS: '300',
        // An event that keeps failing is dead-lettered after three attempts, quickly.
        MAX_ATTEMPTS: '3',
        RETRY_DELAYS_MS: '200',
      },
    });
  });
  after(async () => {
    await system.stop();
    await smtp.close();
  });

  it('when the last lesson of a course is completed, then progress, the relay, the broker, notification, its store and the email are one trace', async () => {
    const email = `traced-${Date.now()}@syllabus.test`;
    const { course, bearer, lastCompletion } = await completeCourse(
      system.gateway.app,
      'docker-for-developers',
      email,
    );
    secrets.push(email, email.split('@')[0]!, bearer.slice('Bearer '.length));
    const lastLesson = course.lessons.at(-1)!.id;
    const traceId = traceIdOf(lastCompletion.headers);
    const spans = await store.trace(traceId, {
      'the gateway root span': (s) => server('gateway')(s) && !s.parentSpanId,
      "user-progress's request span": server('user-progress'),
      'the document store': inScope('user-progress', /mongo/),
      'the relay publishing the event': (s) =>
        s.service === 'user-progress' && s.kind === 'producer' && /amqplib/.test(s.scope),
      "notification's consumer": (s) => s.service === 'notification' && s.kind === 'consumer',
      'the notification stored': inScope('notification', /instrumentation-pg/),
      'the email sent': (s) => s.service === 'notification' && s.name === 'email send',
    });
    const root = spans.find((s) => server('gateway')(s) && !s.parentSpanId)!;
    // Named by the route template, not the path; the learner by opaque id only.
    assert.equal(root.name, `PUT ${String(root.attributes['http.route'])}`);
    assert.ok(!root.name.includes(lastLesson));
    assert.match(String(root.attributes['enduser.id']), /^[0-9a-f]{24}$/);
    // Every span of the trace descends from the gateway's: one tree across the broker.
    for (const span of spans.filter((s) => s !== root))
      assert.ok(descendsFrom(span, root, spans), `${span.service} ${span.name} under the root`);
    const consumer = spans.find((s) => s.service === 'notification' && s.kind === 'consumer')!;
    const publish = spans.find((s) => s.service === 'user-progress' && s.kind === 'producer')!;
    assert.ok(descendsFrom(consumer, publish, spans), 'the consumer under the publish');
  });

  it("when an author edits a published course, then the outbox, its relay and the cache invalidation are in the edit's trace", async () => {
    const admin = { email: `admin-${Date.now()}@syllabus.test`, password: 'an admin password' };
    await system.bootstrapUser(admin.email, admin.password, 'admin');
    secrets.push(admin.email, admin.password);
    const login = await request(system.gateway.app).post('/v1/auth/login').send(admin).expect(200);
    const bearer = `Bearer ${(login.body as { accessToken: string }).accessToken}`;
    const course = await request(system.gateway.app).get('/v1/courses/sql-fundamentals').expect(200);
    const edit = await withBearer(system.gateway.app, bearer)
      .patch(`/v1/courses/${(course.body as { id: string }).id}`)
      .set('If-Match', course.headers.etag!)
      .send({ title: 'SQL Fundamentals, traced' })
      .expect(200);
    const spans = await store.trace(traceIdOf(edit.headers), {
      'the gateway': server('gateway'),
      "the catalog's request": server('catalog'),
      'the outbox row, in the same transaction': (s) =>
        inScope('catalog', /instrumentation-pg/)(s) &&
        /outbox/i.test(String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? '')),
      'the relay publishing it': (s) =>
        s.service === 'catalog' && s.kind === 'producer' && /amqplib/.test(s.scope),
      'the cache invalidation consuming it': (s) =>
        s.service === 'catalog' && s.kind === 'consumer' && s.name === 'catalog.cache-invalidation process',
      'the cache entries removed': inScope('catalog', /ioredis/),
      "user-progress's read model": (s) => s.service === 'user-progress' && s.kind === 'consumer',
    });
    const invalidation = spans.find((s) => s.name === 'catalog.cache-invalidation process')!;
    assert.equal(invalidation.attributes['syllabus.event.type'], 'catalog.course-updated.v1');
    assert.ok(
      spans.some((s) => inScope('catalog', /ioredis/)(s) && descendsFrom(s, invalidation, spans)),
      'the removal under the invalidation',
    );
  });

  it("when a learner's dashboard is asked for by GraphQL, then parse, validate, execute and the calls to the services are one trace, the calls under execute", async () => {
    const email = `traced-graphql-${Date.now()}@syllabus.test`;
    const { bearer } = await completeCourse(system.gateway.app, 'sql-fundamentals', email);
    secrets.push(email, bearer.slice('Bearer '.length));
    const answer = await withBearer(system.gateway.app, bearer)
      .post('/v1/graphql')
      .send({ query: persistedOperations.Dashboard })
      .expect(200);
    assert.equal(answer.body.errors, undefined);
    const graphql = (name: string) => (s: StoredSpan) =>
      s.service === 'gateway' && /instrumentation-graphql/.test(s.scope) && s.name.startsWith(name);
    const spans = await store.trace(traceIdOf(answer.headers), {
      parse: graphql('graphql.parse'),
      validate: graphql('graphql.validate'),
      execute: (s) => graphql('graphql.execute')(s) || graphql('query Dashboard')(s),
      'user-progress': server('user-progress'),
      notification: server('notification'),
      catalog: server('catalog'),
    });
    const execute = spans.find((s) => graphql('graphql.execute')(s) || graphql('query Dashboard')(s))!;
    for (const service of ['user-progress', 'notification', 'catalog'])
      assert.ok(
        spans.some((s) => server(service)(s) && descendsFrom(s, execute, spans)),
        `${service}'s call under execute`,
      );
  });

  it('when a webhook delivery fails and is retried, then both attempts are in the trace of the event, the failure with its status and exception', async () => {
    let calls = 0;
    const receiver = createServer((req, res) => {
      req.resume();
      calls += 1;
      res.writeHead(calls === 1 ? 503 : 204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const email = `traced-webhook-${Date.now()}@syllabus.test`;
      const signup = await request(system.gateway.app)
        .post('/v1/auth/signup')
        .send({ email, password: 'a long password', displayName: 'Webhook learner' })
        .expect(201);
      const bearer = `Bearer ${(signup.body as { accessToken: string }).accessToken}`;
      secrets.push(email, 'Webhook learner', bearer.slice('Bearer '.length));
      const { port } = receiver.address() as AddressInfo;
      await withBearer(system.gateway.app, bearer)
        .post('/v1/me/webhooks')
        .send({ url: `http://127.0.0.1:${port}/hooks`, eventTypes: ['progress.enrolled.v1'] })
        .expect(201);
      const course = (await request(system.gateway.app).get('/v1/courses/redis-in-practice').expect(200))
        .body as { id: string };
      const enrolment = await waitFor(
        async () => {
          const res = await withBearer(system.gateway.app, bearer)
            .post('/v1/me/enrollments')
            .send({ courseId: course.id });
          return res.status === 201 && res;
        },
        { what: 'the enrolment', timeoutMs: 20_000 },
      );
      const attempts = (spans: StoredSpan[]) =>
        spans
          .filter((s) => s.service === 'notification' && s.name === 'webhook send')
          .sort(
            (a, b) =>
              Number(a.attributes['syllabus.delivery.attempt']) -
              Number(b.attributes['syllabus.delivery.attempt']),
          );
      // Each attempt's HTTP call, with the receiver's answer, under it.
      const call = (attempt: StoredSpan | undefined, all: StoredSpan[]) =>
        all.find(
          (s) => inScope('notification', /instrumentation-http/)(s) && s.parentSpanId === attempt?.spanId,
        );
      const spans = await store.trace(traceIdOf(enrolment.headers), {
        'the enrolment': server('user-progress'),
        "notification's consumer": (s) => s.service === 'notification' && s.kind === 'consumer',
        'the failed attempt and its call': (s, all) => s === call(attempts(all)[0], all),
        'the retry and its call': (s, all) => s === call(attempts(all)[1], all),
      });
      const [failed, retried] = attempts(spans);
      assert.equal(failed!.status, 'error');
      assert.ok(
        failed!.events.some((e) => e.name === 'exception'),
        'the failure recorded as an exception event',
      );
      assert.equal(failed!.attributes['syllabus.delivery.attempt'], 1);
      assert.equal(retried!.status, 'unset');
      assert.equal(retried!.attributes['syllabus.delivery.attempt'], 2);
      assert.equal(call(failed, spans)?.attributes['http.response.status_code'], 503);
      assert.equal(call(retried, spans)?.attributes['http.response.status_code'], 204);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('when an event fails every attempt and is replayed, then the attempts fail in its trace and the replay is a trace of its own linked to it', async () => {
    const email = `traced-poison-${Date.now()}@syllabus.test`;
    const signup = await request(system.gateway.app)
      .post('/v1/auth/signup')
      .send({ email, password: 'a long password', displayName: 'Poisoned learner' })
      .expect(201);
    const { user, accessToken } = signup.body as { user: { id: string }; accessToken: string };
    secrets.push(email, 'Poisoned learner', accessToken);
    const database = new Pool({ connectionString: system.notificationDatabaseUrl });
    try {
      // Notification refuses this learner's notifications until the trigger goes.
      await database.query(`
        CREATE FUNCTION refuse_traced_poison() RETURNS trigger AS $$
          BEGIN RAISE EXCEPTION 'refused on purpose'; END $$ LANGUAGE plpgsql;
        CREATE TRIGGER traced_poison BEFORE INSERT ON notifications
          FOR EACH ROW WHEN (NEW.user_id = '${user.id}') EXECUTE FUNCTION refuse_traced_poison();`);
      const course = (await request(system.gateway.app).get('/v1/courses/redis-in-practice').expect(200))
        .body as { id: string };
      const enrolment = await waitFor(
        async () => {
          const res = await withBearer(system.gateway.app, `Bearer ${accessToken}`)
            .post('/v1/me/enrollments')
            .send({ courseId: course.id });
          return res.status === 201 && res;
        },
        { what: 'the enrolment', timeoutMs: 20_000 },
      );
      const traceId = traceIdOf(enrolment.headers);
      const failures = (all: StoredSpan[]) =>
        all.filter((s) => s.name === 'notification.events process' && s.status === 'error');
      const spans = await store.trace(
        traceId,
        { 'three failed attempts': (s, all) => failures(all).length === 3 && s === failures(all)[0] },
        { timeoutMs: 30_000 },
      );
      const attempts = failures(spans)
        .map((s) => s.attributes['syllabus.event.attempt'])
        .sort();
      assert.deepEqual(attempts, [1, 2, 3]);
      for (const failure of failures(spans))
        assert.ok(
          failure.events.some((e) => e.name === 'exception'),
          'each failure carries its exception',
        );

      await database.query('DROP TRIGGER traced_poison ON notifications');
      await system.notificationCommand('dist/src/dead-letters.js', ['replay']);
      // The replay: its own trace, linked to the one where the event failed, the handling under it.
      const replayTrace = await waitFor(
        async () =>
          (await store.find({ service: 'notification', operation: 'notification.events replay' })).find(
            (all) =>
              all.some(
                (s) => s.name === 'notification.events replay' && s.links.some((l) => l.traceId === traceId),
              ),
          ),
        { what: 'the replay in Jaeger', timeoutMs: 20_000 },
      );
      const replayed = await store.trace(replayTrace[0]!.traceId, {
        'the replay': (s) => s.name === 'notification.events replay' && s.kind === 'producer',
        'the replayed handling': (s) =>
          s.name === 'notification.events process' && s.attributes['syllabus.event.replayed'] === true,
        'the notification stored': inScope('notification', /instrumentation-pg/),
      });
      const replay = replayed.find((s) => s.name === 'notification.events replay')!;
      const handling = replayed.find((s) => s.name === 'notification.events process')!;
      assert.ok(descendsFrom(handling, replay, replayed), 'the handling under the replay');
      assert.equal(handling.status, 'unset');
      assert.equal(handling.attributes['syllabus.event.attempt'], 1);
    } finally {
      await database.query('DROP FUNCTION IF EXISTS refuse_traced_poison() CASCADE').catch(() => undefined);
      await database.end();
    }
  });

  it('when a trace is asked for in the trace view, then its owner and an admin see it, another learner is told it does not exist', async () => {
    const signUp = async (name: string) => {
      const email = `${name}-${Date.now()}@syllabus.test`;
      const res = await request(system.gateway.app)
        .post('/v1/auth/signup')
        .send({ email, password: 'a long password', displayName: name })
        .expect(201);
      secrets.push(email);
      return `Bearer ${(res.body as { accessToken: string }).accessToken}`;
    };
    const owner = await signUp('owner');
    const other = await signUp('other');
    const admin = { email: `admin-view-${Date.now()}@syllabus.test`, password: 'an admin password' };
    await system.bootstrapUser(admin.email, admin.password, 'admin,learner');
    const adminLogin = await request(system.gateway.app).post('/v1/auth/login').send(admin).expect(200);
    const adminBearer = `Bearer ${(adminLogin.body as { accessToken: string }).accessToken}`;
    const dashboard = await withBearer(system.gateway.app, owner).get('/v1/me/dashboard').expect(200);
    const traceId = traceIdOf(dashboard.headers);
    const view = (bearer: string, id = traceId) =>
      withBearer(system.gateway.app, bearer).get(`/v1/me/traces/${id}`);

    // Its owner: the whole composition, every call under the gateway's span, in start order.
    const seen = await waitFor(
      async () => {
        const res = await view(owner);
        return res.status === 200 && (res.body as { services: string[] }).services.length === 3 && res;
      },
      { what: 'the dashboard trace in the view', timeoutMs: 20_000 },
    );
    const trace = seen.body as {
      services: string[];
      spans: { parentSpanId: string | null; startMs: number; attributes: object }[];
    };
    assert.deepEqual(trace.services, ['gateway', 'notification', 'user-progress']);
    assert.equal(trace.spans.filter((s) => s.parentSpanId === null).length, 1, 'one root');
    assert.deepEqual(
      trace.spans.map((s) => s.startMs),
      trace.spans.map((s) => s.startMs).sort((a, b) => a - b),
    );
    assert.equal(seen.headers['cache-control'], 'private, no-store');
    assert.ok(!JSON.stringify(trace).includes('enduser.id'), 'the owner id stays in Jaeger');
    // An admin sees it too; anyone else, and any id that is not a trace, is one answer.
    await view(adminBearer).expect(200);
    for (const [bearer, id] of [
      [other, traceId],
      [owner, 'f'.repeat(32)],
    ] as const) {
      const refused = await view(bearer, id).expect(404);
      assert.equal(refused.body.type, 'urn:problem:syllabus:trace-not-found');
    }
    await request(system.gateway.app).get(`/v1/me/traces/${traceId}`).expect(401);
    const malformed = await view(owner, 'not-a-trace-id').expect(400);
    assert.equal(malformed.body.type, 'urn:problem:syllabus:validation');
  });

  it('when the journeys are traced, then no span carries an email, a name, a password or a token', async () => {
    const found = await store.find({ service: 'gateway', limit: 200 });
    const values = valuesOf(found.flat());
    assert.ok(values.length > 100, `the journeys' spans (${values.length} values)`);
    for (const secret of secrets)
      assert.ok(!values.some((value) => value.includes(secret)), `no span carries ${secret.slice(0, 12)}…`);
  });
});
