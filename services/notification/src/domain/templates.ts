import type { DomainEvent, NotifiableEvent } from '@syllabus/contracts';

export type { NotifiableEvent };

/** The progress events a learner can be notified of, and where they go unless told otherwise. */
export const notifiableEvents = {
  'progress.enrolled.v1': { inApp: true, email: false, webhook: true },
  'progress.lesson-completed.v1': { inApp: true, email: false, webhook: true },
  'progress.course-completed.v1': { inApp: true, email: true, webhook: true },
  'progress.streak-milestone.v1': { inApp: true, email: true, webhook: true },
} as const satisfies Record<NotifiableEvent, { inApp: boolean; email: boolean; webhook: boolean }>;

export const isNotifiable = (event: DomainEvent): event is DomainEvent<NotifiableEvent> =>
  event.type in notifiableEvents;

export interface Message {
  title: string;
  body: string;
}

/** What a learner reads about an event, in the feed and in the email subject and text. */
export function render(
  event: DomainEvent<NotifiableEvent>,
  courseTitle: (courseId: string) => string,
): Message {
  switch (event.type) {
    case 'progress.enrolled.v1':
      return {
        title: `You enrolled in ${courseTitle(event.data.courseId)}`,
        body: 'Your first lesson is waiting. Small steps, every day.',
      };
    case 'progress.lesson-completed.v1':
      return {
        title: `Lesson completed in ${courseTitle(event.data.courseId)}`,
        body: `You are ${event.data.percentComplete} % through the course.`,
      };
    case 'progress.course-completed.v1':
      return {
        title: `You completed ${event.data.courseTitle}`,
        body: `Congratulations: every lesson of ${event.data.courseTitle} is done.`,
      };
    case 'progress.streak-milestone.v1':
      return {
        title: `${event.data.days}-day streak`,
        body: `You have learnt something ${event.data.days} days in a row.`,
      };
  }
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function emailFor(message: Message, displayName: string) {
  return {
    subject: message.title,
    text: `Hello ${displayName},\n\n${message.body}\n\n— Syllabus`,
    html: `<p>Hello ${escapeHtml(displayName)},</p><p>${escapeHtml(message.body)}</p><p>— Syllabus</p>`,
  };
}
