// What notification's use cases need from storage, in the domain's words. `data-access/`
// implements these with PostgreSQL and returns these plain objects.

import type { NotifiableEvent } from './templates';

export interface Notification {
  id: string;
  seq: number;
  userId: string;
  eventId: string;
  eventType: string;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

export type Channel = 'inApp' | 'email' | 'webhook';

interface Recipient {
  userId: string;
  email: string;
  displayName: string;
  timeZone: string;
}

export interface NotificationStore {
  /** True the first time an event id is seen; false for every redelivery after. */
  firstDelivery(eventId: string, type: string): Promise<boolean>;
  saveRecipient(recipient: Recipient): Promise<void>;
  recipient(userId: string): Promise<Pick<Recipient, 'email' | 'displayName'> | undefined>;
  saveCourseTitle(courseId: string, title: string): Promise<void>;
  courseTitle(courseId: string): Promise<string | undefined>;
  /** The learner's choices for one event type, with the defaults filled in. */
  preferencesFor(userId: string, eventType: NotifiableEvent): Promise<Record<Channel, boolean>>;
  allPreferences(userId: string): Promise<Record<NotifiableEvent, Record<Channel, boolean>>>;
  setPreference(
    userId: string,
    eventType: NotifiableEvent,
    channel: Channel,
    enabled: boolean,
  ): Promise<void>;
  insertNotification(notification: {
    userId: string;
    eventId: string;
    eventType: string;
    title: string;
    body: string;
    at: string;
  }): Promise<Notification>;
  /** Queues one email or webhook for the delivery worker (once per event, channel and subscription). */
  enqueueDelivery(delivery: {
    eventId: string;
    channel: 'email' | 'webhook';
    userId: string;
    subscriptionId: string | null;
    payload: unknown;
  }): Promise<void>;
  activeSubscriptionsFor(userId: string, eventType: string): Promise<{ id: string }[]>;
  /** Newest first, before the sequence number `before`. */
  feed(
    userId: string,
    options: { unreadOnly: boolean; before?: number; limit: number },
  ): Promise<Notification[]>;
  /** Oldest first, after the sequence number `seq`. */
  after(userId: string, seq: number, limit: number): Promise<Notification[]>;
  unreadCount(userId: string): Promise<number>;
  /** Marks one of the user's notifications read; false when it is not theirs or does not exist. */
  markRead(userId: string, id: string): Promise<boolean>;
  markAllRead(userId: string): Promise<number>;
}

/** The store, and the same store inside one unit of work (all of it, or none of it). */
export interface NotificationData extends NotificationStore {
  transaction<T>(work: (store: NotificationStore) => Promise<T>): Promise<T>;
}

export interface Subscription {
  id: string;
  url: string;
  eventTypes: NotifiableEvent[];
  createdAt: string;
  disabledAt: string | null;
  consecutiveFailures: number;
}

/** Webhook subscriptions: a learner's, added within a cap, listed and removed (softly). */
export interface WebhookRepository {
  /** Adds a subscription unless the learner already has `perUser`; undefined then. */
  insertWithinLimit(
    userId: string,
    subscription: { url: string; eventTypes: NotifiableEvent[]; secret: string },
    perUser: number,
  ): Promise<Subscription | undefined>;
  list(userId: string): Promise<Subscription[]>;
  /** Whether the learner had that subscription. */
  remove(userId: string, id: string): Promise<boolean>;
}
