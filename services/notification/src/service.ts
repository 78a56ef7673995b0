import { defineService } from '@syllabus/service-kit';
import { configSchema } from './config';
import { createDependencies } from './dependencies';
import { createHttp } from './http';
import { createUseCases } from './use-cases';
import { createWorkers } from './workers';

/** Notification as `main.ts` runs it, and every test harness starts it. */
export const notificationService = defineService({
  name: 'notification',
  config: configSchema,
  dependencies: createDependencies,
  useCases: createUseCases,
  http: createHttp,
  workers: createWorkers,
});
