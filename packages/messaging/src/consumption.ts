import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Context,
} from '@opentelemetry/api';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { EventValidationError, parseEvent, type DomainEvent, type Topology } from '@syllabus/contracts';
import type { ConsumerOptions } from './api';
import { ATTEMPT_HEADER, confirmPublish, type Naming } from './channel';
import { declareRetryQueues } from './topology';

const tracer = trace.getTracer('@syllabus/messaging');

export interface ActiveConsumer {
  options: Required<ConsumerOptions>;
  channel?: ConfirmChannel;
  consumerTag?: string;
}

/**
 * Consumption with manual acks: each delivery is parsed and checked against what its queue is
 * bound to, handled inside a span continuing the publisher's trace, and acknowledged only once
 * it is done — or once its copy is confirmed in a retry queue or the dead letters.
 */
export function createConsumption(deps: {
  topology: Topology;
  named: Naming;
  logger: Logger;
  /** The deliveries being handled now; `close` waits for them. */
  inFlight: Set<Promise<void>>;
}) {
  const { topology, named, logger, inFlight } = deps;

  async function startConsumer(connected: ChannelModel, consumer: ActiveConsumer) {
    const channel = await connected.createConfirmChannel();
    channel.on('error', (error: Error) =>
      logger.warn({ err: error, queue: consumer.options.queue }, 'consumer channel error'),
    );
    await declareRetryQueues(channel, consumer.options, named);
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
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.destination.name': consumer.queue,
          // Which attempt this is (retries count up; a replayed dead letter starts again at 1).
          'syllabus.event.attempt': attempt,
          ...(headers['x-syllabus-replayed'] === true && { 'syllabus.event.replayed': true }),
        },
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

  return { startConsumer };
}
