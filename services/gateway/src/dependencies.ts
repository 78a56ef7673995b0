import { createTokenVerifier } from '@syllabus/auth';
import { openRedis } from '@syllabus/cache';
import { LRUCache } from 'lru-cache';
import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import { createUpstreams } from './data-access/upstreams';
import { createKeyRing } from './domain/keys';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies({ config, lifecycle, logger }: ServiceContext<Config>) {
  const redis = openRedis({ url: config.REDIS_URL, lifecycle, logger });

  const upstreams = createUpstreams({
    urls: {
      catalog: config.CATALOG_URL,
      'user-progress': config.USER_PROGRESS_URL,
      notification: config.NOTIFICATION_URL,
    },
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    bulkhead: { concurrency: config.UPSTREAM_CONCURRENCY, queue: config.UPSTREAM_QUEUE },
    streamConnections: config.STREAMS_MAX,
    logger,
  });
  lifecycle.onShutdown('upstream pools', () => upstreams.close());

  const keys = await createKeyRing(config.JWT_SIGNING_KEYS);
  // The gateway checks tokens itself too (for the dashboard), against the keys it publishes.
  const verifyToken = createTokenVerifier({
    localKeys: keys.jwks,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });

  // Process-local and bounded, like every in-memory cache here: operations registered by hash.
  const persistedQueries = new LRUCache<string, string>({ max: 1_000 });

  return { redis, upstreams, keys, verifyToken, persistedQueries };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
