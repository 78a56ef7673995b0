import { DomainError } from '@syllabus/contracts';
import type { StoredTrace, TraceSpan, TraceStore } from '../domain/ports';

// Traces from Jaeger's query API (`GET /api/v3/traces/{id}`), which answers OTLP's JSON encoding:
// resources (one per service) holding scopes holding spans.

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface OtlpSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: KeyValue[];
  events?: { name: string; timeUnixNano: string }[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number };
}
interface TracesData {
  resourceSpans: { resource: { attributes?: KeyValue[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const KINDS = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const STATUSES = ['unset', 'ok', 'error'] as const;

/**
 * The attributes the view passes on: what a request, a query, a message or one of ours was. The
 * rest (hosts, ports, library versions, user ids) stays in Jaeger for those who may read it there.
 */
const SHOWN =
  /^(http\.(request\.method|route|response\.status_code)|url\.path|db\.|messaging\.|graphql\.|rpc\.|error\.type$|syllabus\.)/;

const valueOf = (value: AnyValue): string | number | boolean =>
  value.stringValue ??
  value.boolValue ??
  (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? ''));

/** Nanoseconds since the epoch (a string of up to 19 digits) to milliseconds, exact to the microsecond. */
const ms = (nanos: string) => Number(BigInt(nanos) / 1_000n) / 1_000;

function toStoredTrace(traceId: string, data: TracesData): StoredTrace | undefined {
  const raw = data.resourceSpans.flatMap(({ resource, scopeSpans }) => {
    const service =
      resource.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? 'unknown';
    return scopeSpans.flatMap(({ spans }) => spans.map((span) => ({ service, span })));
  });
  if (raw.length === 0) return undefined;
  const start = Math.min(...raw.map(({ span }) => ms(span.startTimeUnixNano)));
  const end = Math.max(...raw.map(({ span }) => ms(span.endTimeUnixNano)));
  const ids = new Set(raw.map(({ span }) => span.spanId));
  let ownerId: string | undefined;
  const spans = raw.map(({ service, span }): TraceSpan => {
    const attributes = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, valueOf(a.value)]));
    const parentSpanId = span.parentSpanId || null;
    if (!parentSpanId && service === 'gateway' && typeof attributes['enduser.id'] === 'string')
      ownerId = attributes['enduser.id'];
    return {
      spanId: span.spanId,
      // A parent that is not (yet) in the trace is left out rather than left dangling.
      parentSpanId: parentSpanId !== null && ids.has(parentSpanId) ? parentSpanId : null,
      service,
      name: span.name,
      kind: KINDS[span.kind ?? 1] ?? 'internal',
      startMs: ms(span.startTimeUnixNano) - start,
      durationMs: ms(span.endTimeUnixNano) - ms(span.startTimeUnixNano),
      status: STATUSES[span.status?.code ?? 0] ?? 'unset',
      attributes: Object.fromEntries(Object.entries(attributes).filter(([key]) => SHOWN.test(key))),
      events: (span.events ?? []).map((event) => ({
        name: event.name,
        atMs: ms(event.timeUnixNano) - start,
      })),
      links: (span.links ?? []).map(({ traceId: linked, spanId }) => ({ traceId: linked, spanId })),
    };
  });
  spans.sort((a, b) => a.startMs - b.startMs);
  return {
    traceId,
    startedAt: new Date(start).toISOString(),
    durationMs: end - start,
    services: [...new Set(spans.map((s) => s.service))].sort(),
    spans,
    ownerId,
  };
}

export function createJaegerTraces(options: { queryUrl: string; timeoutMs: number }): TraceStore {
  const base = options.queryUrl.replace(/\/$/, '');
  return {
    async read(traceId) {
      let answer: Response;
      try {
        answer = await fetch(`${base}/api/v3/traces/${traceId}`, {
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch {
        throw new DomainError('service-unavailable', 'the trace store did not answer');
      }
      if (answer.status === 404) return undefined;
      if (!answer.ok)
        throw new DomainError('service-unavailable', `the trace store answered ${answer.status}`);
      return toStoredTrace(traceId, ((await answer.json()) as { result: TracesData }).result);
    },
  };
}
