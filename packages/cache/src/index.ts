import { Redis as IORedis, type Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';

export interface CacheOptions {
  redis: Redis;
  /** Prefix of every key this cache writes, e.g. `catalog:`. */
  namespace: string;
  ttlSeconds: number;
  /** Spread of the TTL, 0..1: 0.1 gives TTLs within ±10 %, so keys written together expire apart. */
  jitter?: number;
  /** Where hits, misses and errors are counted. */
  registry?: Registry;
  onError?: (error: unknown, operation: string) => void;
}

/** Per call: a TTL other than the cache's, and whether a loaded value is worth storing. */
export interface GetOptions<T> {
  ttlSeconds?: number;
  worthKeeping?: (value: T) => boolean;
}

export interface Cache {
  /**
   * Cache-aside: the cached value, or `load()`'s, which is then stored. Concurrent misses of one
   * key in this process share one load. When Redis fails, the value comes from `load()`.
   */
  getOrLoad<T>(key: string, load: () => Promise<T>, options?: GetOptions<T>): Promise<T>;
  /**
   * The same, as the JSON text stored (`JSON.stringify` of the loaded value on a miss): for a
   * caller that sends it on as it is, without parsing it and serialising it again.
   */
  getOrLoadText<T>(key: string, load: () => Promise<T>, options?: GetOptions<T>): Promise<string>;
  invalidate(...keys: string[]): Promise<void>;
  /** Drops every key that starts with `prefix` (within the namespace). */
  invalidatePrefix(prefix: string): Promise<void>;
}

export function createCache(options: CacheOptions): Cache {
  const { redis, namespace } = options;
  const jitter = options.jitter ?? 0.1;
  const inFlight = new Map<string, Promise<unknown>>();
  // Bumped by every invalidation, so that a load which started before it is not written back.
  const generations = new Map<string, number>();
  let globalGeneration = 0;
  const lookups = new Counter({
    name: 'cache_lookups_total',
    help: 'Cache lookups by namespace and result (hit, miss, error)',
    labelNames: ['namespace', 'result'] as const,
    registers: options.registry ? [options.registry] : [],
  });
  const count = (result: 'hit' | 'miss' | 'error') => lookups.inc({ namespace, result });
  const reportError = (error: unknown, operation: string) => options.onError?.(error, operation);
  const ttlFor = (base: number) => Math.max(1, Math.round(base * (1 + (Math.random() * 2 - 1) * jitter)));
  const generationOf = (key: string) => `${globalGeneration}:${generations.get(key) ?? 0}`;

  async function loadAndStore<T>(
    key: string,
    load: () => Promise<T>,
    ttlSeconds: number,
    worthKeeping: (value: T) => boolean = () => true,
  ): Promise<T> {
    const generation = generationOf(key);
    const value = await load();
    if (generationOf(key) === generation && value !== undefined && worthKeeping(value)) {
      redis
        .set(namespace + key, JSON.stringify(value), 'EX', ttlFor(ttlSeconds))
        .catch((error: unknown) => reportError(error, 'set'));
    }
    return value;
  }

  /** One lookup, shared by concurrent callers of one key in `flights`; `as` shapes the answer. */
  async function lookup<T, R>(
    flights: Map<string, Promise<unknown>>,
    key: string,
    load: () => Promise<T>,
    getOptions: GetOptions<T>,
    as: { text: (text: string) => R; value: (value: T) => R },
  ): Promise<R> {
    const pending = flights.get(key);
    if (pending) return pending as Promise<R>;
    const attempt = (async () => {
      let cached: string | null;
      try {
        cached = await redis.get(namespace + key);
      } catch (error) {
        count('error');
        reportError(error, 'get');
        return as.value(await load());
      }
      if (cached !== null) {
        count('hit');
        return as.text(cached);
      }
      count('miss');
      return as.value(
        await loadAndStore(key, load, getOptions.ttlSeconds ?? options.ttlSeconds, getOptions.worthKeeping),
      );
    })();
    flights.set(key, attempt);
    try {
      return await attempt;
    } finally {
      flights.delete(key);
    }
  }
  const textFlights = new Map<string, Promise<unknown>>();

  return {
    getOrLoad: <T>(key: string, load: () => Promise<T>, getOptions: GetOptions<T> = {}) =>
      lookup(inFlight, key, load, getOptions, {
        text: (text) => JSON.parse(text) as T,
        value: (value) => value,
      }),

    getOrLoadText: <T>(key: string, load: () => Promise<T>, getOptions: GetOptions<T> = {}) =>
      lookup(textFlights, key, load, getOptions, {
        text: (text) => text,
        value: (value) => JSON.stringify(value),
      }),

    async invalidate(...keys) {
      for (const key of keys) generations.set(key, (generations.get(key) ?? 0) + 1);
      if (keys.length === 0) return;
      await redis.unlink(...keys.map((key) => namespace + key));
    },

    async invalidatePrefix(prefix) {
      globalGeneration += 1;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(
          cursor,
          'MATCH',
          `${escapeGlob(namespace + prefix)}*`,
          'COUNT',
          500,
        );
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    },
  };
}

const escapeGlob = (value: string) => value.replace(/[*?[\]\\]/g, '\\$&');

/**
 * A Redis client that fails fast while Redis is away (no offline queue, one retry per command)
 * so callers fall back at once, and reconnects in the background with capped backoff.
 */
export function createRedisClient(url: string, onError?: (error: Error) => void): Redis {
  const client = new IORedis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  client.on('error', (error: Error) => onError?.(error));
  return client;
}

/**
 * The one way a service opens Redis: a client that fails fast while Redis is away (its errors
 * logged at debug: readiness reports the outage), its teardown registered beside it.
 */
export function openRedis(options: {
  url: string;
  lifecycle: { onShutdown(name: string, close: () => unknown): void };
  logger: { debug(details: object, message: string): void };
  /** Names the client in logs and shutdown, e.g. `redis cache`. */
  name?: string;
}): Redis {
  const name = options.name ?? 'redis';
  const client = createRedisClient(options.url, (error) =>
    options.logger.debug({ err: error }, `${name} unavailable`),
  );
  options.lifecycle.onShutdown(name, () => client.disconnect());
  return client;
}

/** A cache that stores nothing: every read loads. For turning caching off, and for baselines. */
export function createPassThroughCache(): Cache {
  return {
    getOrLoad: (_key, load) => load(),
    getOrLoadText: async (_key, load) => JSON.stringify(await load()),
    invalidate: () => Promise.resolve(),
    invalidatePrefix: () => Promise.resolve(),
  };
}
