import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { INTERNAL_TOKEN, startUserProgress } from './support';
import { withBearer } from '@syllabus/testing/http';

let service: Awaited<ReturnType<typeof startUserProgress>>;
let learner: Awaited<ReturnType<Awaited<ReturnType<typeof startUserProgress>>['givenLearner']>>;
const internal = `Bearer ${INTERNAL_TOKEN}`;

describe('hostile input', () => {
  before(async () => {
    service = await startUserProgress();
    learner = await service.givenLearner({ email: 'victim@syllabus.test' });
  });
  after(() => service.stop());

  const operatorBodies: [string, string, object][] = [
    ['login with $ne', '/internal/credentials/verify', { email: { $ne: null }, password: { $ne: null } }],
    ['login with $regex', '/internal/credentials/verify', { email: { $regex: '.*' }, password: 'x' }],
    [
      'login with $where',
      '/internal/credentials/verify',
      { email: 'victim@syllabus.test', password: 'x', $where: 'true' },
    ],
    [
      'sign-up with $gt',
      '/internal/users',
      { email: { $gt: '' }, password: 'long enough pw', displayName: 'x' },
    ],
  ];
  for (const [name, path, body] of operatorBodies) {
    it(`when ${name}, then 400 and no account is matched`, async () => {
      const res = await withBearer(service.app, internal).post(path).send(body).expect(400);
      assert.equal(res.body.type, 'urn:problem:syllabus:validation');
      assert.doesNotMatch(JSON.stringify(res.body), /victim/);
    });
  }

  it('when an enrolment body carries operators or unknown fields, then 400', async () => {
    for (const body of [
      { courseId: { $ne: null } },
      { courseId: { $gt: '' } },
      { courseId: 'x', userId: 'someone' },
    ]) {
      await withBearer(service.app, learner.bearer).post('/v1/me/enrollments').send(body).expect(400);
    }
    assert.deepEqual((await service.useCases.progress.enrolments(learner.id)).length, 0);
  });

  it('when query parameters carry operators, then 400', async () => {
    for (const query of ['limit[$gt]=0', 'limit=5&$where=1', 'limit=abc', 'limit=1000']) {
      await withBearer(service.app, learner.bearer).get(`/v1/leaderboard?${query}`).expect(400);
    }
    await withBearer(service.app, learner.bearer).get('/v1/me/stats?userId[$ne]=x').expect(400);
  });

  it('when ids are malformed, then 400, not 500', async () => {
    await withBearer(service.app, learner.bearer).get('/v1/users/not-an-object-id/stats').expect(400);
    await withBearer(service.app, learner.bearer).get('/v1/users/%24ne/stats').expect(400);
    await withBearer(service.app, learner.bearer)
      .put('/v1/me/enrollments/not-a-uuid/lessons/also-not/completion')
      .expect(400);
  });

  it('when an operator slips past validation into a query, then the model refuses it instead of matching', async () => {
    // Defence in depth below the validation: schema casting refuses an operator object for a
    // string field, and strictQuery refuses filters on fields the schema does not have.
    await assert.rejects(
      service.deps.models.accounts.findOne({ email: { $ne: null } }).lean(),
      /Cast to string failed/,
    );
    await assert.rejects(
      service.deps.models.accounts.findOne({ isAdmin: { $ne: null } }).lean(),
      /strictQuery/,
    );
  });
});
