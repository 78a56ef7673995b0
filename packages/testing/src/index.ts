// Helpers for tests that run against real servers. Never imported by production code.
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { Client } from 'pg';
import { fields, loadConfig, z } from '@syllabus/config';

const testSchema = z.object({
  POSTGRES_URL: fields.postgresUrl().default('postgres://syllabus:syllabus@127.0.0.1:55432/syllabus'),
  REDIS_URL: fields.redisUrl().default('redis://127.0.0.1:56379'),
  CACHE_REDIS_URL: fields.redisUrl().default('redis://127.0.0.1:56380'),
  RABBITMQ_URL: fields.amqpUrl().default('amqp://syllabus:syllabus@127.0.0.1:55672'),
  MONGODB_URL: fields.mongoUrl().default('mongodb://127.0.0.1:57017/'),
  /** Jaeger: where services send spans (OTLP/HTTP), and its query API that tests read them from. */
  JAEGER_OTLP_URL: fields.httpUrl().default('http://127.0.0.1:54318'),
  JAEGER_QUERY_URL: fields.httpUrl().default('http://127.0.0.1:56686'),
});

/** The backing servers `scripts/backing-services.sh up` provisioned (or the URLs given instead). */
export const testEnv = loadConfig(testSchema);

/** What every service a test starts in its own process shares: ports the system picks, loopback, quiet, strict answers. */
export const testServiceEnv = {
  HOST: '127.0.0.1',
  PORT: '0',
  OPERATOR_PORT: '0',
  LOG_LEVEL: 'silent',
  VALIDATE_RESPONSES: 'true',
} as const;

/** A fresh, empty PostgreSQL database for one test file; dropped by the returned function. */
export async function createTestDatabase(
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  const admin = new Client({ connectionString: testEnv.POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(testEnv.POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: testEnv.POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

// Ports handed out by this process. They are drawn below Linux's ephemeral range (32768 and up
// by default), where the kernel picks the local ports of outgoing connections: a port found free
// there could be taken by some connection before the server meant for it listens (seen:
// EADDRINUSE in a load run). And never the same one twice in one process.
const handedOut = new Set<number>();
const LOWEST = 20_000;
const HIGHEST = 32_000;

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A port nothing listens on — for pointing a client at a server that is down, or for a server
 * started next.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 1_000; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST}`);
}

/** A private redis-server on loopback (on `port`, or a free one), for tests that stop it. */
export async function startRedisServer(port?: number): Promise<{ url: string; stop: () => Promise<void> }> {
  port ??= await freePort();
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(() => canConnect(port), { timeoutMs: 10_000, what: `redis-server on ${port}` });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `probe` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {},
): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value as Exclude<T, false | 0 | '' | null | undefined>;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}
