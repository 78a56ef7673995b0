import { Pool } from 'pg';
import { createTokenVerifier } from '@syllabus/auth';
import { createRedisClient } from '@syllabus/cache';
import { createBroker } from '@syllabus/messaging';
import { createDatabase } from '@syllabus/postgres';
import { Gauge, createMetrics, type Lifecycle, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';
import { createDeliveryWorker } from './data-access/deliveries';
import { createFanout } from './data-access/fanout';
import { createEmailSender, createWebhookClient } from './data-access/senders';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies(config: Config, lifecycle: Lifecycle, logger: Logger) {
  const metrics = createMetrics('notification');

  const postgres = new Pool({
    connectionString: config.POSTGRES_URL,
    max: 10,
    connectionTimeoutMillis: 2_000,
  });
  postgres.on('error', (error) => logger.warn({ err: error }, 'idle postgres client failed'));
  lifecycle.onShutdown('postgres', () => postgres.end());
  const db = createDatabase(postgres, metrics.registry, 'notification');

  const redis = createRedisClient(config.REDIS_URL, (error) =>
    logger.debug({ err: error }, 'redis unavailable'),
  );
  lifecycle.onShutdown('redis', () => redis.disconnect());
  // The subscription connection waits for Redis instead of failing fast: no command timeout.
  const subscriber = redis.duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    commandTimeout: undefined,
  });
  subscriber.on('error', (error: Error) => logger.debug({ err: error }, 'redis subscriber unavailable'));
  lifecycle.onShutdown('redis subscriber', () => subscriber.disconnect());
  const fanout = createFanout({ redis, subscriber, channelPrefix: config.FANOUT_CHANNEL_PREFIX, logger });

  const broker = await createBroker({ url: config.RABBITMQ_URL, prefix: config.MESSAGING_PREFIX, logger });
  lifecycle.onShutdown('rabbitmq', () => broker.close());
  new Gauge({
    name: 'notification_queue_messages',
    help: 'Messages waiting in the notification queues (consumer lag and dead letters)',
    labelNames: ['queue'] as const,
    registers: [metrics.registry],
    async collect() {
      for (const queue of ['notification.events', 'notification.events.dead-letter']) {
        const count = await broker.messageCount(queue).catch(() => undefined);
        if (count !== undefined) this.set({ queue }, count);
      }
    },
  });

  const email = createEmailSender({
    smtpUrl: config.SMTP_URL,
    from: config.EMAIL_FROM,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  });
  lifecycle.onShutdown('smtp', () => email.close());
  const deliveries = createDeliveryWorker({
    db,
    email,
    postWebhook: createWebhookClient({
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    }),
    logger,
    registry: metrics.registry,
    intervalMs: config.DELIVERY_INTERVAL_MS,
    maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
    backoffMs: config.DELIVERY_BACKOFF_MS,
    disableAfter: config.WEBHOOK_DISABLE_AFTER,
    concurrency: config.DELIVERY_CONCURRENCY,
    // Every send ends within WEBHOOK_TIMEOUT_MS (emails too); the rest is recording the outcome.
    leaseMs: 4 * config.WEBHOOK_TIMEOUT_MS,
  });

  const verifyToken = createTokenVerifier({
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });

  return { postgres, db, redis, fanout, broker, deliveries, verifyToken, metrics };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
