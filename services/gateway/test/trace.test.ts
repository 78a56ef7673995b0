import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@syllabus/testing';
import { startOtlpReceiver, type ReceivedSpan } from '@syllabus/testing/otlp';
import { startSmtpServer } from '@syllabus/testing/smtp';
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
});
