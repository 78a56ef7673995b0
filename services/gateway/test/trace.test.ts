import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@syllabus/testing';
import { startOtlpReceiver, type ReceivedSpan } from '@syllabus/testing/otlp';
import { startSmtpServer } from '@syllabus/testing/smtp';
import { withBearer } from '@syllabus/testing/http';
import { persistedOperations } from '../src/graphql/operations';
import { completeCourse, startSystem } from './support';

describe('one trace per learner action', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let system: Awaited<ReturnType<typeof startSystem>>;

  before(async () => {
    receiver = await startOtlpReceiver();
    smtp = await startSmtpServer();
    system = await startSystem({ telemetryEndpoint: receiver.url, smtpUrl: smtp.url });
  });
  after(async () => {
    await system.stop();
    await smtp.close();
    await receiver.close();
  });

  it('when the last lesson of a course is completed, then gateway, user-progress, the broker, notification and its email are one trace', async () => {
    const email = `traced-${Date.now()}@syllabus.test`;
    const { course } = await completeCourse(system.gateway.app, 'docker-for-developers', email);
    const lessons = course.lessons;
    const lastLesson = lessons.at(-1)!.id;
    await waitFor(() => smtp.received.some((mail) => mail.to.includes(email)), {
      what: 'the course-completed email',
      timeoutMs: 20_000,
    });

    // The gateway's server span for the last completion roots the trace.
    const root = await waitFor(
      () =>
        receiver.spans.find(
          (s) =>
            s.service === 'gateway' &&
            s.kind === 2 &&
            JSON.stringify([s.attributes['url.path'], s.attributes['http.target']]).includes(lastLesson),
        ),
      { what: 'the gateway span', timeoutMs: 20_000 },
    );
    const has = (predicate: (s: ReceivedSpan) => boolean) =>
      receiver.spans.some((s) => s.traceId === root.traceId && predicate(s));
    const expectations: [string, (s: ReceivedSpan) => boolean][] = [
      [
        'user-progress HTTP',
        (s) =>
          s.service === 'user-progress' && s.scope === '@opentelemetry/instrumentation-http' && s.kind === 2,
      ],
      ['user-progress MongoDB', (s) => s.service === 'user-progress' && /mongo/.test(s.scope)],
      [
        'the AMQP publish',
        (s) =>
          s.service === 'user-progress' &&
          s.scope === '@opentelemetry/instrumentation-amqplib' &&
          s.kind === 4,
      ],
      [
        'notification consume',
        (s) =>
          s.service === 'notification' &&
          s.scope === '@opentelemetry/instrumentation-amqplib' &&
          s.kind === 5,
      ],
      [
        'notification store',
        (s) => s.service === 'notification' && s.scope === '@opentelemetry/instrumentation-pg',
      ],
      ['the email send', (s) => s.service === 'notification' && s.name === 'email send'],
    ];
    await waitFor(() => expectations.every(([, predicate]) => has(predicate)), {
      what: `every part of the trace (${expectations
        .filter(([, p]) => !has(p))
        .map(([n]) => n)
        .join(', ')})`,
      timeoutMs: 20_000,
    }).catch((error: unknown) => {
      const missing = expectations.filter(([, predicate]) => !has(predicate)).map(([name]) => name);
      throw new Error(`missing from trace ${root.traceId}: ${missing.join(', ')}`, { cause: error });
    });
    for (const [name, predicate] of expectations) assert.ok(has(predicate), name);
    // Request spans are named by their route template, not the path.
    const route = root.attributes['http.route'];
    assert.equal(typeof route, 'string');
    assert.ok(!String(route).includes(lastLesson), `a template, not the path: ${String(route)}`);
    assert.equal(root.name, `${String(root.attributes['http.request.method'])} ${String(route)}`);
    assert.ok(
      has((s) => s.service === 'user-progress' && s.kind === 2 && /^PUT \/.*:/.test(s.name)),
      "user-progress's request span named by its route",
    );
  });

  it("when a learner's dashboard is asked for by GraphQL, then parse, validate, execute and the calls to the services are one trace, the calls under execute", async () => {
    const email = `traced-graphql-${Date.now()}@syllabus.test`;
    const { bearer } = await completeCourse(system.gateway.app, 'sql-fundamentals', email);
    const answer = await withBearer(system.gateway.app, bearer)
      .post('/v1/graphql')
      .send({ query: persistedOperations.Dashboard })
      .expect(200);
    assert.equal(answer.body.errors, undefined);
    const traceId = String(answer.headers.traceresponse).split('-')[1];
    assert.match(traceId ?? '', /^[0-9a-f]{32}$/);
    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    const graphqlSpan = (name: string) => (s: ReceivedSpan) =>
      s.service === 'gateway' &&
      s.scope === '@opentelemetry/instrumentation-graphql' &&
      s.name.startsWith(name);
    const server = (service: string) => (s: ReceivedSpan) => s.service === service && s.kind === 2;
    const expectations: [string, (s: ReceivedSpan) => boolean][] = [
      ['parse', graphqlSpan('graphql.parse')],
      ['validate', graphqlSpan('graphql.validate')],
      ['execute', (s) => graphqlSpan('graphql.execute')(s) || graphqlSpan('query Dashboard')(s)],
      ['user-progress', server('user-progress')],
      ['notification', server('notification')],
      ['catalog', server('catalog')],
    ];
    await waitFor(() => expectations.every(([, predicate]) => inTrace().some(predicate)), {
      what: `the GraphQL trace (${expectations
        .filter(([, p]) => !inTrace().some(p))
        .map(([n]) => n)
        .join(', ')} missing)`,
      timeoutMs: 20_000,
    });
    // Each service's span descends from execute (through the resolver's and the HTTP client's).
    const underExecute = (service: string) => {
      const spans = new Map(inTrace().map((s) => [s.spanId, s]));
      const execute = inTrace().find(expectations[2]![1])!;
      return inTrace()
        .filter(server(service))
        .some((call) => {
          for (let at: ReceivedSpan | undefined = call; at; at = spans.get(at.parentSpanId ?? '')) {
            if (at.spanId === execute.spanId) return true;
          }
          return false;
        });
    };
    await waitFor(() => ['user-progress', 'notification', 'catalog'].every(underExecute), {
      what: 'the calls to the services under the execute span',
      timeoutMs: 20_000,
    });
  });
});
