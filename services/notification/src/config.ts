import { fields, serviceSchema, type z } from '@syllabus/config';

export const configSchema = serviceSchema.extend({
  PORT: fields.port(8083),
  POSTGRES_URL: fields.postgresUrl(),
  REDIS_URL: fields.redisUrl(),
  RABBITMQ_URL: fields.amqpUrl(),
});

export type Config = z.infer<typeof configSchema>;
