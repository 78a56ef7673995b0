import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { loadConfig } from '@syllabus/config';
import { createLifecycle, createLogger } from '@syllabus/service-kit';
import { freePort, testEnv, waitFor } from '@syllabus/testing';
import { createApp } from '../src/app';
import { configSchema } from '../src/config';
import { createDependencies } from '../src/dependencies';

async function startCatalog(overrides: Record<string, string> = {}) {
  const config = loadConfig(configSchema, {
    POSTGRES_URL: testEnv.POSTGRES_URL,
    REDIS_URL: testEnv.REDIS_URL,
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
    ...overrides,
  });
  const logger = createLogger({ service: 'catalog', level: 'silent' });
  const lifecycle = createLifecycle({ logger, timeoutMs: 5_000 });
  const deps = await createDependencies(config, lifecycle, logger);
  const app = createApp({ ...deps, logger, isStopping: () => lifecycle.stopping });
  return { app, deps, stop: () => lifecycle.shutdown('test') };
}

describe('catalog health', () => {
  it('when its dependencies are up, then live and ready, and metrics are served', async () => {
    const catalog = await startCatalog();
    try {
      await request(catalog.app).get('/health/live').expect(200);
      await waitFor(() => catalog.deps.broker.connected, { what: 'the broker' });
      const ready = await request(catalog.app).get('/health/ready').expect(200);
      assert.equal(ready.body.status, 'ok');
      assert.deepEqual(Object.keys(ready.body.checks).sort(), ['postgres', 'rabbitmq', 'redis']);
      const metrics = await request(catalog.app).get('/metrics').expect(200);
      assert.match(metrics.text, /service="catalog"/);
    } finally {
      await catalog.stop();
    }
  });

  it('when PostgreSQL is down, then not ready: 503 problem+json naming postgres', async () => {
    const catalog = await startCatalog({ POSTGRES_URL: `postgres://x:y@127.0.0.1:${await freePort()}/none` });
    try {
      const res = await request(catalog.app).get('/health/ready').expect(503);
      assert.match(res.headers['content-type']!, /application\/problem\+json/);
      assert.equal(res.body.detail, 'postgres unavailable');
    } finally {
      await catalog.stop();
    }
  });

  it('when Redis is down, then still ready but degraded: reads fall back to PostgreSQL', async () => {
    const catalog = await startCatalog({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      await waitFor(() => catalog.deps.broker.connected, { what: 'the broker' });
      const res = await request(catalog.app).get('/health/ready').expect(200);
      assert.equal(res.body.status, 'degraded');
      assert.equal(res.body.checks.redis.status, 'down');
    } finally {
      await catalog.stop();
    }
  });
});
