import type { Logger } from 'pino';

export interface RelayLoop {
  start(): void;
  /** Runs now rather than at the next tick (after a write, or when the broker returns). */
  wake(): void;
  /** Stops after the batch in flight. */
  stop(): Promise<void>;
}

/**
 * Drives an outbox relay: runs `relayBatch` on a timer and on demand, one run at a time, again
 * and again while it reports more work. Where the events wait (a table, a document) is the
 * caller's business; this is only the scheduling both outboxes share.
 */
export function createRelayLoop(options: {
  /** Relays one batch; resolves true when a full batch went out and more may be waiting. */
  relayBatch: () => Promise<boolean>;
  intervalMs: number;
  logger: Logger;
  /** Whether a wake-up is worth it now (e.g. the broker is connected). */
  ready?: () => boolean;
  /** What the loop is called in its logs. */
  name?: string;
}): RelayLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  async function drain() {
    do {
      again = false;
      try {
        while (!stopped && (await options.relayBatch()));
      } catch (error) {
        options.logger.warn(
          { err: error },
          `${options.name ?? 'outbox relay'} failed; retrying at the next tick`,
        );
      }
    } while (again && !stopped);
  }

  function run() {
    if (running) {
      again = true;
      return;
    }
    running = drain().finally(() => (running = undefined));
  }

  return {
    start() {
      stopped = false;
      timer = setInterval(run, options.intervalMs);
      timer.unref();
      run();
    },
    wake() {
      if (!stopped && (options.ready?.() ?? true)) run();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
