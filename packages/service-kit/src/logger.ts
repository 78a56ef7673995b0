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
    // Written in batches: lines gather in memory until 4 KiB, or at most a second, and go out in
    // one write, because a write per line costs a cached read much of its throughput (the bench
    // measures it; infra/README.md has the figure). pino flushes what is left when the process
    // exits, a crash included; a SIGKILL loses at most the last second.
    pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 1000 }),
  );
}
