import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { MongooseInstrumentation } from '@opentelemetry/instrumentation-mongoose';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

const operationalPaths = /^\/(health\/|metrics$)/;

/** Exactly the libraries Syllabus uses; probes and scrapes are not traced. */
export function createInstrumentations() {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => operationalPaths.test(req.url ?? '') }),
    new ExpressInstrumentation(),
    new PgInstrumentation({ requireParentSpan: true }),
    new MongoDBInstrumentation({
      requireParentSpan: true,
      // The operation and its collection, never the documents: serialising every command (the
      // default) cost several per cent of user-progress's CPU under load, and would put learners'
      // data into traces.
      dbStatementSerializer: (command) => {
        const [operation] = Object.keys(command);
        return operation ? `${operation} ${String(command[operation])}` : '';
      },
    }),
    new MongooseInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    new AmqplibInstrumentation(),
  ];
}
