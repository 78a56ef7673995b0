// `npm run test:images`: builds every image docker-compose.yml builds, boots each one as compose
// would run it (its entrypoint, command, user and environment), against the native backing
// services, and drives a learner's journey through the gateway image. The compose network is
// replaced by the host's: each compose host:port in the environment becomes an address here.
//
//   node infra/dist/images/check.js            build, boot, journey
//   node infra/dist/images/check.js --build    build only (scripts/k8s-local.sh)
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startSmtpServer } from '@syllabus/testing/smtp';
import { configSchema as userProgressConfig } from '@syllabus/user-progress/config';
import type { testEnv as TestEnv, waitFor as WaitFor } from '@syllabus/testing';
import {
  buildImages,
  chooseEngine,
  commandOf,
  declaredNodeMajor,
  resolvedCompose,
  type ComposeService,
  type Engine,
} from './engine';

/** Where the services are published on this host: their compose ports, 10000 higher. */
const HOST_PORT_OFFSET = 10_000;
let testEnv: typeof TestEnv;
let waitFor: typeof WaitFor;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const engine = chooseEngine();
  const services = resolvedCompose();
  process.stdout.write(`images: ${engine.name}\n`);
  const buildTimes = buildImages(engine, services);
  if (process.argv.includes('--build')) return;

  // Loaded only to run: they read the backing services' URLs from the environment.
  ({ testEnv, waitFor } = await import('@syllabus/testing'));
  const { jaeger } = await import('@syllabus/testing/jaeger');
  const work = mkdtempSync(join(tmpdir(), 'syllabus-images-'));
  const mail = await startSmtpServer();
  const appServices = Object.keys(services).filter((name) => services[name]!.build);
  const runnable = Object.keys(services).filter((name) => services[name]!.image?.startsWith('syllabus/'));
  const addresses = hostAddresses(services, appServices, { smtp: mail.port });
  const running: { name: string; stop: () => Promise<void> }[] = [];
  const bootTimes: Record<string, number> = {};
  const nodeVersions: Record<string, string> = {};
  const outputs: Record<string, string> = {};

  try {
    for (const name of startOrder(services, runnable)) {
      const service = services[name]!;
      const logFile = join(work, 'logs', `${name}.log`);
      const env = translate(service.environment ?? {}, addresses);
      if (appServices.includes(name)) {
        // The image sets PORT and OPERATOR_PORT; here they move to the host's published ones.
        const image = engine.inspect(service.image!);
        for (const key of ['PORT', 'OPERATOR_PORT']) {
          const value = (image.Env ?? []).find((pair) => pair.startsWith(`${key}=`))?.split('=')[1];
          if (value) env[key] = String(Number(value) + HOST_PORT_OFFSET);
        }
      }
      const started = Date.now();
      const { child, remove } = engine.run({
        name: `syllabus-check-${name}-${randomUUID().slice(0, 6)}`,
        image: service.image!,
        command: commandOf(service),
        user: service.user,
        env,
        mounts: mounts(service, work),
        logFile,
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (!appServices.includes(name)) {
        const code = await exited;
        remove();
        outputs[name] = readFileSync(logFile, 'utf8');
        if (code !== 0) throw new Error(`${name} exited with ${code}:\n${outputs[name]}`);
        process.stdout.write(`ran ${name} (${seconds(Date.now() - started)})\n`);
        continue;
      }
      running.push({
        name,
        stop: async () => {
          if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
          if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
          remove();
        },
      });
      const operatorPort = Number(env.OPERATOR_PORT);
      await waitFor(
        async () => {
          if (child.exitCode !== null)
            throw new Error(`${name} exited:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
          return (await fetch(`http://127.0.0.1:${operatorPort}/health/ready`)).status === 200;
        },
        { timeoutMs: 90_000, intervalMs: 250, what: `${name} to be ready (log: ${logFile})` },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
      });
      bootTimes[name] = Date.now() - started;
      nodeVersions[name] = await nodeVersionOf(name, operatorPort);
      process.stdout.write(
        `${name} ready in ${seconds(bootTimes[name])} as user ${imageUser(engine, service)} on Node ${nodeVersions[name]}\n`,
      );
    }

    const gateway = `http://127.0.0.1:${8080 + HOST_PORT_OFFSET}`;
    const journeyStarted = Date.now();
    await consoleServed(gateway);
    await learnerJourney(gateway, mail.received);
    await authorCheck(gateway, outputs['user-bootstrap'] ?? '');
    // Every image traced its part of the journey into the native Jaeger, as compose's would.
    const store = jaeger();
    for (const name of appServices) {
      await waitFor(
        async () =>
          (await store.find({ service: name, sinceMs: Date.now() - journeyStarted + 1_000 })).length > 0,
        { timeoutMs: 20_000, what: `traces of ${name} in Jaeger since the journey began` },
      );
    }
    process.stdout.write(
      `journey through the gateway image passed in ${seconds(Date.now() - journeyStarted)}\n`,
    );

    process.stdout.write('\nimage            build     boot to ready   Node\n');
    for (const name of appServices) {
      process.stdout.write(
        `${name.padEnd(16)} ${seconds(buildTimes[name] ?? 0).padStart(8)} ${seconds(bootTimes[name] ?? 0).padStart(10)}   ${nodeVersions[name]}\n`,
      );
    }
    process.stdout.write('\n1 passed, 0 failed\n');
  } finally {
    for (const service of running.reverse()) await service.stop();
    await mail.close();
  }
}

/** compose host:port → an address on this host: the native backing services, or a published port. */
function hostAddresses(
  services: Record<string, ComposeService>,
  appServices: string[],
  local: { smtp: number },
) {
  const native = (url: string) => new URL(url).host;
  const addresses: Record<string, string> = {
    'postgres:5432': native(testEnv.POSTGRES_URL),
    'redis:6379': native(testEnv.REDIS_URL),
    'redis-cache:6379': native(testEnv.CACHE_REDIS_URL),
    'rabbitmq:5672': native(testEnv.RABBITMQ_URL),
    'mongodb:27017': native(testEnv.MONGODB_URL),
    'mailpit:1025': `127.0.0.1:${local.smtp}`,
    'jaeger:4318': native(testEnv.JAEGER_OTLP_URL),
  };
  for (const name of appServices) {
    const port = Number(services[name]!.build!.args!.PORT);
    addresses[`${name}:${port}`] = `127.0.0.1:${port + HOST_PORT_OFFSET}`;
  }
  return addresses;
}

/**
 * The Node.js a service's process runs on, from its own metrics (prom-client's
 * `nodejs_version_info`); it must be the declared major, the one the tests and benchmarks ran on.
 */
async function nodeVersionOf(name: string, operatorPort: number) {
  const metrics = await (await fetch(`http://127.0.0.1:${operatorPort}/metrics`)).text();
  const version = /^nodejs_version_info\{version="(v(\d+)[^"]*)"/m.exec(metrics);
  if (!version) throw new Error(`${name} reports no nodejs_version_info`);
  const declared = declaredNodeMajor();
  if (Number(version[2]) !== declared || process.versions.node.split('.')[0] !== String(declared))
    throw new Error(
      `${name}'s image runs Node ${version[1]}, this check ${process.version}; the Dockerfile declares ${declared}`,
    );
  return version[1]!;
}

