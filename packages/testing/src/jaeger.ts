// Traces as Jaeger stores them, read back from its query API (`/api/v3/traces/{id}`, which
// answers OTLP's JSON encoding): what a test asserts is what a learner sees in Jaeger.
import { testEnv, waitFor } from './index';

/** One span of a stored trace, flattened: its service and scope beside it, attributes as values. */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer' | 'unspecified';
  service: string;
  scope: string;
  attributes: Record<string, string | number | boolean>;
  events: { name: string; attributes: Record<string, string | number | boolean> }[];
  links: { traceId: string; spanId: string }[];
  status: 'unset' | 'ok' | 'error';
  startNs: bigint;
  endNs: bigint;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: KeyValue[];
  events?: { name: string; attributes?: KeyValue[] }[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number };
}
interface TracesData {
  resourceSpans: {
    resource: { attributes?: KeyValue[] };
    scopeSpans: { scope?: { name?: string }; spans: OtlpSpan[] }[];
  }[];
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const STATUSES = ['unset', 'ok', 'error'] as const;

const valueOf = (value: AnyValue): string | number | boolean =>
  value.stringValue ??
  value.boolValue ??
  (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
  value.doubleValue ??
  '';
const attributesOf = (list: KeyValue[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** The spans of OTLP's JSON encoding, one flat list. */
export function spansOf(data: TracesData): StoredSpan[] {
  return data.resourceSpans.flatMap(({ resource, scopeSpans }) => {
    const service = String(attributesOf(resource.attributes)['service.name'] ?? '');
    return scopeSpans.flatMap(({ scope, spans }) =>
      spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        ...(span.parentSpanId && { parentSpanId: span.parentSpanId }),
        name: span.name,
        kind: KINDS[span.kind ?? 0] ?? 'unspecified',
        service,
        scope: scope?.name ?? '',
        attributes: attributesOf(span.attributes),
        events: (span.events ?? []).map((event) => ({
          name: event.name,
          attributes: attributesOf(event.attributes),
        })),
        links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
        status: STATUSES[span.status?.code ?? 0] ?? 'unset',
        startNs: BigInt(span.startTimeUnixNano),
        endNs: BigInt(span.endTimeUnixNano),
      })),
    );
  });
}

/** Jaeger's query API at `queryUrl` (by default the one `npm test` provisions). */
export function jaeger(queryUrl = testEnv.JAEGER_QUERY_URL) {
  const base = queryUrl.replace(/\/$/, '');

  /** The trace as stored now; empty while none of it has arrived. */
  async function read(traceId: string): Promise<StoredSpan[]> {
    const answer = await fetch(`${base}/api/v3/traces/${traceId}`);
    if (answer.status === 404) return [];
    if (!answer.ok) throw new Error(`Jaeger answered ${answer.status} for trace ${traceId}`);
    return spansOf(((await answer.json()) as { result: TracesData }).result);
  }

  /**
   * The traces with a span of `service` (and `operation`) that began in the last `sinceMs`, newest
   * first, each as its list of spans (only its matching part may have arrived yet).
   */
  async function find(query: {
    service: string;
    operation?: string;
    sinceMs?: number;
    limit?: number;
  }): Promise<StoredSpan[][]> {
    const now = Date.now();
    const params = new URLSearchParams({
      'query.service_name': query.service,
      'query.start_time_min': new Date(now - (query.sinceMs ?? 10 * 60_000)).toISOString(),
      'query.start_time_max': new Date(now + 60_000).toISOString(),
      'query.num_traces': String(query.limit ?? 20),
      ...(query.operation && { 'query.operation_name': query.operation }),
    });
    const answer = await fetch(`${base}/api/v3/traces?${params.toString()}`);
    if (answer.status === 404) return [];
    if (!answer.ok) throw new Error(`Jaeger answered ${answer.status} to a search: ${await answer.text()}`);
    const byTrace = new Map<string, StoredSpan[]>();
    for (const span of spansOf(((await answer.json()) as { result: TracesData }).result))
      byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
    return [...byTrace.values()];
  }

  return {
    url: base,
    read,
    find,
    /**
     * Reads the trace until every expectation holds (spans arrive as each service exports),
     * and fails naming the ones that never did.
     */
    async trace(
      traceId: string,
      expectations: Record<string, (span: StoredSpan, all: StoredSpan[]) => boolean>,
      options: { timeoutMs?: number } = {},
    ): Promise<StoredSpan[]> {
      let spans: StoredSpan[] = [];
      const missing = () =>
        Object.entries(expectations)
          .filter(([, expected]) => !spans.some((span) => expected(span, spans)))
          .map(([name]) => name);
      await waitFor(
        async () => {
          spans = await read(traceId);
          return missing().length === 0;
        },
        {
          what: `trace ${traceId} in Jaeger to hold every expected span`,
          timeoutMs: options.timeoutMs ?? 20_000,
        },
      ).catch((error: unknown) => {
        throw new Error(
          `trace ${traceId} in Jaeger lacks: ${missing().join(', ')} (it has ${spans.length} spans: ${spans
            .map((s) => `${s.service} ${s.name}`)
            .join('; ')})`,
          { cause: error },
        );
      });
      return spans;
    },
  };
}

/** The trace id a response announced in its `traceresponse` header (W3C Trace Context Level 2). */
export function traceIdOf(headers: Record<string, unknown> | Headers): string {
  const value = headers instanceof Headers ? headers.get('traceresponse') : headers.traceresponse;
  const traceId = (typeof value === 'string' ? value : '').split('-')[1] ?? '';
  if (!/^[0-9a-f]{32}$/.test(traceId)) throw new Error(`no trace id in traceresponse: ${traceId}`);
  return traceId;
}

/** Whether `span` descends from `ancestor` through parent links within `spans`. */
export function descendsFrom(span: StoredSpan, ancestor: StoredSpan, spans: StoredSpan[]): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let at = byId.get(span.parentSpanId ?? ''); at; at = byId.get(at.parentSpanId ?? ''))
    if (at.spanId === ancestor.spanId) return true;
  return false;
}
