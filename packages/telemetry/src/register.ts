// Preloaded with `node --require @syllabus/telemetry/register` so the SDK patches libraries
// before any application module loads them. Holds nothing but the start.
import { fields, loadConfigOrExit, z } from '@syllabus/config';
import { startTelemetry } from './index';

const config = loadConfigOrExit(
  z.object({
    OTEL_SDK_DISABLED: fields.flag(false),
    OTEL_SERVICE_NAME: z.string().min(1).default('syllabus'),
    OTEL_EXPORTER_OTLP_ENDPOINT: fields.httpUrl().default('http://127.0.0.1:4318'),
    OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
    // The batch processor, under the standard names; defaults sized to keep up with a busy
    // service (the SDK's own, 2,048 spans and 5 s, drop spans at a few hundred requests a second).
    OTEL_BSP_MAX_QUEUE_SIZE: fields.positiveInt(8_192),
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: fields.positiveInt(1_024),
    OTEL_BSP_SCHEDULE_DELAY: fields.milliseconds(1_000),
    OTEL_BSP_EXPORT_TIMEOUT: fields.milliseconds(10_000),
    TRACE_EXPRESS_LAYERS: fields.flag(false),
  }),
);

if (!config.OTEL_SDK_DISABLED) {
  startTelemetry({
    serviceName: config.OTEL_SERVICE_NAME,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
    batch: {
      maxQueueSize: config.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
      scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMillis: config.OTEL_BSP_EXPORT_TIMEOUT,
    },
    expressSpans: config.TRACE_EXPRESS_LAYERS,
  });
}
