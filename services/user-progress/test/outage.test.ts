import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testEnv, waitFor } from '@syllabus/testing';
import { outageProxyFor, type Outage } from '@syllabus/testing/outage';
import { everythingSentHasArrived, listenForProgressEvents, startUserProgress } from './support';

let service: Awaited<ReturnType<typeof startUserProgress>>;
// This service reaches the broker and the store through proxies a test takes down; everything
// else (the listener, other tests, the machine) keeps the real servers.
let broker: Outage;
let store: Outage;

describe('outages', () => {
  before(async () => {
    broker = await outageProxyFor(testEnv.RABBITMQ_URL);
    store = await outageProxyFor(testEnv.MONGODB_URL);
    service = await startUserProgress({ env: { RABBITMQ_URL: broker.url, MONGODB_URL: store.url } });
  });
  after(async () => {
    await broker.end();
    await store.end();
    await service.stop();
    await broker.close();
    await store.close();
  });

  it('when the broker is away during completions, then they succeed, and every event is delivered once it returns', async () => {
    const listener = await listenForProgressEvents(service.deps.broker.exchange);
    try {
      const course = await service.givenCourse(4);
      const learner = await service.givenLearner();
      await service.enrol(learner, course.courseId).expect(201);
      await waitFor(() => listener.events.length === 1, { what: 'the enrolled event' });

      await broker.begin();
      await waitFor(() => !service.deps.broker.connected, { what: 'the service to see the broker gone' });
      for (const lessonId of course.lessonIds) {
        const res = await service.complete(learner, course.courseId, lessonId).expect(200);
        assert.equal(res.body.changed, true);
      }
      const ready = await request(service.app.operator).get('/health/ready').expect(200);
      assert.equal(ready.body.checks.rabbitmq.status, 'down');
      await broker.end();

      await waitFor(() => listener.events.length >= 6, {
        what: '4 lesson events and a course event',
        timeoutMs: 30_000,
      });
      await everythingSentHasArrived(service, listener);
      const types = listener.events.map((e) => e.type);
      assert.equal(types.filter((t) => t === 'progress.lesson-completed.v1').length, 4);
      assert.equal(types.filter((t) => t === 'progress.course-completed.v1').length, 1);
      assert.equal(listener.deliveries.length, listener.events.length, 'nothing sent twice');
    } finally {
      await listener.close();
    }
  });

  it('when the MongoDB-compatible server is away, then 503 naming mongodb; when it is back, then ready again', async () => {
    await store.begin();
    const res = await request(service.app.operator).get('/health/ready').expect(503);
    assert.equal(res.body.detail, 'mongodb unavailable');
    await store.end();
    await waitFor(async () => (await request(service.app.operator).get('/health/ready')).status === 200, {
      what: 'readiness after MongoDB returned',
      timeoutMs: 20_000,
    });
  });
});
