import { z } from 'zod';
import { timestamp, uniqueList, uuid } from './fields';
import { route } from './route';

// Notification's routes: the in-app feed, its live stream, preferences and webhooks.

/** The events a learner can be notified of. */
export const notifiableEventTypes = [
  'progress.enrolled.v1',
  'progress.lesson-completed.v1',
  'progress.course-completed.v1',
  'progress.streak-milestone.v1',
] as const;
export type NotifiableEvent = (typeof notifiableEventTypes)[number];
export const channels = ['inApp', 'email', 'webhook'] as const;

const eventType = z.enum(notifiableEventTypes);
const seqCursor = z.string().regex(/^\d{1,15}$/, 'a cursor this API issued');

export const notificationSchema = z
  .strictObject({
    id: uuid,
    seq: z.int().min(1),
    userId: z.string(),
    eventId: uuid,
    eventType: z.string(),
    title: z.string(),
    body: z.string(),
    createdAt: timestamp,
    readAt: timestamp.nullable(),
  })
  .meta({ id: 'Notification' });

const channelChoice = z.strictObject({ inApp: z.boolean(), email: z.boolean(), webhook: z.boolean() });
const preferences = z
  .strictObject({
    preferences: z.strictObject(
      Object.fromEntries(notifiableEventTypes.map((type) => [type, channelChoice])) as Record<
        NotifiableEvent,
        typeof channelChoice
      >,
    ),
  })
  .meta({ id: 'Preferences' });

export const webhookSchema = z
  .strictObject({
    id: uuid,
    url: z.string(),
    eventTypes: z.array(eventType),
    createdAt: timestamp,
    disabledAt: timestamp.nullable(),
    consecutiveFailures: z.int().min(0),
  })
  .meta({ id: 'Webhook' });

export const notificationRoutes = {
  listNotifications: route({
    operationId: 'listNotifications',
    method: 'get',
    path: '/v1/me/notifications',
    summary: 'My notifications, newest first, a page at a time, with the unread count',
    access: 'learner',
    query: z.strictObject({
      unread: z.enum(['true', 'false']).default('false'),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: seqCursor.optional(),
    }),
    responses: {
      200: {
        description: 'A page; `nextCursor` is null on the last one',
        body: z
          .strictObject({
            items: z.array(notificationSchema),
            nextCursor: z.string().nullable(),
            unreadCount: z.int().min(0),
          })
          .meta({ id: 'NotificationPage' }),
      },
    },
  }),
  markAllRead: route({
    operationId: 'markAllRead',
    method: 'post',
    path: '/v1/me/notifications/read-all',
    summary: 'Mark every notification read',
    access: 'learner',
    responses: {
      200: { description: 'How many changed', body: z.strictObject({ updated: z.int().min(0) }) },
    },
  }),
  markRead: route({
    operationId: 'markRead',
    method: 'post',
    path: '/v1/me/notifications/{notification}/read',
    summary: 'Mark one notification read',
    access: 'learner',
    params: z.strictObject({ notification: uuid }),
    responses: { 204: { description: 'Read' } },
    problems: ['notification-not-found'],
  }),
  notificationStream: route({
    operationId: 'notificationStream',
    method: 'get',
    path: '/v1/me/notifications/stream',
    summary: 'My notifications as they happen (Server-Sent Events)',
    description:
      'Each event is a notification as JSON, its `id` the notification `seq`. Reconnecting with ' +
      'Last-Event-ID replays what was missed. At most a few streams per learner (429 beyond).',
    access: 'learner',
    headers: z.strictObject({
      'last-event-id': seqCursor.optional().meta({ description: 'The last `seq` received' }),
    }),
    responses: {
      200: {
        description: 'An event stream; the server ends it after a while (reconnect with Last-Event-ID)',
        contentType: 'text/event-stream',
        body: z
          .strictObject({
            id: z.string().meta({ description: 'The notification `seq`' }),
            event: z.literal('notification'),
            data: z.string().meta({ description: 'The Notification, as JSON' }),
          })
          .meta({ description: 'Each event' }),
      },
    },
    problems: ['too-many-streams'],
  }),
  getPreferences: route({
    operationId: 'getPreferences',
    method: 'get',
    path: '/v1/me/notification-preferences',
    summary: 'My channels per event type',
    access: 'learner',
    responses: { 200: { description: 'Every event type with its channels', body: preferences } },
  }),
  setPreferences: route({
    operationId: 'setPreferences',
    method: 'put',
    path: '/v1/me/notification-preferences',
    summary: 'Turn channels on or off per event type (those not sent are unchanged)',
    access: 'learner',
    body: z.strictObject({
      preferences: z.partialRecord(eventType, channelChoice.partial()),
    }),
    responses: { 200: { description: 'Every event type with its channels', body: preferences } },
  }),
  createWebhook: route({
    operationId: 'createWebhook',
    method: 'post',
    path: '/v1/me/webhooks',
    summary: 'Subscribe an https URL to events; the answer holds its signing secret, once',
    access: 'learner',
    body: z.strictObject({
      url: z
        .url({ protocol: /^https?$/ })
        .max(2_000)
        .meta({ description: 'https, on a public address (otherwise 422 webhook-url-refused)' }),
      eventTypes: uniqueList(eventType, 10, 1),
    }),
    responses: {
      201: {
        description: 'The subscription and its secret',
        body: webhookSchema
          .extend({ secret: z.string().meta({ description: 'HMAC-SHA256 key; shown only here' }) })
          .meta({ id: 'NewWebhook' }),
      },
    },
    problems: ['webhook-url-refused', 'webhook-limit'],
    links: {
      201: { Delete: { operationId: 'deleteWebhook', parameters: { webhook: '$response.body#/id' } } },
    },
  }),
  listWebhooks: route({
    operationId: 'listWebhooks',
    method: 'get',
    path: '/v1/me/webhooks',
    summary: 'My webhooks (without their secrets)',
    access: 'learner',
    responses: {
      200: { description: 'Every webhook', body: z.strictObject({ items: z.array(webhookSchema) }) },
    },
  }),
  deleteWebhook: route({
    operationId: 'deleteWebhook',
    method: 'delete',
    path: '/v1/me/webhooks/{webhook}',
    summary: 'Delete a webhook',
    access: 'learner',
    params: z.strictObject({ webhook: uuid }),
    responses: { 204: { description: 'Deleted' } },
    problems: ['webhook-not-found'],
  }),
};
