import type { Logger } from 'pino';
import type { DomainEvent, EventType, EventsOf, Topology } from '@syllabus/contracts';

export class BrokerUnavailableError extends Error {
  constructor(reason: string) {
    super(`broker unavailable: ${reason}`);
    this.name = 'BrokerUnavailableError';
  }
}

export interface DeliveryInfo {
  /** 1 on first delivery, then 2, 3, … through the retry queues. */
  attempt: number;
  redelivered: boolean;
}

/** Handles the events of the types `T`; `event.type` narrows `event.data`. */
export type EventHandler<T extends EventType = EventType> = (
  event: DomainEvent<T>,
  delivery: DeliveryInfo,
) => Promise<void>;

export interface ConsumerOptions<Queue extends string = string> {
  /** The consumer's own durable queue: a queue of the topology, which says what is bound to it. */
  queue: Queue;
  /** Receives only the event types bound to the queue (anything else is dead-lettered unread). */
  handler: EventHandler<EventsOf<Queue>>;
  /** Unacknowledged messages in flight at once. */
  prefetch?: number;
  /** Attempts before a message goes to `<queue>.dead-letter`. */
  maxAttempts?: number;
  /** Delay before attempt 2, 3, …; the last one repeats. */
  retryDelaysMs?: readonly number[];
}

export interface Broker {
  /** The exchange events are published to (with the prefix). */
  readonly exchange: string;
  /** Publishes persistently; resolves once the broker confirms. Rejects when it cannot confirm. */
  publish<T extends EventType>(event: DomainEvent<T>): Promise<void>;
  /** Declares the consumer's topology and consumes, again after every reconnect. */
  consume<Queue extends string>(options: ConsumerOptions<Queue>): Promise<void>;
  /** Moves up to `limit` dead letters of `queue` back into it, attempts reset. Returns how many. */
  replayDeadLetters(queue: string, limit?: number): Promise<number>;
  /** Up to `limit` dead letters of `queue`, left in place. */
  peekDeadLetters(queue: string, limit?: number): Promise<DeadLetter[]>;
  /** Messages waiting in a queue (e.g. `<queue>.dead-letter`). Queue names here are the topology's. */
  messageCount(queue: string): Promise<number>;
  readonly connected: boolean;
  /** Deliveries this process's handlers are still working on. */
  readonly handling: number;
  /** Calls `listener` after every (re)connection from now on; e.g. to wake an outbox relay. */
  onConnect(listener: () => void): void;
  /** For readiness: resolves when connected. */
  check(): Promise<void>;
  /** Stops consuming, lets in-flight handlers finish, then closes the connection. */
  close(): Promise<void>;
}

export interface DeadLetter {
  eventId: string | undefined;
  type: string | undefined;
  attempts: number;
  lastError: string | undefined;
  body: string;
}

export interface BrokerOptions {
  url: string;
  logger: Logger;
  /** What to declare on every connection; the system's own topology unless a test brings one. */
  topology?: Topology;
  /** Put before every exchange and queue name, so that tests (or tenants) never meet. */
  prefix?: string;
}
