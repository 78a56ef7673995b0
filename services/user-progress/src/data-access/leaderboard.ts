import type { Redis } from 'ioredis';
import type { LeaderboardRow } from '../domain/ports';

/**
 * The leaderboard as a Redis sorted set (XP by learner) beside a hash of display names:
 * ranking is a read of the top of the set, however many learners there are. Each learner's
 * newest XP is written after each change (`ZADD GT`: a late or repeated write never lowers it),
 * by the request or, when Redis was away, by the outbox relay once it is back.
 */
export function createLeaderboard(redis: Redis, prefix: string) {
  const scores = `${prefix}leaderboard:xp`;
  const names = `${prefix}leaderboard:names`;
  const built = `${prefix}leaderboard:built`;
  return {
    /**
     * Rebuilds the board from every learner's state when Redis has lost it (a restart without
     * persistence, a flush): the board is a projection, so the learners' versions can always
     * make it again. Returns whether it rebuilt.
     */
    async rebuildIfLost(learners: () => AsyncIterable<{ userId: string; xp: number; displayName: string }>) {
      if ((await redis.exists(built)) === 1) return false;
      for await (const learner of learners())
        await this.record(learner.userId, learner.xp, learner.displayName);
      await redis.set(built, new Date().toISOString());
      return true;
    },
    async record(userId: string, xp: number, displayName: string) {
      const results = await redis
        .multi()
        .zadd(scores, 'GT', xp, userId)
        .hset(names, userId, displayName)
        .exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('the leaderboard write was discarded');
    },
    async top(limit: number): Promise<LeaderboardRow[]> {
      const flat = await redis.zrange(scores, 0, limit - 1, 'REV', 'WITHSCORES');
      const ids = flat.filter((_, index) => index % 2 === 0);
      const displayNames = ids.length > 0 ? await redis.hmget(names, ...ids) : [];
      return ids.map((userId, index) => ({
        rank: index + 1,
        userId,
        displayName: displayNames[index] ?? '',
        xp: Number(flat[index * 2 + 1]),
      }));
    },
  };
}
