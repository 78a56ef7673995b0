// The system under load, as it is deployed: each service its own process with the telemetry
// preloaded (exporting to a local OTLP sink), on databases, queues and keys of this run's own;
// the load generator in a process of its own; the courses the learners take, made by an author
// through the API. `stop` removes everything the run made.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import amqp from 'amqplib';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import pg from 'pg';
import { topology } from '@syllabus/contracts';
import { configSchema as notificationConfig } from '@syllabus/notification/config';
import { freePort, testEnv, waitFor } from '@syllabus/testing';
import { startOtlpReceiver } from '@syllabus/testing/otlp';
import { startSmtpServer } from '@syllabus/testing/smtp';
import { createServiceRunner } from '../support/services';
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
  const ports = {
    gateway: await freePort(),
    gatewayOps: await freePort(),
    catalog: await freePort(),
    catalogOps: await freePort(),
    progress: await freePort(),
    progressOps: await freePort(),
    progress2: await freePort(),
    progress2Ops: await freePort(),
    notification: await freePort(),
    notificationOps: await freePort(),
  };
  const database = (name: string) => `${testEnv.POSTGRES_URL.replace(/\/[^/]*$/, '')}/${name}`;
  const catalogDb = database(`load_catalog_${run}`);
  const notificationDb = database(`load_notification_${run}`);
  const mongoDatabase = `load_progress_${run}`;
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const internalToken = `load-${randomUUID()}-${randomUUID()}`;
  const prefix = `bench.load.${run}.`;
  const shared = {
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
    MESSAGING_PREFIX: prefix,
    JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
    JWT_ISSUER: gatewayUrl,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    ...(plan.tracing ? {} : { OTEL_SDK_DISABLED: 'true' }),
  };

  const mongo = await MongoClient.connect(testEnv.MONGODB_URL);
  const progressDb = mongo.db(mongoDatabase);
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

  const notificationEnv = {
    ...shared,
    PORT: String(ports.notification),
    OPERATOR_PORT: String(ports.notificationOps),
    POSTGRES_URL: notificationDb,
    REDIS_URL: testEnv.REDIS_URL,
    FANOUT_CHANNEL_PREFIX: `bench:load:${run}:`,
    SMTP_URL: smtp.url,
  };

  /** Starts the four services (user-progress twice, on the same data), migrated and seeded. */
  async function start() {
    runToEnd('catalog', 'dist/src/migrate.js', { POSTGRES_URL: catalogDb });
    runToEnd('notification', 'dist/src/migrate.js', { POSTGRES_URL: notificationDb });
    services.start('gateway', 'gateway', {
      ...shared,
      PORT: String(ports.gateway),
      OPERATOR_PORT: String(ports.gatewayOps),
      REDIS_URL: testEnv.REDIS_URL,
      REDIS_KEY_PREFIX: `bench:load:${run}:gateway:`,
      CATALOG_URL: `http://127.0.0.1:${ports.catalog}`,
      USER_PROGRESS_URL: `http://127.0.0.1:${ports.progress}`,
      NOTIFICATION_URL: `http://127.0.0.1:${ports.notification}`,
      INTERNAL_TOKEN: internalToken,
      JWT_SIGNING_KEYS: runToEnd('gateway', 'dist/src/generate-keys.js', {}).trim(),
      ...raisedLimits,
    });
    await services.ready('gateway', ports.gatewayOps);
    const progressEnv = {
      ...shared,
      MONGODB_URL: testEnv.MONGODB_URL,
      MONGODB_DATABASE: mongoDatabase,
      REDIS_URL: testEnv.REDIS_URL,
      REDIS_KEY_PREFIX: `bench:load:${run}:progress:`,
      INTERNAL_TOKEN: internalToken,
    };
    services.start('user-progress', 'user-progress', {
      ...progressEnv,
      PORT: String(ports.progress),
      OPERATOR_PORT: String(ports.progressOps),
    });
    // A second replica, on the same data: the contention phase spreads one learner over both.
    services.start('user-progress-2', 'user-progress', {
      ...progressEnv,
      PORT: String(ports.progress2),
      OPERATOR_PORT: String(ports.progress2Ops),
    });
    services.start('notification', 'notification', notificationEnv);
    services.start('catalog', 'catalog', {
      ...shared,
      PORT: String(ports.catalog),
      OPERATOR_PORT: String(ports.catalogOps),
      POSTGRES_URL: catalogDb,
      CACHE_REDIS_URL: testEnv.CACHE_REDIS_URL,
      CACHE_NAMESPACE: `bench:load:${run}:catalog:`,
    });
    await Promise.all([
      services.ready('user-progress', ports.progressOps),
      services.ready('user-progress-2', ports.progress2Ops),
      services.ready('notification', ports.notificationOps),
      services.ready('catalog', ports.catalogOps),
    ]);
    runToEnd('catalog', 'dist/src/seed/main.js', { POSTGRES_URL: catalogDb });
  }

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
      MONGODB_URL: testEnv.MONGODB_URL,
      MONGODB_DATABASE: mongoDatabase,
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
    await deleteQueues(prefix).catch((error: unknown) =>
      process.stdout.write(`could not delete this run's queues: ${String(error)}\n`),
    );
    await progressDb.dropDatabase().catch(() => undefined);
    await mongo.close();
    const keys = await redis.keys(`bench:load:${run}:*`).catch(() => [] as string[]);
    if (keys.length > 0) await redis.del(...keys).catch(() => undefined);
    redis.disconnect();
    const admin = new pg.Client({ connectionString: testEnv.POSTGRES_URL });
    await admin.connect();
    for (const name of [`load_catalog_${run}`, `load_notification_${run}`]) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end();
    await smtp.close();
    await otlp.close();
  }

  return {
    run,
    services,
    generator,
    ports,
    prefix,
    gatewayUrl,
    notificationEnv,
    smtp,
    otlp,
    progressDb,
    redis,
    /** A new client of notification's database (the caller ends it). */
    notificationPg: () => new pg.Client({ connectionString: notificationDb }),
    acknowledged,
    unknownOutcome,
    phase,
    api,
    start,
    createCourses,
    stop,
  };
}

/**
 * Deletes the run's queues and exchange, as the tests drop their databases: quorum queues left
 * behind make every later broker restart slower (each one is recovered at start).
 */
async function deleteQueues(prefix: string) {
  const connection = await amqp.connect(testEnv.RABBITMQ_URL);
  connection.on('error', () => undefined);
  const delays = notificationConfig.shape.RETRY_DELAYS_MS.parse(undefined);
  const names = Object.keys(topology.queues).flatMap((queue) => [
    queue,
    `${queue}.dead-letter`,
    ...[...new Set([...delays, 1_000, 5_000, 30_000])].map((delay) => `${queue}.retry.${delay}ms`),
  ]);
  for (const name of names) {
    // A channel per queue: deleting one that does not exist closes the channel.
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.deleteQueue(`${prefix}${name}`).catch(() => undefined);
    await channel.close().catch(() => undefined);
  }
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  await channel.deleteExchange(`${prefix}${topology.exchange}`).catch(() => undefined);
  await connection.close();
}
