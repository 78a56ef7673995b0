import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { waitFor } from '@syllabus/testing';
import { listenForProgressEvents, startUserProgress } from './support';

let service: Awaited<ReturnType<typeof startUserProgress>>;
let listener: Awaited<ReturnType<typeof listenForProgressEvents>>;

const eventsOf = (userId: string, type?: string) =>
  listener.events.filter(
    (e) => (e.data as { userId: string }).userId === userId && (!type || e.type === type),
  );

describe('enrolments and lesson completion', () => {
  before(async () => {
    service = await startUserProgress();
    listener = await listenForProgressEvents(service.deps.broker.exchange);
  });
  after(async () => {
    await listener.close();
    await service.stop();
  });

  it('when a learner enrols in a published course, then 201, it is listed at 0 %, and enrolled is announced', async () => {
    const course = await service.givenCourse(4);
    const learner = await service.givenLearner();
    const res = await service.enrol(learner, course.courseId).expect(201);
    assert.equal(res.body.status, 'in-progress');
    assert.equal(res.body.percentComplete, 0);
    const list = await request(service.app)
      .get('/v1/me/enrollments')
      .set('Authorization', learner.bearer)
      .expect(200);
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
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(
      eventsOf(learner.id, 'progress.lesson-completed.v1').length,
      3,
      'the repeat announced nothing',
    );
    const completed = eventsOf(learner.id, 'progress.course-completed.v1')[0]!;
    assert.equal((completed.data as { courseTitle: string }).courseTitle, 'Caching Strategies');

    const stats = await request(service.app)
      .get('/v1/me/stats')
      .set('Authorization', learner.bearer)
      .expect(200);
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
    const facts = await service.deps.models.achievements.find({ userId: learner.id }).lean();
    assert.deepEqual(
      facts.map((fact) => [fact.kind, fact.lessonId, fact.xp]),
      [['lesson', course.lessonIds[0], 10]],
    );
    await waitFor(() => eventsOf(learner.id, 'progress.lesson-completed.v1').length >= 1, {
      what: 'the event',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(eventsOf(learner.id, 'progress.lesson-completed.v1').length, 1);
  });

  it('when different lessons are completed at once, then none is lost and the course completes exactly once', async () => {
    const course = await service.givenCourse(6);
    const learner = await service.givenLearner();
    await service.enrol(learner, course.courseId).expect(201);
    await Promise.all(
      course.lessonIds.map((lessonId) => service.complete(learner, course.courseId, lessonId).expect(200)),
    );
    const facts = await service.deps.models.achievements.find({ userId: learner.id }).lean();
    assert.equal(facts.filter((fact) => fact.kind === 'lesson').length, 6);
    assert.equal(facts.filter((fact) => fact.kind === 'course').length, 1);
    const stats = await request(service.app)
      .get('/v1/me/stats')
      .set('Authorization', learner.bearer)
      .expect(200);
    assert.equal(stats.body.xp, 6 * 10 + 50);
    await waitFor(() => eventsOf(learner.id, 'progress.course-completed.v1').length === 1, {
      what: 'course-completed',
    });
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
    const res = await request(service.app)
      .get('/v1/leaderboard?limit=100')
      .set('Authorization', weak.bearer)
      .expect(200);
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

  it('when the leaderboard was just computed, then it is served from memory for a few seconds: new XP shows after that, not before', async () => {
    const course = await service.givenCourse(2);
    const learner = await service.givenLearner();
    await service.enrol(learner, course.courseId).expect(201);
    const xpOf = async () => {
      const res = await request(service.app)
        .get('/v1/leaderboard?limit=100')
        .set('Authorization', learner.bearer)
        .expect(200);
      return (
        (res.body.items as { userId: string; xp: number }[]).find((row) => row.userId === learner.id)?.xp ?? 0
      );
    };
    assert.equal(await xpOf(), 0);
    await service.complete(learner, course.courseId, course.lessonIds[0]!).expect(200);
    assert.equal(await xpOf(), 0, 'the computed leaderboard is still served');
    await waitFor(async () => (await xpOf()) === 10, {
      what: 'the next leaderboard',
      timeoutMs: 15_000,
      intervalMs: 250,
    });
  });
});
