import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; every line written inside a span carries its trace and span ids. */
export function createLogger(options: { service: string; level: string }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const context = trace.getActiveSpan()?.spanContext();
        return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
      },
    },
    // Written asynchronously: lines logged while a write is under way go out together in the
    // next one (a write per line cost a system call per request for the access log alone).
    // pino flushes what is left when the process exits.
    pino.destination({ dest: 1, sync: false }),
  );
}
