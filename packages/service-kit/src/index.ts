export { createServiceApp, problemHandler, type ServiceApp, type ServiceAppOptions } from './app';
export { dependencyChecks, runChecks, type CheckResult, type HealthCheck } from './health';
export { createLifecycle, type Lifecycle } from './lifecycle';
export { createLogger, type Logger } from './logger';
export { Counter, Gauge, Histogram, Registry, createMetrics, type ServiceMetrics } from './metrics';
export * from './problems';
export { parseInput } from './validation';
export {
  answerMismatch,
  mountRoutes,
  mountedRoutes,
  rejectOtherMethods,
  type MountOptions,
  JsonText,
  streamed,
  type Answer,
  type RouteHandler,
  type RouteHandlers,
} from './routes';
export {
  defineService,
  runService,
  startService,
  type BaseConfig,
  type ServiceContext,
  type ServiceDefinition,
  type ServiceHttp,
  type HttpStage,
  type ServiceParts,
  type ServiceTypes,
  type WorkersStage,
  type StartOptions,
  type Worker,
} from './service';
