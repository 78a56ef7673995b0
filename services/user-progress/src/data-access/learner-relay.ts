import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import type { DomainEvent } from '@syllabus/contracts';
import { createRelayLoop, type RelayLoop } from '@syllabus/messaging';
import { Gauge, type Logger, type Registry } from '@syllabus/service-kit';
import type { LearnerState } from '../domain/learner-state';
import { isDuplicateKey, seqOf, type Models, type OutboxDocument, type VersionDocument } from './models';
import { publishEvents } from './post-commit';
import { trusted } from './trusted';

type OutboxEntry = OutboxDocument & { _id: string };

/**
 * The relay: outbox entries their writer did not finish within the grace period — its process
 * died, or the broker or Redis was away — finished here: the version's events, the leaderboard,
 * then the entry itself. Several instances may relay at once: delivery is at least once, and
 * consumers drop what they have seen by event id.
 */
export function createLearnerRelay(options: {
  models: Models;
  publish: (event: DomainEvent) => Promise<void>;
  project: (userId: string, state: LearnerState) => Promise<void>;
  /** Whether the broker can take events now. */
  ready: () => boolean;
  /** Entries this process's writers are still finishing, left to them. */
  finishing: ReadonlySet<string>;
  intervalMs: number;
  /** How old an outbox entry must be before the relay takes it over from its writer. */
  graceMs: number;
  logger: Logger;
  registry: Registry;
}): RelayLoop {
  const { learnerVersions, outbox } = options.models;

  /** Finishes one entry the writer left: its events, the leaderboard, then the entry itself. */
  async function finish(entry: OutboxEntry) {
    const version = await learnerVersions.findById(entry._id).lean<VersionDocument>();
    if (!version) {
      // Its writer died (or stalls) before writing it: fill the slot with a void version. If
      // the writer gets there first after all, the slot is a real version, sent next round.
      try {
        await learnerVersions.insertMany(
          [{ _id: entry._id, userId: entry.userId, seq: seqOf(entry._id), at: new Date(), void: true }],
          { lean: true },
        );
        await outbox.deleteOne({ _id: entry._id });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      return;
    }
    if (!version.void && version.state) {
      if (!entry.sent) {
        await context.with(ROOT_CONTEXT, () => publishEvents(version.events ?? [], options.publish));
        await outbox.updateOne({ _id: entry._id }, { $set: { sent: true } });
      }
      await options.project(entry.userId, version.state);
    }
    await outbox.deleteOne({ _id: entry._id });
  }

  async function relayBatch(): Promise<boolean> {
    const due = await outbox
      .find({ at: trusted({ $lt: new Date(Date.now() - options.graceMs) }) })
      .sort({ _id: 1 })
      .limit(100)
      .lean<OutboxEntry[]>();
    // Another process's relay may still take over an entry whose writer is slower than the
    // grace period (delivery is at least once; consumers drop what they have seen by event id).
    // Learners side by side, each learner's entries in order; one failure (Redis away, say)
    // stops only that learner's entries until the next round.
    const byLearner = new Map<string, OutboxEntry[]>();
    for (const entry of due.filter(({ _id }) => !options.finishing.has(_id))) {
      byLearner.set(entry.userId, [...(byLearner.get(entry.userId) ?? []), entry]);
    }
    const failures: unknown[] = [];
    await Promise.all(
      [...byLearner.values()].map(async (entries) => {
        try {
          for (const entry of entries) await finish(entry);
        } catch (error) {
          failures.push(error);
        }
      }),
    );
    if (failures.length > 0) throw failures[0];
    return due.length === 100;
  }

  new Gauge({
    name: 'outbox_pending_documents',
    help: 'Learner versions whose events or projection are not confirmed yet',
    registers: [options.registry],
    async collect() {
      this.set(await outbox.estimatedDocumentCount());
    },
  });

  return createRelayLoop({
    relayBatch,
    intervalMs: options.intervalMs,
    logger: options.logger,
    ready: options.ready,
  });
}
