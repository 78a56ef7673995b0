// A real OTLP/HTTP trace receiver on loopback (protobuf, as services export, or JSON): what an
// SDK exports is what arrives here.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  scope: string;
  service: string;
  attributes: Record<string, unknown>;
}

interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: {
      scope: { name: string };
      spans: (Omit<ReceivedSpan, 'scope' | 'service' | 'attributes'> & {
        attributes?: { key: string; value: Record<string, unknown> }[];
      })[];
    }[];
  }[];
}

/**
 * `decode: false` makes it a sink that only counts requests and bytes, standing in for a
 * collector in a benchmark, so that exporting costs what it costs in production.
 */
export async function startOtlpReceiver(options: { decode?: boolean } = {}) {
  const spans: ReceivedSpan[] = [];
  const contentTypes = new Set<string>();
  let bytes = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    contentTypes.add(req.headers['content-type'] ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (options.decode !== false) chunks.push(chunk);
    });
    req.on('end', () => {
      if (req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const json = req.headers['content-type']?.startsWith('application/json');
      if (options.decode === false) {
        res
          .writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' })
          .end(json ? '{}' : '');
        return;
      }
      const compressed = Buffer.concat(chunks);
      const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(compressed) : compressed;
      const body = json ? (JSON.parse(raw.toString('utf8')) as OtlpRequest) : decodeProtobuf(raw);
      for (const resourceSpans of body.resourceSpans) {
        const service =
          resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const scopeSpans of resourceSpans.scopeSpans) {
          for (const { attributes = [], ...span } of scopeSpans.spans) {
            spans.push({
              ...span,
              scope: scopeSpans.scope.name,
              service,
              attributes: Object.fromEntries(attributes.map((a) => [a.key, Object.values(a.value)[0]])),
            });
          }
        }
      }
      res
        .writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' })
        .end(json ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    /** The content types the exports came in. */
    contentTypes: () => [...contentTypes],
    /** Export requests and their bytes (as sent, compressed or not). */
    requests: () => requests,
    bytes: () => bytes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// The part of OTLP's trace request that the tests read (field numbers from
// opentelemetry/proto/trace/v1/trace.proto and common/v1/common.proto); the rest is skipped.
const otlpTrace = protobuf.Root.fromJSON({
  nested: {
    ExportTraceServiceRequest: {
      fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } },
    },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
      },
    },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    ScopeSpans: {
      fields: {
        scope: { type: 'InstrumentationScope', id: 1 },
        spans: { rule: 'repeated', type: 'Span', id: 2 },
      },
    },
    InstrumentationScope: { fields: { name: { type: 'string', id: 1 } } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
      },
    },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue'] } },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
      },
    },
  },
}).lookupType('ExportTraceServiceRequest');

/** Decodes a protobuf request into the shape of its JSON encoding (ids as hex). */
function decodeProtobuf(raw: Buffer): OtlpRequest {
  const decoded = otlpTrace.toObject(otlpTrace.decode(raw), {
    longs: Number,
    bytes: String,
    defaults: false,
    arrays: true,
    oneofs: false,
  }) as OtlpRequest;
  const hex = (base64?: string) => (base64 ? Buffer.from(base64, 'base64').toString('hex') : undefined);
  for (const resourceSpans of decoded.resourceSpans)
    for (const scopeSpans of resourceSpans.scopeSpans)
      for (const span of scopeSpans.spans) {
        span.traceId = hex(span.traceId)!;
        span.spanId = hex(span.spanId)!;
        const parent = hex(span.parentSpanId);
        if (parent) span.parentSpanId = parent;
        else delete span.parentSpanId;
      }
  return decoded;
}
