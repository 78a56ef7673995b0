// `npm run bench -w @syllabus/gateway`: one cached course detail, served four ways in one run —
// a bare node:http server returning the same JSON (the floor), the catalog directly, the
// catalog through a bare undici-pool proxy and a bare http-proxy proxy (the transport choice),
// and through the gateway with all its middleware (rate limit in Redis, auth-ready, logging).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { createProxyServer } from 'http-proxy';
import { createTestDatabase, freePort, testEnv, waitFor } from '@syllabus/testing';
import { measure, printComparison } from '@syllabus/testing/bench';
import { generateSigningKey } from '../src/domain/keys';
import { startGateway } from '../test/support';

const PATH = '/v1/courses/transactions-and-isolation';
const catalogDir = dirname(require.resolve('@syllabus/catalog/package.json'));

async function runCatalog(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [join(catalogDir, script)], {
    env: { PATH: process.env.PATH, OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  });
  return child;
}

async function main() {
  const database = await createTestDatabase('gateway_bench');
  const port = await freePort();
  const operatorPort = await freePort();
  const env = {
    OPERATOR_PORT: String(operatorPort),
    POSTGRES_URL: database.url,
    CACHE_REDIS_URL: testEnv.CACHE_REDIS_URL,
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
    PORT: String(port),
    CACHE_NAMESPACE: `bench:gateway:${process.pid}:`,
    MESSAGING_PREFIX: `bench.gateway.${process.pid}.`,
  };
  for (const script of ['dist/src/migrate.js', 'dist/src/seed/main.js']) {
    const child = await runCatalog(script, env);
    await new Promise((resolve) => child.once('exit', resolve));
  }
  const catalog = await runCatalog('dist/src/main.js', env);
  process.once('exit', () => catalog.kill('SIGKILL')); // never outlive the benchmark
  const catalogUrl = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`http://127.0.0.1:${operatorPort}/health/ready`)).status === 200, {
    timeoutMs: 20_000,
  });
  const body = await (await fetch(catalogUrl + PATH)).text();

  const bare = createServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body),
  );
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  // The two proxy clients on their own, without the gateway's middleware: the transport choice.
  const pool = new Pool(catalogUrl, { connections: 64, keepAliveTimeout: 30_000 });
  const viaUndici = createServer((req, res) => {
    pool
      .request({ method: 'GET', path: req.url ?? '/', headers: { accept: 'application/json' } })
      .then(async (upstream) => {
        res.writeHead(upstream.statusCode, { 'content-type': String(upstream.headers['content-type']) });
        await pipeline(upstream.body, res);
      })
      .catch(() => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  });
  await new Promise<void>((resolve) => viaUndici.listen(0, '127.0.0.1', resolve));
  const proxy = createProxyServer({
    target: catalogUrl,
    agent: new (await import('node:http')).Agent({ keepAlive: true }),
  });
  const viaHttpProxy = createServer((req, res) => proxy.web(req, res));
  await new Promise<void>((resolve) => viaHttpProxy.listen(0, '127.0.0.1', resolve));
  const gateway = await startGateway({
    REDIS_URL: testEnv.REDIS_URL,
    REDIS_KEY_PREFIX: `bench:gateway:${process.pid}:`,
    CATALOG_URL: catalogUrl,
    INTERNAL_TOKEN: 'bench-internal-token-0123456789abcdef',
    JWT_SIGNING_KEYS: JSON.stringify([await generateSigningKey()]),
    RATE_LIMIT_MAX: '100000000',
  });
  const urlOf = (server: { address(): unknown }) =>
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const targets: [string, string][] = [
      ['bare node:http', urlOf(bare) + PATH],
      ['catalog direct', catalogUrl + PATH],
      ['proxy: undici Pool', urlOf(viaUndici) + PATH],
      ['proxy: http-proxy', urlOf(viaHttpProxy) + PATH],
      ['gateway (full middleware)', gateway.url + PATH],
    ];
    for (const [, url] of targets) await fetch(url); // warm up
    const results = [];
    for (const [name, url] of targets) results.push(await measure(name, url));
    printComparison(
      `GET ${PATH} (cached in the catalog) — 10 connections, 5 s each`,
      results,
      'catalog direct',
    );
  } finally {
    await gateway.stop();
    bare.close();
    viaUndici.close();
    await pool.close();
    viaHttpProxy.close();
    proxy.close();
    catalog.kill('SIGTERM');
    await new Promise((resolve) => catalog.once('exit', resolve));
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
