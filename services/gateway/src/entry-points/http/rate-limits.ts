import { rateLimit, type Options } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { TooManyRequestsProblem, type Logger } from '@syllabus/service-kit';
import { RedisWindowStore } from '../../data-access/rate-limit-store';

/**
 * Limits shared by every gateway instance through Redis, announced with the IETF RateLimit
 * headers. When Redis is down the limits are not enforced (the request passes, and is logged):
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
}) {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: new RedisWindowStore(options.redis, `${options.prefix}ratelimit:${options.name}:`),
    passOnStoreError: true,
    validate: { singleCount: false },
    ...(options.key ? { keyGenerator: options.key } : {}),
    handler: (_req, res, next) => {
      const reset = Number(res.getHeader('Retry-After') ?? Math.ceil(options.windowMs / 1000));
      next(new TooManyRequestsProblem(reset));
    },
  });
}
