import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createLifecycle, createMetrics, createServiceApp } from '../src/index';

describe('graceful shutdown', () => {
  it('when shutting down, then not ready, in-flight requests finish, new connections are refused, closers run in reverse', async () => {
    const logger = pino({ level: 'silent' });
    const lifecycle = createLifecycle({ logger, timeoutMs: 5_000 });
    const closed: string[] = [];
    lifecycle.onShutdown('telemetry', () => closed.push('telemetry'));
    lifecycle.onShutdown('database', () => closed.push('database'));

    let releaseSlow!: () => void;
    const slowStarted = new Promise<void>((started) => {
      const app = createServiceApp({
        service: 'lifecycle-test',
        logger,
        metrics: createMetrics('lifecycle-test'),
        healthChecks: [],
        isStopping: () => lifecycle.stopping,
        routes: (router) => {
          router.get('/slow', async (_req, res) => {
            started();
            await new Promise<void>((resolve) => (releaseSlow = resolve));
            res.json({ finished: true });
          });
        },
      });
      void lifecycle
        .listen(app.operator, { host: '127.0.0.1', port: 0 })
        .then(({ url }) => {
          operatorUrl = url;
          return lifecycle.listen(app, { host: '127.0.0.1', port: 0 });
        })
        .then(({ url }) => {
          baseUrl = url;
          inFlight = fetch(`${url}/slow`);
        });
    });
    let baseUrl = '';
    let operatorUrl = '';
    let inFlight!: Promise<Response>;
    await slowStarted;
    lifecycle.onShutdown('consumer', () => closed.push('consumer'));

    const readyBefore = await fetch(`${operatorUrl}/health/ready`);
    assert.equal(readyBefore.status, 200);

    const shutdown = lifecycle.shutdown('test');
    assert.equal(lifecycle.stopping, true);
    // The server is closing: a new connection is refused while the slow request is still running.
    await assert.rejects(fetch(`${baseUrl}/slow`, { headers: { Connection: 'close' } }));
    releaseSlow();
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { finished: true });
    await shutdown;
    assert.deepEqual(closed, ['consumer', 'database', 'telemetry']);
  });
});
