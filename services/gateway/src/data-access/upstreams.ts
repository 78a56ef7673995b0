import { setTimeout as sleep } from 'node:timers/promises';
import { context, propagation } from '@opentelemetry/api';
import { bulkhead, isBulkheadRejectedError } from 'cockatiel';
import CircuitBreaker from 'opossum';
import { Pool, type Dispatcher } from 'undici';
import {
  GatewayTimeoutProblem,
  HttpProblem,
  OverloadedProblem,
  ServiceUnavailableProblem,
  type Logger,
} from '@syllabus/service-kit';

const upstreamNames = ['catalog', 'user-progress', 'notification'] as const;
export type UpstreamName = (typeof upstreamNames)[number];

export interface UpstreamRequest {
  method: Dispatcher.HttpMethod;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** A response that stays open (Server-Sent Events): no body timeout. */
  streaming?: boolean;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

// Requests undici refuses before sending: what the client sent, never a fault of the upstream.
const REFUSED_LOCALLY = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
]);

const codeOf = (error: unknown) =>
  (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code ?? '';

/** An upstream's 5xx answer: a fault the breaker counts, still passed on to the client as it is. */
class UpstreamServerError extends Error {
  constructor(readonly response: Dispatcher.ResponseData) {
    super(`upstream answered ${response.statusCode}`);
  }
}

/**
 * Only what the upstream did wrong opens a breaker: no connection, no answer in time, a 5xx — but
 * not a 503 with Retry-After, which is a working service shedding load (overload is not an outage).
 */
const isUpstreamFault = (error: unknown) =>
  (error instanceof UpstreamServerError &&
    !(error.response.statusCode === 503 && error.response.headers['retry-after'] !== undefined)) ||
  CONNECTION_ERRORS.has(codeOf(error)) ||
  TIMEOUTS.has(codeOf(error));

/**
 * Per upstream service: a bulkhead, one keep-alive connection pool and one circuit breaker.
 *
 * The bulkhead bounds the requests in flight to a service and the requests waiting for a slot;
 * when both are full the caller gets 503 with Retry-After at once — overload is answered as
 * overload, early, instead of piling requests onto a slow service until they time out. The
 * breaker sits inside it and counts only faults (no connection, no answer in time, a 5xx), so a
 * busy service is never declared dead. Requests time out per upstream, counted from when they
 * are sent, not from when they queued; idempotent ones are retried once, after a jittered
 * pause, when the connection failed; an open breaker answers 503 at once.
 */
export function createUpstreams(options: {
  urls: Record<UpstreamName, string>;
  timeoutMs: number;
  /** Connections for long-lived streams, a pool apart from the one requests use. */
  streamConnections?: number;
  logger: Logger;
  breaker?: { resetTimeoutMs?: number; volumeThreshold?: number };
  /** Requests in flight per upstream, and how many more may wait for a slot. */
  bulkhead?: { concurrency: number; queue: number };
}) {
  const upstreams = Object.fromEntries(
    upstreamNames.map((name) => {
      const pool = new Pool(options.urls[name], {
        connections: 64,
        keepAliveTimeout: 30_000,
        connectTimeout: Math.min(options.timeoutMs, 2_000),
      });
      const streamPool = new Pool(options.urls[name], {
        connections: options.streamConnections ?? 1_000,
        connectTimeout: Math.min(options.timeoutMs, 2_000),
      });
      const breaker = new CircuitBreaker(
        async (request: UpstreamRequest) => {
          const response = await (request.streaming ? streamPool : pool).request({
            method: request.method,
            path: request.path,
            headers: request.headers,
            body: request.body,
            headersTimeout: options.timeoutMs,
            bodyTimeout: request.streaming ? 0 : options.timeoutMs,
          });
          if (response.statusCode >= 500) throw new UpstreamServerError(response);
          return response;
        },
        {
          timeout: false, // the pool's own timeouts apply
          // Returning true keeps an error out of the failure count.
          errorFilter: (error: unknown) => !isUpstreamFault(error),
          errorThresholdPercentage: 50,
          volumeThreshold: options.breaker?.volumeThreshold ?? 5,
          resetTimeout: options.breaker?.resetTimeoutMs ?? 5_000,
          name,
        },
      );
      breaker.on('open', () => options.logger.warn({ upstream: name }, 'circuit opened'));
      breaker.on('close', () => options.logger.info({ upstream: name }, 'circuit closed'));
      const limit = bulkhead(options.bulkhead?.concurrency ?? 32, options.bulkhead?.queue ?? 64);
      return [name, { pool, streamPool, breaker, limit }];
    }),
  ) as Record<
    UpstreamName,
    {
      pool: Pool;
      streamPool: Pool;
      breaker: CircuitBreaker<[UpstreamRequest], Dispatcher.ResponseData>;
      limit: ReturnType<typeof bulkhead>;
    }
  >;

  async function send(name: UpstreamName, request: UpstreamRequest): Promise<Dispatcher.ResponseData> {
    const headers = { ...request.headers };
    propagation.inject(context.active(), headers);
    const retryable = IDEMPOTENT.has(request.method);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { breaker, limit } = upstreams[name];
        // Streams are long-lived and capped apart (their own pool and per-user limits).
        return await (request.streaming
          ? breaker.fire({ ...request, headers })
          : limit.execute(() => breaker.fire({ ...request, headers })));
      } catch (error) {
        if (error instanceof UpstreamServerError) return error.response;
        if (isBulkheadRejectedError(error)) {
          throw new OverloadedProblem(`${name} is at capacity; retry shortly`);
        }
        if ((error as { code?: string }).code === 'EOPENBREAKER') {
          throw new ServiceUnavailableProblem(`${name} is unavailable; try again shortly`, {
            upstream: name,
          });
        }
        const code = codeOf(error);
        if (TIMEOUTS.has(code)) throw new GatewayTimeoutProblem(`${name} did not answer in time`);
        if (CONNECTION_ERRORS.has(code) && retryable && attempt === 1) {
          await sleep(25 + Math.random() * 75);
          continue;
        }
        if (CONNECTION_ERRORS.has(code)) {
          throw new ServiceUnavailableProblem(`${name} is unavailable; try again shortly`, {
            upstream: name,
          });
        }
        if (REFUSED_LOCALLY.has(code)) {
          throw HttpProblem.named(
            'unforwardable-request',
            `the gateway cannot pass this request on: ${(error as Error).message}`,
          );
        }
        throw error;
      }
    }
  }

  return {
    send,
    /** The state of each breaker, for tests and debugging (readiness does not depend on upstreams). */
    states: () =>
      Object.fromEntries(
        upstreamNames.map((name) => [name, upstreams[name].breaker.opened ? 'open' : 'closed']),
      ),
    async close() {
      for (const name of upstreamNames) {
        upstreams[name].breaker.shutdown();
        await upstreams[name].pool.close();
        await upstreams[name].streamPool.destroy();
      }
    },
  };
}

export type Upstreams = ReturnType<typeof createUpstreams>;