function translate(environment: Record<string, string | null>, addresses: Record<string, string>) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    if (value === null) continue;
    // A MongoDB URL carries options for the server it names (compose's is the replica set rs0;
    // natively the server is FerretDB, which is none), so it is replaced whole.
    if (value.startsWith('mongodb://mongodb:27017/')) {
      env[key] = testEnv.MONGODB_URL;
      continue;
    }
    env[key] = value.replace(/(\/\/|@)([a-z][a-z0-9-]*:\d+)/g, (whole, lead: string, hostPort: string) => {
      const address = addresses[hostPort];
      return address ? `${lead}${address}` : whole;
    });
  }
  return env;
}

/** Named volumes become directories of this run; bind mounts stay as they are. */
function mounts(service: ComposeService, work: string) {
  return (service.volumes ?? []).map((volume) => {
    const [source, target, mode] =
      typeof volume === 'string'
        ? (volume.split(':') as [string, string, string?])
        : [volume.source, volume.target, volume.read_only ? 'ro' : undefined];
    const hostPath =
      source.startsWith('/') || source.startsWith('.') ? source : join(work, 'volumes', source);
    mkdirSync(hostPath, { recursive: true });
    return { source: hostPath, target, readOnly: mode === 'ro' };
  });
}

/** Every runnable service after the runnable ones it depends on (backing services run natively). */
function startOrder(services: Record<string, ComposeService>, runnable: string[]) {
  const ordered: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (ordered.includes(name) || !runnable.includes(name)) return;
    if (path.includes(name)) throw new Error(`dependency cycle: ${[...path, name].join(' → ')}`);
    for (const dependency of Object.keys(services[name]!.depends_on ?? {}))
      visit(dependency, [...path, name]);
    ordered.push(name);
  };
  for (const name of runnable) visit(name, []);
  return ordered;
}

function imageUser(engine: Engine, service: ComposeService) {
  return service.user ?? engine.inspect(service.image!).User ?? 'root';
}

