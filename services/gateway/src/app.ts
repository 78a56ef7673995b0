import cors from 'cors';
import { createServiceApp, type Logger } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { mountAuthRoutes, rejectRevokedSessions } from './entry-points/http/auth-routes';
import { mountDashboard } from './entry-points/http/dashboard';
import { mountDocs } from './entry-points/http/docs';
import { limitLiveStreams } from './entry-points/http/live-streams';
import { proxyTo } from './entry-points/http/proxy';
import { createLoginGuards, createRateLimiter } from './entry-points/http/rate-limits';

const EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'ETag', 'Location', 'X-Request-Id'];

export function createApp(
  deps: Dependencies & { config: Config; logger: Logger; isStopping: () => boolean },
) {
  const { config, upstreams } = deps;
  const limiter = (name: string, limit: number, key?: Parameters<typeof createRateLimiter>[0]['key']) =>
    createRateLimiter({
      redis: deps.redis,
      prefix: config.REDIS_KEY_PREFIX,
      name,
      windowMs: config.RATE_LIMIT_WINDOW_MS,
      limit,
      logger: deps.logger,
      key,
    });

  return createServiceApp({
    service: 'gateway',
    logger: deps.logger,
    metrics: deps.metrics,
    isStopping: deps.isStopping,
    healthChecks: [
      // Refresh tokens and the shared rate limits live in Redis: without it the gateway cannot
      // sign anyone in safely, so it stops taking traffic. The upstreams have their own probes.
      { name: 'redis', critical: true, check: () => deps.redis.ping() },
    ],
    routes: (app) => {
      app.set('trust proxy', config.TRUST_PROXY_HOPS);
      app.use(cors({ origin: config.CORS_ORIGINS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }));
      mountDocs(app);
      app.use('/v1', limiter('all', config.RATE_LIMIT_MAX));
      app.use('/v1', rejectRevokedSessions(deps));
      mountAuthRoutes(app, {
        ...deps,
        authLimit: limiter('auth', config.AUTH_RATE_LIMIT_MAX),
        loginGuards: createLoginGuards({
          redis: deps.redis,
          prefix: config.REDIS_KEY_PREFIX,
          windowMs: config.RATE_LIMIT_WINDOW_MS,
          logger: deps.logger,
          failuresPerSource: config.LOGIN_FAILURES_PER_SOURCE,
          slowdownAfter: config.LOGIN_SLOWDOWN_AFTER,
          slowdownMs: config.LOGIN_SLOWDOWN_MS,
          slowdownMaxMs: config.LOGIN_SLOWDOWN_MAX_MS,
        }),
      });
      mountDashboard(app, deps);

      const catalog = proxyTo(upstreams, 'catalog');
      const progress = proxyTo(upstreams, 'user-progress');
      const notification = proxyTo(upstreams, 'notification');
      app.use(['/v1/tracks', '/v1/skills', '/v1/courses'], catalog);
      app.use(['/v1/me/enrollments', '/v1/me/stats', '/v1/leaderboard', '/v1/users'], progress);
      app.get(
        '/v1/me/notifications/stream',
        limitLiveStreams({ perUser: config.STREAMS_PER_USER, total: config.STREAMS_MAX }),
        proxyTo(upstreams, 'notification', { streaming: true }),
      );
      app.use(['/v1/me/notifications', '/v1/me/notification-preferences', '/v1/me/webhooks'], notification);
    },
  });
}
