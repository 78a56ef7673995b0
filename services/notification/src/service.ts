import { defineService } from '@syllabus/service-kit';
import { createHttp } from './http';
import { configSchema } from './config';
import { createDependencies } from './dependencies';
import { startWorkers } from './workers';

/** Notification as `main.ts` runs it, and every test harness starts it. */
export const notificationService = defineService({
  name: 'notification',
  config: configSchema,
  dependencies: createDependencies,
  http: createHttp,
  workers: startWorkers,
});
