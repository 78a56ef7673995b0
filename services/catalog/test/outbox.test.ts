import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testEnv, waitFor } from '@syllabus/testing';
import { outageProxyFor, type Outage } from '@syllabus/testing/outage';
import type { DomainEvent } from '@syllabus/contracts';
import { createBroker } from '@syllabus/messaging';
import { createLogger } from '@syllabus/service-kit';
import { everythingRecordedHasArrived, metricValue, startCatalog } from './support';
import { withBearer } from '@syllabus/testing/http';

type Catalog = Awaited<ReturnType<typeof startCatalog>>;

describe('catalog outbox', () => {
  let catalog: Catalog;
  // The catalog reaches the broker through a proxy this test takes down; the consumer below,
  // other tests and the machine keep the real broker.
  let broker: Outage;
  before(async () => {
    broker = await outageProxyFor(testEnv.RABBITMQ_URL);
    catalog = await startCatalog({ seed: true, env: { RABBITMQ_URL: broker.url } });
  });
  after(async () => {
    await broker.end();
    await catalog.stop();
    await broker.close();
  });

  it('when the broker is away, then writes still succeed; when it returns, then the event is delivered exactly once', async () => {
    // Another service's consumer (user-progress's queue of the topology), on the real broker.
    const received: DomainEvent[] = [];
    const consumer = await createBroker({
      url: testEnv.RABBITMQ_URL,
      prefix: catalog.config.MESSAGING_PREFIX,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    await waitFor(() => consumer.connected, { what: 'the consumer' });
    await consumer.consume({
      queue: 'user-progress.catalog-events',
      handler: async (event) => {
        received.push(event);
      },
    });
    // That queue has existed since the catalog first connected (it declares the whole topology), so
    // it also holds the seed's announcements of this course: the update is what matters here.
    const listener = { events: received, close: () => consumer.close() };
    try {
      const course = await request(catalog.app).get('/v1/courses/load-testing').expect(200);

      await broker.begin();
      await waitFor(() => !catalog.deps.broker.connected, { what: 'the catalog to see the broker gone' });
      const patched = await withBearer(catalog.app, catalog.auth.admin)
        .patch(`/v1/courses/${course.body.id}`)
        .set('If-Match', course.headers.etag!)
        .send({ summary: 'Written while the broker was away.' })
        .expect(200);
      const pending = await request(catalog.app.operator).get('/metrics');
      assert.equal(metricValue(pending.text, 'outbox_pending_events', {}), 1);
      const ready = await request(catalog.app.operator).get('/health/ready').expect(200);
      assert.equal(ready.body.checks.rabbitmq.status, 'down');

      await broker.end();
      const delivered = await waitFor(
        () => {
          const mine = listener.events.filter(
            (e) =>
              (e.data as { courseId: string }).courseId === course.body.id &&
              e.type === 'catalog.course-updated.v1',
          );
          return mine.length > 0 && mine;
        },
        { what: 'the event after the broker returned', timeoutMs: 30_000 },
      );
      await everythingRecordedHasArrived(catalog, (event) => consumer.publish(event), received);
      const all = listener.events.filter(
        (e) =>
          (e.data as { courseId: string }).courseId === course.body.id &&
          e.type === 'catalog.course-updated.v1',
      );
      assert.equal(all.length, 1, 'delivered exactly once');
      assert.equal(delivered[0]!.type, 'catalog.course-updated.v1');
      assert.equal((delivered[0]!.data as { version: number }).version, patched.body.version);
      const after = await request(catalog.app.operator).get('/metrics');
      assert.equal(metricValue(after.text, 'outbox_pending_events', {}), 0);
    } finally {
      await listener.close().catch(() => undefined);
    }
  });
});
