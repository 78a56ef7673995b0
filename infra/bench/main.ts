// `npm run bench [-- --seconds 5 --rounds 2 | --smoke]`: the read path as deployed. One cached
// course detail, served by baselines and by the real services — each its own process, the
// services with the telemetry preloaded — and loaded by wrk, a process of its own. Ratios are
// taken between figures of this one run. Any non-2xx answer makes the run invalid.
//
//   bare node:http · Express 5, one route · the same with one ioredis getBuffer per request
//   catalog directly (cache off, cache on) · through the gateway (all its per-request work),
//   tracing off and on
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createTestDatabase, freePort, testEnv, waitFor } from '@syllabus/testing';
import { startOtlpReceiver } from '@syllabus/testing/otlp';
import { cpuByPart } from '../support/cpu';
import { machine, percentile } from '../support/figures';
import { createServiceRunner, harnessOptions, limitsForOneSource, newRun, root } from '../support/services';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    ...harnessOptions,
  },
});
const seconds = args.smoke ? 1 : Number(args.seconds);
const rounds = args.smoke ? 1 : Number(args.rounds);
const connections = Number(args.connections);
const PATH = '/v1/courses/transactions-and-isolation';
// Limits a real deployment keeps low, raised for one source address; printed with the results.
const raisedLimits = limitsForOneSource;
// The services log as deployed (an access log line per request, to a file here).
const asDeployed = { LOG_LEVEL: 'info' };

const { run, logs } = newRun('bench', 'logs');
const failures: string[] = [];
const services = createServiceRunner({
  logs,
  profile: args.profile,
  onUnexpectedExit: (why) => failures.push(why),
});

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  cpuMicrosPerRequest?: Record<string, number>;
}

/**
 * One wrk run (one thread, `connections` connections, `seconds`), parsed. Asynchronous: this
 * process's OTLP sink keeps receiving meanwhile.
 */
