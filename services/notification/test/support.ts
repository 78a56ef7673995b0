// Starts a real notification service for a test file: its own database (migrated), exchange,
// queue and Redis channel prefix, a token issuer, and a real SMTP server in this process.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestIssuer } from '@syllabus/auth/testing';
import { createEvent, type DomainEvent, type EventData, type EventType } from '@syllabus/contracts';
import { createBroker } from '@syllabus/messaging';
import { migrateUp } from '@syllabus/postgres';
import { createLogger, startService } from '@syllabus/service-kit';
import { createTestDatabase, testEnv, testServiceEnv, waitFor } from '@syllabus/testing';
import { startSmtpServer } from '@syllabus/testing/smtp';
import { migrationsDirectory } from '../src/migrate';
import { notificationService } from '../src/service';
import { withBearer } from '@syllabus/testing/http';

export type { ReceivedEmail } from '@syllabus/testing/smtp';
export { startSmtpServer };

export interface ReceivedCall {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback; `status` decides what it answers. */
export async function startWebhookReceiver() {
  const calls: ReceivedCall[] = [];
  const receiver = { status: 200 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      calls.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/syllabus`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/**
 * A hostile receiver: answers at once, then drips one byte of its body every `everyMs`, never
 * finishing (until closed). Its calls are counted when they arrive.
 */
export async function startDrippingReceiver(everyMs = 300) {
  const calls: IncomingHttpHeaders[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    req.resume();
    calls.push(req.headers);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    const timer = setInterval(() => res.write('.'), everyMs);
    timers.add(timer);
    res.once('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/drip`,
    calls,
    close: () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startNotification(
  options: {
    overrides?: Record<string, string>;
    workers?: boolean;
    /** Wait until the live fan-out is subscribed (false when Redis is meant to be away). */
    fanout?: boolean;
    database?: string;
    id?: string;
  } = {},
) {
  const id = options.id ?? randomUUID().slice(0, 8);
  const database = options.database ? undefined : await createTestDatabase('notification');
  const databaseUrl = options.database ?? database!.url;
  await migrateUp(databaseUrl, migrationsDirectory);
  const smtp = await startSmtpServer();
  const issuer = await startTestIssuer();
  const service = await startService(notificationService, {
    env: {
      ...testServiceEnv,
      POSTGRES_URL: databaseUrl,
      REDIS_URL: testEnv.REDIS_URL,
      RABBITMQ_URL: testEnv.RABBITMQ_URL,
      MESSAGING_PREFIX: `test.notification.${id}.`,
      FANOUT_CHANNEL_PREFIX: `test:notifications:${id}:`,
      SMTP_URL: smtp.url,
      RETRY_DELAYS_MS: '100,200',
      MAX_ATTEMPTS: '3',
      DELIVERY_INTERVAL_MS: '100',
      DELIVERY_BACKOFF_MS: '50',
      SSE_HEARTBEAT_MS: '100',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      ...issuer.env,
      ...options.overrides,
    },
    workers: options.workers !== false,
    beforeWorkers: async (deps) => {
      await waitFor(() => deps.broker.connected, { what: 'the broker' });
      if (options.fanout !== false) await deps.fanout.ready;
    },
  });
  const { app, deps, config } = service;
  const logger = createLogger({ service: 'test', level: 'silent' });

  const publisher = await createBroker({
    url: testEnv.RABBITMQ_URL,
    prefix: config.MESSAGING_PREFIX,
    logger,
  });
  await waitFor(() => publisher.connected, { what: 'the publisher' });

  const publish = async <T extends EventType>(
    type: T,
    data: EventData<T>,
    id?: string,
  ): Promise<DomainEvent<T>> => {
    const event = createEvent(type, data, { source: 'test', subject: 'test', id });
    await publisher.publish(event);
    return event;
  };

  /** A learner the service knows: registered (so it has an address) and holding a token. */
  async function givenLearner() {
    const userId = randomUUID().replace(/-/g, '').slice(0, 24);
    const email = `learner-${userId.slice(0, 6)}@syllabus.test`;
    await publish('identity.user-registered.v1', {
      userId,
      email,
      displayName: 'Ada',
      timeZone: 'UTC',
      registeredAt: new Date().toISOString(),
    });
    await waitFor(
      async () =>
        (await deps.postgres.query('SELECT 1 FROM recipients WHERE user_id = $1', [userId])).rowCount === 1,
      { what: 'the recipient' },
    );
    return { userId, email, bearer: `Bearer ${await issuer.mint({ sub: userId, roles: ['learner'] })}` };
  }

  const courseCompleted = (userId: string, courseTitle = 'Reliable Messaging') => ({
    userId,
    courseId: randomUUID(),
    courseTitle,
    completedAt: new Date().toISOString(),
  });

  /**
   * Resolves once every event published so far has been handled, so that a test can then assert
   * that nothing more came of them: a sentinel published now has passed the inbox (the queue
   * delivers in order), and no handler is still busy with one delivered before it.
   */
  async function everyEventHandled() {
    const sentinel = await publish('catalog.course-updated.v1', {
      courseId: randomUUID(),
      slug: 'sentinel',
      title: 'Sentinel',
      version: 1,
      lessonIds: [],
    });
    await waitFor(
      async () =>
        (await deps.postgres.query('SELECT 1 FROM inbox WHERE event_id = $1', [sentinel.id])).rowCount ===
          1 && deps.broker.handling === 0,
      { what: 'the sentinel event to be handled' },
    );
  }

  /** `POST /v1/me/webhooks` as `learner`; the caller states what it expects. */
  const subscribe = (learner: { bearer: string }, url: string, eventTypes: string[]) =>
    withBearer(app, learner.bearer).post('/v1/me/webhooks').send({ url, eventTypes });

  return {
    app,
    url: service.url,
    deps,
    config,
    subscribe,
    smtp,
    issuer,
    databaseUrl,
    publish,
    everyEventHandled,
    givenLearner,
    courseCompleted,
    stop: async () => {
      await publisher.close();
      await service.stop();
      await smtp.close();
      await issuer.close();
      await database?.drop();
    },
  };
}
