import { tokenVerifierFor } from '@syllabus/auth';
import { openRedis } from '@syllabus/cache';
import { createBroker } from '@syllabus/messaging';
import { openPostgres } from '@syllabus/postgres';
import { Gauge, type ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import { createFanout } from './data-access/fanout';
import { createEmailSender, createWebhookClient } from './data-access/senders';

/** The composition root: the only place that opens connections. Each teardown sits beside its client. */
export async function createDependencies({ config, lifecycle, logger, metrics }: ServiceContext<Config>) {
  const { pool: postgres, db } = openPostgres({
    url: config.POSTGRES_URL,
    service: 'notification',
    registry: metrics.registry,
    lifecycle,
    logger,
  });

  const redis = openRedis({ url: config.REDIS_URL, lifecycle, logger });
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
  const postWebhook = createWebhookClient({
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
  });

  return { postgres, db, redis, fanout, broker, email, postWebhook, verifyToken: tokenVerifierFor(config) };
}

export type Dependencies = Awaited<ReturnType<typeof createDependencies>>;
