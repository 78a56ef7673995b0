// `npm run load [-- options]`: the learner path under load, and under chaos, on the native stack
// as it is deployed — each service its own process with the telemetry preloaded (exporting to a
// local OTLP sink), the load generator in a process of its own. Prints a table per phase, writes
// the figures as JSON to .syllabus/load/, and exits non-zero when a guarantee did not hold.
//
//   --learners N     concurrent learners in the load phase (50)
//   --seconds S      length of the load phase (30)
//   --grow N         also measure every learner operation with N more completions stored (0: skip)
//   --chaos          also run the chaos phase (RabbitMQ SIGKILLed, notification SIGKILLed, Redis stopped)
//   --smoke          a short run of every phase for CI (at most a few minutes)
import { execFile, fork } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort, testEnv, waitFor } from '@syllabus/testing';
import { startOtlpReceiver } from '@syllabus/testing/otlp';
import { cpuByPart, cpuShares } from '../support/cpu';
import { percentile } from '../support/figures';
import { createServiceRunner, limitsForOneSource, newRun, root } from '../support/services';
import { startSmtpServer } from '@syllabus/testing/smtp';
import { topology } from '@syllabus/contracts';
import { persistedOperations } from '@syllabus/gateway/graphql-operations';
import { configSchema as notificationConfig } from '@syllabus/notification/config';
import type { Course, Learner, Op, PhaseRequest, PhaseResult } from './generator';

const { values: args } = parseArgs({
  options: {
    learners: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    grow: { type: 'string', default: '0' },
    chaos: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    /** Writes a CPU profile per service (node --cpu-prof) into the run's log directory. */
    profile: { type: 'boolean', default: false },
    /** Runs the services with the telemetry SDK off, to see what tracing costs (it is on as deployed). */
    'no-tracing': { type: 'boolean', default: false },
  },
});
const smoke = args.smoke;
const plan = {
  learners: smoke ? 10 : Number(args.learners),
  seconds: smoke ? 8 : Number(args.seconds),
  grow: smoke ? 2_000 : Number(args.grow),
  chaos: smoke || args.chaos,
  chaosLearners: smoke ? 6 : 25,
  courses: smoke ? 4 : 12,
  lessonsPerCourse: 20,
};

// Limits a real deployment keeps low, raised for one source address driving many learners.
const raisedLimits = limitsForOneSource;

const { run, logs } = newRun('load', 'logs');
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
};

// ---- figures ------------------------------------------------------------------------------
const round = (n: number) => Math.round(n * 10) / 10;
function summarise(result: PhaseResult) {
  const ops: Record<
    string,
    { count: number; perSecond: number; p50: number; p95: number; p99: number; non2xx: number }
  > = {};
  for (const [op, values] of Object.entries(result.latencies) as [Op, number[]][]) {
    const sorted = [...values].sort((a, b) => a - b);
    const statuses = result.statuses[op] ?? {};
    const non2xx = Object.entries(statuses)
      .filter(([status]) => !status.startsWith('2') && !(op === 'enrol' && status === '409'))
      .reduce((sum, [, count]) => sum + count, 0);
    ops[op] = {
      count: values.length,
      perSecond: round(values.length / result.seconds),
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      non2xx,
    };
  }
  return ops;
}
function printTable(title: string, ops: ReturnType<typeof summarise>) {
  process.stdout.write(`\n${title}\n`);
  process.stdout.write('operation      count    per s    p50 ms   p95 ms   p99 ms   non-2xx\n');
  for (const [op, f] of Object.entries(ops)) {
    process.stdout.write(
      `${op.padEnd(12)} ${String(f.count).padStart(7)} ${String(f.perSecond).padStart(8)} ${String(f.p50).padStart(9)} ${String(f.p95).padStart(8)} ${String(f.p99).padStart(8)} ${String(f.non2xx).padStart(9)}\n`,
    );
  }
}
const statusesOf = (result: PhaseResult) =>
  Object.fromEntries(Object.entries(result.statuses).map(([op, s]) => [op, s]));

// ---- the system ---------------------------------------------------------------------------
const services = createServiceRunner({
  logs,
  profile: args.profile,
  onUnexpectedExit: (why) => {
    failures.push(why);
    process.stdout.write(`${why}\n`);
  },
});
const { children, runToEnd } = services;

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

