// The whole system for end-to-end tests: catalog, user-progress and notification run as real
// processes (built output, real PostgreSQL, MongoDB-compatible server, Redis, RabbitMQ), and
// the gateway runs in this process so tests can drive it with supertest and start a second one.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { Pool } from 'pg';
import request from 'supertest';
import { startService } from '@syllabus/service-kit';
import { createTestDatabase, freePort, testEnv, testServiceEnv, waitFor } from '@syllabus/testing';
import { generateSigningKey } from '../src/domain/keys';
import { gatewayService } from '../src/service';
import { withBearer } from '@syllabus/testing/http';

const serviceDir = (name: string) => dirname(require.resolve(`@syllabus/${name}/package.json`));

let telemetryEndpoint: string | undefined;

function run(
  name: string,
  script: string,
  env: Record<string, string>,
  logs: string,
  args: string[] = [],
): ChildProcess {
  const preload = telemetryEndpoint ? ['--require', require.resolve('@syllabus/telemetry/register')] : [];
  const telemetry = telemetryEndpoint
    ? { OTEL_EXPORTER_OTLP_ENDPOINT: telemetryEndpoint, OTEL_SERVICE_NAME: name }
    : { OTEL_SDK_DISABLED: 'true' };
  const child = spawn(process.execPath, [...preload, join(serviceDir(name), script), ...args], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', VALIDATE_RESPONSES: 'true', ...telemetry, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(logs, `${name}.log`), { flags: 'a' });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return child;
}

async function runToEnd(
  name: string,
  script: string,
  env: Record<string, string>,
  logs: string,
  args: string[] = [],
) {
  const child = run(name, script, env, logs, args);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${name} ${script} exited with ${code}; see ${logs}`);
}

export async function startGateway(env: Record<string, string>) {
  const gateway = await startService(gatewayService, { env: { ...testServiceEnv, ...env } });
  // As behind a load balancer: traffic once ready, i.e. once Redis is connected.
  await waitFor(() => gateway.deps.redis.status === 'ready', { what: 'the gateway to reach Redis' });
  return gateway;
}

/** The gateway as a process of its own (traced like the others); `app` is then its URL. */
async function startGatewayProcess(env: Record<string, string>, url: string, logs: string) {
  const operatorPort = await freePort();
  const child = run('gateway', 'dist/src/main.js', { ...env, OPERATOR_PORT: String(operatorPort) }, logs);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${operatorPort}/health/ready`)).status === 200, {
    timeoutMs: 30_000,
    what: `the gateway (logs in ${logs})`,
  });
  return {
    app: url,
    url,
    operatorUrl: `http://127.0.0.1:${operatorPort}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function startSystem(
  options: {
    gatewayEnv?: Record<string, string>;
    notificationEnv?: Record<string, string>;
    /** Run every service, the gateway too, as a traced process exporting to this OTLP endpoint. */
    telemetryEndpoint?: string;
    /** Run the gateway as a process of its own too (as the abuse suite attacks it). */
    gatewayProcess?: boolean;
    smtpUrl?: string;
  } = {},
) {
  telemetryEndpoint = options.telemetryEndpoint;
  const id = randomUUID().slice(0, 8);
  const logs = mkdtempSync(join(tmpdir(), 'syllabus-e2e-'));
  const [catalogDb, notificationDb] = [
    await createTestDatabase('e2e_catalog'),
    await createTestDatabase('e2e_notification'),
  ];
  const ports = {
    gateway: await freePort(),
    catalog: await freePort(),
    progress: await freePort(),
    notification: await freePort(),
  };
  // Health and metrics are on a port of their own beside each service's public one.
  const operatorPorts = {
    catalog: await freePort(),
    progress: await freePort(),
    notification: await freePort(),
  };
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const internalToken = `e2e-${randomUUID()}-${randomUUID()}`;
  const shared = {
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
    MESSAGING_PREFIX: `test.e2e.${id}.`,
    JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
    JWT_ISSUER: gatewayUrl,
    JWT_AUDIENCE: 'syllabus',
    OUTBOX_INTERVAL_MS: '200',
  };
  const gatewayEnv = {
    PORT: String(ports.gateway),
    REDIS_URL: testEnv.REDIS_URL,
    REDIS_KEY_PREFIX: `test:gateway:${id}:`,
    CATALOG_URL: `http://127.0.0.1:${ports.catalog}`,
    USER_PROGRESS_URL: `http://127.0.0.1:${ports.progress}`,
    NOTIFICATION_URL: `http://127.0.0.1:${ports.notification}`,
    INTERNAL_TOKEN: internalToken,
    JWT_SIGNING_KEYS: JSON.stringify([await generateSigningKey()]),
    JWT_ISSUER: gatewayUrl,
    UPSTREAM_TIMEOUT_MS: '2000',
    ...options.gatewayEnv,
  };
  const gateway =
    options.telemetryEndpoint || options.gatewayProcess
      ? await startGatewayProcess(gatewayEnv, gatewayUrl, logs)
      : await startGateway(gatewayEnv);

  await runToEnd('catalog', 'dist/src/migrate.js', { POSTGRES_URL: catalogDb.url }, logs);
  await runToEnd('notification', 'dist/src/migrate.js', { POSTGRES_URL: notificationDb.url }, logs);
  const children: Record<string, ChildProcess> = {};
  children['user-progress'] = run(
    'user-progress',
    'dist/src/main.js',
    {
      ...shared,
      PORT: String(ports.progress),
      OPERATOR_PORT: String(operatorPorts.progress),
      MONGODB_URL: testEnv.MONGODB_URL,
      MONGODB_DATABASE: `e2e_progress_${id}`,
      REDIS_URL: testEnv.REDIS_URL,
      REDIS_KEY_PREFIX: `test:e2e:${id}:progress:`,
      INTERNAL_TOKEN: internalToken,
    },
    logs,
  );
  const notificationEnv = {
    ...shared,
    PORT: String(ports.notification),
    OPERATOR_PORT: String(operatorPorts.notification),
    POSTGRES_URL: notificationDb.url,
    REDIS_URL: testEnv.REDIS_URL,
    FANOUT_CHANNEL_PREFIX: `test:e2e:${id}:`,
    // Without a mail server, deliveries retry in the background.
    SMTP_URL: options.smtpUrl ?? 'smtp://127.0.0.1:1',
    DELIVERY_INTERVAL_MS: '200',
    SSE_HEARTBEAT_MS: '500',
    ...options.notificationEnv,
  };
  children.notification = run('notification', 'dist/src/main.js', notificationEnv, logs);
  const ready = async (port: number) =>
    waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200, {
      timeoutMs: 30_000,
      what: `the service on ${port} (logs in ${logs})`,
    });
  await ready(operatorPorts.progress);
  await ready(operatorPorts.notification);
  children.catalog = run(
    'catalog',
    'dist/src/main.js',
    {
      ...shared,
      PORT: String(ports.catalog),
      OPERATOR_PORT: String(operatorPorts.catalog),
      POSTGRES_URL: catalogDb.url,
      CACHE_REDIS_URL: testEnv.CACHE_REDIS_URL,
      CACHE_NAMESPACE: `test:e2e:${id}:catalog:`, // = catalogCacheNamespace below
    },
    logs,
  );
  await ready(operatorPorts.catalog);
  await runToEnd('catalog', 'dist/src/seed/main.js', { POSTGRES_URL: catalogDb.url }, logs);

  const stopChild = async (name: string) => {
    const child = children[name];
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };

  return {
    gateway,
    gatewayEnv,
    logs,
    /** Notification's database, for a test that makes it fail on purpose. */
    notificationDatabaseUrl: notificationDb.url,
    /** Runs one of notification's operator commands (`dead-letters replay`) as operators do. */
    async notificationCommand(script: string, args: string[] = []) {
      await runToEnd('notification', script, notificationEnv, logs, args);
    },
    /** Where the catalog keeps its cache entries, in the cache's Redis. */
    catalogCacheNamespace: `test:e2e:${id}:catalog:`,
    /** Where each service answers health and metrics. */
    operatorUrls: {
      gateway: gateway.operatorUrl,
      catalog: `http://127.0.0.1:${operatorPorts.catalog}`,
      'user-progress': `http://127.0.0.1:${operatorPorts.progress}`,
      notification: `http://127.0.0.1:${operatorPorts.notification}`,
    },
    /** Waits until user-progress has learnt the seeded catalog from its events. */
    async catalogKnownToProgress() {
      const pool = new Pool({ connectionString: catalogDb.url });
      const { rows } = await pool.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM courses WHERE status = 'published'",
      );
      await pool.end();
      return rows[0]!.count;
    },
    stopService: stopChild,
    /** An account with roles beyond learner, made as operators make one: the bootstrap command. */
    async bootstrapUser(email: string, password: string, roles = 'author') {
      await runToEnd(
        'user-progress',
        'dist/src/bootstrap-user.js',
        {
          MONGODB_URL: testEnv.MONGODB_URL,
          MONGODB_DATABASE: `e2e_progress_${id}`,
          BOOTSTRAP_EMAIL: email,
          BOOTSTRAP_ROLES: roles,
          BOOTSTRAP_PASSWORD: password,
        },
        logs,
      );
    },
    async stop() {
      for (const name of Object.keys(children)) await stopChild(name);
      await gateway.stop();
      await catalogDb.drop();
      await notificationDb.drop();
      const mongo = await MongoClient.connect(testEnv.MONGODB_URL);
      await mongo.db(`e2e_progress_${id}`).dropDatabase();
      await mongo.close();
      const redis = new Redis(testEnv.REDIS_URL);
      const keys = await redis.keys(`test:e2e:${id}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** A new learner who signs up through `api`, enrols in the course `slug` and completes every lesson. */
export async function completeCourse(api: Parameters<typeof request>[0], slug: string, email: string) {
  const signup = await request(api)
    .post('/v1/auth/signup')
    .send({ email, password: 'a long password', displayName: email.split('@')[0] })
    .expect(201);
  const bearer = `Bearer ${(signup.body as { accessToken: string }).accessToken}`;
  const course = (await request(api).get(`/v1/courses/${slug}`).expect(200)).body as {
    id: string;
    lessons: { id: string }[];
  };
  // Enrolment needs user-progress to know the course, from the catalog's events.
  await waitFor(
    async () =>
      (await withBearer(api, bearer).post('/v1/me/enrollments').send({ courseId: course.id })).status === 201,
    { what: `${slug} in the read model`, timeoutMs: 20_000 },
  );
  let lastCompletion: request.Response | undefined;
  for (const lesson of course.lessons) {
    lastCompletion = await withBearer(api, bearer)
      .put(`/v1/me/enrollments/${course.id}/lessons/${lesson.id}/completion`)
      .expect(200);
  }
  return { bearer, course, lastCompletion: lastCompletion! };
}
