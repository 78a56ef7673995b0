import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { loadConfig } from '@syllabus/config';
import { createLifecycle, createLogger } from '@syllabus/service-kit';
import { freePort, testEnv, waitFor } from '@syllabus/testing';
import { createApp } from '../src/app';
import { configSchema } from '../src/config';
import { createDependencies } from '../src/dependencies';

async function startNotification(overrides: Record<string, string> = {}) {
  const config = loadConfig(configSchema, {
    POSTGRES_URL: testEnv.POSTGRES_URL,
    REDIS_URL: testEnv.REDIS_URL,
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
    ...overrides,
  });
  const logger = createLogger({ service: 'notification', level: 'silent' });
  const lifecycle = createLifecycle({ logger, timeoutMs: 5_000 });
  const deps = await createDependencies(config, lifecycle, logger);
  const app = createApp({ ...deps, logger, isStopping: () => lifecycle.stopping });
  return { app, deps, stop: () => lifecycle.shutdown('test') };
}

describe('notification health', () => {
  it('when its dependencies are up, then live and ready, and metrics are served', async () => {
    const notification = await startNotification();
    try {
      await request(notification.app).get('/health/live').expect(200);
      await waitFor(() => notification.deps.broker.connected, { what: 'the broker' });
      const ready = await request(notification.app).get('/health/ready').expect(200);
      assert.equal(ready.body.status, 'ok');
      assert.deepEqual(Object.keys(ready.body.checks).sort(), ['postgres', 'rabbitmq', 'redis']);
      const metrics = await request(notification.app).get('/metrics').expect(200);
      assert.match(metrics.text, /service="notification"/);
    } finally {
      await notification.stop();
    }
  });

  it('when PostgreSQL is down, then not ready: 503 problem+json naming postgres', async () => {
    const notification = await startNotification({
      POSTGRES_URL: `postgres://x:y@127.0.0.1:${await freePort()}/none`,
    });
    try {
      const res = await request(notification.app).get('/health/ready').expect(503);
      assert.match(res.headers['content-type']!, /application\/problem\+json/);
      assert.equal(res.body.detail, 'postgres unavailable');
    } finally {
      await notification.stop();
    }
  });

  it('when Redis is down, then still ready but degraded: only live fan-out is affected', async () => {
    const notification = await startNotification({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      await waitFor(() => notification.deps.broker.connected, { what: 'the broker' });
      const res = await request(notification.app).get('/health/ready').expect(200);
      assert.equal(res.body.status, 'degraded');
      assert.equal(res.body.checks.redis.status, 'down');
    } finally {
      await notification.stop();
    }
  });
});
