import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createInstrumentations } from './instrumentations';

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base URL, e.g. http://jaeger:4318; spans go to `${endpoint}/v1/traces`. */
  endpoint: string;
}

let sdk: NodeSDK | undefined;

/**
 * Starts the OpenTelemetry Node SDK: OTLP export with batching, and instrumentation of http,
 * express, pg, mongodb/mongoose, ioredis and amqplib. Must run before any of those load,
 * which is why services preload `@syllabus/telemetry/register` with `node --require`.
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (sdk) return;
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` }),
        {
          scheduledDelayMillis: 1_000,
        },
      ),
    ],
    instrumentations: createInstrumentations(),
    // Metrics are served for Prometheus to scrape by the service kit (prom-client), and logs
    // are JSON on stdout carrying trace ids; the SDK exports traces only.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
}

/** Flushes buffered spans and stops the SDK; the last step of a graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
