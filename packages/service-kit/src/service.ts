import { ConfigError, loadConfig, type z } from '@syllabus/config';
import { shutdownTelemetry } from '@syllabus/telemetry';
import type { Express } from 'express';
import { createServiceApp } from './app';
import type { HealthCheck } from './health';
import { createLifecycle, type Lifecycle } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { createMetrics, type ServiceMetrics } from './metrics';

/** The keys every service's schema has (`serviceSchema` plus its two ports). */
export interface BaseConfig {
  HOST: string;
  PORT: number;
  OPERATOR_PORT: number;
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  SHUTDOWN_TIMEOUT_MS: number;
  VALIDATE_RESPONSES: boolean;
}

/** What every part of a service is built with. */
export interface ServiceContext<Config> {
  name: string;
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: ServiceMetrics;
}

/** A service's HTTP side; the service kit builds the app around it (no I/O here). */
export interface ServiceHttp {
  /** What readiness checks: a critical one down makes the service not ready, another degraded. */
  healthChecks: readonly HealthCheck[];
  /** Mounts the service's routes. */
  routes(app: Express): void;
  /** Ends long-lived requests (live streams) at shutdown, which would otherwise hold the server open. */
  drain?(): void;
}

/**
 * Background work — a consumer, a relay, a repair loop. The kit starts each one in order before
 * the service listens, and stops them at shutdown in reverse, before the clients they use close.
 */
export interface Worker {
  name: string;
  start(): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** What the transport stages are given: the clients, and the use cases wired from them. */
export interface ServiceParts<Deps, UseCases> {
  deps: Deps;
  useCases: UseCases;
}

/** The types a service's stages are written against: its config, its clients, its use cases. */
export interface ServiceTypes {
  config: BaseConfig;
  deps: unknown;
  useCases: unknown;
}

/** A service's `http.ts`. */
export type HttpStage<T extends ServiceTypes> = (
  parts: ServiceParts<T['deps'], T['useCases']>,
  context: ServiceContext<T['config']>,
) => ServiceHttp | Promise<ServiceHttp>;

/** A service's `workers.ts`. */
export type WorkersStage<T extends ServiceTypes> = (
  parts: ServiceParts<T['deps'], T['useCases']>,
  context: ServiceContext<T['config']>,
) => readonly Worker[];

/**
 * A service, as `startService` runs it. Each stage is a function of the ones before it, so a
 * test harness starts exactly what `main.ts` starts, in the same order:
 * config → dependencies (clients) → use cases (the domain) → http and workers (transport).
 */
export interface ServiceDefinition<Schema extends z.ZodType<BaseConfig>, Deps, UseCases> {
  name: string;
  config: Schema;
  /** The composition root, the only place that opens connections; each teardown registered beside its client. */
  dependencies(context: ServiceContext<z.infer<Schema>>): Promise<Deps>;
  /** The domain, wired from the clients: no I/O, nothing started. */
  useCases(deps: Deps, context: ServiceContext<z.infer<Schema>>): UseCases;
  /** Adapts HTTP to the use cases. */
  http(
    parts: ServiceParts<Deps, UseCases>,
    context: ServiceContext<z.infer<Schema>>,
  ): ServiceHttp | Promise<ServiceHttp>;
  /** Consumers and background work, started before the service listens: once it answers, its queues exist. */
  workers?(parts: ServiceParts<Deps, UseCases>, context: ServiceContext<z.infer<Schema>>): readonly Worker[];
}

/** Lets the compiler check a definition and infer its types. */
export const defineService = <Schema extends z.ZodType<BaseConfig>, Deps, UseCases>(
  definition: ServiceDefinition<Schema, Deps, UseCases>,
) => definition;

export interface StartOptions<Deps> {
  /** The environment the configuration is read from (a test passes its own). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Start the consumers and background work (a second, API-only instance does not). */
  workers?: boolean;
  /** Awaited before the workers start: a test waits for the broker here, so its events are never early. */
  beforeWorkers?: (deps: Deps) => Promise<unknown>;
}

/**
 * Starts a service: configuration, logger, lifecycle (telemetry flushed last), dependencies,
 * app, workers, then the operators' port and the public port. Throws `ConfigError` on a bad
 * environment; whatever was opened is closed again if a later step fails.
 */
export async function startService<Schema extends z.ZodType<BaseConfig>, Deps, UseCases>(
  definition: ServiceDefinition<Schema, Deps, UseCases>,
  options: StartOptions<Deps> = {},
) {
  const config = loadConfig(definition.config, options.env); // the process environment unless given
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const lifecycle = createLifecycle({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  lifecycle.onShutdown('telemetry', shutdownTelemetry);
  const context: ServiceContext<z.infer<Schema>> = {
    name: definition.name,
    config,
    logger,
    lifecycle,
    metrics: createMetrics(definition.name),
  };
  try {
    const deps = await definition.dependencies(context);
    const parts = { deps, useCases: definition.useCases(deps, context) };
    const http = await definition.http(parts, context);
    const app = createServiceApp({
      service: definition.name,
      logger,
      metrics: context.metrics,
      isStopping: () => lifecycle.stopping,
      healthChecks: http.healthChecks,
      routes: (router) => http.routes(router),
    });
    if (options.workers !== false && definition.workers) {
      await options.beforeWorkers?.(deps);
      for (const worker of definition.workers(parts, context)) {
        await worker.start();
        if (worker.stop) lifecycle.onShutdown(worker.name, () => worker.stop!());
      }
    }
    const operator = await lifecycle.listen(app.operator, { host: config.HOST, port: config.OPERATOR_PORT });
    const { url } = await lifecycle.listen(app, { host: config.HOST, port: config.PORT });
    // Registered after the server, so it runs before the server closes.
    if (http.drain) lifecycle.onShutdown('long-lived requests', () => http.drain!());
    return {
      ...context,
      ...parts,
      app,
      url,
      operatorUrl: operator.url,
      stop: () => lifecycle.shutdown('stop'),
    };
  } catch (error) {
    await lifecycle.shutdown('failed to start');
    throw error;
  }
}

/** A service's `main`: starts it from the process environment, stops it on SIGTERM/SIGINT. */
export function runService<Schema extends z.ZodType<BaseConfig>, Deps, UseCases>(
  definition: ServiceDefinition<Schema, Deps, UseCases>,
): void {
  startService(definition).then(
    ({ lifecycle, logger, url }) => {
      logger.info({ url }, `${definition.name} listening`);
      lifecycle.exitOnSignals();
    },
    (error: unknown) => {
      process.stderr.write(
        error instanceof ConfigError
          ? `${error.message}\n`
          : `${definition.name} failed to start: ${String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
