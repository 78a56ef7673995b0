import { fields, messagingSchema, serviceSchema, tokenVerificationSchema, z } from '@syllabus/config';

export const configSchema = serviceSchema.extend({
  ...messagingSchema.shape,
  ...tokenVerificationSchema.shape,
  PORT: fields.port(8081),
  /** Health and metrics, for probes and Prometheus only: never published or routed. */
  OPERATOR_PORT: fields.port(9081),
  POSTGRES_URL: fields.postgresUrl(),
  /** A Redis of the cache's own, with a memory cap and LRU eviction: never the sessions' one. */
  CACHE_REDIS_URL: fields.redisUrl(),
  CACHE_NAMESPACE: z.string().min(1).default('catalog:'),
  CACHE_TTL_SECONDS: fields.positiveInt(300),
  CACHE_ENABLED: fields.flag(true),
  OUTBOX_INTERVAL_MS: fields.milliseconds(1_000),
});

export type Config = z.infer<typeof configSchema>;
