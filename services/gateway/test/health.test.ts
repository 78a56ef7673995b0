import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { loadConfig } from '@syllabus/config';
import { createLifecycle, createLogger } from '@syllabus/service-kit';
import { freePort, testEnv, waitFor } from '@syllabus/testing';
import { createApp } from '../src/app';
import { configSchema } from '../src/config';
import { createDependencies } from '../src/dependencies';

async function startGateway(overrides: Record<string, string> = {}) {
  const config = loadConfig(configSchema, { REDIS_URL: testEnv.REDIS_URL, ...overrides });
  const logger = createLogger({ service: 'gateway', level: 'silent' });
  const lifecycle = createLifecycle({ logger, timeoutMs: 5_000 });
  const deps = await createDependencies(config, lifecycle, logger);
  const app = createApp({ ...deps, logger, isStopping: () => lifecycle.stopping });
  return { app, stop: () => lifecycle.shutdown('test') };
}

describe('gateway health', () => {
  it('when Redis is up, then ready', async () => {
    const gateway = await startGateway();
    try {
      await request(gateway.app).get('/health/live').expect(200);
      // Readiness follows the connection: it turns 200 once the client has connected.
      const res = await waitFor(
        async () => {
          const response = await request(gateway.app).get('/health/ready');
          return response.status === 200 ? response : undefined;
        },
        { what: 'readiness' },
      );
      assert.equal(res.body.checks.redis.status, 'up');
    } finally {
      await gateway.stop();
    }
  });

  it('when Redis is down, then 503 problem+json naming redis', async () => {
    const gateway = await startGateway({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      const res = await request(gateway.app).get('/health/ready').expect(503);
      assert.equal(res.body.detail, 'redis unavailable');
    } finally {
      await gateway.stop();
    }
  });

  it('when the configuration is invalid, then the process refuses to start and names every bad key', () => {
    const result = spawnSync(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
      env: { PATH: process.env.PATH, PORT: 'eighty', REDIS_URL: 'http://not-redis', CATALOG_URL: 'nope' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /PORT:/);
    assert.match(result.stderr, /REDIS_URL: must use redis or rediss/);
    assert.match(result.stderr, /CATALOG_URL:/);
  });
});
