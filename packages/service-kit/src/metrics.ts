import { context } from '@opentelemetry/api';
import { RPCType, getRPCMetadata } from '@opentelemetry/core';
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { droppedSpans } from '@syllabus/telemetry';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
}

/** A registry per service: process metrics plus request rate, errors and latency per route. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'HTTP requests served, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Counter({
    name: 'otel_spans_dropped_total',
    help: 'Spans the tracing SDK did not export, by reason (queue_full: its batch queue overflowed); absent when tracing is off',
    labelNames: ['reason'] as const,
    registers: [registry],
    async collect() {
      const dropped = await droppedSpans();
      if (!dropped) return;
      this.reset();
      for (const [reason, count] of Object.entries({ queue_full: 0, ...dropped }))
        this.inc({ reason }, count);
    },
  });
  return { registry, httpDuration };
}

/**
 * Records each response under its route template (never the raw path, which would explode
 * cardinality), and names the request's trace span by it too (`GET /v1/courses/:slug`, with
 * `http.route`), as the HTTP instrumentation does with what a framework reports.
 */
export function measureRequests(metrics: ServiceMetrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    const traced = getRPCMetadata(context.active());
    res.once('finish', () => {
      const routePath = (req.route as { path?: unknown } | undefined)?.path;
      // A route's template; under a mounted handler (the gateway's proxies), its mount path.
      const route =
        typeof routePath === 'string'
          ? `${req.baseUrl}${routePath}`
          : req.baseUrl
            ? `${req.baseUrl}/*`
            : 'unmatched';
      // Read by the HTTP instrumentation when it ends the span (on 'close', after 'finish').
      if (traced?.type === RPCType.HTTP && route !== 'unmatched') traced.route = route;
      stop({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  };
}
