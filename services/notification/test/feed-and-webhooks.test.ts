import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { notificationRoutes, routeKeys } from '@syllabus/contracts';
import { mountedRoutes } from '@syllabus/service-kit';
import { waitFor } from '@syllabus/testing';
import { startDrippingReceiver, startNotification, startWebhookReceiver } from './support';
import { withBearer } from '@syllabus/testing/http';

type Service = Awaited<ReturnType<typeof startNotification>>;

describe('in-app feed', () => {
  let service: Service;
  before(async () => (service = await startNotification()));
  after(() => service.stop());

  it('when the app is built, then it mounts exactly the routes this service declares', () => {
    assert.deepEqual(mountedRoutes(service.app).sort(), routeKeys(notificationRoutes).sort());
  });

  it('when a learner has many notifications, then the feed pages by cursor, counts unread, and marks read', async () => {
    const learner = await service.givenLearner();
    const other = await service.givenLearner();
    const feed = (query = '') => withBearer(service.app, learner.bearer).get(`/v1/me/notifications${query}`);
    // One at a time: the feed is in the order notifications were made, and a consumer with a
    // prefetch handles a burst of events concurrently.
    for (let days = 1; days <= 5; days += 1) {
      await service.publish('progress.streak-milestone.v1', {
        userId: learner.userId,
        days,
        reachedAt: new Date().toISOString(),
      });
      await waitFor(async () => (await feed()).body.items.length === days, { what: `notification ${days}` });
    }
    await service.publish('progress.streak-milestone.v1', {
      userId: other.userId,
      days: 3,
      reachedAt: new Date().toISOString(),
    });
    await waitFor(
      async () =>
        (await withBearer(service.app, other.bearer).get('/v1/me/notifications')).body.items.length === 1,
    );

    const first = await feed('?limit=2').expect(200);
    assert.deepEqual(
      first.body.items.map((n: { title: string }) => n.title),
      ['5-day streak', '4-day streak'],
    );
    const second = await feed(`?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    assert.deepEqual(
      second.body.items.map((n: { title: string }) => n.title),
      ['3-day streak', '2-day streak'],
    );
    const last = await feed(`?limit=2&cursor=${second.body.nextCursor}`).expect(200);
    assert.equal(last.body.items.length, 1);
    assert.equal(last.body.unreadCount, 5);

    const target = first.body.items[0].id as string;
    await withBearer(service.app, learner.bearer).post(`/v1/me/notifications/${target}/read`).expect(204);
    await withBearer(service.app, other.bearer).post(`/v1/me/notifications/${target}/read`).expect(404);
    await withBearer(service.app, learner.bearer)
      .post(`/v1/me/notifications/${randomUUID()}/read`)
      .expect(404);
    const unread = await feed('?unread=true').expect(200);
    assert.equal(unread.body.items.length, 4);
    assert.equal(unread.body.unreadCount, 4);

    const all = await withBearer(service.app, learner.bearer)
      .post('/v1/me/notifications/read-all')
      .expect(200);
    assert.equal(all.body.updated, 4);
    assert.equal((await feed()).body.unreadCount, 0);
    const others = await withBearer(service.app, other.bearer).get('/v1/me/notifications').expect(200);
    assert.equal(others.body.unreadCount, 1, "another learner's feed is untouched");
  });

  it('when the query or body is invalid, then 400 naming the field', async () => {
    const learner = await service.givenLearner();
    const cases: [string, () => request.Test][] = [
      ['limit', () => request(service.app).get('/v1/me/notifications?limit=0')],
      ['cursor', () => request(service.app).get('/v1/me/notifications?cursor=abc')],
      ['unread', () => request(service.app).get('/v1/me/notifications?unread=yes')],
      ['notification', () => request(service.app).post('/v1/me/notifications/not-a-uuid/read')],
      [
        'preferences.progress.enrolled.v1.sms',
        () =>
          request(service.app)
            .put('/v1/me/notification-preferences')
            .send({ preferences: { 'progress.enrolled.v1': { sms: true } } }),
      ],
      [
        'preferences.made.up.v1',
        () =>
          request(service.app)
            .put('/v1/me/notification-preferences')
            .send({ preferences: { 'made.up.v1': { email: true } } }),
      ],
    ];
    for (const [field, call] of cases) {
      const res = await call().set('Authorization', learner.bearer).expect(400);
      assert.ok(
        res.body.errors.some((e: { field: string }) => e.field.startsWith(field.split('.')[0]!)),
        `${field}: ${JSON.stringify(res.body.errors)}`,
      );
    }
  });
});

describe('webhooks', () => {
  let service: Service;
  let guarded: Service;
  before(async () => {
    service = await startNotification({
      overrides: { WEBHOOK_DISABLE_AFTER: '3', DELIVERY_MAX_ATTEMPTS: '10', WEBHOOK_TIMEOUT_MS: '1500' },
    });
    guarded = await startNotification({ overrides: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
  });
  after(async () => {
    await service.stop();
    await guarded.stop();
  });

  it('when the SSRF guard is on and the URL is a global unicast address, v4 or v6, then it is accepted', async () => {
    const learner = await guarded.givenLearner();
    for (const url of ['https://1.1.1.1/hook', 'https://[2606:4700:4700::1111]/hook']) {
      await guarded.subscribe(learner, url, ['progress.enrolled.v1']).expect(201);
    }
  });

  for (const url of [
    'https://127.0.0.1/hook',
    'https://10.1.2.3/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://192.168.0.10/hook',
    'https://[::1]/hook',
    // IPv6 forms that carry or reach an IPv4 address, and deprecated site-local.
    'https://[::127.0.0.1]/hook',
    'https://[::7f00:1]/hook',
    'https://[::ffff:10.0.0.1]/hook',
    'https://[64:ff9b::a9fe:a9fe]/hook',
    'https://[2002:7f00:1::]/hook',
    'https://[fec0::1]/hook',
    'https://[2001:db8::1]/hook',
    'https://100.64.0.1/hook',
    'https://localhost/hook',
    'http://example.com/hook',
    'https://user:pass@example.com/hook',
    'not a url',
  ]) {
    // Not a URL at all is invalid input (400); a URL the guard refuses is a refusal (422).
    const refusal = URL.canParse(url);
    it(`when the SSRF guard is on and the URL is ${url}, then ${refusal ? 422 : 400} and nothing is stored`, async () => {
      const learner = await guarded.givenLearner();
      const res = await guarded.subscribe(learner, url, ['progress.enrolled.v1']).expect(refusal ? 422 : 400);
      assert.equal(res.body.type, `urn:problem:syllabus:${refusal ? 'webhook-url-refused' : 'validation'}`);
      assert.equal(res.body.errors[0].field, 'url');
      const list = await withBearer(guarded.app, learner.bearer).get('/v1/me/webhooks').expect(200);
      assert.deepEqual(list.body.items, []);
    });
  }

  it("when webhooks are listed, then secrets are not shown; deleting another learner's is 404", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const learner = await service.givenLearner();
      const other = await service.givenLearner();
      const created = await service.subscribe(learner, receiver.url, ['progress.enrolled.v1']).expect(201);
      const list = await withBearer(service.app, learner.bearer).get('/v1/me/webhooks').expect(200);
      assert.equal(list.body.items.length, 1);
      assert.doesNotMatch(JSON.stringify(list.body), /whsec_/);
      await withBearer(service.app, other.bearer).delete(`/v1/me/webhooks/${created.body.id}`).expect(404);
      await withBearer(service.app, learner.bearer).delete(`/v1/me/webhooks/${created.body.id}`).expect(204);
      const after = await withBearer(service.app, learner.bearer).get('/v1/me/webhooks').expect(200);
      assert.deepEqual(after.body.items, []);
    } finally {
      await receiver.close();
    }
  });

  it("when a receiver drips its answer for ever, then its call is cut off at the deadline, and another subscription's deliveries stay on time", async () => {
    const dripping = await startDrippingReceiver();
    const healthy = await startWebhookReceiver();
    try {
      const slow = await service.givenLearner();
      const other = await service.givenLearner();
      await service.subscribe(slow, dripping.url, ['progress.enrolled.v1']).expect(201);
      await service.subscribe(other, healthy.url, ['progress.enrolled.v1']).expect(201);
      const enrolled = (userId: string) =>
        service.publish('progress.enrolled.v1', {
          userId,
          courseId: randomUUID(),
          enrolledAt: new Date().toISOString(),
        });
      // More events for the hostile receiver than there are delivery slots.
      for (let i = 0; i < 12; i += 1) await enrolled(slow.userId);
      await waitFor(() => dripping.calls.length >= 1, { what: 'the first call to the dripping receiver' });
      const sentAt = Date.now();
      await enrolled(other.userId);
      await waitFor(() => healthy.calls.length === 1, {
        what: "the other subscription's delivery while the dripping one is in flight",
        timeoutMs: 5_000,
      });
      assert.ok(Date.now() - sentAt < 5_000);
      assert.equal(dripping.calls.length, 1, 'one call at a time to one subscription');
      const failed = await waitFor(
        async () =>
          (
            await service.deps.postgres.query<{ last_error: string }>(
              "SELECT last_error FROM deliveries WHERE user_id = $1 AND channel = 'webhook' AND last_error IS NOT NULL",
              [slow.userId],
            )
          ).rows[0],
        { what: 'the dripping call to be cut off', timeoutMs: 10_000 },
      );
      assert.match(failed.last_error, /no complete answer within 1500 ms/);
    } finally {
      await dripping.close();
      await healthy.close();
    }
  });

  it('when a learner already has as many webhooks as allowed, then one more is refused with 409', async () => {
    const learner = await service.givenLearner();
    const receiver = await startWebhookReceiver();
    try {
      for (let i = 0; i < 10; i += 1)
        await service.subscribe(learner, `${receiver.url}/${i}`, ['progress.enrolled.v1']).expect(201);
      const refused = await service
        .subscribe(learner, `${receiver.url}/more`, ['progress.enrolled.v1'])
        .expect(409);
      assert.equal(refused.body.type, 'urn:problem:syllabus:webhook-limit');
      const list = await withBearer(service.app, learner.bearer).get('/v1/me/webhooks').expect(200);
      assert.equal(list.body.items.length, 10);
    } finally {
      await receiver.close();
    }
  });

  /** A learner whose webhook at `url` is subscribed to enrolments, and who then enrols. */
  async function enrolmentHookedTo(url: string) {
    const learner = await service.givenLearner();
    const hook = await service.subscribe(learner, url, ['progress.enrolled.v1']).expect(201);
    await service.publish('progress.enrolled.v1', {
      userId: learner.userId,
      courseId: randomUUID(),
      enrolledAt: new Date().toISOString(),
    });
    return { learner, hook };
  }

  it('when the receiver keeps failing, then deliveries are retried with growing delays and the subscription is disabled', async () => {
    const receiver = await startWebhookReceiver();
    receiver.status = 500;
    try {
      const { learner, hook } = await enrolmentHookedTo(receiver.url);
      const listed = await waitFor(
        async () => {
          const res = await withBearer(service.app, learner.bearer).get('/v1/me/webhooks');
          return res.body.items[0]?.disabledAt && res.body.items[0];
        },
        { what: 'the subscription to be disabled', timeoutMs: 15_000 },
      );
      assert.equal(listed.id, hook.body.id);
      assert.equal(listed.consecutiveFailures, 3);
      assert.equal(receiver.calls.length, 3);
      const { rows } = await service.deps.postgres.query<{ status: string; attempts: number }>(
        'SELECT status, attempts FROM deliveries WHERE subscription_id = $1',
        [hook.body.id],
      );
      assert.deepEqual(rows, [{ status: 'skipped', attempts: 3 }]);
    } finally {
      await receiver.close();
    }
  });

  it('when the receiver fails once and then recovers, then the retry delivers it', async () => {
    const receiver = await startWebhookReceiver();
    receiver.status = 503;
    try {
      const { learner } = await enrolmentHookedTo(receiver.url);
      await waitFor(() => receiver.calls.length === 1, { what: 'the first attempt' });
      receiver.status = 204;
      await waitFor(() => receiver.calls.length === 2, { what: 'the retry' });
      const { rows } = await service.deps.postgres.query<{ status: string }>(
        "SELECT status FROM deliveries WHERE user_id = $1 AND channel = 'webhook'",
        [learner.userId],
      );
      await waitFor(
        async () =>
          (
            await service.deps.postgres.query(
              "SELECT 1 FROM deliveries WHERE user_id = $1 AND status = 'delivered'",
              [learner.userId],
            )
          ).rowCount === 1,
      );
      assert.equal(rows.length, 1);
      assert.equal(
        receiver.calls[0]!.headers['syllabus-event-id'],
        receiver.calls[1]!.headers['syllabus-event-id'],
      );
    } finally {
      await receiver.close();
    }
  });
});
