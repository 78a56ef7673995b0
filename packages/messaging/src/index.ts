import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Context,
} from '@opentelemetry/api';
import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib';
import type { Logger } from 'pino';
import {
  EventValidationError,
  parseEvent,
  topology as systemTopology,
  type DomainEvent,
  type EventType,
  type EventsOf,
  type Topology,
} from '@syllabus/contracts';

const ATTEMPT_HEADER = 'x-syllabus-attempt';
const tracer = trace.getTracer('@syllabus/messaging');

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

interface ActiveConsumer {
  options: Required<ConsumerOptions>;
  channel?: ConfirmChannel;
  consumerTag?: string;
}

/**
 * A RabbitMQ client for domain events: one durable topic exchange, publisher confirms,
 * persistent messages, per-consumer durable queues with manual acks, delayed retries and a
 * dead-letter queue. Reconnects with backoff and re-declares everything when the broker returns.
 */
export async function createBroker(options: BrokerOptions): Promise<Broker> {
  const topology: Topology = options.topology ?? systemTopology;
  const prefix = options.prefix ?? '';
  const exchange = `${prefix}${topology.exchange}`;
  const named = (queue: string) => `${prefix}${queue}`;
  const { logger } = options;
  const consumers: ActiveConsumer[] = [];
  const inFlight = new Set<Promise<void>>();
  const connectListeners: (() => void)[] = [];
  let publishChannel: ConfirmChannel | undefined;
  let model: ChannelModel | undefined;
  let closing = false;

  const connection = await connect(options.url, {
    recovery: {
      initialDelay: 200,
      maxDelay: 5_000,
      jitter: 0.2,
      maxRetries: Infinity,
      waitForConnect: false,
      setup: async (connected: ChannelModel) => {
        const channel = await connected.createConfirmChannel();
        channel.on('error', (error: Error) => logger.warn({ err: error }, 'publish channel error'));
        channel.on('close', () => {
          if (publishChannel === channel) publishChannel = undefined;
        });
        await declareTopology(channel);
        publishChannel = channel;
        // Consumers added meanwhile are met by this loop; those added after it by `consume`:
        // `model` is set only once set-up is done, so that none is started twice, nor on a
        // connection whose set-up failed.
        for (const consumer of consumers) await startConsumer(connected, consumer);
        model = connected;
        logger.info({ exchange }, 'connected to the broker');
        for (const listener of connectListeners) listener();
      },
    },
  });
  connection.on('disconnect', (error: Error) => {
    publishChannel = undefined;
    model = undefined;
    if (!closing) logger.warn({ err: error }, 'lost the broker; reconnecting');
  });
  connection.on('error', (error: Error) => logger.warn({ err: error }, 'broker connection error'));

  /** Every queue of the topology and its bindings, before anything is published on this connection. */
  async function declareTopology(channel: ConfirmChannel) {
    await channel.assertExchange(exchange, 'topic', { durable: true });
    for (const [queue, eventTypes] of Object.entries(topology.queues)) {
      const quorum = { durable: true, arguments: { 'x-queue-type': 'quorum' } };
      await channel.assertQueue(named(queue), quorum);
      for (const type of eventTypes) await channel.bindQueue(named(queue), exchange, type);
      await channel.assertQueue(named(`${queue}.dead-letter`), quorum);
    }
  }

  // One delay queue per delay: messages wait out their TTL, then dead-letter back into the queue.
  async function declareRetryQueues(channel: ConfirmChannel, consumer: Required<ConsumerOptions>) {
    for (const delay of new Set(consumer.retryDelaysMs)) {
      await channel.assertQueue(named(`${consumer.queue}.retry.${delay}ms`), {
        durable: true,
        arguments: {
          'x-message-ttl': delay,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': named(consumer.queue),
        },
      });
    }
  }

  async function startConsumer(connected: ChannelModel, consumer: ActiveConsumer) {
    const channel = await connected.createConfirmChannel();
    channel.on('error', (error: Error) =>
      logger.warn({ err: error, queue: consumer.options.queue }, 'consumer channel error'),
    );
    await declareRetryQueues(channel, consumer.options);
    await channel.prefetch(consumer.options.prefetch);
    const { consumerTag } = await channel.consume(named(consumer.options.queue), (message) => {
      if (!message) return; // the broker cancelled the consumer; recovery will start it again
      const work = handleDelivery(channel, consumer.options, message).finally(() => inFlight.delete(work));
      inFlight.add(work);
    });
    consumer.channel = channel;
    consumer.consumerTag = consumerTag;
  }

  async function handleDelivery(
    channel: ConfirmChannel,
    consumer: Required<ConsumerOptions>,
    message: ConsumeMessage,
  ) {
    const headers = message.properties.headers ?? {};
    const attempt = Number(headers[ATTEMPT_HEADER] ?? 1);
    const parent: Context = trace.getActiveSpan()
      ? context.active()
      : propagation.extract(ROOT_CONTEXT, headers);
    await tracer.startActiveSpan(
      `${consumer.queue} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': consumer.queue },
      },
      parent,
      async (span) => {
        try {
          let event: DomainEvent;
          try {
            event = parseEvent(JSON.parse(message.content.toString('utf8')));
            if (!topology.queues[consumer.queue]!.includes(event.type))
              throw new EventValidationError([`${event.type} is not bound to ${consumer.queue}`]);
          } catch (error) {
            // A message that can never be valid is not retried: it goes straight to the dead letters.
            const reason = error instanceof EventValidationError ? error.message : 'not JSON';
            logger.error({ queue: consumer.queue, reason }, 'invalid message dead-lettered');
            await republish(channel, named(`${consumer.queue}.dead-letter`), message, attempt, reason);
            channel.ack(message);
            return;
          }
          span.setAttribute('messaging.message.id', event.id);
          span.setAttribute('syllabus.event.type', event.type);
          try {
            await consumer.handler(event, { attempt, redelivered: message.fields.redelivered });
            channel.ack(message);
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR });
            const reason = error instanceof Error ? error.message : String(error);
            if (attempt >= consumer.maxAttempts) {
              logger.error(
                { queue: consumer.queue, eventId: event.id, attempt, reason },
                'dead-lettered after the last attempt',
              );
              await republish(channel, named(`${consumer.queue}.dead-letter`), message, attempt, reason);
            } else {
              const delay = consumer.retryDelaysMs[Math.min(attempt - 1, consumer.retryDelaysMs.length - 1)]!;
              logger.warn(
                { queue: consumer.queue, eventId: event.id, attempt, delay, reason },
                'handler failed; retrying',
              );
              await republish(
                channel,
                named(`${consumer.queue}.retry.${delay}ms`),
                message,
                attempt + 1,
                reason,
              );
            }
            // Acknowledged only once its copy is confirmed: a crash in between redelivers, never loses.
            channel.ack(message);
          }
        } catch (error) {
          // The channel went away mid-way; the broker redelivers what was not acknowledged.
          logger.warn({ err: error, queue: consumer.queue }, 'delivery not settled; it will be redelivered');
        } finally {
          span.end();
        }
      },
    );
  }

  function republish(
    channel: ConfirmChannel,
    queue: string,
    message: ConsumeMessage,
    attempt: number,
    reason: string,
  ) {
    return confirmPublish(channel, '', queue, message.content, {
      ...message.properties,
      persistent: true,
      headers: {
        ...message.properties.headers,
        [ATTEMPT_HEADER]: attempt,
        'x-syllabus-last-error': reason.slice(0, 500),
      },
    });
  }

  const broker: Broker = {
    exchange,
    get connected() {
      return publishChannel !== undefined;
    },
    get handling() {
      return inFlight.size;
    },
    onConnect(listener) {
      connectListeners.push(listener);
    },
    async publish(event) {
      const channel = publishChannel;
      if (!channel) throw new BrokerUnavailableError('not connected');
      const headers: Record<string, unknown> = {};
      propagation.inject(context.active(), headers);
      await confirmPublish(channel, exchange, event.type, Buffer.from(JSON.stringify(event)), {
        persistent: true,
        contentType: 'application/json',
        messageId: event.id,
        type: event.type,
        timestamp: Math.floor(Date.parse(event.time) / 1000),
        appId: event.source,
        headers,
      });
    },
    async consume(consumerOptions) {
      if (!Object.hasOwn(topology.queues, consumerOptions.queue))
        throw new Error(`queue ${consumerOptions.queue} is not in the messaging topology`);
      const consumer: ActiveConsumer = {
        options: {
          prefetch: 10,
          maxAttempts: 5,
          retryDelaysMs: [1_000, 5_000, 30_000],
          ...consumerOptions,
          // handleDelivery passes it only the types bound to its queue, which is what it accepts.
          handler: consumerOptions.handler as EventHandler,
        },
      };
      consumers.push(consumer);
      if (model) await startConsumer(model, consumer);
    },
    async replayDeadLetters(queue, limit = 1_000) {
      const channel = await connection.createConfirmChannel();
      let replayed = 0;
      try {
        while (replayed < limit) {
          const message = await channel.get(named(`${queue}.dead-letter`), { noAck: false });
          if (!message) break;
          await confirmPublish(channel, '', named(queue), message.content, {
            ...message.properties,
            persistent: true,
            headers: { ...message.properties.headers, [ATTEMPT_HEADER]: 1, 'x-syllabus-replayed': true },
          });
          channel.ack(message);
          replayed += 1;
        }
      } finally {
        await channel.close().catch(() => undefined);
      }
      return replayed;
    },
    async peekDeadLetters(queue, limit = 100) {
      const channel = await connection.createChannel();
      const letters: DeadLetter[] = [];
      try {
        while (letters.length < limit) {
          const message = await channel.get(named(`${queue}.dead-letter`), { noAck: false });
          if (!message) break;
          const headers = message.properties.headers ?? {};
          letters.push({
            eventId: message.properties.messageId as string | undefined,
            type: message.properties.type as string | undefined,
            attempts: Number(headers[ATTEMPT_HEADER] ?? 1),
            lastError: headers['x-syllabus-last-error'] as string | undefined,
            body: message.content.toString('utf8'),
          });
        }
      } finally {
        // Closing without acknowledging puts every message back where it was.
        await channel.close().catch(() => undefined);
      }
      return letters;
    },
    async messageCount(queue) {
      const channel = await connection.createChannel();
      try {
        return (await channel.checkQueue(named(queue))).messageCount;
      } finally {
        await channel.close().catch(() => undefined);
      }
    },
    check() {
      return publishChannel ? Promise.resolve() : Promise.reject(new BrokerUnavailableError('not connected'));
    },
    async close() {
      closing = true;
      for (const consumer of consumers) {
        if (consumer.channel && consumer.consumerTag) {
          await consumer.channel.cancel(consumer.consumerTag).catch(() => undefined);
        }
      }
      await Promise.allSettled([...inFlight]);
      await connection.close().catch(() => undefined);
    },
  };
  return broker;
}

function confirmPublish(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  properties: Options.Publish,
): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      channel.publish(exchange, routingKey, content, properties, (error) =>
        error ? reject(new BrokerUnavailableError(String(error))) : resolve(),
      );
    } catch (error) {
      reject(new BrokerUnavailableError(error instanceof Error ? error.message : String(error)));
    }
  });
}

export { createRelayLoop, type RelayLoop } from './relay-loop';
