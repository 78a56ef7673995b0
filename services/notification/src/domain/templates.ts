import type { DomainEvent, NotifiableEvent } from '@syllabus/contracts';

export type { NotifiableEvent };

/** The progress events a learner can be notified of, and where they go unless told otherwise. */
export const notifiableEvents = {
  'progress.enrolled.v1': { inApp: true, email: false, webhook: true },
  'progress.lesson-completed.v1': { inApp: true, email: false, webhook: true },
  'progress.course-completed.v1': { inApp: true, email: true, webhook: true },
  'progress.streak-milestone.v1': { inApp: true, email: true, webhook: true },
} as const satisfies Record<NotifiableEvent, { inApp: boolean; email: boolean; webhook: boolean }>;

export const isNotifiable = (type: string): type is NotifiableEvent => type in notifiableEvents;

export interface Message {
  title: string;
  body: string;
}

/** What a learner reads about an event, in the feed and in the email subject and text. */
export function render(event: DomainEvent, courseTitle: (courseId: string) => string): Message {
  const data = event.data as Record<string, unknown>;
  const course = typeof data.courseId === 'string' ? courseTitle(data.courseId) : '';
  switch (event.type) {
    case 'progress.enrolled.v1':
      return {
        title: `You enrolled in ${course}`,
        body: 'Your first lesson is waiting. Small steps, every day.',
      };
    case 'progress.lesson-completed.v1':
      return {
        title: `Lesson completed in ${course}`,
        body: `You are ${String(data.percentComplete)} % through the course.`,
      };
    case 'progress.course-completed.v1':
      return {
        title: `You completed ${String(data.courseTitle)}`,
        body: `Congratulations: every lesson of ${String(data.courseTitle)} is done.`,
      };
    case 'progress.streak-milestone.v1':
      return {
        title: `${String(data.days)}-day streak`,
        body: `You have learnt something ${String(data.days)} days in a row.`,
      };
    default:
      return { title: event.type, body: '' };
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
