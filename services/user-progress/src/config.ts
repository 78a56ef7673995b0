import { fields, messagingSchema, serviceSchema, tokenVerificationSchema, z } from '@syllabus/config';

export const configSchema = serviceSchema.extend({
  ...messagingSchema.shape,
  ...tokenVerificationSchema.shape,
  PORT: fields.port(8082),
  /** Health and metrics, for probes and Prometheus only: never published or routed. */
  OPERATOR_PORT: fields.port(9082),
  MONGODB_URL: fields.mongoUrl(),
  MONGODB_DATABASE: fields.databaseName().default('user_progress'),
  OUTBOX_INTERVAL_MS: fields.milliseconds(1_000),
  /** Shared with the gateway for the internal user routes. */
  INTERNAL_TOKEN: z.string().min(32, 'at least 32 characters'),
  /** Password hashes computed at once (scrypt, on libuv's thread pool), and how many may wait. */
  HASH_CONCURRENCY: fields.positiveInt(2),
  HASH_QUEUE: fields.positiveInt(32),
  /** The leaderboard's sorted set; keys start with the prefix. */
  REDIS_URL: fields.redisUrl(),
  REDIS_KEY_PREFIX: z.string().default('user-progress:'),
  /** How often to check that Redis still has the leaderboard (and rebuild it if not). */
  LEADERBOARD_CHECK_MS: fields.milliseconds(5_000),
  /** How old an outbox entry must be before the relay sends it in its writer's place. */
  OUTBOX_GRACE_MS: fields.milliseconds(5_000),
  /** How long a process trusts its copy of a course from the read model. */
  COURSE_CACHE_MS: fields.milliseconds(1_000),
});

export type Config = z.infer<typeof configSchema>;
