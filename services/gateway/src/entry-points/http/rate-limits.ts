import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import { slowDown } from 'express-slow-down';
import type { Redis } from 'ioredis';
import { TooManyRequestsProblem, type Logger } from '@syllabus/service-kit';
import { RedisWindowStore } from '../../data-access/rate-limit-store';

/**
 * Limits shared by every gateway instance through Redis, announced with the IETF RateLimit
 * headers. When Redis is down the limits are not enforced (the request passes; the outage is logged once):
 * the gateway is then also not ready, so the orchestrator takes it out of rotation — refusing
 * all traffic because a counter is unreachable would turn a Redis outage into a full outage.
 */
export function createRateLimiter(options: {
  redis: Redis;
  prefix: string;
  name: string;
  windowMs: number;
  limit: number;
  logger: Logger;
  key?: Options['keyGenerator'];
  /** Count only answers of 400 and above (failed logins, not successful ones). */
  failuresOnly?: boolean;
}) {
  const store = new RedisWindowStore(
    options.redis,
    `${options.prefix}ratelimit:${options.name}:`,
    options.logger,
  );
  const keyOf = options.key ?? ((req: Request) => ipKeyGenerator(req.ip ?? ''));
  const middleware = rateLimit({
    skipSuccessfulRequests: options.failuresOnly ?? false,
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store,
    passOnStoreError: true,
    validate: { singleCount: false },
    ...(options.key ? { keyGenerator: options.key } : {}),
    handler: (_req, res, next) => {
      const reset = Number(res.getHeader('Retry-After') ?? Math.ceil(options.windowMs / 1000));
      next(new TooManyRequestsProblem(reset));
    },
  });
  return Object.assign(middleware, {
    /**
     * Counts `hits` more against the caller's limit, beyond the one the middleware counted (a
     * GraphQL operation by its cost). Throws the same 429 problem when that goes over the limit.
     */
    async charge(req: Request, res: Response, hits: number) {
      if (hits <= 0) return;
      const { totalHits, resetTime } = await store.increment(await keyOf(req, res), hits);
      if (totalHits > options.limit) {
        const reset = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 1;
        throw new TooManyRequestsProblem(reset);
      }
    },
  });
}

/**
 * The account a login names, as a digest: the counters' Redis keys (and the spans of the commands
 * that touch them) then never carry an email address.
 */
const accountOf = (req: Request) => {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  const normalised = typeof email === 'string' ? email.trim().toLowerCase() : '';
  return createHash('sha256').update(normalised).digest('base64url').slice(0, 22);
};

/**
 * Guessing one account's password: only failures count, so its owner signing in costs nothing.
 * From one address, after `failuresPerSource` failures that address is refused (429) for the
 * window; from anywhere, after `slowdownAfter` failures every further attempt for the account
 * waits longer (doubling up to a cap) — a distributed guess gets slow, and the real owner is
 * delayed at worst, never locked out.
 */
export function createLoginGuards(options: {
  redis: Redis;
  prefix: string;
  windowMs: number;
  logger: Logger;
  failuresPerSource: number;
  slowdownAfter: number;
  slowdownMs: number;
  slowdownMaxMs: number;
}) {
  const perSource = createRateLimiter({
    ...options,
    name: 'login-source',
    limit: options.failuresPerSource,
    failuresOnly: true,
    key: (req) => `${accountOf(req)}|${ipKeyGenerator(req.ip ?? '')}`,
  });
  const slowdown = slowDown({
    windowMs: options.windowMs,
    delayAfter: options.slowdownAfter,
    delayMs: (used) => options.slowdownMs * 2 ** (used - options.slowdownAfter - 1),
    maxDelayMs: options.slowdownMaxMs,
    skipSuccessfulRequests: true,
    store: new RedisWindowStore(options.redis, `${options.prefix}slowdown:login-account:`, options.logger),
    passOnStoreError: true,
    keyGenerator: (req) => `account:${accountOf(req)}`,
    validate: { singleCount: false },
  });
  return [perSource, slowdown];
}
