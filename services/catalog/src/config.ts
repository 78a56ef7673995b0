import { fields, serviceSchema, z } from '@syllabus/config';

export const configSchema = serviceSchema.extend({
  PORT: fields.port(8081),
  /** Health and metrics, for probes and Prometheus only: never published or routed. */
  OPERATOR_PORT: fields.port(9081),
  POSTGRES_URL: fields.postgresUrl(),
  /** A Redis of the cache's own, with a memory cap and LRU eviction: never the sessions' one. */
  CACHE_REDIS_URL: fields.redisUrl(),
  RABBITMQ_URL: fields.amqpUrl(),
  MESSAGING_PREFIX: fields.messagingPrefix(),
  CACHE_NAMESPACE: z.string().min(1).default('catalog:'),
  CACHE_TTL_SECONDS: fields.positiveInt(300),
  CACHE_ENABLED: fields.flag(true),
  OUTBOX_INTERVAL_MS: fields.milliseconds(1_000),
  JWKS_URL: fields.httpUrl().default('http://127.0.0.1:8080/.well-known/jwks.json'),
  JWT_ISSUER: z.string().min(1).default('http://127.0.0.1:8080'),
  JWT_AUDIENCE: z.string().min(1).default('syllabus'),
});

export type Config = z.infer<typeof configSchema>;
