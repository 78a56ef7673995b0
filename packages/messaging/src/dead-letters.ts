import type { ChannelModel } from 'amqplib';
import type { DeadLetter } from './api';
import { ATTEMPT_HEADER, confirmPublish, type Naming } from './channel';

type Channels = Pick<ChannelModel, 'createChannel' | 'createConfirmChannel'>;

// A queue's dead letters are messages like any other: read with `get`, each one acknowledged
// only once its copy is confirmed back in the queue (replay), or not at all (peek).

/** Moves up to `limit` dead letters of `queue` back into it, attempts reset. Returns how many. */
export async function replayDeadLetters(connection: Channels, named: Naming, queue: string, limit = 1_000) {
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
