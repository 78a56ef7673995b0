import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
// The SDK's own package of the processor: its options take the self-observation meter provider.
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { createInstrumentations } from './instrumentations';

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base URL, e.g. http://jaeger:4318; spans go to `${endpoint}/v1/traces`. */
  endpoint: string;
  /** `http/protobuf` (the OTLP default: about a third of JSON's bytes and encoding time) or `http/json`. */
  protocol: 'http/protobuf' | 'http/json';
  /** The batch span processor: spans held at most, spans per export, delay between exports, export deadline. */
  batch: {
    maxQueueSize: number;
    maxExportBatchSize: number;
    scheduledDelayMillis: number;
    exportTimeoutMillis: number;
  };
  /** Express's own spans, a span per middleware, router and handler (for study); none otherwise. */
  expressSpans: boolean;
}

let sdk: NodeSDK | undefined;

/** Read when Prometheus scrapes: the SDK's own count of what became of the spans it processed. */
class PullReader extends MetricReader {
  protected onForceFlush() {
    return Promise.resolve();
  }
  protected onShutdown() {
    return Promise.resolve();
  }
}
let selfObservation: PullReader | undefined;

/**
 * Starts the OpenTelemetry Node SDK: OTLP export with batching, and instrumentation of http,
 * express, pg, mongodb, ioredis and amqplib. Must run before any of those load, which is why
 * services preload `@syllabus/telemetry/register` with `node --require`. Sampling follows the
 * standard `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` variables, read by the SDK.
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (sdk) return;
  const url = `${options.endpoint.replace(/\/$/, '')}/v1/traces`;
  const Exporter = options.protocol === 'http/json' ? OTLPJsonTraceExporter : OTLPProtobufTraceExporter;
  selfObservation = new PullReader();
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new Exporter({ url }),
        ...options.batch,
        selfObsMeterProvider: new MeterProvider({ readers: [selfObservation] }),
      }),
    ],
    instrumentations: createInstrumentations({ expressSpans: options.expressSpans }),
    // Metrics are served for Prometheus to scrape by the service kit (prom-client), and logs
    // are JSON on stdout carrying trace ids; the SDK exports traces only.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
}

/**
 * Spans the SDK did not export, by reason (`queue_full` when the batch queue overflowed, or the
 * export error's name); undefined when telemetry is off.
 */
export async function droppedSpans(): Promise<Record<string, number> | undefined> {
  if (!selfObservation) return undefined;
  const dropped: Record<string, number> = {};
  const { resourceMetrics } = await selfObservation.collect();
  for (const { metrics } of resourceMetrics.scopeMetrics)
    for (const metric of metrics) {
      if (metric.descriptor.name !== 'otel.sdk.processor.span.processed') continue;
      for (const point of metric.dataPoints) {
        // Attribute values may be any value since API 1.10; `error.type` is a string.
        const reason = point.attributes['error.type'];
        if (typeof reason === 'string') dropped[reason] = (dropped[reason] ?? 0) + Number(point.value);
      }
    }
  return dropped;
}

/** Flushes buffered spans and stops the SDK; the last step of a graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
