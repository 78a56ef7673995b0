import mongoose from 'mongoose';
import { tokenVerifierFor } from '@syllabus/auth';
import { createBroker } from '@syllabus/messaging';
import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import { openRedis } from '@syllabus/cache';
import { createAccountRepository } from './data-access/accounts';
import { createCourseReadModel } from './data-access/courses';
import { createLeaderboard } from './data-access/leaderboard';
import { createLearnerStore } from './data-access/learner-store';
import { createModels, syncIndexes } from './data-access/models';
import { createPasswords } from './domain/passwords';
import { createProgressService } from './domain/progress';
import { createUserService } from './domain/users';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies({ config, lifecycle, logger, metrics }: ServiceContext<Config>) {
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
  const accounts = createAccountRepository(models);
  const courses = createCourseReadModel(models);
  // FerretDB says who it is in buildInfo; it serves only `_id` from an index.
  const buildInfo = await mongo.db!.admin().command({ buildInfo: 1 });
  const isFerretDb = 'ferretdbVersion' in buildInfo;

  const redis = openRedis({ url: config.REDIS_URL, lifecycle, logger });
  const leaderboard = createLeaderboard(redis, config.REDIS_KEY_PREFIX);

  const broker = await createBroker({
    url: config.RABBITMQ_URL,
    prefix: config.MESSAGING_PREFIX,
    logger,
    // Runs after a (re)connection, which needs network I/O: `relay` below exists by then.
    onConnect: () => store.relay.wake(),
  });
  lifecycle.onShutdown('rabbitmq', () => broker.close());

  const store = createLearnerStore({
    models,
    publish: (event) => broker.publish(event),
    ready: () => broker.connected,
    logger,
    registry: metrics.registry,
    project: (userId, state) => leaderboard.record(userId, state.xp, state.displayName),
    relayIntervalMs: config.OUTBOX_INTERVAL_MS,
    graceMs: config.OUTBOX_GRACE_MS,
    seekNewest: !isFerretDb,
  });
  // Every few seconds: is the leaderboard still in Redis? If not, make it again from the learners.
  const repairLeaderboard = async () => {
    try {
      const rebuilt = await leaderboard.rebuildIfLost(async function* () {
        for await (const userId of accounts.ids()) {
          const head = await store.head(userId);
          if (head) yield { userId, xp: head.state.xp, displayName: head.state.displayName };
        }
      });
      if (rebuilt) logger.info('leaderboard rebuilt from the learners');
    } catch (error) {
      logger.debug({ err: error }, 'leaderboard check failed; trying again shortly');
    }
  };
  const leaderboardRepair = setInterval(() => void repairLeaderboard(), config.LEADERBOARD_CHECK_MS);
  leaderboardRepair.unref();
  lifecycle.onShutdown('leaderboard repair', () => clearInterval(leaderboardRepair));

  const users = createUserService({
    accounts,
    store,
    passwords: createPasswords({ concurrency: config.HASH_CONCURRENCY, queue: config.HASH_QUEUE }),
  });
  const progress = createProgressService({
    courses,
    store,
    leaderboard,
    courseCacheMs: config.COURSE_CACHE_MS,
  });

  return {
    mongo,
    isFerretDb,
    redis,
    models,
    courses,
    broker,
    store,
    relay: store.relay,
    users,
    progress,
    verifyToken: tokenVerifierFor(config),
  };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
