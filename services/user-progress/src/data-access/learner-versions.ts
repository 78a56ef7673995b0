import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '@syllabus/contracts';
import type { PendingEvent } from '../domain/events';
import type { LearnerState } from '../domain/learner-state';
import type { Decision, LearnerHead, LearnerStore, LocalCache } from '../domain/ports';
import { isDuplicateKey, versionId, type Models, type VersionDocument } from './models';

/**
 * Each learner's state as a chain of versions read by `_id`: `head` finds the newest (from the
 * newest this process has seen, one read to confirm nothing followed it), and `change` decides
 * on it and inserts the next version, deciding again on the newer state when another writer —
 * in this process or another — took that slot first. Nothing is updated in place, nothing is
 * scanned, and nothing relies on atomic updates: this is the design FerretDB allows (see the
 * README for the one a real MongoDB allows). An outbox entry is written before each version,
 * so that what follows a commit happens even if this process dies right after it.
 */
export function createLearnerVersions(options: {
  models: Models;
  /** Newest versions remembered, per learner, in this process. */
  heads: LocalCache<LearnerHead>;
  /**
   * Find a learner's newest version with the compound index rather than by doubling and halving
   * `_id` reads: true on a server that serves secondary indexes (MongoDB), false on FerretDB.
   */
  seekNewest?: boolean;
  /** What follows a commit (its events, the leaderboard); it must not fail the change. */
  committed: (userId: string, id: string, state: LearnerState, events: PendingEvent[]) => Promise<void>;
}): LearnerStore {
  const { learnerVersions, outbox } = options.models;
  const { heads } = options;

  const remember = (userId: string, head: LearnerHead) => {
    const known = heads.get(userId);
    if (known && known.seq >= head.seq) return;
    heads.set(userId, head);
  };

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
    const version = { _id: versionId(userId, seq), userId, seq, at: new Date(), state, events };
    // Inserted lean (no document is built), so checked against the schema first.
    await learnerVersions.validate(version);
    try {
      await learnerVersions.insertMany([version], { lean: true });
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
      await options.committed(userId, id, decision.state, decision.events);
      return { changed: true, head: committed };
    }
    throw new DomainError('overloaded', 'too many changes to this learner at once; try again shortly', {}, 1);
  }

  /** Starts a learner's chain (at sign-up). */
  async function create(userId: string, state: LearnerState, events: PendingEvent[]) {
    await insertOutboxEntry(userId, 0);
    if (!(await insertVersion(userId, 0, state, events))) throw new Error(`learner ${userId} exists`);
    remember(userId, { seq: 0, state });
    await options.committed(userId, versionId(userId, 0), state, events);
  }

  return { head, change, create };
}
