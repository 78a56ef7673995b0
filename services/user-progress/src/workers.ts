import type { WorkersStage } from '@syllabus/service-kit';
import { consumeCatalogEvents } from './entry-points/messaging/catalog-events';
import type { UserProgress } from './use-cases';

/** Background work: the course read model from catalog events, the event relay, the leaderboard's repair. */
export const createWorkers: WorkersStage<UserProgress> = ({ deps, useCases }, { config, logger }) => {
  const { store, leaderboard, accounts } = useCases;

  // Every few seconds: is the leaderboard still in Redis? If not, make it again from the learners.
  async function repairLeaderboard() {
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
  }
  let repair: NodeJS.Timeout | undefined;

  return [
    {
      name: 'catalog events',
      start: () =>
        consumeCatalogEvents({ broker: deps.broker, courses: useCases.courses, progress: useCases.progress }),
    },
    {
      name: 'event relay',
      start: () => store.relay.start(),
      async stop() {
        await store.relay.stop();
        // Events already committed go out now if they can; if not, the outbox keeps them.
        await store.settle();
      },
    },
    {
      name: 'leaderboard repair',
      start: () => {
        repair = setInterval(() => void repairLeaderboard(), config.LEADERBOARD_CHECK_MS).unref();
      },
      stop: () => clearInterval(repair),
    },
  ];
};
