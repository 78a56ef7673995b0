// Preloaded with `node --require @syllabus/telemetry/register` so the SDK patches libraries
// before any application module loads them. Holds nothing but the start.
import { fields, loadConfigOrExit, z } from '@syllabus/config';
import { startTelemetry } from './index';

const config = loadConfigOrExit(
  z.object({
    OTEL_SDK_DISABLED: fields.flag(false),
    OTEL_SERVICE_NAME: z.string().min(1).default('syllabus'),
    OTEL_EXPORTER_OTLP_ENDPOINT: fields.httpUrl().default('http://127.0.0.1:4318'),
  }),
);

if (!config.OTEL_SDK_DISABLED) {
  startTelemetry({ serviceName: config.OTEL_SERVICE_NAME, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
}
