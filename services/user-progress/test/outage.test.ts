import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { canControl, controlService, waitFor } from '@syllabus/testing';
import { everythingSentHasArrived, listenForProgressEvents, startUserProgress } from './support';

let service: Awaited<ReturnType<typeof startUserProgress>>;

describe('outages', () => {
  before(async () => (service = await startUserProgress()));
  after(async () => {
    await controlService('start', 'rabbitmq').catch(() => undefined);
    await controlService('start', 'mongodb').catch(() => undefined);
    await service.stop();
  });

  it(
    'when the broker is stopped during completions, then they succeed, and every event is delivered once it returns',
    { skip: !canControl('rabbitmq') && 'RabbitMQ is not run by scripts/backing-services.sh here' },
    async () => {
      const listener = await listenForProgressEvents(service.deps.broker.exchange);
      try {
        const course = await service.givenCourse(4);
        const learner = await service.givenLearner();
        await service.enrol(learner, course.courseId).expect(201);
        await waitFor(() => listener.events.length === 1, { what: 'the enrolled event' });

        await controlService('stop', 'rabbitmq');
        for (const lessonId of course.lessonIds) {
          const res = await service.complete(learner, course.courseId, lessonId).expect(200);
          assert.equal(res.body.changed, true);
        }
        const ready = await request(service.app.operator).get('/health/ready').expect(200);
        assert.equal(ready.body.checks.rabbitmq.status, 'down');
        await controlService('start', 'rabbitmq');

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
    },
  );

  it(
    'when the MongoDB-compatible server stops, then 503 naming mongodb; when it is back, then ready again',
    { skip: !canControl('mongodb') && 'MongoDB is not run by scripts/backing-services.sh here' },
    async () => {
      await controlService('stop', 'mongodb');
      const res = await request(service.app.operator).get('/health/ready').expect(503);
      assert.equal(res.body.detail, 'mongodb unavailable');
      await controlService('start', 'mongodb');
      await waitFor(async () => (await request(service.app.operator).get('/health/ready')).status === 200, {
        what: 'readiness after MongoDB returned',
        timeoutMs: 20_000,
      });
    },
  );
});
