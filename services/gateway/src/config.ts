import { fields, serviceSchema, tokenClaimsSchema, z } from '@syllabus/config';

const privateJwks = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of private JWKs' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(
        z
          .object({
            kty: z.literal('EC'),
            crv: z.literal('P-256'),
            kid: z.string().min(1),
            d: z.string().min(1),
          })
          .loose(),
      )
      .min(1, 'at least one key'),
  );

export const configSchema = serviceSchema.extend({
  ...tokenClaimsSchema.shape,
  PORT: fields.port(8080),
  /** Health and metrics, for probes and Prometheus only: never published or routed. */
  OPERATOR_PORT: fields.port(9080),
  REDIS_URL: fields.redisUrl(),
  CATALOG_URL: fields.httpUrl().default('http://127.0.0.1:8081'),
  USER_PROGRESS_URL: fields.httpUrl().default('http://127.0.0.1:8082'),
  NOTIFICATION_URL: fields.httpUrl().default('http://127.0.0.1:8083'),
  /**
   * How long one upstream call may take once sent (queueing in the bulkhead not counted): far
   * above a busy service's worst answer (hundreds of milliseconds), so only a stuck one times out.
   */
  UPSTREAM_TIMEOUT_MS: fields.milliseconds(5_000),
  /** Bulkhead per upstream: calls in flight, and calls that may wait; beyond both, 503 + Retry-After. */
  UPSTREAM_CONCURRENCY: fields.positiveInt(32),
  UPSTREAM_QUEUE: fields.positiveInt(128),
  /** Live streams one learner may hold open, and all of them on one gateway instance. */
  STREAMS_PER_USER: fields.positiveInt(5),
  STREAMS_MAX: fields.positiveInt(1_000),
  /** Shared with user-progress for its internal user routes. */
  INTERNAL_TOKEN: z.string().min(32, 'at least 32 characters'),
  /** Private ES256 JWKs; the first signs, all are published (see `npm run generate-keys`). */
  JWT_SIGNING_KEYS: privateJwks,
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(900).default(900),
  /** A refresh token unused this long expires (idle timeout). */
  REFRESH_TOKEN_TTL_SECONDS: fields.positiveInt(7 * 24 * 3600),
  /** A session ends this long after sign-in, however often it is refreshed (absolute lifetime). */
  SESSION_MAX_SECONDS: fields.positiveInt(30 * 24 * 3600),
  RATE_LIMIT_WINDOW_MS: fields.milliseconds(60_000),
  RATE_LIMIT_MAX: fields.positiveInt(600),
  AUTH_RATE_LIMIT_MAX: fields.positiveInt(20),
  /** Failed logins for one account from one address per window; then 429 for that address only. */
  LOGIN_FAILURES_PER_SOURCE: fields.positiveInt(10),
  /** Failed logins for one account, from anywhere, after which each attempt waits longer. */
  LOGIN_SLOWDOWN_AFTER: fields.positiveInt(5),
  /** The first such wait; it doubles with each further failure, up to LOGIN_SLOWDOWN_MAX_MS. */
  LOGIN_SLOWDOWN_MS: fields.milliseconds(250),
  LOGIN_SLOWDOWN_MAX_MS: fields.milliseconds(5_000),
  REDIS_KEY_PREFIX: z.string().default('gateway:'),
  CORS_ORIGINS: fields.list(),
  /** The Jaeger UI's address, for the console to link each action's trace id to its trace. */
  CONSOLE_JAEGER_URL: fields.httpUrl().optional(),
  /**
   * Jaeger's query API, from which the trace view (GET /v1/me/traces/{traceId}) reads each
   * caller's own traces; unset, the view is off (as in the production overlay).
   */
  JAEGER_QUERY_URL: fields.httpUrl().optional(),
  /** GraphQL (POST/GET /v1/graphql): whether the schema may be introspected. */
  GRAPHQL_INTROSPECTION: fields.flag(true),
  /** "Did you mean …?" in GraphQL validation errors: a map of the schema for anyone; off by default. */
  GRAPHQL_FIELD_SUGGESTIONS: fields.flag(false),
  /** Accept only the allow-listed operations (src/graphql/operations.ts), by hash or by text. */
  GRAPHQL_PERSISTED_ONLY: fields.flag(false),
  /** Bounds on one GraphQL document: tokens (parsing stops there), depth, aliases and cost. */
  GRAPHQL_MAX_TOKENS: fields.positiveInt(1_500),
  GRAPHQL_MAX_DEPTH: fields.positiveInt(8),
  GRAPHQL_MAX_ALIASES: fields.positiveInt(10),
  GRAPHQL_MAX_COST: fields.positiveInt(3_000),
  /** A GraphQL operation counts against the rate limit as one request per this much cost. */
  GRAPHQL_COST_PER_REQUEST: fields.positiveInt(100),
  /** Proxies in front of the gateway whose X-Forwarded-For is believed (0: none). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
});

export type Config = z.infer<typeof configSchema>;
