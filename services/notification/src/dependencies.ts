import { Pool } from 'pg';
import { createRedisClient } from '@syllabus/cache';
import { createBroker } from '@syllabus/messaging';
import { createMetrics, type Lifecycle, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies(config: Config, lifecycle: Lifecycle, logger: Logger) {
  const postgres = new Pool({
    connectionString: config.POSTGRES_URL,
    max: 10,
    connectionTimeoutMillis: 2_000,
  });
  postgres.on('error', (error) => logger.warn({ err: error }, 'idle postgres client failed'));
  lifecycle.onShutdown('postgres', () => postgres.end());

  const redis = createRedisClient(config.REDIS_URL, (error) =>
    logger.debug({ err: error }, 'redis unavailable'),
  );
  lifecycle.onShutdown('redis', () => redis.disconnect());

  const broker = await createBroker({ url: config.RABBITMQ_URL, logger });
  lifecycle.onShutdown('rabbitmq', () => broker.close());

  return { postgres, redis, broker, metrics: createMetrics('notification') };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
