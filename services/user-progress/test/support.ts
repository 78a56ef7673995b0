// Starts a real user-progress for a test file: its own MongoDB database, exchange and queues,
// and a token issuer whose JWKS is served over loopback HTTP.
import { randomUUID } from 'node:crypto';
import type { Role } from '@syllabus/auth';
import { startTestIssuer } from '@syllabus/auth/testing';
import { createEvent, type DomainEvent, type EventType } from '@syllabus/contracts';
import { createBroker } from '@syllabus/messaging';
import { createLogger, startService } from '@syllabus/service-kit';
import { testEnv, testServiceEnv, waitFor } from '@syllabus/testing';
import { userProgressService } from '../src/service';
import { withBearer } from '@syllabus/testing/http';

export const INTERNAL_TOKEN = 'test-internal-token-0123456789abcdef';

/** `env` overrides the settings, e.g. to reach a server through an outage proxy. */
export async function startUserProgress(options: { env?: Record<string, string> } = {}) {
  const issuer = await startTestIssuer();
  const id = randomUUID().slice(0, 8);
  const env = {
    ...testServiceEnv,
    MONGODB_URL: testEnv.MONGODB_URL,
    MONGODB_DATABASE: `test_progress_${id}`,
    RABBITMQ_URL: testEnv.RABBITMQ_URL,
    MESSAGING_PREFIX: `test.progress.${id}.`,
    OUTBOX_INTERVAL_MS: '200',
    OUTBOX_GRACE_MS: '500',
    LEADERBOARD_CHECK_MS: '200',
    REDIS_URL: testEnv.REDIS_URL,
    REDIS_KEY_PREFIX: `test:progress:${id}:`,
    ...issuer.env,
    INTERNAL_TOKEN,
    ...options.env,
  };
  const start = () =>
    startService(userProgressService, {
      env,
      beforeWorkers: (deps) => waitFor(() => deps.broker.connected, { what: 'the broker' }),
    });
  const service = await start();
  const { app, deps, useCases, config } = service;
  const logger = createLogger({ service: 'test', level: 'silent' });

  /** A catalog on the same exchange, to publish course events as the real one does. */
  const catalog = await createBroker({ url: testEnv.RABBITMQ_URL, prefix: config.MESSAGING_PREFIX, logger });
  await waitFor(() => catalog.connected, { what: 'the catalog publisher' });

  async function publishCourse(
    type: 'catalog.course-published.v1' | 'catalog.course-updated.v1' | 'catalog.course-archived.v1',
    course: { courseId: string; slug: string; title: string; version: number; lessonIds: string[] },
  ): Promise<DomainEvent> {
    const event = createEvent(type, course, { source: 'catalog', subject: `course/${course.courseId}` });
    await catalog.publish(event);
    return event;
  }

  /** Publishes a course and waits until the read model has it. */
  async function givenCourse(lessons = 3, title = 'Reliable Messaging') {
    const course = {
      courseId: randomUUID(),
      slug: `course-${randomUUID().slice(0, 8)}`,
      title,
      version: 1,
      lessonIds: Array.from({ length: lessons }, () => randomUUID()),
    };
    await publishCourse('catalog.course-published.v1', course);
    await waitFor(() => deps.models.courses.exists({ _id: course.courseId }), {
      what: 'the course read model',
    });
    return course;
  }

  /** Signs a learner up through the internal route and returns a bearer token for them. */
  async function givenLearner(options: { email?: string; timeZone?: string; grant?: Role[] } = {}) {
    const email = options.email ?? `learner-${randomUUID().slice(0, 8)}@syllabus.test`;
    const res = await withBearer(app, `Bearer ${INTERNAL_TOKEN}`)
      .post('/internal/users')
      .send({
        email,
        password: 'correct horse battery',
        displayName: email.split('@')[0],
        timeZone: options.timeZone,
      })
      .expect(201);
    let user = res.body as { id: string; roles: Role[] };
    // Roles beyond learner come only from the bootstrap command, which calls this.
    if (options.grant) user = (await useCases.users.grantRoles(email, options.grant))!;
    return { id: user.id, email, bearer: `Bearer ${await issuer.mint({ sub: user.id, roles: user.roles })}` };
  }

  /** `POST /v1/me/enrollments` as `learner`; the caller states what it expects. */
  const enrol = (learner: { bearer: string }, courseId: unknown) =>
    withBearer(app, learner.bearer).post('/v1/me/enrollments').send({ courseId });

  /** `PUT …/lessons/{lessonId}/completion` as `learner`. */
  const complete = (learner: { bearer: string }, courseId: string, lessonId: string) =>
    withBearer(app, learner.bearer).put(`/v1/me/enrollments/${courseId}/lessons/${lessonId}/completion`);

  /** A second instance on the same database and broker, as a second replica would be. */
  async function startReplica() {
    const replica = await start();
    return { app: replica.app, deps: replica.deps, stop: replica.stop };
  }

  return {
    app,
    deps,
    useCases,
    config,
    startReplica,
    issuer,
    enrol,
    complete,
    publishCourse,
    givenCourse,
    givenLearner,
    stop: async () => {
      await catalog.close();
      const keys = await deps.redis.keys(`${config.REDIS_KEY_PREFIX}*`);
      if (keys.length > 0) await deps.redis.del(...keys);
      await service.stop();
      await issuer.close();
      const mongoose = (await import('mongoose')).default;
      const cleanup = await mongoose
        .createConnection(testEnv.MONGODB_URL, { dbName: config.MONGODB_DATABASE })
        .asPromise();
      await cleanup.dropDatabase();
      await cleanup.close();
    },
  };
}

