import { DomainError } from '@syllabus/contracts';
import type { Channel, NotificationData } from './ports';
import type { NotifiableEvent } from './templates';

/** A learner's in-app feed and what they want to be told how. */
export function createFeedService(deps: { data: NotificationData }) {
  const { data } = deps;
  return {
    async page(userId: string, options: { unreadOnly: boolean; before?: number; limit: number }) {
      const items = await data.feed(userId, options);
      return {
        items,
        nextCursor: items.length === options.limit ? String(items.at(-1)!.seq) : null,
        unreadCount: await data.unreadCount(userId),
      };
    },

    /** What a live stream that reconnects missed: notifications after `seq`, oldest first. */
    after: (userId: string, seq: number, limit: number) => data.after(userId, seq, limit),

    markAllRead: (userId: string) => data.markAllRead(userId),

    async markRead(userId: string, id: string) {
      // Someone else's notification and no notification look the same from outside.
      if (!(await data.markRead(userId, id)))
        throw new DomainError('notification-not-found', `no notification ${id}`);
    },

    preferences: (userId: string) => data.allPreferences(userId),

    /** Applies every change in one transaction, and returns all preferences as they now are. */
    async setPreferences(
      userId: string,
      changes: Partial<Record<NotifiableEvent, Partial<Record<Channel, boolean | undefined>> | undefined>>,
    ) {
      await data.transaction(async (store) => {
        for (const [eventType, channels] of Object.entries(changes)) {
          for (const [channel, enabled] of Object.entries(channels ?? {})) {
            if (enabled !== undefined)
              await store.setPreference(userId, eventType as NotifiableEvent, channel as Channel, enabled);
          }
        }
      });
      return data.allPreferences(userId);
    },
  };
}

export type FeedService = ReturnType<typeof createFeedService>;
