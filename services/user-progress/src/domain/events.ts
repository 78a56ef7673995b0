import { createHash } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import { createEvent, type DomainEvent, type EventData, type EventType } from '@syllabus/contracts';

const SOURCE = 'user-progress';

export type PendingEvent<T extends EventType = EventType> = DomainEvent<T> & {
  traceContext: Record<string, string>;
};

/** An event to keep inside the document it describes, with the trace of the request that made it. */
export function pendingEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  userId: string,
  id?: string,
): PendingEvent<T> {
  const traceContext: Record<string, string> = {};
  propagation.inject(context.active(), traceContext);
  return { ...createEvent(type, data, { source: SOURCE, subject: `user/${userId}`, id }), traceContext };
}

/** A UUID derived from its parts: the same fact, however often it is recorded, has one id. */
export function deterministicId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
