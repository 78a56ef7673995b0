import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { connect } from 'amqplib';
import { pino } from 'pino';
import { createEvent, type DomainEvent } from '@syllabus/contracts';
import { testEnv, waitFor } from '@syllabus/testing';
import { outageProxyFor } from '@syllabus/testing/outage';
import { BrokerUnavailableError, createBroker, type Broker } from '../src/index';

const logger = pino({ level: 'silent' });
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const brokers: Broker[] = [];
const exchange = `test.events.${randomUUID()}`;

/** A broker whose topology is one queue bound to the milestone events. */
async function newBroker(queue: string, url = testEnv.RABBITMQ_URL) {
  const topology = { exchange, queues: { [queue]: ['progress.streak-milestone.v1'] as const } };
  const broker = await createBroker({ url, logger, topology });
  brokers.push(broker);
  await waitFor(() => broker.connected, { what: 'broker connection' });
  return broker;
}

const milestone = (subject = 'user/u1') =>
  createEvent(
    'progress.streak-milestone.v1',
    { userId: subject.replace('user/', ''), days: 7, reachedAt: new Date().toISOString() },
    { source: 'test', subject },
  );

/** Consumes `queue`, keeping what `pick` takes of each event, in arrival order. */
async function consumeInto(broker: Broker, queue: string, pick: (event: DomainEvent) => string) {
  const received: string[] = [];
  await broker.consume({
    queue,
    handler: async (event) => {
      received.push(pick(event));
    },
  });
  return received;
}

const queueName = (name: string) => `test.${name}.${randomUUID()}`;

/**
 * Publishes a sentinel and waits until `received` has it: one queue delivers in order, so what
 * was to arrive before it has arrived, and a test can assert that nothing else came.
 */
async function afterSentinel<T>(
  publisher: Broker,
  received: readonly T[],
  eventOf: (item: T) => DomainEvent,
) {
  const sentinel = milestone('user/sentinel');
  await publisher.publish(sentinel);
  await waitFor(() => received.some((item) => eventOf(item).id === sentinel.id), { what: 'the sentinel' });
  return received.filter((item) => eventOf(item).id !== sentinel.id);
}

