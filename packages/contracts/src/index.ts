import { randomUUID } from 'node:crypto';
import { z } from 'zod';

const id = z.string().min(1).max(64);
const isoTime = z.iso.datetime({ offset: true });

const courseSnapshot = z
  .object({
    courseId: id,
    slug: z.string().min(1),
    title: z.string().min(1),
    version: z.number().int().positive(),
    lessonIds: z.array(id),
  })
  .strict();

/**
 * The data of every event type, by versioned type name. Consumers validate what they receive
 * against these schemas; a change that would break a consumer must be a new version.
 */
export const eventDataSchemas = {
  'identity.user-registered.v1': z
    .object({
      userId: id,
      email: z.email(),
      displayName: z.string().min(1),
      timeZone: z.string().min(1),
      registeredAt: isoTime,
    })
    .strict(),
  'catalog.course-published.v1': courseSnapshot,
  'catalog.course-updated.v1': courseSnapshot,
  'catalog.course-archived.v1': courseSnapshot,
  'progress.enrolled.v1': z.object({ userId: id, courseId: id, enrolledAt: isoTime }).strict(),
  'progress.lesson-completed.v1': z
    .object({
      userId: id,
      courseId: id,
      lessonId: id,
      completedAt: isoTime,
      percentComplete: z.number().min(0).max(100),
      xpAwarded: z.number().int().min(0),
    })
    .strict(),
  'progress.course-completed.v1': z
    .object({ userId: id, courseId: id, courseTitle: z.string().min(1), completedAt: isoTime })
    .strict(),
  'progress.streak-milestone.v1': z
    .object({ userId: id, days: z.number().int().positive(), reachedAt: isoTime })
    .strict(),
} as const;

export type EventType = keyof typeof eventDataSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;
export const eventTypes = Object.keys(eventDataSchemas) as EventType[];
/** A course as the catalog's events carry it (published, updated and archived alike). */
export type CourseSnapshot = z.infer<typeof courseSnapshot>;

/** The envelope every event travels in: a fact, with an id and a time. */
interface EventEnvelope<T extends EventType> {
  id: string;
  type: T;
  source: string;
  time: string;
  subject: string;
  data: EventData<T>;
}

/**
 * An event of one of the types `T` (any, by default): a union discriminated by `type`, so that
 * checking `event.type` narrows `event.data` to that type's schema.
 */
export type DomainEvent<T extends EventType = EventType> = { [K in T]: EventEnvelope<K> }[T];

const envelopeSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(eventTypes as [EventType, ...EventType[]]),
    source: z.string().min(1),
    time: isoTime,
    subject: z.string().min(1),
    data: z.unknown(),
  })
  .strict();

export class EventValidationError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid event: ${issues.join('; ')}`);
    this.name = 'EventValidationError';
  }
}

const describeIssues = (error: z.ZodError, prefix: string[] = []) =>
  error.issues.map(
    (issue) => `${[...prefix, ...issue.path.map(String)].join('.') || '(root)'}: ${issue.message}`,
  );

/** Validates an envelope and its data against the schema of its type. */
export function parseEvent(raw: unknown): DomainEvent {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw new EventValidationError(describeIssues(envelope.error));
  const data = eventDataSchemas[envelope.data.type].safeParse(envelope.data.data);
  if (!data.success) throw new EventValidationError(describeIssues(data.error, ['data']));
  // The data was just validated against the schema of this very type.
  return { ...envelope.data, data: data.data } as DomainEvent;
}

export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  meta: { source: string; subject: string; id?: string; time?: Date },
): DomainEvent<T> {
  const event = {
    id: meta.id ?? randomUUID(),
    type,
    source: meta.source,
    time: (meta.time ?? new Date()).toISOString(),
    subject: meta.subject,
    data,
  } as DomainEvent<T>;
  parseEvent(event);
  return event;
}

/**
 * The messaging topology of the whole system, in one place: the exchange every event is
 * published to, and each consuming service's queue with the event types bound to it. Every
 * service declares all of it on every connection before it publishes, so whichever starts
 * first, no event is ever routed nowhere.
 */
export const topology = {
  exchange: 'syllabus.events',
  queues: {
    'notification.events': [
      'progress.enrolled.v1',
      'progress.lesson-completed.v1',
      'progress.course-completed.v1',
      'progress.streak-milestone.v1',
      'identity.user-registered.v1',
      'catalog.course-published.v1',
      'catalog.course-updated.v1',
    ],
    'user-progress.catalog-events': [
      'catalog.course-published.v1',
      'catalog.course-updated.v1',
      'catalog.course-archived.v1',
    ],
    'catalog.cache-invalidation': [
      'catalog.course-published.v1',
      'catalog.course-updated.v1',
      'catalog.course-archived.v1',
    ],
  },
} as const satisfies Topology;

export interface Topology {
  exchange: string;
  queues: Record<string, readonly EventType[]>;
}
export type SystemQueue = keyof typeof topology.queues;
/** The event types bound to a queue of the system's topology (any type, for a queue of another). */
export type EventsOf<Queue extends string> = Queue extends SystemQueue
  ? (typeof topology.queues)[Queue][number]
  : EventType;

export * from './problems';
export * from './http';