/**
 * A consumer of the progress events on the service's exchange, as notification would be: each
 * event once by its id (delivery is at least once — a relay may send again what a slow writer
 * was still sending — and consumers drop what they have seen).
 */
export async function listenForProgressEvents(
  exchange: string,
  eventTypes: EventType[] = [
    'progress.enrolled.v1',
    'progress.lesson-completed.v1',
    'progress.course-completed.v1',
    'progress.streak-milestone.v1',
  ],
) {
  const received: DomainEvent[] = [];
  const deliveries: DomainEvent[] = [];
  const queue = `${exchange}.listener.${eventTypes.join('.')}`;
  const broker = await createBroker({
    url: testEnv.RABBITMQ_URL,
    topology: { exchange, queues: { [queue]: eventTypes } },
    logger: createLogger({ service: 'test', level: 'silent' }),
  });
  await waitFor(() => broker.connected, { what: 'the listener' });
  await broker.consume({
    queue,
    handler: async (event) => {
      deliveries.push(event);
      if (!received.some(({ id }) => id === event.id)) received.push(event);
    },
  });
  /**
   * Publishes a sentinel event on the exchange and waits for it: the listener's queue delivers in
   * order, so everything the broker had confirmed before has arrived by then.
   */
  async function sentinel() {
    const event = createEvent(
      'progress.enrolled.v1',
      { userId: randomUUID(), courseId: randomUUID(), enrolledAt: new Date().toISOString() },
      { source: 'user-progress', subject: 'sentinel' },
    );
    await broker.publish(event);
    await waitFor(() => deliveries.some(({ id }) => id === event.id), { what: 'the sentinel event' });
  }
  /** `events`: each once; `deliveries`: every delivery, repeats included. */
  return { events: received, deliveries, sentinel, close: () => broker.close() };
}

/**
 * Resolves once every event user-progress committed has reached `listener`, so that a test can
 * then assert that nothing more came: the outbox is empty (each entry is removed only after its
 * events were confirmed, by the writer or the relay), then a sentinel published after arrives.
 */
export async function everythingSentHasArrived(
  service: Pick<Awaited<ReturnType<typeof startUserProgress>>, 'deps'>,
  listener: Pick<Awaited<ReturnType<typeof listenForProgressEvents>>, 'sentinel'>,
) {
  await waitFor(async () => (await service.deps.models.outbox.countDocuments({})) === 0, {
    what: 'an empty outbox',
    timeoutMs: 30_000,
  });
  await listener.sentinel();
}

/** User-progress and a listener of its events (as notification consumes them), stopped together. */
export async function startWithListener() {
  const service = await startUserProgress();
  const listener = await listenForProgressEvents(service.deps.broker.exchange);
  return {
    service,
    listener,
    stop: async () => {
      await listener.close();
      await service.stop();
    },
  };
}