/** The share of CPU time idle on this machine over `ms`. */
async function idleShare(ms: number) {
  const sample = () => {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const values = fields.map(Number);
    return { idle: values[3]! + (values[4] ?? 0), total: values.reduce((a, b) => a + b, 0) };
  };
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = sample();
  return (after.idle - before.idle) / Math.max(1, after.total - before.total);
}

/**
 * Waits until the machine is quiet (background work of an earlier phase — the last events,
 * a database's own housekeeping — is over), so that a latency phase measures the request alone.
 */
async function quiet(what: string) {
  const started = Date.now();
  while (Date.now() - started < 60_000 && (await idleShare(1_000)) < 0.85);
  process.stdout.write(
    `(waited ${round((Date.now() - started) / 1000)} s for a quiet machine before ${what})\n`,
  );
}

/** An OTLP/HTTP endpoint that takes every export and keeps only the byte count. */
/**
 * Backing services are controlled through the provisioning script, as an operator would —
 * asynchronously, so that the SMTP and OTLP sinks in this process keep answering meanwhile.
 */
async function backing(action: 'start' | 'stop', name: string) {
  await promisify(execFile)('bash', [join(root, 'scripts/backing-services.sh'), action, name]);
}
function killRabbitmq() {
  const pid = Number(readFileSync('/var/lib/syllabus/rabbitmq/rabbitmq.pid', 'utf8').trim());
  process.kill(pid, 'SIGKILL');
}

