import { fields, serviceSchema, z } from '@syllabus/config';

export const configSchema = serviceSchema.extend({
  PORT: fields.port(8082),
  MONGODB_URL: fields.mongoUrl(),
  MONGODB_DATABASE: fields.databaseName().default('user_progress'),
  RABBITMQ_URL: fields.amqpUrl(),
  EVENTS_EXCHANGE: z.string().min(1).default('syllabus.events'),
  CATALOG_EVENTS_QUEUE: z.string().min(1).default('user-progress.catalog-events'),
  OUTBOX_INTERVAL_MS: fields.milliseconds(1_000),
  JWKS_URL: fields.httpUrl().default('http://127.0.0.1:8080/.well-known/jwks.json'),
  JWT_ISSUER: z.string().min(1).default('http://127.0.0.1:8080'),
  JWT_AUDIENCE: z.string().min(1).default('syllabus'),
  /** Shared with the gateway for the internal user routes. */
  INTERNAL_TOKEN: z.string().min(32, 'at least 32 characters'),
  /** Accounts that get the admin or author role when they sign up. */
  ADMIN_EMAILS: fields.list(),
  AUTHOR_EMAILS: fields.list(),
});

export type Config = z.infer<typeof configSchema>;