describe('messaging on a real RabbitMQ', () => {
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });
  after(async () => {
    for (const broker of brokers) await broker.close();
    context.disable();
    propagation.disable();
    trace.disable();
  });

  it('when an event is published, then it is consumed once, with the trace context of its publisher', async () => {
    const queue = queueName('once');
    const broker = await newBroker(queue);
    const received: { event: DomainEvent; traceId: string | undefined }[] = [];
    await broker.consume({
      queue,
      handler: async (event) => {
        received.push({ event, traceId: trace.getActiveSpan()?.spanContext().traceId });
      },
    });
    const event = milestone();
    const publisherTraceId = await provider.getTracer('test').startActiveSpan('publish', async (span) => {
      await broker.publish(event);
      span.end();
      return span.spanContext().traceId;
    });
    await waitFor(() => received.length === 1, { what: 'the event' });
    assert.equal(
      (await afterSentinel(broker, received, (item) => item.event)).length,
      1,
      'consumed exactly once',
    );
    assert.deepEqual(received[0]!.event, event);
    assert.equal(received[0]!.traceId, publisherTraceId);
  });

  it('when events are published before their consumer ever started, then they wait in its queue and reach it', async () => {
    const queue = queueName('early');
    const publisher = await newBroker(queue);
    const early = [milestone(), milestone()];
    for (const event of early) await publisher.publish(event);
    await publisher.close();

    const consumer = await newBroker(queue);
    const received: string[] = [];
    await consumer.consume({ queue, handler: async (event) => void received.push(event.id) });
    await waitFor(() => received.length === 2, { what: 'the events published before the consumer' });
    assert.deepEqual(received.sort(), early.map((event) => event.id).sort());
  });

  it('when a consumer asks for a queue the topology does not have, then it is refused', async () => {
    const broker = await newBroker(queueName('known'));
    await assert.rejects(
      broker.consume({ queue: 'unknown', handler: async () => undefined }),
      /not in the messaging topology/,
    );
  });

  it('when a handler keeps failing, then the message is retried with backoff, then dead-lettered, while others flow; replay re-processes it', async () => {
    const queue = queueName('poison');
    const broker = await newBroker(queue);
    let poisonFixed = false;
    const poisonAttempts: number[] = [];
    const healthy = new Set<string>();
    await broker.consume({
      queue,
      maxAttempts: 3,
      retryDelaysMs: [100, 200],
      handler: async (event, { attempt }) => {
        if (event.subject === 'user/poison') {
          poisonAttempts.push(attempt);
          if (!poisonFixed) throw new Error('cannot handle this one');
          return;
        }
        healthy.add(event.id);
      },
    });
    await broker.publish(milestone('user/poison'));
    const others = Array.from({ length: 5 }, () => milestone());
    for (const event of others) await broker.publish(event);

    await waitFor(() => healthy.size === 5, { what: 'healthy messages' });
    await waitFor(async () => (await broker.messageCount(`${queue}.dead-letter`)) === 1, {
      what: 'the dead letter',
      timeoutMs: 10_000,
    });
    assert.deepEqual(poisonAttempts, [1, 2, 3]);

    poisonFixed = true;
    assert.equal(await broker.replayDeadLetters(queue), 1);
    await waitFor(() => poisonAttempts.length === 4, { what: 'the replayed message' });
    assert.equal(poisonAttempts[3], 1, 'attempts start again after a replay');
    assert.equal(await broker.messageCount(`${queue}.dead-letter`), 0);
  });

  it('when a message breaks its schema, then it is dead-lettered without reaching the handler', async () => {
    const queue = queueName('invalid');
    const broker = await newBroker(queue);
    let handled = 0;
    await broker.consume({
      queue,
      handler: async () => {
        handled += 1;
      },
    });
    const raw = await connect(testEnv.RABBITMQ_URL);
    const channel = await raw.createConfirmChannel();
    const invalid = { ...milestone(), data: { userId: 'u1', days: 'seven' } };
    channel.publish(exchange, 'progress.streak-milestone.v1', Buffer.from(JSON.stringify(invalid)), {
      persistent: true,
    });
    channel.publish(exchange, 'progress.streak-milestone.v1', Buffer.from('not json'), { persistent: true });
    await channel.waitForConfirms();
    await raw.close();
    await waitFor(async () => (await broker.messageCount(`${queue}.dead-letter`)) === 2, {
      what: 'dead letters',
    });
    assert.equal(handled, 0);
  });

  it('when a valid event of a type not bound to the queue arrives there, then it is dead-lettered, and the handler gets only its types', async () => {
    const queue = queueName('unbound');
    const broker = await newBroker(queue);
    const received = await consumeInto(broker, queue, (event) => event.type);
    // Valid in itself, but routed here under a bound key: a handler typed for the queue's
    // types must never see it.
    const stray = createEvent(
      'progress.enrolled.v1',
      { userId: 'u1', courseId: 'c1', enrolledAt: new Date().toISOString() },
      { source: 'test', subject: 'user/u1' },
    );
    const raw = await connect(testEnv.RABBITMQ_URL);
    const channel = await raw.createConfirmChannel();
    channel.publish(exchange, 'progress.streak-milestone.v1', Buffer.from(JSON.stringify(stray)), {
      persistent: true,
    });
    await channel.waitForConfirms();
    await raw.close();
    await broker.publish(milestone());
    await waitFor(() => received.length === 1, { what: 'the bound event' });
    await waitFor(async () => (await broker.messageCount(`${queue}.dead-letter`)) === 1, {
      what: 'the stray event in the dead letters',
    });
    assert.deepEqual(received, ['progress.streak-milestone.v1']);
    const [letter] = await broker.peekDeadLetters(queue);
    assert.match(letter!.lastError ?? '', /progress\.enrolled\.v1 is not bound to/);
  });

  it('when the broker is lost and comes back, then no confirmed message is lost and the client reconnects', async () => {
    const queue = queueName('restart');
    // The publisher reaches the broker through a proxy this test takes down (a broker killed
    // outright, and its queues recovered from disk, is the load harness's chaos phase).
    const outage = await outageProxyFor(testEnv.RABBITMQ_URL);
    // The publisher declares the consumer's queue from the topology: no consumer runs yet.
    const publisher = await newBroker(queue, outage.url);
    const published = new Set<string>();
    for (let i = 0; i < 50; i += 1) {
      const event = milestone();
      await publisher.publish(event);
      published.add(event.id);
    }

    await outage.begin();
    await waitFor(() => !publisher.connected, { what: 'the publisher to see the broker gone' });
    await assert.rejects(publisher.publish(milestone()), BrokerUnavailableError);
    await outage.end();

    await waitFor(() => publisher.connected, { what: 'the publisher to reconnect', timeoutMs: 30_000 });
    for (let i = 0; i < 50; i += 1) {
      const event = milestone();
      await publisher.publish(event);
      published.add(event.id);
    }

    const consumer = await newBroker(queue);
    const received: DomainEvent[] = [];
    await consumer.consume({ queue, handler: async (event) => void received.push(event) });
    await waitFor(() => received.length >= 100, { what: '100 messages', timeoutMs: 20_000 });
    const ids = (await afterSentinel(publisher, received, (event) => event)).map((event) => event.id);
    assert.equal(ids.length, 100);
    assert.deepEqual(new Set(ids), published);
    await outage.close();
  });
});
