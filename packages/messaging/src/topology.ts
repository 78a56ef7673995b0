import type { ConfirmChannel } from 'amqplib';
import type { Topology } from '@syllabus/contracts';
import type { ConsumerOptions } from './api';
import type { Naming } from './channel';

/** Every queue of the topology and its bindings, before anything is published on this connection. */
export async function declareTopology(channel: ConfirmChannel, topology: Topology, named: Naming) {
  const exchange = named(topology.exchange);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  for (const [queue, eventTypes] of Object.entries(topology.queues)) {
    const quorum = { durable: true, arguments: { 'x-queue-type': 'quorum' } };
    await channel.assertQueue(named(queue), quorum);
    for (const type of eventTypes) await channel.bindQueue(named(queue), exchange, type);
    await channel.assertQueue(named(`${queue}.dead-letter`), quorum);
  }
}

// One delay queue per delay: messages wait out their TTL, then dead-letter back into the queue.
export async function declareRetryQueues(
  channel: ConfirmChannel,
  consumer: Pick<Required<ConsumerOptions>, 'queue' | 'retryDelaysMs'>,
  named: Naming,
) {
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
