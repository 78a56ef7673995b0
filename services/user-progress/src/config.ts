import { fields, serviceSchema, type z } from '@syllabus/config';

export const configSchema = serviceSchema.extend({
  PORT: fields.port(8082),
  MONGODB_URL: fields.mongoUrl(),
  MONGODB_DATABASE: fields.databaseName().default('user_progress'),
  RABBITMQ_URL: fields.amqpUrl(),
});

export type Config = z.infer<typeof configSchema>;
