import { createServiceApp, type Logger } from '@syllabus/service-kit';
import type { Dependencies } from './dependencies';

export function createApp(deps: Dependencies & { logger: Logger; isStopping: () => boolean }) {
  return createServiceApp({
    service: 'user-progress',
    logger: deps.logger,
    metrics: deps.metrics,
    isStopping: deps.isStopping,
    healthChecks: [
      // Users and progress live in MongoDB. Events wait inside their documents while the
      // broker is away, so the broker only degrades the service.
      {
        name: 'mongodb',
        critical: true,
        check: () => deps.mongo.db?.admin().ping() ?? Promise.reject(new Error('not connected')),
      },
      { name: 'rabbitmq', critical: false, check: () => deps.broker.check() },
    ],
    routes: () => {
      // Users, enrolments and progress arrive with the user-progress domain.
    },
  });
}
