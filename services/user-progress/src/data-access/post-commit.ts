import { context, propagation } from '@opentelemetry/api';
import type { DomainEvent } from '@syllabus/contracts';
import type { Logger } from '@syllabus/service-kit';
import type { PendingEvent } from '../domain/events';
import type { LearnerState } from '../domain/learner-state';
import type { Models } from './models';
import { trusted } from './trusted';

/** Publishes events each in the trace of the change that made it (kept with the event). */
export async function publishEvents(events: PendingEvent[], publish: (event: DomainEvent) => Promise<void>) {
  for (const { traceContext, ...event } of events) {
    await context.with(propagation.extract(context.active(), traceContext ?? {}), () => publish(event));
  }
}

/**
 * What follows a committed version, after the learner has their answer: its events go out and
 * the leaderboard is written, then its outbox entry is removed. The entry already guarantees
 * all of it (the relay finishes whatever this does not), so nothing here may fail the change.
 * One learner's events go out in the order they happened.
 */
export function createPostCommit(options: {
  models: Models;
  publish: (event: DomainEvent) => Promise<void>;
  /** Called with each committed state, after its events went out (the leaderboard). */
  project: (userId: string, state: LearnerState) => Promise<void>;
  logger: Logger;
}) {
  const { outbox } = options.models;

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

  const sending = new Map<string, Promise<void>>();
  function publishLater(userId: string, id: string, events: PendingEvent[], projected: boolean) {
    finishing.add(id);
    const sent = (sending.get(userId) ?? Promise.resolve()).then(async () => {
      try {
        await publishEvents(events, options.publish);
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

  return {
    /** Outbox entries this process is still finishing: its relay leaves them alone. */
    finishing: finishing as ReadonlySet<string>,
    /** Called once version `id` of `userId` is committed, with its state and events. */
    committed: async (userId: string, id: string, state: LearnerState, events: PendingEvent[]) => {
      publishLater(userId, id, events, await project(userId, state, id));
    },
    /** Waits for this process's sends in flight and clears what they finished (at shutdown). */
    settle: async () => {
      await Promise.all(sending.values());
      await flushDone();
    },
  };
}
