import { randomUUID } from 'node:crypto';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import fresh from 'fresh';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { readinessHandler, type HealthCheck } from './health';
import { measureRequests, type ServiceMetrics } from './metrics';
import { DomainError } from '@syllabus/contracts';
import { HttpProblem, NotFoundProblem, PayloadTooLargeProblem } from './problems';

export interface ServiceAppOptions {
  service: string;
  logger: Logger;
  metrics: ServiceMetrics;
  healthChecks: readonly HealthCheck[];
  /** Whether the process is shutting down (readiness then answers 503). */
  isStopping?: () => boolean;
  /** Largest accepted JSON body, e.g. `100kb`. */
  bodyLimit?: string;
  healthCheckTimeoutMs?: number;
  /** Mounts the service's own routes. */
  routes: (app: Express) => void;
}

/** The public app, and beside it the operators' app (health and metrics) for a port of its own. */
export type ServiceApp = Express & { operator: Express };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Tells the client which trace its request became (`traceresponse`, W3C Trace Context Level 2),
 * so a person can look it up in Jaeger. Nothing is sent when the request is not traced.
 */
const announceTrace: RequestHandler = (_req, res, next) => {
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span))
    res.setHeader('traceresponse', `00-${span.traceId}-${span.spanId}-0${span.traceFlags & 1}`);
  next();
};

/**
 * `req.fresh` (what Express's `res.send` answers 304 by) as RFC 9110 has it: the origin
 * evaluates If-None-Match whatever the request's Cache-Control says. Express's own treats
 * `Cache-Control: no-cache` as "never fresh" (a cache's rule), and Node's fetch, among other
 * clients, sends it with every conditional request, so they never got their 304.
 */
function answerConditionalRequests(app: Express) {
  Object.defineProperty(app.request, 'fresh', {
    configurable: true,
    enumerable: true,
    get(this: express.Request) {
      if (this.method !== 'GET' && this.method !== 'HEAD') return false;
      const status = this.res!.statusCode;
      if ((status < 200 || status >= 300) && status !== 304) return false;
      const { 'cache-control': _ignored, ...conditions } = this.headers;
      return fresh(conditions, {
        etag: this.res!.get('ETag'),
        'last-modified': this.res!.get('Last-Modified'),
      });
    },
  });
}

/**
 * The defaults every service shares: request ids, JSON request logs, security headers, body
 * limits, problem+json errors, and health and metrics endpoints on a separate operators' app
 * (never reachable through the public port, the gateway or an Ingress). No I/O happens here,
 * so tests build exactly the apps that production runs.
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const { logger, metrics } = options;
  const bodyLimit = options.bodyLimit ?? '100kb';
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  answerConditionalRequests(app);

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      // Never headers: they carry bearer tokens and cookies.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(measureRequests(metrics));
  app.use(announceTrace);
  app.use(helmet());

  app.use(express.json({ limit: bodyLimit, type: ['application/json', 'application/*+json'] }));
  options.routes(app);

  app.use(notFound);
  app.use(problemHandler(logger, bodyLimit));
  return Object.assign(app, { operator: createOperatorApp(options) });
}

/** `/health/live`, `/health/ready` and `/metrics`: for probes and Prometheus, not for clients. */
function createOperatorApp(options: ServiceAppOptions): Express {
  const { metrics } = options;
  const operator = express();
  operator.disable('x-powered-by');
  operator.get('/health/live', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  operator.get(
    '/health/ready',
    readinessHandler({
      service: options.service,
      checks: options.healthChecks,
      timeoutMs: options.healthCheckTimeoutMs ?? 1_000,
      isStopping: options.isStopping ?? (() => false),
    }),
  );
  operator.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  operator.use(notFound);
  operator.use(problemHandler(options.logger, '1kb'));
  return operator;
}

const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundProblem(`no route for ${req.method} ${req.path}`));
};

interface HttpErrorLike {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
}

/** Turns every error into application/problem+json; unknown ones become a logged 500 that fails the span. */
export function problemHandler(logger: Logger, bodyLimit: string): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    let problem: HttpProblem;
    const httpError = error as HttpErrorLike;
    if (error instanceof HttpProblem) {
      problem = error;
    } else if (error instanceof DomainError) {
      problem = HttpProblem.fromDomain(error);
    } else if (httpError?.type === 'entity.too.large') {
      problem = new PayloadTooLargeProblem(bodyLimit);
    } else if (httpError?.type === 'entity.parse.failed') {
      problem = new HttpProblem(400, 'Malformed JSON', 'the body is not valid JSON', {}, 'malformed-json');
    } else if (httpError?.expose && (httpError.status ?? 500) < 500) {
      // Client errors raised by express itself (unsupported charset, bad encoding, …).
      problem = HttpProblem.named('bad-request', httpError.message);
    } else {
      const span = trace.getActiveSpan();
      span?.recordException(error instanceof Error ? error : String(error));
      span?.setStatus({ code: SpanStatusCode.ERROR, message: 'unhandled error' });
      (req.log ?? logger).error({ err: error }, 'unhandled error');
      problem = new HttpProblem(
        500,
        'Internal server error',
        'something went wrong on our side',
        {},
        'internal',
      );
    }
    if (problem.status === 401 && !res.getHeader('WWW-Authenticate'))
      res.setHeader('WWW-Authenticate', 'Bearer');
    const retryAfter = problem.retryAfterSeconds;
    if (retryAfter !== undefined && !res.getHeader('Retry-After'))
      res.setHeader('Retry-After', String(retryAfter));
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({
        type: problem.type,
        title: problem.title,
        status: problem.status,
        detail: problem.detail,
        instance: req.originalUrl,
        requestId: res.getHeader('X-Request-Id'),
        ...problem.extensions,
      });
  };
}
