import type { Redis } from 'ioredis';
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Logger } from '@syllabus/service-kit';

// One atomic step: count the hits, start the window with the first, report the window's end.
const INCREMENT = `
local hits = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
`;

type WithIncrement = Redis & {
  rateLimitIncrement(key: string, windowMs: number, hits: number): Promise<[number, number]>;
};

/**
 * A fixed-window counter in Redis, shared by every gateway instance. (Written here rather than
 * taken from rate-limit-redis, which loads its script once at start and stays broken if Redis
 * was down at that moment.) The script is an ioredis command: sent by its SHA1 (EVALSHA), and
 * whole again whenever Redis answers that it does not know it (after a restart), instead of
 * sending the whole script with every hit (EVAL). While Redis is away nothing is counted and
 * every request passes (see rate-limits.ts); the outage is logged once, and so is the recovery.
 */
export class RedisWindowStore implements Store {
  private windowMs = 60_000;
  readonly localKeys = false;
  private readonly redis: WithIncrement;
  private unavailable = false;
  constructor(
    redis: Redis,
    readonly prefix: string,
    private readonly logger: Logger,
  ) {
    if (!('rateLimitIncrement' in redis))
      redis.defineCommand('rateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT });
    this.redis = redis as WithIncrement;
  }

  init(options: Options) {
    this.windowMs = options.windowMs;
  }

  /** Counts `by` hits (1 for a request; a GraphQL operation counts by its cost). */
  async increment(key: string, by = 1): Promise<IncrementResponse> {
    try {
      const [hits, ttl] = await this.redis.rateLimitIncrement(this.prefix + key, this.windowMs, by);
      if (this.unavailable) {
        this.unavailable = false;
        this.logger.info({ limit: this.prefix }, 'rate limit counted again');
      }
      return { totalHits: hits, resetTime: new Date(Date.now() + Math.max(ttl, 0)) };
    } catch (error) {
      if (!this.unavailable) {
        this.unavailable = true;
        this.logger.warn({ err: error, limit: this.prefix }, 'rate limit not enforced: Redis unavailable');
      }
      return { totalHits: 0, resetTime: undefined };
    }
  }

  async decrement(key: string) {
    await this.redis.decr(this.prefix + key).catch(() => undefined);
  }

  async resetKey(key: string) {
    await this.redis.del(this.prefix + key).catch(() => undefined);
  }
}
