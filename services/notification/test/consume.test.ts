import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@syllabus/testing';
import { startNotification, startWebhookReceiver } from './support';
import { withBearer } from '@syllabus/testing/http';

let service: Awaited<ReturnType<typeof startNotification>>;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

/** The receiver's side, exactly as the README documents it. */
function verifySignature(secret: string, header: string, rawBody: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

describe('consuming events', () => {
  before(async () => {
    service = await startNotification();
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await receiver.close();
    await service.stop();
  });

  it('when the same event is delivered 3 times, then 1 notification, 1 email and 1 signed webhook call', async () => {
    const learner = await service.givenLearner();
    const hook = await service.subscribe(learner, receiver.url, ['progress.course-completed.v1']).expect(201);
    assert.match(hook.body.secret, /^whsec_/);

    const event = await service.publish(
      'progress.course-completed.v1',
      service.courseCompleted(learner.userId),
    );
    await service.deps.broker.publish(event);
    await service.deps.broker.publish(event);

    // Every copy consumed, and what was queued sent: only a queued delivery is ever sent, once.
    await service.everyEventHandled();
    const sends = await waitFor(
      async () => {
        const { rows } = await service.deps.postgres.query<{ channel: string; status: string }>(
          'SELECT channel, status FROM deliveries WHERE event_id = $1 ORDER BY channel',
          [event.id],
        );
        return rows.length >= 2 && rows.every((row) => row.status === 'delivered') && rows;
      },
      { what: 'the email and the webhook call' },
    );
    assert.deepEqual(
      sends.map((send) => send.channel),
      ['email', 'webhook'],
    );

    const feed = await withBearer(service.app, learner.bearer).get('/v1/me/notifications').expect(200);
    assert.equal(feed.body.items.length, 1);
    assert.equal(feed.body.items[0].title, 'You completed Reliable Messaging');
    assert.equal(feed.body.unreadCount, 1);
    const emails = service.smtp.received.filter((m) => m.to.includes(learner.email));
    assert.equal(emails.length, 1);
    assert.match(emails[0]!.raw, /Subject: You completed Reliable Messaging/);
    assert.match(emails[0]!.raw, new RegExp(`Syllabus-Event-Id: ${event.id}`, 'i'));
    // The Message-ID names the delivery, so a resend after a crash is recognisable as the same mail.
    const [delivery] = await service.deps.db.query<{ id: string }>(
      'test_delivery_of_event',
      `SELECT id FROM deliveries WHERE event_id = $1 AND channel = 'email'`,
      [event.id],
    );
    assert.match(emails[0]!.raw, new RegExp(`Message-ID: <delivery-${delivery!.id}@`, 'i'));
    assert.equal(receiver.calls.length, 1);

    const [call] = receiver.calls;
    assert.equal(call!.headers['syllabus-event-id'], event.id);
    assert.equal(call!.headers['syllabus-event-type'], 'progress.course-completed.v1');
    assert.deepEqual(JSON.parse(call!.body), event);
    assert.ok(verifySignature(hook.body.secret, String(call!.headers['syllabus-signature']), call!.body));
    assert.ok(!verifySignature('whsec_wrong', String(call!.headers['syllabus-signature']), call!.body));
    assert.ok(
      !verifySignature(hook.body.secret, String(call!.headers['syllabus-signature']), `${call!.body} `),
    );
  });

  it('when a preference turns email off, then the notification is made but no email is sent', async () => {
    const learner = await service.givenLearner();
    const prefs = await withBearer(service.app, learner.bearer)
      .put('/v1/me/notification-preferences')
      .send({ preferences: { 'progress.course-completed.v1': { email: false } } })
      .expect(200);
    assert.deepEqual(prefs.body.preferences['progress.course-completed.v1'], {
      inApp: true,
      email: false,
      webhook: true,
    });
    assert.equal(prefs.body.preferences['progress.streak-milestone.v1'].email, true);

    const event = await service.publish(
      'progress.course-completed.v1',
      service.courseCompleted(learner.userId),
    );
    await waitFor(
      async () =>
        (await withBearer(service.app, learner.bearer).get('/v1/me/notifications')).body.items.length === 1,
      {
        what: 'the notification',
      },
    );
    // The notification and the sends to make are written in one transaction, and only a queued
    // delivery is ever sent: with none queued once the notification shows, no email can follow.
    const { rowCount } = await service.deps.postgres.query('SELECT 1 FROM deliveries WHERE event_id = $1', [
      event.id,
    ]);
    assert.equal(rowCount, 0);
    assert.equal(service.smtp.received.filter((m) => m.to.includes(learner.email)).length, 0);
  });

  it('when a lesson is completed, then the message names the course learnt from catalog events', async () => {
    const learner = await service.givenLearner();
    const courseId = '9f1c2c8e-2b8e-4a5b-9a52-8f0d9d1e2a11';
    await service.publish('catalog.course-published.v1', {
      courseId,
      slug: 'graphql-apis',
      title: 'GraphQL APIs',
      version: 1,
      lessonIds: [],
    });
    await waitFor(
      async () =>
        (await service.deps.postgres.query('SELECT 1 FROM course_titles WHERE course_id = $1', [courseId]))
          .rowCount === 1,
    );
    await service.publish('progress.lesson-completed.v1', {
      userId: learner.userId,
      courseId,
      lessonId: '1f0c2c8e-2b8e-4a5b-9a52-8f0d9d1e2a12',
      completedAt: new Date().toISOString(),
      percentComplete: 40,
      xpAwarded: 10,
    });
    const feed = await waitFor(async () => {
      const res = await withBearer(service.app, learner.bearer).get('/v1/me/notifications');
      return res.body.items.length === 1 && res.body;
    });
    assert.equal(feed.items[0].title, 'Lesson completed in GraphQL APIs');
    assert.match(feed.items[0].body, /40 %/);
  });
});

describe('failing events', () => {
  before(async () => (service = await startNotification()));
  after(() => service.stop());

  it('when a handler keeps failing, then the event is dead-lettered after 3 attempts while others flow, and replay processes it', async () => {
    const poison = await service.givenLearner();
    const healthy = await Promise.all([
      service.givenLearner(),
      service.givenLearner(),
      service.givenLearner(),
    ]);
    // A real failure in the real database: inserts for one learner are refused.
    await service.deps.postgres.query(`
      CREATE FUNCTION refuse_poison() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'storage refused this notification'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER poison BEFORE INSERT ON notifications
        FOR EACH ROW WHEN (NEW.user_id = '${poison.userId}') EXECUTE FUNCTION refuse_poison();`);
    await service.publish('progress.course-completed.v1', service.courseCompleted(poison.userId));
    for (const learner of healthy)
      await service.publish('progress.course-completed.v1', service.courseCompleted(learner.userId));

    await waitFor(
      async () =>
        (await service.deps.postgres.query('SELECT DISTINCT user_id FROM notifications')).rowCount === 3,
      { what: 'the healthy events' },
    );
    await waitFor(
      async () => (await service.deps.broker.messageCount('notification.events.dead-letter')) === 1,
      {
        what: 'the dead letter',
      },
    );
    const [letter] = await service.deps.broker.peekDeadLetters('notification.events');
    assert.equal(letter!.attempts, 3);
    assert.match(letter!.lastError!, /storage refused/);
    assert.equal(letter!.type, 'progress.course-completed.v1');
    // Peeking leaves it: the unacknowledged message goes back to the queue (asynchronously).
    await waitFor(
      async () => (await service.deps.broker.messageCount('notification.events.dead-letter')) === 1,
      {
        what: 'the peeked dead letter to be back',
      },
    );

    await service.deps.postgres.query('DROP TRIGGER poison ON notifications');
    assert.equal(await service.deps.broker.replayDeadLetters('notification.events'), 1);
    await waitFor(
      async () =>
        (await service.deps.postgres.query('SELECT 1 FROM notifications WHERE user_id = $1', [poison.userId]))
          .rowCount === 1,
      { what: 'the replayed event' },
    );
  });
});
