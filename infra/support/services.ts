// The services as they are deployed, for the load harness and the benchmarks: each its own
// process, with the telemetry preloaded, its log in a file; readiness from its operator port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from '@syllabus/testing';

export const root = resolve(__dirname, '..', '..', '..');

/**
 * Limits a deployment keeps low, raised because here one source address sends everything (a run
 * prints them): the shared rate limits, the login guards, and each upstream's bulkhead.
 */
export const limitsForOneSource = {
  RATE_LIMIT_MAX: '1000000000',
  AUTH_RATE_LIMIT_MAX: '1000000',
  LOGIN_FAILURES_PER_SOURCE: '1000000',
  LOGIN_SLOWDOWN_AFTER: '1000000',
  UPSTREAM_CONCURRENCY: '64',
  UPSTREAM_QUEUE: '512',
};

/** The options every harness takes: `--smoke` (a short run for CI) and `--profile` (a CPU profile per process). */
export const harnessOptions = {
  smoke: { type: 'boolean', default: false },
  profile: { type: 'boolean', default: false },
} as const;

/** A run's id, and its directory (`.syllabus/<kind>/<name>-<id>`) for logs and figures. */
export function newRun(kind: 'bench' | 'load' | 'fuzz', name: string) {
  const run = randomUUID().slice(0, 8);
  return { run, logs: join(root, '.syllabus', kind, `${name}-${run}`) };
}

export function createServiceRunner(options: {
  /** Where each process's log (and profile) goes. */
  logs: string;
  /** Writes a CPU profile per process (node --cpu-prof) under `logs/profiles/<name>`. */
  profile?: boolean;
  /** Told when a process ends by itself (not stopped by `stop`). */
  onUnexpectedExit: (why: string) => void;
}) {
  const { logs } = options;
  mkdirSync(logs, { recursive: true });
  const children = new Map<string, ChildProcess>();
  const stopping = new WeakSet<ChildProcess>();
  // However this process ends (a crash included), none of its services outlives it: a harness
  // that died on an uncaught error once left four services running, holding their ports.
  process.once('exit', () => {
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
  });

  function logTail(name: string, lines = 15) {
    const text = readFileSync(join(logs, `${name}.log`), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines);
    return text.map((line) => `    ${line.slice(0, 400)}`).join('\n');
  }

  /**
   * Runs `script` (a path under `root`) with `args` as process `name`; preloads the telemetry
   * unless `bare`.
   */
  function startScript(
    name: string,
    script: string,
    env: Record<string, string>,
    { bare = false, args = [] }: { bare?: boolean; args?: string[] } = {},
  ) {
    const child = spawn(
      process.execPath,
      [
        ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(logs, 'profiles', name)}`] : []),
        ...(bare ? [] : ['--require', require.resolve('@syllabus/telemetry/register')]),
        join(root, script),
        ...args,
      ],
      {
        cwd: join(root, script, '..'),
        env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', OTEL_SERVICE_NAME: name, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const log = createWriteStream(join(logs, `${name}.log`), { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    children.set(name, child);
    // A process that ends on its own (not stopped or killed by the run) is reported, with why.
    child.once('exit', (code, signal) => {
      if (stopping.has(child)) return;
      options.onUnexpectedExit(
        `${name} exited by itself (${signal ?? `code ${code}`}); its log ends:\n${logTail(name)}`,
      );
    });
    return child;
  }

  return {
    /** The version of Node.js the processes run on: this process's own (scripts/node.sh). */
    nodeVersion: process.version,
    children,
    startScript,
    /** Starts `service`'s server as process `name` (several of one service may run). */
    start: (name: string, service: string, env: Record<string, string>) =>
      startScript(name, join('services', service, 'dist/src/main.js'), {
        OTEL_SERVICE_NAME: service,
        ...env,
      }),
    /** Runs one of a service's commands (migrate, seed, …) to its end; returns its output. */
    runToEnd: (service: string, script: string, env: Record<string, string>) => {
      const result = spawnSync(process.execPath, [join(root, 'services', service, script)], {
        cwd: join(root, 'services', service),
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });
      if (result.status !== 0)
        throw new Error(`${service} ${script} failed:\n${result.stderr}${result.stdout}`);
      return result.stdout;
    },
    /** Waits for a process to be ready; fails at once when it has exited meanwhile. */
    ready: async (name: string, operatorPort: number, what = name) => {
      const child = children.get(name)!;
      const state = await waitFor(
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) return 'exited';
          const res = await fetch(`http://127.0.0.1:${operatorPort}/health/ready`).catch(() => undefined);
          return res?.status === 200 && 'ready';
        },
        { timeoutMs: 60_000, what: `${what} ready (logs in ${logs})` },
      );
      if (state === 'exited') throw new Error(`${what} exited before it was ready:\n${logTail(name)}`);
    },
    stop,
    stopAll: async () => {
      for (const name of children.keys()) await stop(name);
    },
  };

  async function stop(name: string, signal: NodeJS.Signals = 'SIGTERM') {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    stopping.add(child);
    child.kill(signal);
    await exited;
  }
}
