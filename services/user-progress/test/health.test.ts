import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { loadConfig } from '@syllabus/config';
import { createLifecycle, createLogger } from '@syllabus/service-kit';
import { canControl, controlService, testEnv, waitFor } from '@syllabus/testing';
import { createApp } from '../src/app';
import { configSchema } from '../src/config';
import { createDependencies } from '../src/dependencies';

async function startUserProgress() {
  const config = loadConfig(configSchema, {
    MONGODB_URL: testEnv.MONGODB_URL,
    MONGODB_DATABASE: 'user_progress_health_test',
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
  });
  const logger = createLogger({ service: 'user-progress', level: 'silent' });
  const lifecycle = createLifecycle({ logger, timeoutMs: 5_000 });
  const deps = await createDependencies(config, lifecycle, logger);
  const app = createApp({ ...deps, logger, isStopping: () => lifecycle.stopping });
  return { app, deps, stop: () => lifecycle.shutdown('test') };
}

describe('user-progress health', () => {
  it('when MongoDB and the broker are up, then ready', async () => {
    const service = await startUserProgress();
    try {
      await waitFor(() => service.deps.broker.connected, { what: 'the broker' });
      const res = await request(service.app).get('/health/ready').expect(200);
      assert.equal(res.body.status, 'ok');
      assert.equal(res.body.checks.mongodb.status, 'up');
    } finally {
      await service.stop();
    }
  });

  it(
    'when the real MongoDB-compatible server stops, then 503 naming mongodb; when it is back, then ready again',
    { skip: !canControl('mongodb') && 'MongoDB is not run by scripts/backing-services.sh here' },
    async () => {
      const service = await startUserProgress();
      try {
        await controlService('stop', 'mongodb');
        const res = await request(service.app).get('/health/ready').expect(503);
        assert.equal(res.body.detail, 'mongodb unavailable');
        await controlService('start', 'mongodb');
        await waitFor(async () => (await request(service.app).get('/health/ready')).status === 200, {
          what: 'readiness after MongoDB returned',
          timeoutMs: 20_000,
        });
      } finally {
        await controlService('start', 'mongodb');
        await service.stop();
      }
    },
  );
});
