import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, startRedisServer, waitFor } from '@syllabus/testing';
import { openEventStream } from '@syllabus/testing/sse';
import { startNotification } from './support';

type Service = Awaited<ReturnType<typeof startNotification>>;

/** The stream of a learner, as a browser's EventSource would open it. */
const connect = (baseUrl: string, bearer: string, lastEventId?: string) =>
  openEventStream(`${baseUrl}/v1/me/notifications/stream`, {
    Authorization: bearer,
    ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
  });

describe('live stream', () => {
  let service: Service;
  before(async () => (service = await startNotification()));
  after(() => service.stop());

  it('when an event is published after a client connected, then the client receives it, between heartbeats', async () => {
    const learner = await service.givenLearner();
    const client = await connect(service.url, learner.bearer);
    try {
      assert.equal(client.response.status, 200);
      assert.match(client.response.headers.get('content-type')!, /^text\/event-stream/);
      await service.publish(
        'progress.course-completed.v1',
        service.courseCompleted(learner.userId, 'GraphQL APIs'),
      );
      const [event] = await waitFor(() => client.events.length > 0 && client.events, {
        what: 'the live event',
      });
      assert.equal(event!.event, 'notification');
      assert.match(event!.id!, /^\d+$/);
      assert.equal(JSON.parse(event!.data!).title, 'You completed GraphQL APIs');
      await waitFor(() => client.heartbeats() >= 2, { what: 'heartbeats' });
    } finally {
      await client.close();
    }
  });

  it('when two notifications made at once arrive out of their sequence order, then the stream sends both', async () => {
    const learner = await service.givenLearner();
    const client = await connect(service.url, learner.bearer);
    try {
      // As when a lesson's notification and the course's it completes commit in the other order
      // than their numbers: the fan-out delivers seq 12 before seq 11.
      const made = (seq: number, title: string) => ({
        id: `00000000-0000-4000-8000-0000000000${seq}`,
        seq,
        userId: learner.userId,
        eventId: `10000000-0000-4000-8000-0000000000${seq}`,
        eventType: 'progress.course-completed.v1',
        title,
        body: '',
        createdAt: new Date().toISOString(),
        readAt: null,
      });
      service.deps.fanout.publish(made(12, 'Lesson completed'));
      service.deps.fanout.publish(made(11, 'You completed the course'));
      service.deps.fanout.publish(made(12, 'Lesson completed'));
      const events = await waitFor(() => client.events.length >= 2 && client.events, {
        what: 'both live events',
      });
      assert.deepEqual(
        events.map((event) => JSON.parse(event.data!).title),
        ['Lesson completed', 'You completed the course'],
      );
      await waitFor(() => client.heartbeats() >= 2, { what: 'later heartbeats' });
      assert.equal(client.events.length, 2, 'the repeated one is not sent twice');
    } finally {
      await client.close();
    }
  });

  it('when a client reconnects with Last-Event-ID, then it first receives what it missed', async () => {
    const learner = await service.givenLearner();
    const first = await connect(service.url, learner.bearer);
    await service.publish('progress.course-completed.v1', service.courseCompleted(learner.userId, 'One'));
    const [seen] = await waitFor(() => first.events.length > 0 && first.events);
    await first.close();

    await service.publish('progress.course-completed.v1', service.courseCompleted(learner.userId, 'Two'));
    await service.publish('progress.course-completed.v1', service.courseCompleted(learner.userId, 'Three'));
    await waitFor(
      async () =>
        (
          await service.deps.postgres.query('SELECT 1 FROM notifications WHERE user_id = $1', [
            learner.userId,
          ])
        ).rowCount === 3,
    );

    const resumed = await connect(service.url, learner.bearer, seen!.id);
    try {
      const missed = await waitFor(() => resumed.events.length >= 2 && resumed.events);
      // Both missed ones, in the order they were stored (a consumer with a prefetch may store a
      // burst in either order).
      assert.deepEqual(missed.map((e) => JSON.parse(e.data!).title).sort(), [
        'You completed Three',
        'You completed Two',
      ]);
      const ids = missed.map((e) => Number(e.id));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
      assert.ok(Number(missed[0]!.id) > Number(seen!.id));
    } finally {
      await resumed.close();
    }
  });

  it('when the header is not a number or there is no token, then 400 or 401, not a stream', async () => {
    const learner = await service.givenLearner();
    const bad = await fetch(`${service.url}/v1/me/notifications/stream`, {
      headers: { Authorization: learner.bearer, 'Last-Event-ID': 'drop table' },
    });
    assert.equal(bad.status, 400);
    const anonymous = await fetch(`${service.url}/v1/me/notifications/stream`);
    assert.equal(anonymous.status, 401);
  });

  it('when a stream has been open for SSE_MAX_DURATION_MS, then the server ends it, so its token is checked again at the reconnection', async () => {
    const brief = await startNotification({ overrides: { SSE_MAX_DURATION_MS: '300' } });
    try {
      const learner = await brief.givenLearner();
      const client = await connect(brief.url, learner.bearer);
      assert.equal(client.response.status, 200);
      await waitFor(() => client.endedByServer(), { what: 'the server to end the stream' });
      await client.close();
    } finally {
      await brief.stop();
    }
  });
});

describe('live stream across instances', () => {
  it('when the event is handled by one instance, then a client connected to another receives it (Redis pub/sub)', async () => {
    const consumer = await startNotification();
    // A second instance on the same database and channels, without consumers.
    const front = await startNotification({
      workers: false,
      database: consumer.databaseUrl,
      overrides: {
        FANOUT_CHANNEL_PREFIX: consumer.config.FANOUT_CHANNEL_PREFIX,
        JWKS_URL: consumer.issuer.jwksUrl,
      },
    });
    try {
      const learner = await consumer.givenLearner();
      const client = await connect(front.url, learner.bearer);
      await consumer.publish('progress.streak-milestone.v1', {
        userId: learner.userId,
        days: 7,
        reachedAt: new Date().toISOString(),
      });
      const [event] = await waitFor(() => client.events.length > 0 && client.events, {
        what: 'the fanned-out event',
      });
      assert.equal(JSON.parse(event!.data!).title, '7-day streak');
      await client.close();
    } finally {
      await front.stop();
      await consumer.stop();
    }
  });
});

describe('live stream when Redis comes late', () => {
  it('when notification starts while Redis is down, then it keeps running, and once Redis is up the stream is live', async () => {
    const port = await freePort();
    const service = await startNotification({
      overrides: { REDIS_URL: `redis://127.0.0.1:${port}` },
      fanout: false,
    });
    let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
    try {
      // Redis away for longer than a command may wait (1 s): five reconnection attempts, 3 s.
      let attempts = 0;
      service.deps.redis.on('reconnecting', () => (attempts += 1));
      await waitFor(() => attempts >= 5, { what: 'five attempts to reach Redis' });
      const learner = await service.givenLearner();
      const feed = await fetch(`${service.url}/v1/me/notifications`, {
        headers: { Authorization: learner.bearer },
      });
      assert.equal(feed.status, 200, 'the feed is served without Redis');

      redis = await startRedisServer(port);
      await service.deps.fanout.ready;
      const client = await connect(service.url, learner.bearer);
      try {
        await service.publish(
          'progress.course-completed.v1',
          service.courseCompleted(learner.userId, 'Late'),
        );
        const [event] = await waitFor(() => client.events.length > 0 && client.events, {
          what: 'the live event once Redis is up',
        });
        assert.equal(JSON.parse(event!.data!).title, 'You completed Late');
      } finally {
        await client.close();
      }
    } finally {
      await service.stop();
      await redis?.stop();
    }
  });
});
