import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startUserProgress } from './support';
import { withBearer } from '@syllabus/testing/http';

let service: Awaited<ReturnType<typeof startUserProgress>>;
type Person = Awaited<ReturnType<Awaited<ReturnType<typeof startUserProgress>>['givenLearner']>>;
let alice: Person;
let bob: Person;
let admin: Person;

describe('object-level authorisation', () => {
  before(async () => {
    service = await startUserProgress();
    const course = await service.givenCourse(2);
    alice = await service.givenLearner();
    bob = await service.givenLearner();
    admin = await service.givenLearner({ grant: ['admin'] });
    for (const person of [alice, bob]) {
      await service.enrol(person, course.courseId).expect(201);
    }
    await service.complete(alice, course.courseId, course.lessonIds[0]!).expect(200);
  });
  after(() => service.stop());

  // Who asks, whose records, what they get.
  const matrix: [string, () => Person | undefined, string, () => Person, number][] = [
    ['alice', () => alice, 'alice', () => alice, 200],
    ['alice', () => alice, 'bob', () => bob, 403],
    ['bob', () => bob, 'alice', () => alice, 403],
    ['an admin', () => admin, 'alice', () => alice, 200],
    ['an admin', () => admin, 'bob', () => bob, 200],
    ['nobody', () => undefined, 'alice', () => alice, 401],
  ];
  for (const resource of ['enrollments', 'stats']) {
    for (const [callerName, caller, ownerName, owner, status] of matrix) {
      it(`when ${callerName} reads the ${resource} of ${ownerName}, then ${status}`, async () => {
        const req = request(service.app).get(`/v1/users/${owner().id}/${resource}`);
        const who = caller();
        const res = await (who ? req.set('Authorization', who.bearer) : req);
        assert.equal(res.status, status, JSON.stringify(res.body));
        if (status !== 200) assert.doesNotMatch(JSON.stringify(res.body), /courseId|xp/);
      });
    }
  }

  it("when a learner reads their own records through /me, then they never see another learner's", async () => {
    const aliceStats = await withBearer(service.app, alice.bearer).get('/v1/me/stats').expect(200);
    const bobStats = await withBearer(service.app, bob.bearer).get('/v1/me/stats').expect(200);
    assert.equal(aliceStats.body.lessonsCompleted, 1);
    assert.equal(bobStats.body.lessonsCompleted, 0);
    const bobs = await withBearer(service.app, bob.bearer).get('/v1/me/enrollments').expect(200);
    assert.deepEqual(bobs.body.items[0].completedLessonIds, []);
  });

  it('when a token names an unknown user id, then the user routes answer 403, not 500', async () => {
    await withBearer(service.app, admin.bearer).get('/v1/users/0123456789abcdef01234567/stats').expect(403);
  });
});