async function main() {
  const started = Date.now();
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
  const signingKeys = runToEnd('gateway', 'dist/src/generate-keys.js', {}).trim();
  const shared = {
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
    MESSAGING_PREFIX: prefix,
    JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
    JWT_ISSUER: gatewayUrl,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    ...(args['no-tracing'] ? { OTEL_SDK_DISABLED: 'true' } : {}),
  };

  const mongo = await MongoClient.connect(testEnv.MONGODB_URL);
  const progressDb = mongo.db(mongoDatabase);
  const redis = new Redis(testEnv.REDIS_URL);
  redis.on('error', () => undefined); // stopped on purpose in the chaos phase
  const notificationPg = () => new pg.Client({ connectionString: notificationDb });
  let amqpConnection: amqp.ChannelModel | undefined;
  const generator = fork(join(__dirname, 'generator.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  /** Every completion any phase saw acknowledged: each must end as exactly one notification. */
  const acknowledged: PhaseResult['acknowledged'] = [];
  /** Every completion answered without telling its outcome: notified if the server recorded it. */
  const unknownOutcome: PhaseResult['unknownOutcome'] = [];
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
  /** New access tokens for `learners` (they live 15 minutes; a long run outlasts them). */
  const refreshed = async (learners: Learner[]) =>
    (await phase({ kind: 'refresh', gateway: gatewayUrl, learners })).learners!;
  const report: Record<string, unknown> = {
    run,
    when: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      servicesNode: services.nodeVersion,
    },
    mongodbHandler: 'FerretDB 1.24, SQLite handler',
    plan,
    tracing: !args['no-tracing'],
    raisedLimits,
  };

  try {
    process.stdout.write(
      `load run ${run}: services on Node ${services.nodeVersion}; limits raised for one source address: ${JSON.stringify(raisedLimits)}\n`,
    );
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
      JWT_SIGNING_KEYS: signingKeys,
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
    const notificationEnv = {
      ...shared,
      PORT: String(ports.notification),
      OPERATOR_PORT: String(ports.notificationOps),
      POSTGRES_URL: notificationDb,
      REDIS_URL: testEnv.REDIS_URL,
      FANOUT_CHANNEL_PREFIX: `bench:load:${run}:`,
      SMTP_URL: smtp.url,
    };
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

    // Courses of 20 lessons, made by an author through the API, so that learners never run out.
    const authorPassword = randomUUID();
    runToEnd('user-progress', 'dist/src/bootstrap-user.js', {
      MONGODB_URL: testEnv.MONGODB_URL,
      MONGODB_DATABASE: mongoDatabase,
      BOOTSTRAP_EMAIL: `author-${run}@syllabus.test`,
      BOOTSTRAP_PASSWORD: authorPassword,
      BOOTSTRAP_ROLES: 'author',
    });
    const api = async (method: string, path: string, token?: string, body?: unknown) => {
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
    };
    const author = await api('POST', '/v1/auth/login', undefined, {
      email: `author-${run}@syllabus.test`,
      password: authorPassword,
    });
    const authorToken = author.accessToken as string;
    const courses: Course[] = [];
    for (let c = 0; c < plan.courses + 1; c += 1) {
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
    const contentionCourse = courses.pop()!;

    // ---- sign-up (set-up, not measured) ----
    const signedUp = await phase({
      kind: 'signup',
      gateway: gatewayUrl,
      count: plan.learners + 14 + plan.chaosLearners,
      concurrency: 8,
    });
    const everyone = signedUp.learners!;
    process.stdout.write(`${everyone.length} learners signed up in ${round(signedUp.seconds)} s\n`);
    const [warmer, solo, contender, reader, ...rest] = everyone;
    let probers = rest.slice(0, 10);
    const learners = rest.slice(10, 10 + plan.learners);
    // Learners of their own for the chaos phase, with every course still ahead of them.
    let chaosLearners = rest.slice(10 + plan.learners);

    // ---- warm-up (not measured): compiled code paths and filled caches, as in a running system ----
    await phase({
      kind: 'learn',
      gateway: gatewayUrl,
      learners: [warmer!],
      courses,
      seconds: 60,
      maxCompletions: 40,
      readEvery: 5,
    });

    // ---- one learner alone ----
    await quiet('one learner alone');
    const alone = await phase({
      kind: 'learn',
      gateway: gatewayUrl,
      learners: [solo!],
      courses,
      seconds: 60,
      maxCompletions: 40,
      readEvery: 1_000_000,
    });
    const aloneOps = summarise(alone);
    printTable('one learner alone (40 completions in a row)', aloneOps);
    report.alone = aloneOps;

    // ---- one learner, 20 completions at once, over two replicas ----
    const contended = await phase({
      kind: 'contention',
      urls: [`http://127.0.0.1:${ports.progress}`, `http://127.0.0.1:${ports.progress2}`],
      learner: contender!,
      course: contentionCourse,
    });
    const stats = await api('GET', '/v1/me/stats', contender!.accessToken);
    const enrolments = await api('GET', '/v1/me/enrollments', contender!.accessToken);
    const enrolment = (enrolments.items as { percentComplete: number; completedLessonIds: string[] }[])[0]!;
    const contentionFigures = {
      answered2xx: contended.statuses.complete?.['200'] ?? 0,
      acknowledged: contended.acknowledged.length,
      lessonsCompleted: stats.lessonsCompleted,
      xp: stats.xp,
      percentComplete: enrolment.percentComplete,
      completedLessonIds: enrolment.completedLessonIds.length,
    };
    process.stdout.write(
      `\n20 completions at once over two replicas: ${JSON.stringify(contentionFigures)}\n`,
    );
    check(
      contentionFigures.acknowledged === 20 &&
        stats.lessonsCompleted === 20 &&
        stats.xp === 20 * 10 + 50 &&
        enrolment.percentComplete === 100,
      'contention: 20 concurrent completions over two replicas leave 20 completions, 250 XP, 100 %',
    );
    report.contention = contentionFigures;

    // ---- the dashboard with its courses: REST calls against one GraphQL query ----
    const catalogPage = await api('GET', '/v1/courses?limit=10');
    for (const { id } of catalogPage.items as { id: string }[]) {
      await waitFor(
        async () =>
          (
            await fetch(`${gatewayUrl}/v1/me/enrollments`, {
              method: 'POST',
              headers: { authorization: `Bearer ${reader!.accessToken}`, 'content-type': 'application/json' },
              body: JSON.stringify({ courseId: id }),
            })
          ).status === 201,
        { timeoutMs: 30_000, what: 'an enrolment in a seeded course' },
      );
    }
    await quiet('the dashboard styles');
    const styled = await phase({
      kind: 'styles',
      gateway: gatewayUrl,
      learner: reader!,
      query: persistedOperations.Dashboard,
      rounds: smoke ? 10 : 200,
    });
    const styleFigures = Object.fromEntries(
      Object.entries(styled.styles!).map(([name, figures]) => {
        const sorted = [...figures.latenciesMs].sort((a, b) => a - b);
        return [
          name,
          {
            requests: figures.requests,
            roundTrips: figures.roundTrips,
            responseBytes: figures.responseBytes,
            p50Ms: round(percentile(sorted, 50)),
            p99Ms: round(percentile(sorted, 99)),
          },
        ];
      }),
    );
    process.stdout.write(
      `\nthe dashboard with ${(catalogPage.items as unknown[]).length} enrolments and their courses, ${smoke ? 10 : 200} rounds\n` +
        `| style | requests | round trips | bytes received | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n` +
        Object.entries(styleFigures)
          .map(
            ([name, f]) =>
              `| ${name} | ${f.requests} | ${f.roundTrips} | ${f.responseBytes} | ${f.p50Ms} | ${f.p99Ms} |`,
          )
          .join('\n') +
        '\n',
    );
    report.dashboardStyles = styleFigures;

    // ---- queue depths, sampled through every phase from here ----
    const depths = { notification: 0, outbox: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          if (!amqpConnection) {
            amqpConnection = await amqp.connect(testEnv.RABBITMQ_URL);
            // A broker killed by the chaos phase closes this connection: make another next time.
            amqpConnection.on('error', () => undefined);
            amqpConnection.on('close', () => (amqpConnection = undefined));
          }
          const channel = await amqpConnection.createChannel();
          channel.on('error', () => undefined);
          const queue = await channel.checkQueue(`${prefix}notification.events`);
          depths.notification = Math.max(depths.notification, queue.messageCount);
          await channel.close();
        } catch {
          // The broker is away (chaos): nothing to sample.
        }
        try {
          depths.outbox = Math.max(depths.outbox, await progressDb.collection('outbox').countDocuments({}));
        } catch {
          // The same for the store.
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    const resetDepths = () => {
      const seen = { ...depths };
      depths.notification = 0;
      depths.outbox = 0;
      return seen;
    };

    // ---- the load ----
    const loadStarted = new Date();
    const ownPids = () =>
      new Map<string, number | undefined>([
        ...[...children].map(([name, child]) => [name, child.pid] as const),
        ['load generator', generator.pid],
      ]);
    const cpuBefore = cpuByPart(ownPids());
    const loaded = await phase({
      kind: 'learn',
      gateway: gatewayUrl,
      learners,
      courses,
      seconds: plan.seconds,
      readEvery: 10,
    });
    const cpu = cpuShares(cpuBefore, cpuByPart(ownPids()), loaded.seconds * 1000);
    const loadOps = summarise(loaded);
    printTable(`${learners.length} learners at once for ${plan.seconds} s`, loadOps);
    const invalid = Object.values(loadOps).reduce((sum, f) => sum + f.non2xx, 0);
    const completionsPerSecond = round(loaded.acknowledged.length / loaded.seconds);
    process.stdout.write(
      `completions: ${loaded.acknowledged.length} in ${round(loaded.seconds)} s = ${completionsPerSecond}/s; non-2xx: ${invalid}${invalid ? ' — this run is INVALID' : ''}\n`,
    );
    check(invalid === 0, `load: every answer 2xx (${JSON.stringify(statusesOf(loaded))})`);
    await drained(loaded.acknowledged, 60_000);
    const endToEnd = await eventLatency(loadStarted);
    process.stdout.write(
      `event end to end (completion → notification stored): ${JSON.stringify(endToEnd)}\n`,
    );
    const loadDepths = resetDepths();
    process.stdout.write(`queue depths (max): ${JSON.stringify(loadDepths)}\n`);
    const cpuPerCompletion = round(
      (Object.values(cpu).reduce((a, b) => a + b, 0) / 100 / completionsPerSecond) * 1000,
    );
    process.stdout.write(
      `CPU during the load, % of one core (${cpus().length} cores): ${JSON.stringify(cpu)}; ${cpuPerCompletion} ms of CPU per completion\n`,
    );
    report.load = {
      learners: learners.length,
      seconds: round(loaded.seconds),
      completionsPerSecond,
      non2xx: invalid,
      operations: loadOps,
      eventEndToEndMs: endToEnd,
      maxQueueDepths: loadDepths,
      cpuPercentOfOneCore: cpu,
      cpuMsPerCompletion: cpuPerCompletion,
    };

    // ---- cost as the data grows ----
    if (plan.grow > 0) {
      probers = await refreshed(probers);
      await quiet('the probe');
      // Every learner operation a few times over, by the probing learners.
      const probe = async () =>
        summarise(
          await phase({
            kind: 'probe',
            gateway: gatewayUrl,
            learners: probers,
            courses,
            rounds: smoke ? 2 : 6,
          }),
        );
      const before = await probe();
      const storedBefore = await progressDb.collection('learner_versions').estimatedDocumentCount();
      const seeding = Date.now();
      await grow(plan.grow);
      // As a running database would have by then: its housekeeping after the bulk load done.
      await withNotificationDb((client) => client.query('VACUUM ANALYZE'));
      await quiet('the probe with the grown store');
      const storedAfter = await progressDb.collection('learner_versions').estimatedDocumentCount();
      process.stdout.write(
        `\nstored ${storedAfter - storedBefore} more learner versions in ${round((Date.now() - seeding) / 1000)} s\n`,
      );
      probers = await refreshed(probers);
      const after = await probe();
      process.stdout.write(`\np50 per operation, ${storedBefore} versions stored vs ${storedAfter}\n`);
      const growth: Record<string, { before: number; after: number; ratio: number }> = {};
      for (const op of Object.keys(before)) {
        const ratio = Math.round(((after[op]?.p50 ?? 0) / Math.max(before[op]!.p50, 0.1)) * 100) / 100;
        growth[op] = { before: before[op]!.p50, after: after[op]?.p50 ?? 0, ratio };
        process.stdout.write(
          `${op.padEnd(12)} ${String(before[op]!.p50).padStart(8)} ms ${String(after[op]?.p50).padStart(8)} ms  ×${ratio}\n`,
        );
      }
      report.growth = { storedBefore, storedAfter, p50: growth };
    }

    // ---- chaos ----
    if (plan.chaos) {
      chaosLearners = await refreshed(chaosLearners);
      const chaosSeconds = smoke ? 32 : 45;
      const events: string[] = [];
      const chaosStarted = Date.now();
      // Each step at its time from the start of the phase (or as soon as the previous one is done).
      const at = (seconds: number, what: string, action: () => void | Promise<void>) =>
        new Promise<void>((resolve) =>
          setTimeout(
            () => {
              const now = `${round((Date.now() - chaosStarted) / 1000)}s`;
              events.push(`${now} ${what}`);
              process.stdout.write(`chaos @${now}: ${what}\n`);
              Promise.resolve(action()).then(resolve, (error: unknown) => {
                failures.push(`chaos step "${what}" failed: ${String(error)}`);
                resolve();
              });
            },
            Math.max(0, chaosStarted + seconds * 1000 - Date.now()),
          ),
        );
      const [chaotic] = await Promise.all([
        phase({
          kind: 'learn',
          gateway: gatewayUrl,
          learners: chaosLearners,
          courses,
          seconds: chaosSeconds,
          readEvery: 1_000_000,
        }),
        (async () => {
          await at(3, 'RabbitMQ SIGKILLed', killRabbitmq);
          await at(4, 'RabbitMQ restarting', () => backing('start', 'rabbitmq'));
          events.push(`${round((Date.now() - chaosStarted) / 1000)}s RabbitMQ accepting connections again`);
          await at(smoke ? 20 : 22, 'notification SIGKILLed with messages in flight', () =>
            services.stop('notification', 'SIGKILL'),
          );
          await at(smoke ? 21 : 24, 'notification restarted', () => {
            services.start('notification', 'notification', notificationEnv);
          });
          await at(smoke ? 24 : 30, 'Redis stopped', () => backing('stop', 'redis'));
          await at(smoke ? 27 : 34, 'Redis started', () => backing('start', 'redis'));
        })(),
      ]);
      const chaosEnded = Date.now();
      await services.ready('notification', ports.notificationOps, 'notification after its restart');
      const drainMs = await drained([...chaotic.acknowledged], smoke ? 90_000 : 180_000);
      const mail = await mailReport();
      const chaosFigures = {
        seconds: round((chaosEnded - chaosStarted) / 1000),
        steps: events,
        acknowledgedCompletions: chaotic.acknowledged.length,
        statuses: statusesOf(chaotic),
        drainSeconds: round(drainMs / 1000),
        maxQueueDepths: resetDepths(),
        email: mail,
      };
      process.stdout.write(`\nchaos: ${JSON.stringify(chaosFigures, null, 1)}\n`);
      check(
        mail.duplicates === 0,
        `chaos: no email sent twice for one delivery under different ids (${mail.duplicates})`,
      );
      report.chaos = chaosFigures;
    }

    // Every acknowledged completion of the whole run: exactly one lesson notification each.
    // Whatever is still on its way (say, the probes' events when the broker was killed) first.
    await drained(acknowledged, 120_000);
    const lost = await compareNotifications(acknowledged);
    report.notifications = lost;
    check(
      lost.missing === 0,
      `no acknowledged completion lost (${lost.missing} of ${lost.expected} without a notification)`,
    );
    check(lost.notifiedTwice === 0, `no completion notified twice (${lost.notifiedTwice})`);
    check(
      lost.unexplained === 0,
      `no more notifications than completions that may have been recorded (${lost.unexplained} more; ${lost.recordedThoughUnanswered} of ${lost.unknownOutcome} completions answered without an outcome were recorded and notified)`,
    );
    sampling = false;
    await sampler;
  } finally {
    report.failures = failures;
    report.otlpBytes = otlp.bytes();
    report.seconds = round((Date.now() - started) / 1000);
    const out = join(
      root,
      '.syllabus',
      'load',
      `${new Date().toISOString().replace(/[:.]/g, '-')}${smoke ? '-smoke' : ''}.json`,
    );
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nfigures: ${out}\nlogs: ${logs}\n`);
    generator.kill();
    await services.stopAll();
    await amqpConnection?.close().catch(() => undefined);
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

  /** Waits until every acknowledged completion has its notification and nothing waits anywhere. */
  async function drained(acknowledged: PhaseResult['acknowledged'], timeoutMs: number) {
    const began = Date.now();
    const users = [...new Set(acknowledged.map((a) => a.userId))];
    let lastShown = Date.now();
    await waitFor(
      async () => {
        const client = notificationPg();
        await client.connect();
        try {
          const { rows } = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM notifications WHERE event_type = 'progress.lesson-completed.v1' AND user_id = ANY($1)`,
            [users],
          );
          const pending = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM deliveries WHERE status = 'pending'`,
          );
          const outbox = await progressDb.collection('outbox').countDocuments({});
          const state = {
            notified: Number(rows[0]!.n),
            of: acknowledged.length,
            pendingDeliveries: Number(pending.rows[0]!.n),
            outbox,
          };
          if (Date.now() - lastShown > 10_000) {
            lastShown = Date.now();
            process.stdout.write(`draining: ${JSON.stringify(state)}\n`);
          }
          return state.notified >= state.of && state.pendingDeliveries === 0 && state.outbox === 0;
        } finally {
          await client.end();
        }
      },
      { timeoutMs, intervalMs: 250, what: 'the backlog to drain' },
    ).catch((error: unknown) => failures.push(String(error)));
    return Date.now() - began;
  }

  async function withNotificationDb<T>(work: (client: pg.Client) => Promise<T>) {
    const client = notificationPg();
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /**
   * Lesson notifications against completions, per learner: at least as many as acknowledged (none
   * lost); exactly as many for a learner whose every completion had a clear answer (none notified
   * twice); for one with completions answered without an outcome (5xx or nothing, and perhaps
   * recorded after all), at most that many more.
   */
  async function compareNotifications(acknowledged: PhaseResult['acknowledged']) {
    const client = notificationPg();
    await client.connect();
    try {
      const type = 'progress.lesson-completed.v1';
      const { rows } = await client.query<{ user_id: string; n: string }>(
        `SELECT user_id, count(*) AS n FROM notifications WHERE event_type = $1 GROUP BY user_id`,
        [type],
      );
      const stored = new Map(rows.map((row) => [row.user_id, Number(row.n)]));
      const tally = (items: { userId: string }[]) => {
        const byUser = new Map<string, number>();
        for (const item of items) byUser.set(item.userId, (byUser.get(item.userId) ?? 0) + 1);
        return byUser;
      };
      const expectedByUser = tally(acknowledged);
      const unknownByUser = tally(unknownOutcome);
      let missing = 0;
      let notifiedTwice = 0;
      let unexplained = 0;
      let recordedThoughUnanswered = 0;
      for (const user of new Set([...expectedByUser.keys(), ...unknownByUser.keys()])) {
        const expected = expectedByUser.get(user) ?? 0;
        const unknown = unknownByUser.get(user) ?? 0;
        const got = stored.get(user) ?? 0;
        if (got < expected) missing += expected - got;
        const beyond = Math.max(0, got - expected);
        // Exactly as many as acknowledged, unless some outcome was unknown: then at most that many more.
        if (unknown === 0) notifiedTwice += beyond;
        else {
          recordedThoughUnanswered += Math.min(beyond, unknown);
          unexplained += Math.max(0, beyond - unknown);
        }
      }
      if (missing > 0) {
        const sample = acknowledged.filter(
          (a) => (stored.get(a.userId) ?? 0) < (expectedByUser.get(a.userId) ?? 0),
        );
        process.stdout.write(`learners short of notifications, e.g. ${JSON.stringify(sample.slice(0, 3))}\n`);
      }
      return {
        expected: acknowledged.length,
        missing,
        notifiedTwice,
        unknownOutcome: unknownOutcome.length,
        recordedThoughUnanswered,
        unexplained,
      };
    } finally {
      await client.end();
    }
  }

  /** Course-completed emails: resends of one delivery (same Message-ID) apart from true duplicates. */
  async function mailReport() {
    const byMessageId = new Map<string, number>();
    const byEvent = new Map<string, Set<string>>();
    for (const mail of smtp.received) {
      const messageId = /^Message-ID:\s*(\S+)/im.exec(mail.raw)?.[1] ?? '';
      const eventId = /^Syllabus-Event-Id:\s*(\S+)/im.exec(mail.raw)?.[1] ?? '';
      byMessageId.set(messageId, (byMessageId.get(messageId) ?? 0) + 1);
      byEvent.set(eventId, (byEvent.get(eventId) ?? new Set()).add(messageId));
    }
    return {
      received: smtp.received.length,
      distinct: byMessageId.size,
      resends: [...byMessageId.values()].reduce((sum, n) => sum + n - 1, 0),
      duplicates: [...byEvent.values()].reduce((sum, ids) => sum + ids.size - 1, 0),
    };
  }

  async function eventLatency(since: Date) {
    const client = notificationPg();
    await client.connect();
    try {
      const { rows } = await client.query<{ ms: number }>(
        `SELECT extract(epoch FROM i.handled_at - n.created_at) * 1000 AS ms
           FROM notifications n JOIN inbox i USING (event_id)
          WHERE n.event_type = 'progress.lesson-completed.v1' AND n.created_at >= $1`,
        [since],
      );
      const sorted = rows.map((row) => Number(row.ms)).sort((a, b) => a - b);
      return {
        count: sorted.length,
        p50: round(percentile(sorted, 50)),
        p95: round(percentile(sorted, 95)),
        p99: round(percentile(sorted, 99)),
      };
    } finally {
      await client.end();
    }
  }

  /**
   * Stores `count` more completions for learners who are not part of the run, as years of use
   * would: learner versions (each the whole state after one completion), their notifications,
   * and their places on the leaderboard.
   */
  async function grow(count: number) {
    const perLearner = 50;
    const versions = progressDb.collection('learner_versions');
    const client = notificationPg();
    await client.connect();
    try {
      for (let first = 0; first < count; first += perLearner * 20) {
        const batch: Record<string, unknown>[] = [];
        const rows: string[] = [];
        for (let l = 0; l < 20 && first + l * perLearner < count; l += 1) {
          const userId = randomUUID().replace(/-/g, '').slice(0, 24);
          const course = randomUUID();
          const done: string[] = [];
          for (let seq = 0; seq < perLearner; seq += 1) {
            done.push(randomUUID());
            batch.push({
              _id: `${userId}:${String(seq).padStart(10, '0')}`,
              userId,
              seq,
              at: new Date(),
              state: {
                displayName: 'Grown learner',
                timeZone: 'UTC',
                xp: seq * 10,
                lessonsCompleted: seq,
                coursesCompleted: 0,
                streak: { lastDay: '2026-01-01', run: 1, longest: 1 },
                enrolments: [
                  {
                    courseId: course,
                    enrolledAt: new Date().toISOString(),
                    completedLessonIds: [...done],
                    completedAt: null,
                  },
                ],
              },
              events: [],
            });
            rows.push(
              `('${userId}', '${randomUUID()}', 'progress.lesson-completed.v1', 'Lesson completed', 'Well done')`,
            );
          }
          await redis.zadd(`bench:load:${run}:progress:leaderboard:xp`, perLearner * 10, userId);
        }
        await versions.insertMany(batch, { ordered: false });
        await client.query(
          `INSERT INTO notifications (user_id, event_id, event_type, title, body) VALUES ${rows.join(',')}`,
        );
      }
    } finally {
      await client.end();
    }
  }
}

main().then(
  () => {
    if (failures.length > 0) {
      process.stderr.write(
        `\n${failures.length} check(s) failed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`,
      );
      process.exit(1);
    }
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(
      `load run failed: ${error instanceof Error ? error.stack : String(error)}\nlogs: ${logs}\n`,
    );
    process.exit(1);
  },
);
