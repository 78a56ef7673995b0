import { Pool } from 'pg';
import { createTokenVerifier } from '@syllabus/auth';
import { createCache, createPassThroughCache, createRedisClient, type Cache } from '@syllabus/cache';
import { createBroker } from '@syllabus/messaging';
import { createMetrics, type Lifecycle, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';
import { createDatabase } from '@syllabus/postgres';
import { createOutboxRelay } from './data-access/outbox';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies(config: Config, lifecycle: Lifecycle, logger: Logger) {
  const metrics = createMetrics('catalog');

  const postgres = new Pool({
    connectionString: config.POSTGRES_URL,
    max: 10,
    connectionTimeoutMillis: 2_000,
  });
  postgres.on('error', (error) => logger.warn({ err: error }, 'idle postgres client failed'));
  lifecycle.onShutdown('postgres', () => postgres.end());
  const db = createDatabase(postgres, metrics.registry, 'catalog');

  const redis = createRedisClient(config.CACHE_REDIS_URL, (error) =>
    logger.debug({ err: error }, 'redis unavailable'),
  );
  lifecycle.onShutdown('redis', () => redis.disconnect());
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

  const broker = await createBroker({
    url: config.RABBITMQ_URL,
    prefix: config.MESSAGING_PREFIX,
    logger,
    // Runs after a (re)connection, which needs network I/O: `outbox` below exists by then.
    onConnect: () => outbox.wake(),
  });
  lifecycle.onShutdown('rabbitmq', () => broker.close());

  const outbox = createOutboxRelay({
    pool: postgres,
    broker,
    logger,
    registry: metrics.registry,
    intervalMs: config.OUTBOX_INTERVAL_MS,
  });

  const verifyToken = createTokenVerifier({
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });

  return { postgres, db, redis, cache, broker, outbox, verifyToken, metrics };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
