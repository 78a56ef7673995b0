import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LRUCache } from 'lru-cache';
import request from 'supertest';
import { Registry, createLogger } from '@syllabus/service-kit';
import { waitFor } from '@syllabus/testing';
import { createLearnerStore } from '../src/data-access/learner-store';
import { everythingSentHasArrived, startWithListener } from './support';
import { withBearer } from '@syllabus/testing/http';

let service: Awaited<ReturnType<typeof startWithListener>>['service'];
let listener: Awaited<ReturnType<typeof startWithListener>>['listener'];

const eventsOf = (userId: string, type?: string) =>
  listener.events.filter(
    (e) => (e.data as { userId: string }).userId === userId && (!type || e.type === type),
  );

describe('enrolments and lesson completion', () => {
  let stop: () => Promise<void>;
  before(async () => ({ service, listener, stop } = await startWithListener()));
  after(() => stop());

  it('when a learner enrols in a published course, then 201, it is listed at 0 %, and enrolled is announced', async () => {
    const course = await service.givenCourse(4);
    const learner = await service.givenLearner();
    const res = await service.enrol(learner, course.courseId).expect(201);
    assert.equal(res.body.status, 'in-progress');
    assert.equal(res.body.percentComplete, 0);
    const list = await withBearer(service.app, learner.bearer).get('/v1/me/enrollments').expect(200);
    assert.deepEqual(
      list.body.items.map((e: { courseId: string; courseTitle: string }) => [e.courseId, e.courseTitle]),
      [[course.courseId, course.title]],
    );
    await waitFor(() => eventsOf(learner.id, 'progress.enrolled.v1').length === 1, {
      what: 'the enrolled event',
    });
    await service.enrol(learner, course.courseId).expect(409);
  });

  it('when the course is unknown, then 404; when it is archived, then 409', async () => {
    const learner = await service.givenLearner();
    await service.enrol(learner, randomUUID()).expect(404);
    const course = await service.givenCourse(2);
    await service.publishCourse('catalog.course-archived.v1', { ...course, version: 2 });
    await waitFor(
      async () => (await service.deps.models.courses.findById(course.courseId).lean())?.status === 'archived',
    );
    await service.enrol(learner, course.courseId).expect(409);
  });

  it('when every lesson is completed, then the course completes once, with XP, badges and one event each', async () => {
    const course = await service.givenCourse(3, 'Caching Strategies');
    const learner = await service.givenLearner();
    await service.enrol(learner, course.courseId).expect(201);
    const complete = (lessonId: string) => service.complete(learner, course.courseId, lessonId);

    const first = await complete(course.lessonIds[0]!).expect(200);
    assert.equal(first.body.changed, true);
    assert.equal(first.body.percentComplete, 33);
    const again = await complete(course.lessonIds[0]!).expect(200);
    assert.equal(again.body.changed, false);
    assert.equal(again.body.percentComplete, 33);
    await complete(course.lessonIds[1]!).expect(200);
    const last = await complete(course.lessonIds[2]!).expect(200);
    assert.equal(last.body.status, 'completed');
    assert.equal(last.body.percentComplete, 100);

    await waitFor(() => eventsOf(learner.id, 'progress.course-completed.v1').length === 1, {
      what: 'course-completed',
    });
    await everythingSentHasArrived(service, listener);
    assert.equal(
      eventsOf(learner.id, 'progress.lesson-completed.v1').length,
      3,
      'the repeat announced nothing',
    );
    const completed = eventsOf(learner.id, 'progress.course-completed.v1')[0]!;
    assert.equal((completed.data as { courseTitle: string }).courseTitle, 'Caching Strategies');

    const stats = await withBearer(service.app, learner.bearer).get('/v1/me/stats').expect(200);
    assert.equal(stats.body.xp, 3 * 10 + 50);
    assert.equal(stats.body.lessonsCompleted, 3);
    assert.equal(stats.body.coursesCompleted, 1);
    assert.equal(stats.body.currentStreak, 1);
    assert.deepEqual(stats.body.badges, ['first-lesson', 'first-course']);
  });

  it('when the same lesson is completed 20 times at once, then one completion and one event', async () => {
    const course = await service.givenCourse(2);
    const learner = await service.givenLearner();
    await service.enrol(learner, course.courseId).expect(201);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => service.complete(learner, course.courseId, course.lessonIds[0]!)),
    );
    assert.ok(
      responses.every((res) => res.status === 200),
      responses.map((r) => r.status).join(','),
    );
    assert.equal(responses.filter((res) => res.body.changed === true).length, 1);
    const stats = await service.useCases.progress.stats(learner.id);
    assert.equal(stats.lessonsCompleted, 1);
    assert.equal(stats.xp, 10);
    const [enrolment] = await service.useCases.progress.enrolments(learner.id);
    assert.deepEqual(enrolment!.completedLessonIds, [course.lessonIds[0]]);
    await waitFor(() => eventsOf(learner.id, 'progress.lesson-completed.v1').length >= 1, {
      what: 'the event',
    });
    await everythingSentHasArrived(service, listener);
    assert.equal(eventsOf(learner.id, 'progress.lesson-completed.v1').length, 1);
  });

  it('when different lessons are completed at once, then none is lost and the course completes exactly once', async () => {
    const course = await service.givenCourse(6);
    const learner = await service.givenLearner();
    await service.enrol(learner, course.courseId).expect(201);
    await Promise.all(
      course.lessonIds.map((lessonId) => service.complete(learner, course.courseId, lessonId).expect(200)),
    );
    const [enrolment] = await service.useCases.progress.enrolments(learner.id);
    assert.deepEqual([...enrolment!.completedLessonIds].sort(), [...course.lessonIds].sort());
    assert.equal(enrolment!.status, 'completed');
    const stats = await withBearer(service.app, learner.bearer).get('/v1/me/stats').expect(200);
    assert.equal(stats.body.xp, 6 * 10 + 50);
    assert.equal(stats.body.lessonsCompleted, 6);
    assert.equal(stats.body.coursesCompleted, 1);
    await waitFor(() => eventsOf(learner.id, 'progress.course-completed.v1').length === 1, {
      what: 'course-completed',
    });
  });

  it('when 20 lessons are completed at once through two replicas, then all 20 count, with matching XP, percent and events', async () => {
    const replica = await service.startReplica();
    try {
      const course = await service.givenCourse(20);
      const learner = await service.givenLearner();
      await service.enrol(learner, course.courseId).expect(201);
      const responses = await Promise.all(
        course.lessonIds.map((lessonId, index) =>
          request(index % 2 === 0 ? service.app : replica.app)
            .put(`/v1/me/enrollments/${course.courseId}/lessons/${lessonId}/completion`)
            .set('Authorization', learner.bearer),
        ),
      );
      assert.deepEqual(
        responses.map((res) => res.status),
        responses.map(() => 200),
      );
      assert.ok(responses.every((res) => res.body.changed === true));
      for (const app of [service.app, replica.app]) {
        const stats = await withBearer(app, learner.bearer).get('/v1/me/stats').expect(200);
        assert.equal(stats.body.lessonsCompleted, 20);
        assert.equal(stats.body.coursesCompleted, 1);
        assert.equal(stats.body.xp, 20 * 10 + 50);
        const list = await withBearer(app, learner.bearer).get('/v1/me/enrollments').expect(200);
        assert.equal(list.body.items[0].percentComplete, 100);
        assert.equal(list.body.items[0].completedLessonIds.length, 20);
      }
      await waitFor(() => eventsOf(learner.id, 'progress.lesson-completed.v1').length === 20, {
        what: '20 lesson events',
      });
      await waitFor(() => eventsOf(learner.id, 'progress.course-completed.v1').length === 1, {
        what: 'course-completed',
      });
      const percents = eventsOf(learner.id, 'progress.lesson-completed.v1')
        .map((e) => (e.data as { percentComplete: number }).percentComplete)
        .sort((a, b) => a - b);
      assert.deepEqual(
        percents,
        Array.from({ length: 20 }, (_, i) => (i + 1) * 5),
        'each completion saw all the ones before it',
      );
    } finally {
      await replica.stop();
    }
  });

  it('when a writer died between its outbox entry and its version, then the relay voids the slot and the learner goes on', async () => {
    const course = await service.givenCourse(2);
    const learner = await service.givenLearner();
    await service.enrol(learner, course.courseId).expect(201);
    const { seq } = (await service.useCases.store.head(learner.id))!;
    const slot = `${learner.id}:${String(seq + 1).padStart(10, '0')}`;
    // What a writer leaves when it dies right after writing its outbox entry.
    await service.deps.models.outbox.create({
      _id: slot,
      userId: learner.id,
      at: new Date(Date.now() - 60_000),
    });
    await waitFor(async () => (await service.deps.models.outbox.countDocuments({ _id: slot })) === 0, {
      what: 'the relay to take the entry over',
    });
    const filled = await service.deps.models.learnerVersions.findById(slot).lean();
    assert.equal(filled!.void, true);
    const res = await service.complete(learner, course.courseId, course.lessonIds[0]!).expect(200);
    assert.equal(res.body.changed, true);
    const stats = await withBearer(service.app, learner.bearer).get('/v1/me/stats').expect(200);
    assert.equal(stats.body.xp, 10);
    assert.equal(stats.body.lessonsCompleted, 1);
  });

  it('when the lesson is not in the course or the learner is not enrolled, then 404', async () => {
    const course = await service.givenCourse(2);
    const learner = await service.givenLearner();
    await service.complete(learner, course.courseId, course.lessonIds[0]!).expect(404);
    await service.enrol(learner, course.courseId).expect(201);
    await service.complete(learner, course.courseId, randomUUID()).expect(404);
  });

  it('when the leaderboard is asked for, then learners are ranked by XP', async () => {
    const course = await service.givenCourse(5);
    const strong = await service.givenLearner();
    const weak = await service.givenLearner();
    for (const [learner, lessons] of [
      [strong, 5],
      [weak, 1],
    ] as const) {
      await service.enrol(learner, course.courseId).expect(201);
      for (const lessonId of course.lessonIds.slice(0, lessons)) {
        await service.complete(learner, course.courseId, lessonId).expect(200);
      }
    }
    const res = await withBearer(service.app, weak.bearer).get('/v1/leaderboard?limit=100').expect(200);
    const ranks = new Map(
      res.body.items.map((row: { userId: string; rank: number; xp: number }) => [row.userId, row]),
    );
    const strongRow = ranks.get(strong.id) as { rank: number; xp: number; displayName: string };
    const weakRow = ranks.get(weak.id) as { rank: number; xp: number };
    assert.equal(strongRow.xp, 100);
    assert.equal(weakRow.xp, 10);
    assert.ok(strongRow.rank < weakRow.rank);
    assert.ok(strongRow.displayName.startsWith('learner-'));
    const xps = res.body.items.map((row: { xp: number }) => row.xp);
    assert.deepEqual(
      xps,
      [...xps].sort((a: number, b: number) => b - a),
    );
  });

  it('when a lesson is completed, then the leaderboard shows the new XP as soon as the completion is answered', async () => {
    const course = await service.givenCourse(2);
    const learner = await service.givenLearner();
    await service.enrol(learner, course.courseId).expect(201);
    const xpOf = async () => {
      const res = await withBearer(service.app, learner.bearer).get('/v1/leaderboard?limit=100').expect(200);
      return (
        (res.body.items as { userId: string; xp: number }[]).find((row) => row.userId === learner.id)?.xp ?? 0
      );
    };
    assert.equal(await xpOf(), 0);
    await service.complete(learner, course.courseId, course.lessonIds[0]!).expect(200);
    assert.equal(await xpOf(), 10);
  });

  it('when Redis loses the leaderboard (a restart without persistence), then it is rebuilt from the learners', async () => {
    const course = await service.givenCourse(2);
    const learner = await service.givenLearner();
    await service.enrol(learner, course.courseId).expect(201);
    await service.complete(learner, course.courseId, course.lessonIds[0]!).expect(200);
    const prefix = `${service.config.REDIS_KEY_PREFIX}leaderboard:`;
    await service.deps.redis.del(`${prefix}xp`, `${prefix}names`, `${prefix}built`);
    await waitFor(
      async () => {
        const res = await withBearer(service.app, learner.bearer)
          .get('/v1/leaderboard?limit=100')
          .expect(200);
        const row = (res.body.items as { userId: string; xp: number; displayName: string }[]).find(
          (r) => r.userId === learner.id,
        );
        return row?.xp === 10 && row.displayName.startsWith('learner-');
      },
      { what: 'the rebuilt leaderboard' },
    );
  });

  it('when a process meets a learner for the first time, then both ways of finding the newest version (by _id, and by the compound index) find the same one', async () => {
    const course = await service.givenCourse(12);
    const learner = await service.givenLearner();
    await service.enrol(learner, course.courseId).expect(201);
    for (const lessonId of course.lessonIds.slice(0, 9)) {
      await service.complete(learner, course.courseId, lessonId).expect(200);
    }
    // Fresh stores, as in a process that has not seen this learner: nothing remembered.
    const fresh = (seekNewest: boolean) =>
      createLearnerStore({
        models: service.deps.models,
        publish: () => Promise.reject(new Error('not in this test')),
        ready: () => false,
        logger: createLogger({ service: 'test', level: 'silent' }),
        registry: new Registry(),
        project: () => Promise.resolve(),
        relayIntervalMs: 60_000,
        seekNewest,
        heads: new LRUCache({ max: 10 }),
      });
    const byId = await fresh(false).head(learner.id);
    const byIndex = await fresh(true).head(learner.id);
    // Sign-up, enrolment and nine completions: versions 0 to 10.
    assert.equal(byId!.seq, 10);
    assert.equal(byIndex!.seq, 10);
    assert.deepEqual(byIndex!.state, byId!.state);
    assert.equal(byId!.state.lessonsCompleted, 9);
    assert.equal(await fresh(true).head('000000000000000000000000'), undefined);
    assert.equal(await fresh(false).head('000000000000000000000000'), undefined);
  });
});
