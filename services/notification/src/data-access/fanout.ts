import type { Redis } from 'ioredis';
import type { Logger } from '@syllabus/service-kit';
import type { Notification } from '../domain/ports';

type Listener = (notification: Notification) => void;

/**
 * New notifications, fanned out to every instance through Redis pub/sub, so that a learner
 * whose live stream is held by any instance receives what any other instance created.
 */
export function createFanout(deps: {
  redis: Redis;
  subscriber: Redis;
  channelPrefix: string;
  logger: Logger;
}) {
  const listeners = new Map<string, Set<Listener>>();
  // Resolves once subscribed. While Redis is away the attempt waits for it; should one fail
  // anyway, it is tried again a second later: never a rejection nobody awaits (which would
  // end the process — seen when notification started while Redis was stopped).
  const subscribe = (): Promise<void> =>
    deps.subscriber.psubscribe(`${deps.channelPrefix}*`).then(
      () => undefined,
      (error: unknown) => {
        if (deps.subscriber.status === 'end') return; // shut down
        deps.logger.warn({ err: error }, 'live fan-out not subscribed yet; trying again');
        return new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref()).then(subscribe);
      },
    );
  const ready = subscribe();
  deps.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const userId = channel.slice(deps.channelPrefix.length);
    const notification = JSON.parse(message) as Notification;
    for (const listener of listeners.get(userId) ?? []) listener(notification);
  });

  return {
    ready,
    publish(notification: Notification) {
      deps.redis
        .publish(deps.channelPrefix + notification.userId, JSON.stringify(notification))
        .catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'live fan-out failed; the feed still has it'),
        );
    },
    subscribe(userId: string, listener: Listener): () => void {
      const set = listeners.get(userId) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(userId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(userId);
      };
    },
  };
}

export type Fanout = ReturnType<typeof createFanout>;
