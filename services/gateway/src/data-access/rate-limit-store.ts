import type { Redis } from 'ioredis';
import type { IncrementResponse, Options, Store } from 'express-rate-limit';

// One atomic step: count the hit, start the window on the first one, report the window's end.
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('PTTL', KEYS[1])}
`;

/**
 * A fixed-window counter in Redis, shared by every gateway instance. (Written here rather than
 * taken from rate-limit-redis, which loads its script once at start and stays broken if Redis
 * was down at that moment; EVAL per hit recovers by itself.)
 */
export class RedisWindowStore implements Store {
  private windowMs = 60_000;
  readonly localKeys = false;
  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {}

  init(options: Options) {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const [hits, ttl] = (await this.redis.eval(INCREMENT, 1, this.prefix + key, this.windowMs)) as [
      number,
      number,
    ];
    return { totalHits: hits, resetTime: new Date(Date.now() + Math.max(ttl, 0)) };
  }

  async decrement(key: string) {
    await this.redis.decr(this.prefix + key);
  }

  async resetKey(key: string) {
    await this.redis.del(this.prefix + key);
  }
}
