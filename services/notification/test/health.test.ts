import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { freePort, waitFor } from '@syllabus/testing';
import { startNotification } from './support';

describe('notification health', () => {
  it('when its dependencies are up, then ready; metrics show the queue and deliveries', async () => {
    const service = await startNotification();
    try {
      const ready = await waitFor(async () => {
        const res = await request(service.app.operator).get('/health/ready');
        return res.status === 200 && res.body.status === 'ok' && res;
      });
      assert.deepEqual(Object.keys(ready.body.checks).sort(), ['postgres', 'rabbitmq', 'redis']);
      const metrics = await request(service.app.operator).get('/metrics').expect(200);
      assert.match(
        metrics.text,
        new RegExp(`notification_queue_messages\\{[^}]*queue="notification.events.dead-letter"`),
      );
    } finally {
      await service.stop();
    }
  });

  it('when PostgreSQL is down, then 503 problem+json naming postgres', async () => {
    const service = await startNotification({
      workers: false,
      overrides: { POSTGRES_URL: `postgres://x:y@127.0.0.1:${await freePort()}/none` },
    });
    try {
      const res = await request(service.app.operator).get('/health/ready').expect(503);
      assert.equal(res.body.detail, 'postgres unavailable');
    } finally {
      await service.stop();
    }
  });
});
