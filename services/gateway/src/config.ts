import { fields, serviceSchema, type z } from '@syllabus/config';

export const configSchema = serviceSchema.extend({
  PORT: fields.port(8080),
  REDIS_URL: fields.redisUrl(),
  CATALOG_URL: fields.httpUrl().default('http://127.0.0.1:8081'),
  USER_PROGRESS_URL: fields.httpUrl().default('http://127.0.0.1:8082'),
  NOTIFICATION_URL: fields.httpUrl().default('http://127.0.0.1:8083'),
});

export type Config = z.infer<typeof configSchema>;
