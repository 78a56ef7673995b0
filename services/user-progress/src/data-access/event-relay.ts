import { ROOT_CONTEXT, context, propagation } from '@opentelemetry/api';
import type { Model } from 'mongoose';
import type { DomainEvent } from '@syllabus/contracts';
import { createRelayLoop, type Broker, type RelayLoop } from '@syllabus/messaging';
import { Gauge, type Logger, type Registry } from '@syllabus/service-kit';
import type { Models } from './models';
import { trusted } from './trusted';

const LEASE_MS = 30_000;

interface OutboxDocument {
  _id: unknown;
  pendingEvents: (DomainEvent & { traceContext?: Record<string, string> })[];
}

/**
 * Publishes the events waiting inside user, enrolment and achievement documents. Their events
 * are written with them and changed only here: a document is leased, its events are
 * published with confirms, and only then are they removed. A crash in between re-sends them;
 * delivery is at least once and consumers deduplicate by event id.
 */
export function createEventRelay(options: {
  models: Models;
  broker: Broker;
  logger: Logger;
  registry: Registry;
  intervalMs: number;
}): RelayLoop {
  const sources = [
    options.models.users,
    options.models.enrolments,
    options.models.achievements,
  ] as unknown as Model<OutboxDocument>[];

  new Gauge({
    name: 'outbox_pending_documents',
    help: 'Documents holding events the broker has not confirmed yet',
    registers: [options.registry],
    async collect() {
      let pending = 0;
      for (const source of sources) pending += await source.countDocuments({ hasPendingEvents: true });
      this.set(pending);
    },
  });

  async function relayOne(source: Model<OutboxDocument>): Promise<boolean> {
    const now = new Date();
    const leased = await source
      .findOneAndUpdate(
        {
          hasPendingEvents: true,
          $or: [{ relayLockedUntil: null }, { relayLockedUntil: trusted({ $lt: now }) }],
        },
        { $set: { relayLockedUntil: new Date(now.getTime() + LEASE_MS) } },
        // Oldest first, so one learner's events go out in the order they happened.
        { new: true, sort: { _id: 1 } },
      )
      .lean<OutboxDocument>();
    if (!leased) return false;
    let sent = 0;
    for (const { traceContext, ...event } of leased.pendingEvents) {
      try {
        await context.with(propagation.extract(ROOT_CONTEXT, traceContext ?? {}), () =>
          options.broker.publish(event),
        );
        sent += 1;
      } catch {
        break;
      }
    }
    const remaining = leased.pendingEvents.slice(sent);
    await source.updateOne(
      { _id: leased._id },
      { $set: { pendingEvents: remaining, hasPendingEvents: remaining.length > 0, relayLockedUntil: null } },
    );
    return remaining.length === 0;
  }

  return createRelayLoop({
    // Returns true while documents keep coming, so the loop drains every source.
    relayBatch: async () => {
      let progressed = false;
      for (const source of sources) progressed = (await relayOne(source)) || progressed;
      return progressed;
    },
    intervalMs: options.intervalMs,
    logger: options.logger,
    ready: () => options.broker.connected,
  });
}
