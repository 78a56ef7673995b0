import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@syllabus/testing';
import { everythingSentHasArrived, startWithListener } from './support';

describe('streak milestones', () => {
  let suite: Awaited<ReturnType<typeof startWithListener>>;
  before(async () => (suite = await startWithListener()));
  after(() => suite.stop());

  it('when a learner completes lessons on 3 days in a row in their zone, then one 3-day milestone is announced', async () => {
    const course = await suite.service.givenCourse(5);
    const learner = await suite.service.givenLearner({ timeZone: 'Asia/Tokyo' });
    await suite.service.enrol(learner, course.courseId).expect(201);
    const progress = suite.service.useCases.progress;
    const me = learner.id;
    const day = (d: number, time = '01:00:00') => new Date(`2026-03-0${d}T${time}Z`);
    await progress.completeLesson(me, course.courseId, course.lessonIds[0]!, day(1));
    await progress.completeLesson(me, course.courseId, course.lessonIds[1]!, day(2));
    await progress.completeLesson(me, course.courseId, course.lessonIds[2]!, day(3));
    await progress.completeLesson(me, course.courseId, course.lessonIds[3]!, day(3, '02:00:00'));

    const milestones = await waitFor(() => {
      const found = suite.listener.events.filter((e) => e.type === 'progress.streak-milestone.v1');
      return found.length > 0 && found;
    });
    await everythingSentHasArrived(suite.service, suite.listener);
    assert.equal(suite.listener.events.filter((e) => e.type === 'progress.streak-milestone.v1').length, 1);
    assert.deepEqual(milestones[0]!.data, { userId: learner.id, days: 3, reachedAt: day(3).toISOString() });
    const stats = await progress.stats(me, day(3, '05:00:00'));
    assert.equal(stats.currentStreak, 3);
    assert.equal(stats.longestStreak, 3);
  });
});
