import { tokenVerifierFor } from '@syllabus/auth';
import { createCache, createPassThroughCache, openRedis, type Cache } from '@syllabus/cache';
import { createBroker } from '@syllabus/messaging';
import { LRUCache } from 'lru-cache';
import { openPostgres } from '@syllabus/postgres';
import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies({ config, lifecycle, logger, metrics }: ServiceContext<Config>) {
  const { pool: postgres, db } = openPostgres({
    url: config.POSTGRES_URL,
    service: 'catalog',
    registry: metrics.registry,
    lifecycle,
    logger,
  });

  const redis = openRedis({ url: config.CACHE_REDIS_URL, lifecycle, logger });
  const cache: Cache = config.CACHE_ENABLED
    ? createCache({
        redis,
        namespace: config.CACHE_NAMESPACE,
        ttlSeconds: config.CACHE_TTL_SECONDS,
        registry: metrics.registry,
        onError: (error, operation) =>
          logger.debug({ err: error, operation }, 'cache unavailable; reading through'),
      })
    : createPassThroughCache();

  const broker = await createBroker({ url: config.RABBITMQ_URL, prefix: config.MESSAGING_PREFIX, logger });
  lifecycle.onShutdown('rabbitmq', () => broker.close());

  // Process-local and bounded, like every in-memory cache here: the ETag of each published page.
  const etags = new LRUCache<string, string>({ max: 1_000 });

  return { postgres, db, redis, cache, etags, broker, verifyToken: tokenVerifierFor(config) };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
