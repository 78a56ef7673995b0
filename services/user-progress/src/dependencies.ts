import { LRUCache } from 'lru-cache';
import mongoose from 'mongoose';
import { tokenVerifierFor } from '@syllabus/auth';
import { openRedis } from '@syllabus/cache';
import { createBroker } from '@syllabus/messaging';
import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import type { CourseCopy, LearnerHead } from './domain/ports';
import { createModels, syncIndexes } from './data-access/models';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies({ config, lifecycle, logger }: ServiceContext<Config>) {
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
  // FerretDB says who it is in buildInfo; it serves only `_id` from an index.
  const buildInfo = await mongo.db!.admin().command({ buildInfo: 1 });
  const isFerretDb = 'ferretdbVersion' in buildInfo;

  const redis = openRedis({ url: config.REDIS_URL, lifecycle, logger });

  const broker = await createBroker({ url: config.RABBITMQ_URL, prefix: config.MESSAGING_PREFIX, logger });
  lifecycle.onShutdown('rabbitmq', () => broker.close());

  // Process-local and bounded, like every in-memory cache here.
  const caches = {
    /** Each learner's newest version this process has seen. */
    learnerHeads: new LRUCache<string, LearnerHead>({ max: 5_000 }),
    /** The course copy, trusted for COURSE_CACHE_MS (catalog changes reach it within that). */
    recentCourses: new LRUCache<string, Promise<CourseCopy | null>>({
      max: 10_000,
      ttl: config.COURSE_CACHE_MS,
    }),
  };

  return { mongo, models, isFerretDb, redis, broker, caches, verifyToken: tokenVerifierFor(config) };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
