import { defineService } from '@syllabus/service-kit';
import { configSchema } from './config';
import { createDependencies } from './dependencies';
import { createHttp } from './http';
import { createUseCases } from './use-cases';

/** The gateway as `main.ts` runs it, and every test harness starts it. */
export const gatewayService = defineService({
  name: 'gateway',
  config: configSchema,
  dependencies: createDependencies,
  useCases: createUseCases,
  http: createHttp,
});
