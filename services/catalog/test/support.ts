// Starts a real catalog for a test file: its own database (migrated), its own exchange, queue
// and cache namespace, and a token issuer whose JWKS is served over loopback HTTP.
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { startTestIssuer } from '@syllabus/auth/testing';
import { createEvent, parseEvent, type DomainEvent } from '@syllabus/contracts';
import { startService } from '@syllabus/service-kit';
import { createTestDatabase, testEnv, testServiceEnv, waitFor } from '@syllabus/testing';
import { migrateUp } from '../src/data-access/migrations';
import { seedCurriculum } from '../src/seed/seed';
import { catalogService } from '../src/service';

/** `env` overrides the settings, e.g. to reach a server through an outage proxy. */
export async function startCatalog(
  options: { redisUrl?: string; seed?: boolean; env?: Record<string, string> } = {},
) {
  const database = await createTestDatabase('catalog');
  await migrateUp(database.url);
  const issuer = await startTestIssuer();
  const id = randomUUID().slice(0, 8);
  const service = await startService(catalogService, {
    env: {
      ...testServiceEnv,
      POSTGRES_URL: database.url,
      CACHE_REDIS_URL: options.redisUrl ?? testEnv.CACHE_REDIS_URL,
      RABBITMQ_URL: testEnv.RABBITMQ_URL,
      MESSAGING_PREFIX: `test.catalog.${id}.`,
      CACHE_NAMESPACE: `test:catalog:${id}:`,
      OUTBOX_INTERVAL_MS: '200',
      ...issuer.env,
      ...options.env,
    },
    beforeWorkers: (deps) => waitFor(() => deps.broker.connected, { what: 'the broker' }),
  });
  const { app, deps, config } = service;
  if (options.seed) {
    await seedCurriculum(deps.db);
    // Let the seed's events be relayed and consumed, so that tests start from a quiet catalog.
    await waitFor(
      async () =>
        (await deps.postgres.query('SELECT 1 FROM outbox WHERE published_at IS NULL')).rowCount === 0,
      {
        what: 'the seed events to be relayed',
      },
    );
    // Then a sentinel's invalidation: the queue delivers in order, so once it is done and no
    // handler is busy, every seed event's invalidation is done too.
    const sentinel = sentinelEvent();
    const sentinelKey = `${config.CACHE_NAMESPACE}course:${sentinel.data.slug}`;
    await deps.redis.set(sentinelKey, 'stale');
    await deps.broker.publish(sentinel);
    await waitFor(async () => (await deps.redis.exists(sentinelKey)) === 0 && deps.broker.handling === 0, {
      what: 'the seed events to be consumed',
    });
  }
  const bearer = async (sub: string, roles: ('learner' | 'author' | 'admin')[]) =>
    `Bearer ${await issuer.mint({ sub, roles })}`;
  return {
    app,
    deps,
    config,
    auth: {
      author: await bearer('author-1', ['author']),
      otherAuthor: await bearer('author-2', ['author']),
      admin: await bearer('admin-1', ['admin']),
      learner: await bearer('learner-1', ['learner']),
    },
    stop: async () => {
      await service.stop();
      await issuer.close();
      await database.drop();
    },
  };
}

/** An event about no course, to be published after everything a test waits for. */
export const sentinelEvent = (): DomainEvent<'catalog.course-updated.v1'> =>
  createEvent(
    'catalog.course-updated.v1',
    {
      courseId: randomUUID(),
      slug: `sentinel-${randomUUID().slice(0, 8)}`,
      title: 'Sentinel',
      version: 1,
      lessonIds: [],
    },
    { source: 'catalog', subject: 'sentinel' },
  );

/**
 * Resolves once every event the catalog recorded has reached `received`, so that a test can
 * then assert that nothing more came: no outbox row is waiting for the broker's confirm, then a
 * sentinel published after that arrives (one queue delivers in order).
 */
export async function everythingRecordedHasArrived(
  catalog: Pick<Awaited<ReturnType<typeof startCatalog>>, 'deps'>,
  publish: (event: DomainEvent) => Promise<unknown>,
  received: readonly DomainEvent[],
) {
  await waitFor(
    async () =>
      (await catalog.deps.postgres.query('SELECT 1 FROM outbox WHERE published_at IS NULL')).rowCount === 0,
    { what: 'the outbox to be relayed', timeoutMs: 30_000 },
  );
  const sentinel = sentinelEvent();
  await publish(sentinel);
  await waitFor(() => received.some(({ id }) => id === sentinel.id), { what: 'the sentinel event' });
}

/** A queue of its own bound to the catalog's exchange: what other services would receive. */
export async function listenForEvents(exchange: string) {
  const connection = await connect(testEnv.RABBITMQ_URL);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, 'catalog.#');
  const events: DomainEvent[] = [];
  await channel.consume(queue, (message) => {
    if (!message) return;
    events.push(parseEvent(JSON.parse(message.content.toString('utf8'))));
    channel.ack(message);
  });
  /** Publishes on the exchange as the catalog does, confirmed. */
  const publish = (event: DomainEvent) =>
    new Promise<void>((resolve, reject) =>
      channel.publish(
        exchange,
        event.type,
        Buffer.from(JSON.stringify(event)),
        { persistent: true },
        (error) => (error ? reject(error as Error) : resolve()),
      ),
    );
  return { events, publish, close: () => connection.close() };
}

/** A metric's value from a Prometheus text exposition, 0 when absent. */
export function metricValue(exposition: string, name: string, labels: Record<string, string>): number {
  const line = exposition
    .split('\n')
    .find(
      (candidate) =>
        candidate.startsWith(`${name}{`) &&
        Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}
