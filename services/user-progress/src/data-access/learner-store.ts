import type { DomainEvent } from '@syllabus/contracts';
import type { RelayLoop } from '@syllabus/messaging';
import type { Logger, Registry } from '@syllabus/service-kit';
import type { LearnerState } from '../domain/learner-state';
import type { LearnerHead, LearnerStore, LocalCache } from '../domain/ports';
import { createLearnerRelay } from './learner-relay';
import { createLearnerVersions } from './learner-versions';
import type { Models } from './models';
import { createPostCommit } from './post-commit';

/**
 * The learner store of the domain's port, in its three parts: the chain of versions
 * (learner-versions.ts), what follows each commit — events out, leaderboard written, outbox
 * entry removed — right after the answer (post-commit.ts), and the relay that finishes
 * whatever a writer left (learner-relay.ts), which `workers.ts` starts and stops.
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
  /** Seek a learner's newest version by index (MongoDB) rather than by `_id` reads (FerretDB). */
  seekNewest?: boolean;
}): LearnerStore & { relay: RelayLoop; settle(): Promise<void> } {
  const postCommit = createPostCommit(options);
  const versions = createLearnerVersions({ ...options, committed: postCommit.committed });
  const relay = createLearnerRelay({
    ...options,
    finishing: postCommit.finishing,
    intervalMs: options.relayIntervalMs,
    graceMs: options.graceMs ?? 5_000,
  });
  return { ...versions, relay, settle: postCommit.settle };
}
