import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RefreshRecord, SessionStore } from '../domain/ports';

// Atomically spends a refresh token: returns its record and leaves a "spent" marker behind,
// or, for a token already spent, returns the marker so the caller can revoke its family.
const SPEND = `
local record = redis.call('GET', KEYS[1])
if record then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], cjson.decode(record)['family'], 'EX', ARGV[1])
  return {'live', record}
end
local family = redis.call('GET', KEYS[2])
if family then return {'spent', family} end
return false
`;

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Sessions in Redis: refresh tokens (stored hashed, never as given), the spent ones' markers,
 * the revoked sessions, and each user's sessions. Every call rejects while Redis is away.
 */
export function createSessionStore(deps: {
  redis: Redis;
  prefix: string;
  /** How long a spent token's marker, and a revoked session's, are kept. */
  spentTtlSeconds: number;
  revokedTtlSeconds: number;
}): SessionStore {
  const { redis, prefix } = deps;
  const liveKey = (token: string) => `${prefix}refresh:${hash(token)}`;
  const spentKey = (token: string) => `${prefix}spent:${hash(token)}`;
  const revokedKey = (family: string) => `${prefix}revoked:${family}`;
  const sessionsKey = (userId: string) => `${prefix}sessions:${userId}`;

  return {
    async saveRefresh(token: string, record: RefreshRecord, ttlSeconds: number) {
      await redis
        .multi()
        .set(liveKey(token), JSON.stringify(record), 'EX', ttlSeconds)
        .sadd(sessionsKey(record.userId), record.family)
        .expire(sessionsKey(record.userId), deps.revokedTtlSeconds)
        .exec();
    },

    async spend(
      token: string,
    ): Promise<{ state: 'live'; record: RefreshRecord } | { state: 'spent'; family: string } | undefined> {
      const result = (await redis.eval(SPEND, 2, liveKey(token), spentKey(token), deps.spentTtlSeconds)) as
        [string, string] | null;
      if (!result) return undefined;
      const [state, value] = result;
      return state === 'spent'
        ? { state: 'spent', family: value }
        : { state: 'live', record: JSON.parse(value) as RefreshRecord };
    },

    async sessionOf(token: string): Promise<string | undefined> {
      const [live, spent] = await redis.mget(liveKey(token), spentKey(token));
      return live ? (JSON.parse(live) as RefreshRecord).family : (spent ?? undefined);
    },

    async forget(token: string) {
      await redis.del(liveKey(token));
    },

    async revoke(families: readonly string[]) {
      if (families.length === 0) return;
      const multi = redis.multi();
      for (const family of families) multi.set(revokedKey(family), '1', 'EX', deps.revokedTtlSeconds);
      await multi.exec();
    },

    isRevoked: async (family: string) => (await redis.exists(revokedKey(family))) === 1,

    sessionsOf: (userId: string) => redis.smembers(sessionsKey(userId)),

    async forgetSessionsOf(userId: string) {
      await redis.del(sessionsKey(userId));
    },
  };
}
