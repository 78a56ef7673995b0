import mongoose from 'mongoose';
import { createBroker } from '@syllabus/messaging';
import { createMetrics, type Lifecycle, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies(config: Config, lifecycle: Lifecycle, logger: Logger) {
  const mongo = mongoose.createConnection(config.MONGODB_URL, {
    dbName: config.MONGODB_DATABASE,
    serverSelectionTimeoutMS: 2_000,
    // Fail at once while the database is away instead of queueing operations in memory.
    bufferCommands: false,
    autoIndex: false,
  });
  mongo.on('error', (error) => logger.warn({ err: error }, 'mongodb error'));
  lifecycle.onShutdown('mongodb', () => mongo.close());
  await mongo.asPromise();

  const broker = await createBroker({ url: config.RABBITMQ_URL, logger });
  lifecycle.onShutdown('rabbitmq', () => broker.close());

  return { mongo, broker, metrics: createMetrics('user-progress') };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
