// What user-progress's use cases need from storage, in the domain's words. `data-access/`
// implements these with MongoDB (or FerretDB) and Redis, and returns these plain objects.

import type { Role } from '@syllabus/auth';
import type { CourseSnapshot } from '@syllabus/contracts';
import type { PendingEvent } from './events';
import type { LearnerState } from './learner-state';

export interface Account {
  id: string;
  email: string;
  passwordHash: string;
  displayName: string;
  roles: Role[];
  timeZone: string;
  createdAt: Date;
}

/** An email address's claim on an account: the unique insert that makes sign-up race-free. */
export interface EmailClaim {
  userId: string;
  at: Date;
}

export interface AccountRepository {
  newId(): string;
  byId(id: string): Promise<Account | null>;
  byEmail(email: string): Promise<Account | null>;
  exists(id: string): Promise<boolean>;
  /** Inserts the claim; false when the address is claimed already. */
  claimEmail(email: string, userId: string): Promise<boolean>;
  claimOf(email: string): Promise<EmailClaim | null>;
  /** Drops the claim, if it is still this user's. */
  releaseClaim(email: string, userId: string): Promise<void>;
  create(account: Account): Promise<Account>;
  addRoles(id: string, roles: readonly Role[]): Promise<Account | null>;
  /** Whether there was such an account. */
  setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /** Every account's id (for rebuilding the leaderboard). */
  ids(): AsyncIterable<string>;
}

/** The catalog's course as this service keeps it, built from catalog events. */
export interface CourseCopy {
  id: string;
  slug: string;
  title: string;
  lessonIds: string[];
  status: 'published' | 'archived';
}

export interface CourseReadModel {
  find(courseId: string): Promise<CourseCopy | null>;
  /** Writes a course's state as of its version, unless the copy has that version or a newer one. */
  apply(course: CourseSnapshot, status: CourseCopy['status'], at: Date): Promise<void>;
}

/** A learner's newest state, and its place in the learner's chain of versions. */
export interface LearnerHead {
  seq: number;
  state: LearnerState;
}

/** A change decided on the current state: the next state and what it announces. */
export type Decision = { state: LearnerState; events: PendingEvent[] } | undefined;

/**
 * Each learner's state, changed only by deciding on the newest one. `data-access/` implements it
 * as FerretDB allows — a chain of versions, an outbox and a relay; on a real MongoDB one
 * document per learner with a compare-and-set on its version would do (the service's README
 * says which FerretDB limit each part answers).
 */
export interface LearnerStore {
  head(userId: string): Promise<LearnerHead | undefined>;
  /**
   * Applies `decide` to the learner's newest state and records the result as the next version,
   * deciding again when another writer got there first. `decide` may throw (a problem for the
   * caller) or return undefined (nothing to change). Undefined when there is no such learner.
   */
  change(
    userId: string,
    decide: (head: LearnerHead) => Decision,
  ): Promise<{ changed: boolean; head: LearnerHead } | undefined>;
  /** Starts a learner's chain (at sign-up). */
  create(userId: string, state: LearnerState, events: PendingEvent[]): Promise<void>;
}

/** A bounded, process-local cache (an LRU, whose entries may also expire). */
export interface LocalCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): unknown;
  delete(key: string): boolean;
}

export interface LeaderboardRow {
  rank: number;
  userId: string;
  displayName: string;
  xp: number;
}

export interface Leaderboard {
  top(limit: number): Promise<LeaderboardRow[]>;
}
