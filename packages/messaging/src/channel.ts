import type { ConfirmChannel, Options } from 'amqplib';
import { BrokerUnavailableError } from './api';

/** Counts a message's attempts as it goes through the retry queues. */
export const ATTEMPT_HEADER = 'x-syllabus-attempt';

/** Prefixes a topology's exchange or queue name, so that tests (or tenants) never meet. */
export type Naming = (name: string) => string;

/** Publishes and resolves once the broker confirms; rejects with BrokerUnavailableError otherwise. */
export function confirmPublish(
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
