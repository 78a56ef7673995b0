import { trace } from '@opentelemetry/api';
import { principalOf } from '@syllabus/auth';
import type { gatewayRoutes } from '@syllabus/contracts';
import type { RouteHandler } from '@syllabus/service-kit';
import type { TraceView } from '../../domain/traces';

/**
 * Marks the request being served as this user's: the opaque id (never an email or a name) on its
 * span, by which the trace view tells whose trace it is.
 */
export function ownRequestTrace(userId: string) {
  trace.getActiveSpan()?.setAttribute('enduser.id', userId);
}

/** The console's trace view: the caller's own trace, read from Jaeger. */
export function traceHandler(deps: { traces: TraceView }): RouteHandler<typeof gatewayRoutes.myTrace> {
  return async ({ params }, req) => {
    const { ownerId: _owner, ...shown } = await deps.traces.traceFor(principalOf(req), params.traceId);
    // Spans go on arriving for a moment, and the answer is someone's own: never kept by a cache.
    return { status: 200, headers: { 'Cache-Control': 'private, no-store' }, body: shown };
  };
}
