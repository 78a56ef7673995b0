import mongoose from 'mongoose';
import { createTokenVerifier } from '@syllabus/auth';
import { createBroker } from '@syllabus/messaging';
import { createMetrics, type Lifecycle, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';
import { createEventRelay } from './data-access/event-relay';
import { createModels, syncIndexes } from './data-access/models';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies(config: Config, lifecycle: Lifecycle, logger: Logger) {
  const metrics = createMetrics('user-progress');

  const mongo = mongoose.createConnection(config.MONGODB_URL, {
    dbName: config.MONGODB_DATABASE,
    serverSelectionTimeoutMS: 2_000,
    // Fail at once while the database is away instead of queueing operations in memory.
    bufferCommands: false,
    autoIndex: false,
    // Defence in depth: query filters built from input can never carry operators.
    sanitizeFilter: true,
  });
  mongo.on('error', (error) => logger.warn({ err: error }, 'mongodb error'));
  lifecycle.onShutdown('mongodb', () => mongo.close());
  await mongo.asPromise();
  const models = createModels(mongo);
  await syncIndexes(models);

  const broker = await createBroker({
    url: config.RABBITMQ_URL,
    prefix: config.MESSAGING_PREFIX,
    logger,
    // Runs after a (re)connection, which needs network I/O: `relay` below exists by then.
    onConnect: () => relay.wake(),
  });
  lifecycle.onShutdown('rabbitmq', () => broker.close());

  const relay = createEventRelay({
    models,
    broker,
    logger,
    registry: metrics.registry,
    intervalMs: config.OUTBOX_INTERVAL_MS,
  });

  const verifyToken = createTokenVerifier({
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });

  return { mongo, models, broker, relay, verifyToken, metrics };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
