import { loadConfigOrExit } from '@syllabus/config';
import { createLifecycle, createLogger } from '@syllabus/service-kit';
import { shutdownTelemetry } from '@syllabus/telemetry';
import { createApp } from './app';
import { configSchema } from './config';
import { createDependencies } from './dependencies';
import { startWorkers } from './workers';

async function main() {
  const config = loadConfigOrExit(configSchema);
  const logger = createLogger({ service: 'catalog', level: config.LOG_LEVEL });
  const lifecycle = createLifecycle({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  lifecycle.onShutdown('telemetry', shutdownTelemetry);
  const deps = await createDependencies(config, lifecycle, logger);
  const app = createApp({ ...deps, config, logger, isStopping: () => lifecycle.stopping });
  await startWorkers(deps, config, logger, lifecycle);
  await lifecycle.listen(app.operator, { host: config.HOST, port: config.OPERATOR_PORT });
  const { url } = await lifecycle.listen(app, { host: config.HOST, port: config.PORT });
  logger.info({ url }, 'catalog listening');
  lifecycle.exitOnSignals();
}

main().catch((error: unknown) => {
  process.stderr.write(`catalog failed to start: ${String(error)}\n`);
  process.exit(1);
});
