// `npm run bench -w @syllabus/catalog`: course detail served from the Redis cache versus read
// from PostgreSQL on every request, measured in the same run against the same database.
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@syllabus/config';
import { createLifecycle, createLogger } from '@syllabus/service-kit';
import { createTestDatabase, testEnv } from '@syllabus/testing';
import { measure, printComparison } from '@syllabus/testing/bench';
import { createApp } from '../src/app';
import { configSchema } from '../src/config';
import { migrateUp } from '../src/data-access/migrations';
import { createDependencies } from '../src/dependencies';
import { seedCurriculum } from '../src/seed/seed';

const PATH = '/v1/courses/transactions-and-isolation';

async function startCatalog(databaseUrl: string, cacheEnabled: boolean) {
  const config = loadConfig(configSchema, {
    POSTGRES_URL: databaseUrl,
    CACHE_REDIS_URL: testEnv.CACHE_REDIS_URL,
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
    CACHE_ENABLED: String(cacheEnabled),
    CACHE_NAMESPACE: `bench:catalog:${process.pid}:`,
  });
  const logger = createLogger({ service: 'catalog', level: 'silent' });
  const lifecycle = createLifecycle({ logger, timeoutMs: 5_000 });
  const deps = await createDependencies(config, lifecycle, logger);
  const app = createApp({ ...deps, logger, isStopping: () => lifecycle.stopping });
  const { server } = await lifecycle.listen(app, { host: '127.0.0.1', port: 0 });
  return { deps, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lifecycle };
}

async function main() {
  const database = await createTestDatabase('catalog_bench');
  await migrateUp(database.url);
  const cached = await startCatalog(database.url, true);
  const uncached = await startCatalog(database.url, false);
  try {
    await seedCurriculum(cached.deps.db);
    for (const target of [cached, uncached]) await fetch(target.url + PATH); // warm up: pools, JIT, cache
    const results = [];
    results.push(await measure('uncached (PostgreSQL)', uncached.url + PATH));
    results.push(await measure('cached (Redis)', cached.url + PATH));
    printComparison(`catalog GET ${PATH} — 10 connections, 5 s each`, results, 'uncached (PostgreSQL)');
  } finally {
    await cached.lifecycle.shutdown('bench');
    await uncached.lifecycle.shutdown('bench');
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
