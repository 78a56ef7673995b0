import { ROOT_CONTEXT, SpanKind, context, propagation, trace } from '@opentelemetry/api';
import type { ChannelModel } from 'amqplib';
import type { DeadLetter } from './api';
import { ATTEMPT_HEADER, confirmPublish, type Naming } from './channel';

type Channels = Pick<ChannelModel, 'createChannel' | 'createConfirmChannel'>;

// A queue's dead letters are messages like any other: read with `get`, each one acknowledged
// only once its copy is confirmed back in the queue (replay), or not at all (peek).

const tracer = trace.getTracer('@syllabus/messaging');

/** Moves up to `limit` dead letters of `queue` back into it, attempts reset. Returns how many. */
export async function replayDeadLetters(connection: Channels, named: Naming, queue: string, limit = 1_000) {
  const channel = await connection.createConfirmChannel();
  let replayed = 0;
  try {
    while (replayed < limit) {
      const message = await channel.get(named(`${queue}.dead-letter`), { noAck: false });
      if (!message) break;
      // A replay is an operator's action, so a trace of its own, linked to the trace in which the
      // event failed: the attempts stay where they happened, and the replayed handling is under this.
      const failedIn = trace.getSpanContext(
        propagation.extract(ROOT_CONTEXT, message.properties.headers ?? {}),
      );
      await tracer.startActiveSpan(
        `${queue} replay`,
        {
          kind: SpanKind.PRODUCER,
          links: failedIn ? [{ context: failedIn }] : [],
          attributes: {
            'messaging.system': 'rabbitmq',
            'messaging.destination.name': queue,
            ...(typeof message.properties.messageId === 'string' && {
              'messaging.message.id': message.properties.messageId,
            }),
          },
        },
        ROOT_CONTEXT,
        async (span) => {
          try {
            const headers: Record<string, unknown> = {
              ...message.properties.headers,
              [ATTEMPT_HEADER]: 1,
              'x-syllabus-replayed': true,
            };
            propagation.inject(context.active(), headers);
            await confirmPublish(channel, '', named(queue), message.content, {
              ...message.properties,
              persistent: true,
              headers,
            });
          } finally {
            span.end();
          }
        },
      );
      channel.ack(message);
      replayed += 1;
    }
  } finally {
    await channel.close().catch(() => undefined);
  }
  return replayed;
}

/** Up to `limit` dead letters of `queue`, left in place. */
export async function peekDeadLetters(connection: Channels, named: Naming, queue: string, limit = 100) {
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
}
