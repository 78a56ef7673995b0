import cors from 'cors';
import { guardsFor } from '@syllabus/auth';
import { expressPath, gatewayRoutes } from '@syllabus/contracts';
import { dependencyChecks, mountRoutes, rejectOtherMethods, type HttpStage } from '@syllabus/service-kit';
import { apiDocument, upstreamRoutes } from './api';
import { authHandlers, noStore, rejectRevokedSessions } from './entry-points/http/auth-routes';
import { dashboardHandler } from './entry-points/http/dashboard';
import { mountConsole } from './entry-points/http/console';
import { mountDocsPage } from './entry-points/http/docs';
import { mountGraphql } from './entry-points/http/graphql';
import { limitLiveStreams } from './entry-points/http/live-streams';
import { proxyTo } from './entry-points/http/proxy';
import { traceHandler } from './entry-points/http/traces';
import { createLoginGuards, createRateLimiter } from './entry-points/http/rate-limits';
import { startGraphql } from './graphql/server';
import type { Gateway } from './use-cases';

const EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'ETag', 'Location', 'X-Request-Id'];

export const createHttp: HttpStage<Gateway> = async ({ deps, useCases }, { config, logger, lifecycle }) => {
  const { upstreams } = deps;
  const graphql = await startGraphql(config, logger, deps.persistedQueries);
  lifecycle.onShutdown('GraphQL server', () => graphql.stop());
  const limiter = (name: string, limit: number, key?: Parameters<typeof createRateLimiter>[0]['key']) =>
    createRateLimiter({
      redis: deps.redis,
      prefix: config.REDIS_KEY_PREFIX,
      name,
      windowMs: config.RATE_LIMIT_WINDOW_MS,
      limit,
      logger,
      key,
    });

  return {
    healthChecks: [
      // Refresh tokens and the shared rate limits live in Redis: without it the gateway cannot
      // sign anyone in safely, so it stops taking traffic. The upstreams have their own probes.
      dependencyChecks.redis(deps.redis, true),
    ],
    routes: (app) => {
      app.set('trust proxy', config.TRUST_PROXY_HOPS);
      app.use(cors({ origin: config.CORS_ORIGINS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }));
      mountDocsPage(app);
      mountConsole(app, { jaegerUrl: config.CONSOLE_JAEGER_URL });
      const overall = limiter('all', config.RATE_LIMIT_MAX);
      app.use('/v1', overall);
      app.use('/v1', rejectRevokedSessions({ ...deps, ...useCases, logger }));
      app.use('/v1/auth', noStore);

      const authLimit = limiter('auth', config.AUTH_RATE_LIMIT_MAX);
      const loginGuards = createLoginGuards({
        redis: deps.redis,
        prefix: config.REDIS_KEY_PREFIX,
        windowMs: config.RATE_LIMIT_WINDOW_MS,
        logger,
        failuresPerSource: config.LOGIN_FAILURES_PER_SOURCE,
        slowdownAfter: config.LOGIN_SLOWDOWN_AFTER,
        slowdownMs: config.LOGIN_SLOWDOWN_MS,
        slowdownMaxMs: config.LOGIN_SLOWDOWN_MAX_MS,
      });
      mountRoutes(
        app,
        gatewayRoutes,
        {
          ...authHandlers({ ...useCases, keys: deps.keys }),
          dashboard: dashboardHandler(useCases),
          myTrace: traceHandler(useCases),
          openApi: () => ({
            status: 200,
            headers: { 'Cache-Control': 'public, max-age=300' },
            body: apiDocument,
          }),
        },
        {
          guards: guardsFor(deps.verifyToken),
          before: {
            signup: [authLimit],
            login: [authLimit, ...loginGuards],
            refresh: [authLimit],
            logout: [authLimit],
            logoutAll: [authLimit],
            changePassword: [authLimit],
          },
          validateResponses: config.VALIDATE_RESPONSES,
        },
      );

      // GraphQL beside REST: the same services, limits and tokens; described by its own SDL.
      mountGraphql(app, {
        server: graphql,
        call: useCases.call,
        charge: (req, res, hits) => overall.charge(req, res, hits),
      });

      // Each service's public routes, as it declares them, forwarded to it: the gateway's routing
      // table is the declarations, so a route is public exactly when it is documented.
      const liveStreams = limitLiveStreams({ perUser: config.STREAMS_PER_USER, total: config.STREAMS_MAX });
      for (const { service, routes } of upstreamRoutes) {
        const forward = proxyTo(upstreams, service);
        const stream = proxyTo(upstreams, service, { streaming: true });
        const publicRoutes = Object.values(routes).filter((route) => route.access !== 'internal');
        rejectOtherMethods(app, publicRoutes);
        for (const route of publicRoutes) {
          const streaming = route.responses[200]?.contentType === 'text/event-stream';
          app[route.method](expressPath(route.path), ...(streaming ? [liveStreams, stream] : [forward]));
        }
      }
    },
  };
};
