import { defineService } from '@syllabus/service-kit';
import { createHttp } from './http';
import { configSchema } from './config';
import { createDependencies } from './dependencies';

/** The gateway as `main.ts` runs it, and every test harness starts it. */
export const gatewayService = defineService({
  name: 'gateway',
  config: configSchema,
  dependencies: createDependencies,
  http: createHttp,
});
