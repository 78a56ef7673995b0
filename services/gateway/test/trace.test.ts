import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { waitFor } from '@syllabus/testing';
import { startOtlpReceiver, type ReceivedSpan } from '@syllabus/testing/otlp';
import { startSystem } from './support';

describe('one trace per learner action', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let smtp: SMTPServer;
  let system: Awaited<ReturnType<typeof startSystem>>;
  const mails: string[] = [];

  before(async () => {
    receiver = await startOtlpReceiver();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          mails.push(session.envelope.rcptTo.map((r) => r.address).join(','));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    system = await startSystem({
      telemetryEndpoint: receiver.url,
      smtpUrl: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    });
  });
  after(async () => {
    await system.stop();
    await new Promise<void>((resolve) => smtp.close(resolve));
    await receiver.close();
  });

  it('when the last lesson of a course is completed, then gateway, user-progress, the broker, notification and its email are one trace', async () => {
    const api = system.gateway.app;
    const email = `traced-${Date.now()}@syllabus.test`;
    const signup = await request(api)
      .post('/v1/auth/signup')
      .send({ email, password: 'a long password', displayName: 'T' })
      .expect(201);
    const bearer = `Bearer ${signup.body.accessToken}`;
    const course = await request(api).get('/v1/courses/docker-for-developers').expect(200);
    await waitFor(
      async () =>
        (
          await request(api)
            .post('/v1/me/enrollments')
            .set('Authorization', bearer)
            .send({ courseId: course.body.id })
        ).status === 201,
      { what: 'the enrolment', timeoutMs: 20_000 },
    );
    const lessons = course.body.lessons as { id: string }[];
    for (const lesson of lessons) {
      await request(api)
        .put(`/v1/me/enrollments/${course.body.id}/lessons/${lesson.id}/completion`)
        .set('Authorization', bearer)
        .expect(200);
    }
    const lastLesson = lessons.at(-1)!.id;
    await waitFor(() => mails.includes(email), { what: 'the course-completed email', timeoutMs: 20_000 });

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
  });
});
