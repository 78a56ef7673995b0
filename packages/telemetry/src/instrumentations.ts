import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

const operationalPaths = /^\/(health\/|metrics$)/;

/**
 * Exactly the libraries Syllabus uses; probes and scrapes are not traced. What each span costs
 * is paid on every request, so there is one span per unit of work a reader of the trace needs:
 * the request, its route handler (the route's name comes from it), and each call out.
 */
export function createInstrumentations(options: { middlewareSpans: boolean }) {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => operationalPaths.test(req.url ?? '') }),
    // A span per middleware (helmet, request id, rate limit, body parser, …) tripled the spans
    // of a request for little to read; routers and the handler keep theirs (the route's name
    // is put together from them).
    new ExpressInstrumentation(
      options.middlewareSpans
        ? {}
        : { ignoreLayersType: [ExpressLayerType.MIDDLEWARE] },
    ),
    new PgInstrumentation({ requireParentSpan: true }),
    // The driver's span per command, not mongoose's as well: one span per round trip.
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
    new IORedisInstrumentation({ requireParentSpan: true }),
    new AmqplibInstrumentation(),
  ];
}
