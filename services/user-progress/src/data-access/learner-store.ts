import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT, context, propagation } from '@opentelemetry/api';
import { DomainError, type DomainEvent } from '@syllabus/contracts';
import { createRelayLoop, type RelayLoop } from '@syllabus/messaging';
import { Gauge, type Logger, type Registry } from '@syllabus/service-kit';
import type { PendingEvent } from '../domain/events';
import type { LearnerState } from '../domain/learner-state';
import type { Decision, LearnerHead, LocalCache } from '../domain/ports';
import { isDuplicateKey, type Models, type OutboxDocument } from './models';
import { trusted } from './trusted';

const versionId = (userId: string, seq: number) => `${userId}:${String(seq).padStart(10, '0')}`;

/**
 * Each learner's state as a chain of versions read by `_id`: `head` finds the newest (from the
 * newest this process has seen, one read to confirm nothing followed it), and `change` decides
 * on it and inserts the next version, deciding again on the newer state when another writer —
 * in this process or another — took that slot first. Nothing is updated in place, nothing is
 * scanned, and nothing relies on atomic updates.
 *
 * Events go out right after the insert; the outbox entry written before it makes sure they go
 * out even if this process dies in between (the relay sends what is left after `graceMs`).
 */
export function createLearnerStore(options: {
  models: Models;
  /** Publishes one event with a confirm (the broker's); `ready` says whether it can now. */
  publish: (event: DomainEvent) => Promise<void>;
  ready: () => boolean;
  logger: Logger;
  registry: Registry;
  /** Called with each committed state, after its events went out (the leaderboard). */
  project: (userId: string, state: LearnerState) => Promise<void>;
  relayIntervalMs: number;
  /** How old an outbox entry must be before the relay takes it over from its writer. */
  graceMs?: number;
  /** Newest versions remembered, per learner, in this process. */
  heads: LocalCache<LearnerHead>;
  /**
   * Find a learner's newest version with the compound index rather than by doubling and halving
   * `_id` reads: true on a server that serves secondary indexes (MongoDB), false on FerretDB.
   */
  seekNewest?: boolean;
}) {
  const { learnerVersions, outbox } = options.models;
  const graceMs = options.graceMs ?? 5_000;
  const { heads } = options;

  const remember = (userId: string, head: LearnerHead) => {
    const known = heads.get(userId);
    if (known && known.seq >= head.seq) return;
    heads.set(userId, head);
  };

  interface VersionDocument {
    _id: string;
    seq: number;
    void?: boolean;
    state?: LearnerState;
    events?: PendingEvent[];
  }
  const read = (userId: string, seq: number) =>
    learnerVersions.findById(versionId(userId, seq)).lean<VersionDocument>();

  /** The newest version that exists (only when this process has not seen the learner yet). */
  async function findLast(userId: string): Promise<number | undefined> {
    if (options.seekNewest) {
      // One seek on the compound index {userId: 1, seq: -1} (a real MongoDB).
      const newest = await learnerVersions
        .findOne({ userId }, { seq: 1 })
        .sort({ seq: -1 })
        .lean<{ seq: number }>();
      return newest?.seq;
    }
    // By `_id` reads alone (FerretDB, which serves nothing else from an index).
    if (!(await read(userId, 0))) return undefined;
    let known = 0;
    let step = 1;
    while (await read(userId, known + step)) {
      known += step;
      step *= 2;
    }
    // `known` exists and `known + step` does not.
    let missing = known + step;
    while (missing - known > 1) {
      const middle = Math.floor((known + missing) / 2);
      if (await read(userId, middle)) known = middle;
      else missing = middle;
    }
    return known;
  }

  /** The state at `seq` or, when that slot was voided, at the nearest version before it. */
  async function stateAt(userId: string, seq: number): Promise<LearnerState> {
    for (let at = seq; at >= 0; at -= 1) {
      const version = await read(userId, at);
      if (version?.state) return version.state;
    }
    throw new Error(`learner ${userId} has no state`);
  }

  async function head(userId: string): Promise<LearnerHead | undefined> {
    let current = heads.get(userId);
    if (!current) {
      const last = await findLast(userId);
      if (last === undefined) return undefined;
      current = { seq: last, state: await stateAt(userId, last) };
    }
    // Versions another writer added since: usually none, so one read.
    for (let next = await read(userId, current.seq + 1); next; next = await read(userId, current.seq + 1)) {
      current = { seq: next.seq, state: next.state ?? current.state };
    }
    remember(userId, current);
    return current;
  }

  const publish = async (events: PendingEvent[]) => {
    for (const { traceContext, ...event } of events) {
      await context.with(propagation.extract(context.active(), traceContext ?? {}), () =>
        options.publish(event),
      );
    }
  };

  // Outbox entries whose events and projection are done, removed together a moment later: one
  // delete for many (the outbox is small, so the `$in` costs nothing) instead of one per change.
  let done: string[] = [];
  // Outbox entries this process's writers are still finishing (sending, or waiting to be
  // removed): this process's relay leaves them alone, so it does not send their events again.
  const finishing = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  const flushDone = async () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (done.length === 0) return;
    const ids = done;
    done = [];
    try {
      await outbox.deleteMany({ _id: trusted({ $in: ids }) });
    } catch (error) {
      // The relay finds them again after the grace period and finishes them (idempotently).
      options.logger.debug({ err: error }, 'outbox clean-up left to the relay');
    } finally {
      for (const id of ids) finishing.delete(id);
    }
  };
  const markDone = (id: string) => {
    done.push(id);
    flushTimer ??= setTimeout(() => void flushDone(), 250).unref();
  };

  /** The leaderboard after a change; false when it must be caught up later. */
  async function project(userId: string, state: LearnerState, id: string) {
    try {
      await options.project(userId, state);
      return true;
    } catch (error) {
      options.logger.debug({ err: error, version: id }, 'projection left to the outbox relay');
      return false;
    }
  }

  /**
   * Sends a committed version's events, then marks its outbox entry done. Runs after the
   * answer: the outbox entry already guarantees the events go out, so the learner does not
   * wait for the broker's confirm. One learner's events go out in the order they happened.
   */
  const sending = new Map<string, Promise<void>>();
  function publishLater(userId: string, id: string, events: PendingEvent[], projected: boolean) {
    finishing.add(id);
    const sent = (sending.get(userId) ?? Promise.resolve()).then(async () => {
      try {
        await publish(events);
      } catch (error) {
        options.logger.debug({ err: error, version: id }, 'events left to the outbox relay');
        finishing.delete(id);
        return;
      }
      if (projected) {
        markDone(id);
        return;
      }
      await outbox.updateOne({ _id: id }, { $set: { sent: true } }).catch(() => undefined);
      finishing.delete(id);
    });
    sending.set(userId, sent);
    void sent.finally(() => {
      if (sending.get(userId) === sent) sending.delete(userId);
    });
  }

  async function insertOutboxEntry(userId: string, seq: number) {
    try {
      await outbox.insertMany([{ _id: versionId(userId, seq), userId, at: new Date(), sent: false }], {
        lean: true,
      });
    } catch (error) {
      // Another writer aims at the same slot: one entry covers whichever of us wins it.
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Inserts a version; false when another writer took its slot first. */
  async function insertVersion(userId: string, seq: number, state: LearnerState, events: PendingEvent[]) {
    try {
      await learnerVersions.insertMany(
        [{ _id: versionId(userId, seq), userId, seq, at: new Date(), state, events }],
        {
          lean: true,
        },
      );
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /**
   * Applies `decide` to the learner's newest state and records the result as the next version.
   * `decide` may throw (a problem for the caller) or return undefined (nothing to change).
   *
   * The first attempt decides on the newest state this process knows without reading it again:
   * if another writer moved on meanwhile, the insert finds the slot taken and the learner is
   * read afresh. A refusal or "nothing to change" is only believed from a state just read.
   */
  async function change(
    userId: string,
    decide: (head: LearnerHead) => Decision,
    maxAttempts = 64,
  ): Promise<{ changed: boolean; head: LearnerHead } | undefined> {
    let known = heads.get(userId);
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const current = known ?? (await head(userId));
      if (!current) return undefined;
      let decision: Decision;
      try {
        decision = decide(current);
      } catch (error) {
        if (!known) throw error;
        known = undefined;
        continue;
      }
      if (!decision) {
        if (!known) return { changed: false, head: current };
        known = undefined;
        continue;
      }
      known = undefined;
      const seq = current.seq + 1;
      const id = versionId(userId, seq);
      await insertOutboxEntry(userId, seq);
      if (!(await insertVersion(userId, seq, decision.state, decision.events))) {
        // Someone else changed this learner first: decide again on what they wrote. A short,
        // growing, jittered pause keeps many writers on one learner from trading places for ever.
        if (attempt > 1) await sleep(Math.random() * Math.min(attempt, 10));
        continue;
      }
      const committed = { seq, state: decision.state };
      remember(userId, committed);
      publishLater(userId, id, decision.events, await project(userId, decision.state, id));
      return { changed: true, head: committed };
    }
    throw new DomainError('overloaded', 'too many changes to this learner at once; try again shortly', {}, 1);
  }

  /** Starts a learner's chain (at sign-up). */
  async function create(userId: string, state: LearnerState, events: PendingEvent[]) {
    await insertOutboxEntry(userId, 0);
    if (!(await insertVersion(userId, 0, state, events))) throw new Error(`learner ${userId} exists`);
    remember(userId, { seq: 0, state });
    const id = versionId(userId, 0);
    publishLater(userId, id, events, await project(userId, state, id));
  }

  // The relay: outbox entries their writer did not finish within the grace period.
  /** Finishes one entry the writer left: its events, the leaderboard, then the entry itself. */
  async function finish(entry: OutboxDocument & { _id: string }) {
    const version = await learnerVersions.findById(entry._id).lean<VersionDocument>();
    if (!version) {
      // Its writer died (or stalls) before writing it: fill the slot with a void version. If
      // the writer gets there first after all, the slot is a real version, sent next round.
      const seq = Number(entry._id.slice(entry._id.lastIndexOf(':') + 1));
      try {
        await learnerVersions.insertMany(
          [{ _id: entry._id, userId: entry.userId, seq, at: new Date(), void: true }],
          {
            lean: true,
          },
        );
        await outbox.deleteOne({ _id: entry._id });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      return;
    }
    if (!version.void && version.state) {
      if (!entry.sent) {
        await context.with(ROOT_CONTEXT, () => publish(version.events ?? []));
        await outbox.updateOne({ _id: entry._id }, { $set: { sent: true } });
      }
      await options.project(entry.userId, version.state);
    }
    await outbox.deleteOne({ _id: entry._id });
  }

  async function relayBatch(): Promise<boolean> {
    const due = await outbox
      .find({ at: trusted({ $lt: new Date(Date.now() - graceMs) }) })
      .sort({ _id: 1 })
      .limit(100)
      .lean<(OutboxDocument & { _id: string })[]>();
    // Another process's relay may still take over an entry whose writer is slower than the
    // grace period (delivery is at least once; consumers drop what they have seen by event id).
    // Learners side by side, each learner's entries in order; one failure (Redis away, say)
    // stops only that learner's entries until the next round.
    const byLearner = new Map<string, (OutboxDocument & { _id: string })[]>();
    for (const entry of due.filter(({ _id }) => !finishing.has(_id))) {
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

  const relay: RelayLoop = createRelayLoop({
    relayBatch,
    intervalMs: options.relayIntervalMs,
    logger: options.logger,
    ready: options.ready,
  });

  return {
    head,
    change,
    create,
    relay,
    /** Waits for this process's sends in flight and clears what they finished (at shutdown). */
    async settle() {
      await Promise.all(sending.values());
      await flushDone();
    },
  };
}
