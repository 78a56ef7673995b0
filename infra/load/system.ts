// The system under load, as it is deployed: each service its own process with the telemetry
// preloaded (exporting to a local OTLP sink), on databases, queues and keys of this run's own;
// the load generator in a process of its own; the courses the learners take, made by an author
// through the API. `stop` removes everything the run made.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import pg from 'pg';
import { testEnv, waitFor } from '@syllabus/testing';
import { startOtlpReceiver } from '@syllabus/testing/otlp';
import { startSmtpServer } from '@syllabus/testing/smtp';
import { createServiceRunner } from '../support/services';
import { nativeSystem } from '../support/system';
import type { Course, PhaseRequest, PhaseResult } from './protocol';
import { raisedLimits, type Plan } from './plan';
import { failures } from './report';

export type System = Awaited<ReturnType<typeof startSystem>>;

export async function startSystem({ run, logs, plan }: { run: string; logs: string; plan: Plan }) {
  const services = createServiceRunner({
    logs,
    profile: plan.profile,
    onUnexpectedExit: (why) => {
      failures.push(why);
      process.stdout.write(`${why}\n`);
    },
  });
  const { runToEnd } = services;
  const [smtp, otlp] = await Promise.all([startSmtpServer(), startOtlpReceiver({ decode: false })]);
  const system = await nativeSystem({
    services,
    name: 'load',
    run,
    smtpUrl: smtp.url,
    everyService: {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      ...(plan.tracing ? {} : { OTEL_SDK_DISABLED: 'true' }),
    },
    gateway: raisedLimits,
    // The contention phase spreads one learner over two replicas.
    progressReplica: true,
  });
  const { ports, gatewayUrl } = system;

  const mongo = await MongoClient.connect(testEnv.MONGODB_URL);
  const progressDb = mongo.db(system.mongo.MONGODB_DATABASE);
  const redis = new Redis(testEnv.REDIS_URL);
  redis.on('error', () => undefined); // stopped on purpose in the chaos phase
  const generator = fork(join(__dirname, 'generator.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  /** Every completion any phase saw acknowledged: each must end as exactly one notification. */
  const acknowledged: PhaseResult['acknowledged'] = [];
  /** Every completion answered without telling its outcome: notified if the server recorded it. */
  const unknownOutcome: PhaseResult['unknownOutcome'] = [];
  /** Runs one phase in the load generator's process. */
  const phase = (request: PhaseRequest) =>
    new Promise<PhaseResult>((resolve, reject) => {
      generator.once('message', (message: { ok: boolean; result?: PhaseResult; error?: string }) => {
        if (!message.ok) return reject(new Error(message.error));
        acknowledged.push(...message.result!.acknowledged);
        unknownOutcome.push(...message.result!.unknownOutcome);
        resolve(message.result!);
      });
      generator.send(request);
    });

  /** A call to the gateway's API that must succeed; its JSON answer. */
  async function api(method: string, path: string, token?: string, body?: unknown) {
    const res = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  }

  /**
   * Courses of `plan.lessonsPerCourse` lessons, made by an author through the API so that
   * learners never run out, once user-progress's read model has them all.
   */
  async function createCourses(count: number) {
    const authorPassword = randomUUID();
    runToEnd('user-progress', 'dist/src/bootstrap-user.js', {
      ...system.mongo,
      BOOTSTRAP_EMAIL: `author-${run}@syllabus.test`,
      BOOTSTRAP_PASSWORD: authorPassword,
      BOOTSTRAP_ROLES: 'author',
    });
    const author = await api('POST', '/v1/auth/login', undefined, {
      email: `author-${run}@syllabus.test`,
      password: authorPassword,
    });
    const authorToken = author.accessToken as string;
    const courses: Course[] = [];
    for (let c = 0; c < count; c += 1) {
      const created = await api('POST', '/v1/courses', authorToken, {
        slug: `load-${run}-${c}`,
        title: `Load course ${c}`,
        level: 'entry',
        track: 'databases',
      });
      const id = created.id as string;
      for (let l = 0; l < plan.lessonsPerCourse; l += 1) {
        await api('POST', `/v1/courses/${id}/lessons`, authorToken, { title: `Lesson ${l + 1}` });
      }
      const published = await api('POST', `/v1/courses/${id}/publish`, authorToken);
      courses.push({ id, lessonIds: (published.lessons as { id: string }[]).map((lesson) => lesson.id) });
    }
    await waitFor(
      async () =>
        (await progressDb.collection('courses').countDocuments({ status: 'published' })) >= courses.length,
      { timeoutMs: 60_000, what: 'the courses in the user-progress read model' },
    );
    return courses;
  }

  /** Stops everything and removes what the run made: processes, queues, databases, keys. */
  async function stop() {
    generator.kill();
    await services.stopAll();
    await mongo.close();
    redis.disconnect();
    await system.removeData();
    await smtp.close();
    await otlp.close();
  }

  return {
    run,
    services,
    generator,
    ports,
    gatewayUrl,
    keyPrefix: system.keyPrefix,
    messagingPrefix: system.messagingPrefix,
    /** Each service's settings, by process name (the chaos phase restarts notification with its own). */
    settings: system.settings,
    smtp,
    otlp,
    progressDb,
    redis,
    /** A new client of notification's database (the caller ends it). */
    notificationPg: () => new pg.Client({ connectionString: system.notificationDb }),
    acknowledged,
    unknownOutcome,
    phase,
    api,
    start: () => system.start(),
    createCourses,
    stop,
  };
}
