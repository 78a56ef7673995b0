// The messaging package: a RabbitMQ broker for domain events (broker.ts), the topology it
// declares (topology.ts), consumption with retries (consumption.ts), dead-letter tooling
// (dead-letters.ts), and the relay loop both outboxes run on (relay-loop.ts).
export {
  BrokerUnavailableError,
  type Broker,
  type BrokerOptions,
  type ConsumerOptions,
  type DeadLetter,
  type DeliveryInfo,
  type EventHandler,
} from './api';
export { createBroker } from './broker';
export { createRelayLoop, type RelayLoop } from './relay-loop';
