import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import { createAccountRepository } from './data-access/accounts';
import { createCourseReadModel } from './data-access/courses';
import { createLeaderboard } from './data-access/leaderboard';
import { createLearnerStore } from './data-access/learner-store';
import type { Dependencies } from './dependencies';
import { createPasswords } from './domain/passwords';
import { createProgressService } from './domain/progress';
import { createUserService } from './domain/users';

/** User-progress's domain, wired from its clients; nothing starts here. */
export function createUseCases(deps: Dependencies, { config, logger, metrics }: ServiceContext<Config>) {
  const accounts = createAccountRepository(deps.models);
  const courses = createCourseReadModel(deps.models);
  const leaderboard = createLeaderboard(deps.redis, config.REDIS_KEY_PREFIX);
  const store = createLearnerStore({
    models: deps.models,
    publish: (event) => deps.broker.publish(event),
    ready: () => deps.broker.connected,
    logger,
    registry: metrics.registry,
    project: (userId, state) => leaderboard.record(userId, state.xp, state.displayName),
    relayIntervalMs: config.OUTBOX_INTERVAL_MS,
    graceMs: config.OUTBOX_GRACE_MS,
    seekNewest: !deps.isFerretDb,
    heads: deps.caches.learnerHeads,
  });
  // The relay is background work: `workers.ts` starts and stops it.
  deps.broker.onConnect(() => store.relay.wake());

  return {
    users: createUserService({
      accounts,
      store,
      passwords: createPasswords({ concurrency: config.HASH_CONCURRENCY, queue: config.HASH_QUEUE }),
    }),
    progress: createProgressService({
      courses,
      store,
      leaderboard,
      recentCourses: deps.caches.recentCourses,
    }),
    courses,
    accounts,
    leaderboard,
    store,
  };
}

export type UseCases = ReturnType<typeof createUseCases>;

/** What user-progress's stages are typed by (`HttpStage<UserProgress>`, `WorkersStage<UserProgress>`). */
export interface UserProgress {
  config: Config;
  deps: Dependencies;
  useCases: UseCases;
}
