import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { createEventHandler } from './domain/handle-event';
import { consumeEvents } from './entry-points/messaging/events-consumer';

/** Background work: consuming events, and sending the emails and webhooks they queue. */
export async function startWorkers(deps: Dependencies, { config, lifecycle }: ServiceContext<Config>) {
  const handle = createEventHandler({
    data: deps.data,
    onNotification: (notification) => deps.fanout.publish(notification),
    onDeliveriesQueued: () => deps.deliveries.wake(),
  });
  await consumeEvents({
    broker: deps.broker,
    maxAttempts: config.MAX_ATTEMPTS,
    retryDelaysMs: config.RETRY_DELAYS_MS,
    handle,
  });
  deps.deliveries.start();
  lifecycle.onShutdown('deliveries', () => deps.deliveries.stop());
}
