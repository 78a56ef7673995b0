import { fields, messagingSchema, serviceSchema, tokenVerificationSchema, z } from '@syllabus/config';

export const configSchema = serviceSchema.extend({
  ...messagingSchema.shape,
  ...tokenVerificationSchema.shape,
  PORT: fields.port(8083),
  /** Health and metrics, for probes and Prometheus only: never published or routed. */
  OPERATOR_PORT: fields.port(9083),
  POSTGRES_URL: fields.postgresUrl(),
  REDIS_URL: fields.redisUrl(),
  /** Deliveries of one event before it goes to `<queue>.dead-letter`. */
  MAX_ATTEMPTS: fields.positiveInt(5),
  RETRY_DELAYS_MS: z
    .string()
    .default('1000,5000,30000')
    .transform((value) => value.split(',').map((delay) => Number(delay.trim())))
    .pipe(z.array(z.number().int().positive()).min(1)),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL')
    .default('smtp://127.0.0.1:1025'),
  EMAIL_FROM: z.string().min(3).default('Syllabus <no-reply@syllabus.local>'),
  /** Lets webhooks reach private, loopback and link-local addresses, and plain http. Never in production. */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: fields.flag(false),
  /** The whole of one webhook call (connect, send, the full answer), however slowly it trickles. */
  WEBHOOK_TIMEOUT_MS: fields.milliseconds(5_000),
  /** Email and webhook sends at once per instance (never more than one per webhook subscription). */
  DELIVERY_CONCURRENCY: fields.positiveInt(8),
  /** Webhook subscriptions one learner may have. */
  WEBHOOKS_PER_USER: fields.positiveInt(10),
  DELIVERY_MAX_ATTEMPTS: fields.positiveInt(6),
  DELIVERY_BACKOFF_MS: fields.milliseconds(1_000),
  DELIVERY_INTERVAL_MS: fields.milliseconds(1_000),
  /** Consecutive failed deliveries after which a webhook subscription is disabled. */
  WEBHOOK_DISABLE_AFTER: fields.positiveInt(5),
  SSE_HEARTBEAT_MS: fields.milliseconds(15_000),
  /**
   * A live stream ends after this and its client reconnects (EventSource does, with
   * Last-Event-ID, so nothing is missed): the access token is checked again at least this often.
   */
  SSE_MAX_DURATION_MS: fields.milliseconds(900_000),
  FANOUT_CHANNEL_PREFIX: z.string().min(1).default('notifications:user:'),
});

export type Config = z.infer<typeof configSchema>;