async function wrk(url: string, conns = connections, duration = seconds): Promise<Figures> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`refusing to load ${url}`);
  const { stdout: out } = await promisify(execFile)('wrk', [
    '-t1',
    `-c${conns}`,
    `-d${duration}s`,
    '--timeout',
    '5s',
    '--latency',
    url,
  ]);
  const ms = (label: string) => {
    const match = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!match) throw new Error(`no ${label}% latency in wrk's output:\n${out}`);
    return Number(match[1]) * ({ us: 0.001, ms: 1, s: 1000 } as const)[match[2] as 'us' | 'ms' | 's'];
  };
  const count = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50Ms: ms('50'),
    p99Ms: ms('99'),
    requests: count(/(\d+) requests in/),
    non2xx: count(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/** Sums a counter's samples in a Prometheus text exposition. */
async function metricSum(operatorPort: number, name: string) {
  const res = await fetch(`http://127.0.0.1:${operatorPort}/metrics`).catch((error: unknown) => {
    throw new Error(`no metrics on ${operatorPort}: ${String((error as Error).cause ?? error)}`);
  });
  const text = await res.text();
  const samples = text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
  if (samples.length === 0) throw new Error(`no ${name} on ${operatorPort}/metrics`);
  return samples.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function main() {
  if (spawnSync('wrk', ['--version']).error)
    throw new Error(
      'wrk is not installed: run `bash scripts/backing-services.sh tools` (npm run bench does)',
    );
  const otlp = await startOtlpReceiver({ decode: false });
  const database = await createTestDatabase('bench_catalog');
  const redis = new Redis(testEnv.CACHE_REDIS_URL);
  const ports = Object.fromEntries(
    await Promise.all(
      [
        'bare',
        'express',
        'expressRedis',
        'catalog',
        'catalogOps',
        'catalogTraced',
        'catalogTracedOps',
        'catalogUncached',
        'catalogUncachedOps',
        'gateway',
        'gatewayOps',
        'gatewayTraced',
        'gatewayTracedOps',
        'closed',
      ].map(async (name) => [name, await freePort()] as const),
    ),
  ) as Record<string, number>;
  const url = (port: number) => `http://127.0.0.1:${port}${PATH}`;
  const bodyKey = `bench:${run}:body`;
  try {
    services.runToEnd('catalog', 'dist/src/migrate.js', { POSTGRES_URL: database.url });
    services.runToEnd('catalog', 'dist/src/seed/main.js', { POSTGRES_URL: database.url });
    const signingKeys = services.runToEnd('gateway', 'dist/src/generate-keys.js', {}).trim();
    const internalToken = `bench-${randomUUID()}-${randomUUID()}`;
    const gatewayUrl = `http://127.0.0.1:${ports.gatewayTraced}`;
    const tracingOff = { OTEL_SDK_DISABLED: 'true' };
    const startCatalog = (name: string, env: Record<string, string>) =>
      services.start(name, 'catalog', {
        ...asDeployed,
        ...env,
        PORT: String(ports[name]),
        OPERATOR_PORT: String(ports[`${name}Ops`]),
        POSTGRES_URL: database.url,
        CACHE_REDIS_URL: testEnv.CACHE_REDIS_URL,
        CACHE_NAMESPACE: `bench:${run}:catalog:`,
        RABBITMQ_URL: testEnv.RABBITMQ_URL,
        MESSAGING_PREFIX: `bench.${run}.`,
        JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
        JWT_ISSUER: gatewayUrl,
      });
    for (const traced of [false, true]) {
      const [catalog, gateway] = traced ? ['catalogTraced', 'gatewayTraced'] : ['catalog', 'gateway'];
      const tracing: Record<string, string> = traced ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url } : tracingOff;
      startCatalog(catalog, tracing);
      services.start(gateway, 'gateway', {
        ...tracing,
        ...asDeployed,
        ...raisedLimits,
        PORT: String(ports[gateway]),
        OPERATOR_PORT: String(ports[`${gateway}Ops`]),
        REDIS_URL: testEnv.REDIS_URL,
        REDIS_KEY_PREFIX: `bench:${run}:gateway:`,
        CATALOG_URL: `http://127.0.0.1:${ports[catalog]}`,
        USER_PROGRESS_URL: `http://127.0.0.1:${ports.closed}`,
        NOTIFICATION_URL: `http://127.0.0.1:${ports.closed}`,
        INTERNAL_TOKEN: internalToken,
        JWT_SIGNING_KEYS: signingKeys,
        JWT_ISSUER: gatewayUrl,
      });
    }
    // And the catalog reading PostgreSQL on every request: what its cache is worth.
    startCatalog('catalogUncached', { ...tracingOff, CACHE_ENABLED: 'false' });
    for (const name of ['catalog', 'catalogTraced', 'catalogUncached', 'gateway', 'gatewayTraced'])
      await services.ready(name, ports[`${name}Ops`]!);

    // The baselines serve the catalog's own answer, stored in Redis as the catalog caches it.
    const body = Buffer.from(await (await fetch(url(ports.catalog!))).arrayBuffer());
    await redis.set(bodyKey, body);
    const baselineEnv = { BENCH_PATH: PATH, BENCH_KEY: bodyKey, CACHE_REDIS_URL: testEnv.CACHE_REDIS_URL };
    for (const [name, kind] of [
      ['bare', 'bare'],
      ['express', 'express'],
      ['expressRedis', 'express-redis'],
    ] as const) {
      services.startScript(
        name,
        'infra/dist/bench/baseline.js',
        { ...baselineEnv, PORT: String(ports[name]) },
        { bare: true, args: [kind] },
      );
    }
    await waitFor(
      async () =>
        (
          await Promise.all(
            ['bare', 'express', 'expressRedis'].map(
              async (name) => (await fetch(url(ports[name]!)).catch(() => undefined))?.status === 200,
            ),
          )
        ).every(Boolean),
      { what: 'the baselines' },
    );
    // Each pair a ratio compares runs side by side within a round, so that a drift of the
    // machine's speed between rounds (large on shared virtual machines) does not enter the ratio.
    const cases = [
      ['bare', 'bare node:http'],
      ['express', 'Express 5, one route'],
      ['catalogUncached', 'catalog, cache off (PostgreSQL per request)'],
      ['expressRedis', 'Express 5 + one ioredis getBuffer'],
      ['catalog', 'catalog'],
      ['gateway', 'gateway → catalog'],
      ['gatewayTraced', 'gateway → catalog, traced'],
      ['catalogTraced', 'catalog, traced'],
    ] as const;
    process.stdout.write(
      `bench ${run}: services on Node ${services.nodeVersion}; wrk -t1 -c${connections} -d${seconds}s, ${rounds} round(s) (req/s: the best; ratios: the median of each round's), GET ${PATH} (${body.length} bytes)\n` +
        `limits raised for one source address: ${JSON.stringify(raisedLimits)}\n`,
    );
    for (const [name] of cases) await wrk(url(ports[name]!), connections, 1); // warm-up, not counted
    const best: Record<string, Figures> = {};
    const perRound: Record<string, number>[] = [];
    const own = () => new Map([...services.children].map(([name, child]) => [name, child.pid]));
    for (let round = 0; round < rounds; round += 1) {
      perRound.push({});
      for (const [name] of cases) {
        const before = cpuByPart(own());
        const figures = await wrk(url(ports[name]!));
        const after = cpuByPart(own());
        // CPU per request of each process that served it (a steadier figure than req/s here).
        figures.cpuMicrosPerRequest = Object.fromEntries(
          Object.entries(after)
            .map(
              ([part, ms]) =>
                [part, Math.round(((ms - (before[part] ?? 0)) * 1000) / figures.requests)] as const,
            )
            .filter(([, micros]) => micros >= 5),
        );
        perRound[round]![name] = figures.requestsPerSecond;
        if (!best[name] || figures.requestsPerSecond > best[name].requestsPerSecond) best[name] = figures;
        if (figures.non2xx > 0 || figures.socketErrors > 0)
          failures.push(
            `${name}: ${figures.non2xx} non-2xx, ${figures.socketErrors} socket errors — INVALID`,
          );
      }
    }
    // One connection: what the gateway adds to one request's latency.
    const single: Record<string, Figures> = {};
    for (const name of ['catalog', 'gateway', 'catalogTraced', 'gatewayTraced']) {
      const figures = await wrk(url(ports[name]!), 1);
      if (figures.non2xx > 0 || figures.socketErrors > 0) failures.push(`${name} at one connection: INVALID`);
      single[name] = figures;
    }
    const dropped = {
      catalog: await metricSum(ports.catalogTracedOps!, 'otel_spans_dropped_total'),
      gateway: await metricSum(ports.gatewayTracedOps!, 'otel_spans_dropped_total'),
    };
    const tracedRequests = Object.entries(best)
      .filter(([name]) => name.endsWith('Traced'))
      .reduce((sum, [, f]) => sum + f.requests, 0);

    const rps = (name: string) => best[name]!.requestsPerSecond;
    /** The median (nearest rank) over the rounds of a's throughput over b's, each pair from one round. */
    const ratio = (a: string, b: string) => {
      const each = perRound.map((figures) => figures[a]! / figures[b]!).sort((x, y) => x - y);
      return Math.round(percentile(each, 50) * 100) / 100;
    };
    const ratios = {
      'catalog ÷ Express + Redis read': ratio('catalog', 'expressRedis'),
      'catalog, traced ÷ Express + Redis read': ratio('catalogTraced', 'expressRedis'),
      'gateway ÷ catalog': ratio('gateway', 'catalog'),
      'gateway ÷ catalog, both traced': ratio('gatewayTraced', 'catalogTraced'),
      'tracing cost, catalog': Math.round((1 - ratio('catalogTraced', 'catalog')) * 100) / 100,
      'tracing cost, through the gateway': Math.round((1 - ratio('gatewayTraced', 'gateway')) * 100) / 100,
    };
    const addedMs = {
      untraced: round2(single.gateway!.p50Ms - single.catalog!.p50Ms),
      traced: round2(single.gatewayTraced!.p50Ms - single.catalogTraced!.p50Ms),
    };
    const cpuOf = (name: string) =>
      Object.entries(best[name]!.cpuMicrosPerRequest ?? {})
        .map(([part, micros]) => `${part} ${micros}`)
        .join(', ');
    const lines = [
      `| case | req/s | p50 ms | p99 ms | × Express + Redis read | CPU µs per request |`,
      `|---|---:|---:|---:|---:|---|`,
      ...cases.map(
        ([name, label]) =>
          `| ${label} | ${Math.round(rps(name))} | ${best[name]!.p50Ms} | ${best[name]!.p99Ms} | ${ratio(name, 'expressRedis')} | ${cpuOf(name)} |`,
      ),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
    for (const [what, value] of Object.entries(ratios)) process.stdout.write(`${what.padEnd(40)} ${value}\n`);
    process.stdout.write(
      `gateway adds at one connection (p50)      ${addedMs.untraced} ms untraced, ${addedMs.traced} ms traced\n` +
        `spans dropped                             ${JSON.stringify(dropped)}\n` +
        `OTLP exported                             ${Math.round(otlp.bytes() / Math.max(1, tracedRequests))} bytes per traced request (${otlp.requests()} exports)\n`,
    );
    if (dropped.catalog + dropped.gateway > 0) failures.push(`spans dropped: ${JSON.stringify(dropped)}`);
    const report = {
      run,
      when: new Date().toISOString(),
      machine: machine(services.nodeVersion),
      load: { tool: 'wrk', threads: 1, connections, seconds, rounds, path: PATH, bodyBytes: body.length },
      raisedLimits,
      results: best,
      requestsPerSecondByRound: perRound,
      singleConnection: single,
      ratios,
      gatewayAddsP50Ms: addedMs,
      spansDropped: dropped,
      otlpBytesPerTracedRequest: Math.round(otlp.bytes() / Math.max(1, tracedRequests)),
      table: lines.join('\n'),
      failures,
    };
    const out = join(
      root,
      '.syllabus',
      'bench',
      `${new Date().toISOString().replace(/[:.]/g, '-')}${args.smoke ? '-smoke' : ''}.json`,
    );
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`figures: ${out}\n`);
  } finally {
    await services.stopAll();
    await redis.del(bodyKey).catch(() => undefined);
    redis.disconnect();
    await otlp.close();
    await database.drop();
  }
  if (failures.length > 0) {
    process.stdout.write(`\n${failures.length} problem(s):\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
