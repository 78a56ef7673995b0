import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

const operationalPaths = /^\/(health\/|metrics$)/;

/**
 * Exactly the libraries Syllabus uses; probes and scrapes are not traced. What each span costs
 * is paid on every request, so there is one span per unit of work a reader of the trace needs:
 * the request (named by its route) and each call out.
 */
export function createInstrumentations(options: { expressSpans: boolean }) {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => operationalPaths.test(req.url ?? '') }),
    // Express's own spans (a span per router and handler, or per middleware too) only when asked
    // for: they doubled the spans of a request for little to read, and wrapped every layer of
    // every request. The route's name on the request's span comes from the service kit instead.
    ...(options.expressSpans ? [new ExpressInstrumentation()] : []),
    new PgInstrumentation({ requireParentSpan: true }),
    // The driver's span per command, not mongoose's as well: one span per round trip.
    new MongoDBInstrumentation({
      requireParentSpan: true,
      // The shape of the command or filter, never its values: serialising whole commands (the
      // default) cost several per cent of user-progress's CPU under load, and put learners' data
      // into traces (an email is the `_id` of its reservation). The span's name already says the
      // operation and the collection.
      dbStatementSerializer: (command) => Object.keys(command).join(' '),
    }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    new AmqplibInstrumentation(),
    // The gateway's GraphQL: parse, validate and execute as spans, with the calls to the services
    // under execute. Not a span per resolved field (trivial ones are most of them), and never the
    // variables' values.
    new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, mergeItems: true, allowValues: false }),
  ];
}
