import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import { createDeliveryWorker } from './data-access/deliveries';
import { createNotificationData } from './data-access/store';
import { createWebhookRepository } from './data-access/webhooks';
import type { Dependencies } from './dependencies';
import { createFeedService } from './domain/feed';
import { createEventHandler } from './domain/handle-event';
import { createWebhookService } from './domain/webhooks';

/** Notification's domain, wired from its clients; nothing starts here. */
export function createUseCases(deps: Dependencies, { config, logger, metrics }: ServiceContext<Config>) {
  const data = createNotificationData(deps.db);
  // Sends the emails and webhooks the event handler queues; `workers.ts` starts and stops it.
  const deliveries = createDeliveryWorker({
    db: deps.db,
    email: deps.email,
    postWebhook: deps.postWebhook,
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
  return {
    feed: createFeedService({ data }),
    webhooks: createWebhookService({
      subscriptions: createWebhookRepository(deps.db),
      allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      perUser: config.WEBHOOKS_PER_USER,
    }),
    handleEvent: createEventHandler({
      data,
      onNotification: (notification) => deps.fanout.publish(notification),
      onDeliveriesQueued: () => deliveries.wake(),
    }),
    deliveries,
  };
}

export type UseCases = ReturnType<typeof createUseCases>;

/** What notification's stages are typed by (`HttpStage<Notification>`, `WorkersStage<Notification>`). */
export interface Notification {
  config: Config;
  deps: Dependencies;
  useCases: UseCases;
}
