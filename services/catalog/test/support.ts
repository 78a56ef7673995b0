// Starts a real catalog for a test file: its own database (migrated), its own exchange, queue
// and cache namespace, and a token issuer whose JWKS is served over loopback HTTP.
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { startTestIssuer } from '@syllabus/auth/testing';
import { parseEvent, type DomainEvent } from '@syllabus/contracts';
import { startService } from '@syllabus/service-kit';
import { createTestDatabase, testEnv, testServiceEnv, waitFor } from '@syllabus/testing';
import { migrateUp } from '../src/data-access/migrations';
import { seedCurriculum } from '../src/seed/seed';
import { catalogService } from '../src/service';

export async function startCatalog(options: { redisUrl?: string; seed?: boolean } = {}) {
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
    await waitFor(async () => (await deps.broker.messageCount('catalog.cache-invalidation')) === 0, {
      what: 'the seed events to be consumed',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
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

/** A queue of its own bound to the catalog's exchange: what other services would receive. */
export async function listenForEvents(exchange: string) {
  const connection = await connect(testEnv.RABBITMQ_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, 'catalog.#');
  const events: DomainEvent[] = [];
  await channel.consume(queue, (message) => {
    if (!message) return;
    events.push(parseEvent(JSON.parse(message.content.toString('utf8'))));
    channel.ack(message);
  });
  return { events, close: () => connection.close() };
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
