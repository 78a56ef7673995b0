import { createRedisClient } from '@syllabus/cache';
import { createMetrics, type Lifecycle, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export function createDependencies(config: Config, lifecycle: Lifecycle, logger: Logger) {
  const redis = createRedisClient(config.REDIS_URL, (error) =>
    logger.debug({ err: error }, 'redis unavailable'),
  );
  lifecycle.onShutdown('redis', () => redis.disconnect());
  return Promise.resolve({ redis, metrics: createMetrics('gateway') });
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
