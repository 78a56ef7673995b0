import { defineService } from '@syllabus/service-kit';
import { createHttp } from './http';
import { configSchema } from './config';
import { createDependencies } from './dependencies';
import { startWorkers } from './workers';

/** The catalog as `main.ts` runs it, and every test harness starts it. */
export const catalogService = defineService({
  name: 'catalog',
  config: configSchema,
  dependencies: createDependencies,
  http: createHttp,
  workers: startWorkers,
});
