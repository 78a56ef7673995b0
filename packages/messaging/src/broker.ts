import { context, propagation } from '@opentelemetry/api';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { topology as systemTopology, type Topology } from '@syllabus/contracts';
import { BrokerUnavailableError, type Broker, type BrokerOptions, type EventHandler } from './api';
import { confirmPublish } from './channel';
import { createConsumption, type ActiveConsumer } from './consumption';
import { peekDeadLetters, replayDeadLetters } from './dead-letters';
import { declareTopology } from './topology';

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
  const { startConsumer } = createConsumption({ topology, named, logger, inFlight });
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
        await declareTopology(channel, topology, named);
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
    replayDeadLetters: (queue, limit) => replayDeadLetters(connection, named, queue, limit),
    peekDeadLetters: (queue, limit) => peekDeadLetters(connection, named, queue, limit),
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
