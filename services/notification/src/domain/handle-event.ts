import type { DomainEvent, EventsOf } from '@syllabus/contracts';
import type { Notification, NotificationData } from './ports';
import { emailFor, isNotifiable, render } from './templates';

/**
 * One event, handled once: the inbox row, the notification, and the email and webhook sends
 * to make are written in one transaction, so a redelivered event finds its id in the inbox and
 * changes nothing — however often it arrives, there is one notification, one email, one call.
 */
export function createEventHandler(deps: {
  data: NotificationData;
  onNotification: (notification: Notification) => void;
  onDeliveriesQueued: () => void;
}) {
  return async (event: DomainEvent<EventsOf<'notification.events'>>) => {
    const outcome = await deps.data.transaction(async (store) => {
      if (!(await store.firstDelivery(event.id, event.type))) return undefined;
      if (event.type === 'identity.user-registered.v1') {
        const { userId, email, displayName, timeZone } = event.data;
        await store.saveRecipient({ userId, email, displayName, timeZone });
        return undefined;
      }
      if (event.type === 'catalog.course-published.v1' || event.type === 'catalog.course-updated.v1') {
        await store.saveCourseTitle(event.data.courseId, event.data.title);
        return undefined;
      }
      if (!isNotifiable(event)) return undefined;

      const { userId } = event.data;
      const courseId = 'courseId' in event.data ? event.data.courseId : undefined;
      const courseTitle = courseId ? ((await store.courseTitle(courseId)) ?? 'your course') : '';
      const message = render(event, () => courseTitle);
      const wanted = await store.preferencesFor(userId, event.type);
      let queued = false;

      const notification = wanted.inApp
        ? await store.insertNotification({
            userId,
            eventId: event.id,
            eventType: event.type,
            ...message,
            at: event.time,
          })
        : undefined;
      if (wanted.email) {
        const recipient = await store.recipient(userId);
        if (recipient) {
          await store.enqueueDelivery({
            eventId: event.id,
            channel: 'email',
            userId,
            subscriptionId: null,
            payload: { to: recipient.email, ...emailFor(message, recipient.displayName) },
          });
          queued = true;
        }
      }
      if (wanted.webhook) {
        for (const subscription of await store.activeSubscriptionsFor(userId, event.type)) {
          await store.enqueueDelivery({
            eventId: event.id,
            channel: 'webhook',
            userId,
            subscriptionId: subscription.id,
            payload: event,
          });
          queued = true;
        }
      }
      return { notification, queued };
    });
    if (outcome?.notification) deps.onNotification(outcome.notification);
    if (outcome?.queued) deps.onDeliveriesQueued();
  };
}
