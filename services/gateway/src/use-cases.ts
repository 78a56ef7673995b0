import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import { createJaegerTraces } from './data-access/jaeger-traces';
import { createSessionStore } from './data-access/sessions';
import { createServiceCalls } from './data-access/service-calls';
import { createUserDirectory } from './data-access/user-directory';
import type { Dependencies } from './dependencies';
import { createTokenService } from './domain/tokens';
import { createTraceView } from './domain/traces';

/** The gateway's own domain — signing people in, showing their traces — wired from its clients; nothing starts here. */
export function createUseCases(deps: Dependencies, { config }: ServiceContext<Config>) {
  const call = createServiceCalls(deps.upstreams);
  return {
    /** Calls a service's route, as it declares it. */
    call,
    tokens: createTokenService({
      keys: deps.keys,
      sessions: createSessionStore({
        redis: deps.redis,
        prefix: config.REDIS_KEY_PREFIX,
        spentTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
        revokedTtlSeconds: config.SESSION_MAX_SECONDS,
      }),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      sessionMaxSeconds: config.SESSION_MAX_SECONDS,
    }),
    directory: createUserDirectory({ call, internalToken: config.INTERNAL_TOKEN }),
    traces: createTraceView(
      config.JAEGER_QUERY_URL
        ? createJaegerTraces({ queryUrl: config.JAEGER_QUERY_URL, timeoutMs: config.UPSTREAM_TIMEOUT_MS })
        : undefined,
    ),
  };
}

export type UseCases = ReturnType<typeof createUseCases>;

/** What gateway's stages are typed by (`HttpStage<Gateway>`, `WorkersStage<Gateway>`). */
export interface Gateway {
  config: Config;
  deps: Dependencies;
  useCases: UseCases;
}