async function call(
  gateway: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
) {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

function expectStatus(result: { status: number; body: unknown }, status: number, what: string) {
  if (result.status !== status)
    throw new Error(`${what}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
  return result.body as Record<string, unknown>;
}

/** The console ships inside the gateway image: its page at `/`, and the script that page loads. */
async function consoleServed(gateway: string) {
  const page = await fetch(`${gateway}/`);
  const html = await page.text();
  if (page.status !== 200 || !html.includes('<div id="app">'))
    throw new Error(`console page: expected 200 with the app, got ${page.status} ${html.slice(0, 200)}`);
  const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1];
  const asset = script && (await fetch(`${gateway}${script}`));
  if (!asset || asset.status !== 200 || !asset.headers.get('content-type')?.includes('javascript'))
    throw new Error(
      `console script ${script ?? '(none in the page)'}: ${asset ? asset.status : 'not fetched'}`,
    );
  process.stdout.write(`console served by the gateway image (${script})\n`);
}

/** Sign up, find a course, enrol, complete every lesson, and see the notification and the email. */
async function learnerJourney(gateway: string, mail: { to: string[]; raw: string }[]) {
  const email = `image-check-${randomUUID().slice(0, 8)}@syllabus.test`;
  const signup = expectStatus(
    await call(gateway, 'POST', '/v1/auth/signup', {
      body: { email, password: 'a long password', displayName: 'Image check' },
    }),
    201,
    'signup',
  );
  const token =
    (signup.tokens as { accessToken: string } | undefined)?.accessToken ?? (signup.accessToken as string);
  const list = expectStatus(await call(gateway, 'GET', '/v1/courses?limit=50'), 200, 'course list');
  const items = list.items as { slug: string; id: string }[];
  if (items.length === 0) throw new Error('the seed left no published course');
  // The shortest course keeps the journey short.
  const courses = await Promise.all(
    items.map(async (item) =>
      expectStatus(await call(gateway, 'GET', `/v1/courses/${item.slug}`), 200, 'course'),
    ),
  );
  const course = courses.sort(
    (a, b) => (a.lessons as unknown[]).length - (b.lessons as unknown[]).length,
  )[0]!;
  // user-progress learns courses from the catalog's events: the seed's arrive shortly after boot.
  await waitFor(
    async () =>
      (await call(gateway, 'POST', '/v1/me/enrollments', { token, body: { courseId: course.id } })).status ===
      201,
    {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'enrolment (user-progress learning the seeded course from its event)',
    },
  );
  for (const lesson of course.lessons as { id: string }[]) {
    expectStatus(
      await call(gateway, 'PUT', `/v1/me/enrollments/${String(course.id)}/lessons/${lesson.id}/completion`, {
        token,
      }),
      200,
      'completion',
    );
  }
  await waitFor(
    async () => {
      const feed = expectStatus(await call(gateway, 'GET', '/v1/me/notifications', { token }), 200, 'feed');
      return (feed.items as { type?: string; eventType?: string }[]).some((n) =>
        JSON.stringify(n).includes('course-completed'),
      );
    },
    { timeoutMs: 30_000, intervalMs: 250, what: 'the course-completed notification in the feed' },
  );
  await waitFor(() => mail.some((message) => message.to.includes(email)), {
    timeoutMs: 30_000,
    what: `an email to ${email} through the SMTP server`,
  });
}

/**
 * The demo author from the bootstrap job: stored with the author role; when the job made the
 * account just now (and so printed its password), it also signs in and creates a course.
 */
async function authorCheck(gateway: string, bootstrapOutput: string) {
  const line = bootstrapOutput.split('\n').find((candidate) => candidate.startsWith('{'));
  if (!line) throw new Error(`user-bootstrap printed no account:\n${bootstrapOutput}`);
  const account = JSON.parse(line) as { email: string; roles: string[]; password?: string };
  const client = await MongoClient.connect(testEnv.MONGODB_URL);
  try {
    const database = userProgressConfig.shape.MONGODB_DATABASE.parse(undefined);
    const db = client.db(database);
    const claim = await db
      .collection<{ _id: string; userId: string }>('emails')
      .findOne({ _id: account.email });
    const stored =
      claim &&
      (await db.collection<{ _id: string; roles: string[] }>('accounts').findOne({ _id: claim.userId }));
    if (!stored?.roles?.includes('author'))
      throw new Error(`${account.email} is not stored as an author: ${JSON.stringify(stored?.roles)}`);
  } finally {
    await client.close();
  }
  if (!account.password) {
    process.stdout.write(
      `author ${account.email} is stored (made by an earlier run, so no password to sign in with)\n`,
    );
    return;
  }
  const login = expectStatus(
    await call(gateway, 'POST', '/v1/auth/login', {
      body: { email: account.email, password: account.password },
    }),
    200,
    'author login',
  );
  const slug = `image-check-${randomUUID().slice(0, 8)}`;
  const tracks = expectStatus(await call(gateway, 'GET', '/v1/tracks'), 200, 'tracks');
  const track = (tracks.items as { slug: string }[])[0]!;
  expectStatus(
    await call(gateway, 'POST', '/v1/courses', {
      token: login.accessToken as string,
      body: {
        slug,
        title: 'Image check course',
        summary: 'Made by the image check.',
        level: 'entry',
        track: track.slug,
      },
    }),
    201,
    'a course created by the bootstrap author',
  );
  process.stdout.write(`author ${account.email} signed in and created a course\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`image check failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
