import type { Principal } from '@syllabus/auth';
import { DomainError } from '@syllabus/contracts';
import type { StoredTrace, TraceStore } from './ports';

/**
 * Who may read which trace. A trace shows a system's internals — its services, queries, queues
 * and timings — so a person sees only the traces of their own requests, told by the opaque user
 * id the gateway puts on each request's root span; an admin sees any. Someone else's trace, one
 * without a root yet (spans arrive a moment after the answer), and one that does not exist are
 * one answer, so an id says nothing about whether it exists.
 */
export function createTraceView(store: TraceStore | undefined) {
  return {
    async traceFor(principal: Principal, traceId: string): Promise<StoredTrace> {
      if (!store) throw new DomainError('trace-view-off', 'this deployment does not show traces');
      const trace = await store.read(traceId);
      const allowed = trace && (principal.roles.includes('admin') || trace.ownerId === principal.userId);
      if (!allowed) throw new DomainError('trace-not-found', 'no trace of your requests by this id (yet)');
      return trace;
    },
  };
}

export type TraceView = ReturnType<typeof createTraceView>;
