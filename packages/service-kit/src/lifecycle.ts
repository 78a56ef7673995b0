import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';

interface Closer {
  name: string;
  close: () => unknown;
}

export interface Lifecycle {
  readonly stopping: boolean;
  /** Registers a teardown right where its resource is created; teardowns run in reverse order. */
  onShutdown(name: string, close: Closer['close']): void;
  listen(app: Express, options: { host: string; port: number }): Promise<{ server: Server; url: string }>;
  shutdown(reason: string): Promise<void>;
  /** SIGTERM/SIGINT start a graceful shutdown; the process exits when it ends (or is forced to). */
  exitOnSignals(): void;
}

/**
 * Graceful shutdown: become not-ready, stop accepting, let in-flight requests and messages
 * finish, close clients in the reverse order of their creation (telemetry, created first,
 * flushes last). A shutdown that overruns `timeoutMs` is forced.
 */
export function createLifecycle(options: { logger: Logger; timeoutMs: number }): Lifecycle {
  const { logger } = options;
  const closers: Closer[] = [];
  let stopping = false;
  let shutdownPromise: Promise<void> | undefined;

  const runClosers = async () => {
    for (const { name, close } of [...closers].reverse()) {
      try {
        await close();
        logger.debug({ resource: name }, 'closed');
      } catch (error) {
        logger.error({ err: error, resource: name }, 'failed to close');
      }
    }
  };

  const lifecycle: Lifecycle = {
    get stopping() {
      return stopping;
    },
    onShutdown(name, close) {
      closers.push({ name, close });
    },
    async listen(app, { host, port }) {
      const server = app.listen(port, host);
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', reject);
      });
      // Slow or stalled clients cannot hold sockets open for ever.
      server.headersTimeout = 10_000;
      server.requestTimeout = 30_000;
      lifecycle.onShutdown('http server', () => closeServer(server));
      const address = server.address() as AddressInfo;
      return { server, url: `http://${address.address}:${address.port}` };
    },
    shutdown(reason) {
      shutdownPromise ??= (async () => {
        stopping = true;
        logger.info({ reason }, 'shutting down');
        await runClosers();
        logger.info('shut down');
      })();
      return shutdownPromise;
    },
    exitOnSignals() {
      const onSignal = (signal: NodeJS.Signals) => {
        setTimeout(() => {
          logger.error({ timeoutMs: options.timeoutMs }, 'shutdown timed out; exiting');
          process.exit(1);
        }, options.timeoutMs).unref();
        lifecycle.shutdown(signal).then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    },
  };
  return lifecycle;
}

/** Stops accepting connections and resolves when every in-flight request has been answered. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Idle keep-alive sockets would otherwise hold the server open until they time out.
    server.closeIdleConnections();
  });
}
