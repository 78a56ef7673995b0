import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '@syllabus/testing';
import { startOtlpReceiver } from '@syllabus/testing/otlp';

/** The fixture app under `--require register`, exporting to `receiverUrl`; resolves with its port. */
async function startTracedApp(receiverUrl: string, env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ['--require', join(__dirname, '..', 'src', 'register.js'), join(__dirname, 'fixtures', 'traced-app.js')],
    {
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
        OTEL_SERVICE_NAME: 'telemetry-test',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (line: Buffer) =>
      resolve((JSON.parse(line.toString()) as { port: number }).port),
    );
    child.once('exit', (code) => reject(new Error(`the traced app exited with ${code}`)));
  });
  return { child, port };
}

describe('telemetry preloaded with --require', () => {
  it('when a request touches http, pg, mongodb, ioredis and amqplib, then their spans arrive in one trace, as protobuf, without Express spans', async () => {
    const receiver = await startOtlpReceiver();
    const { child, port } = await startTracedApp(receiver.url);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/work`);
      assert.equal(response.status, 200);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;

      const server = await waitFor(
        () => receiver.spans.find((s) => s.scope === '@opentelemetry/instrumentation-http' && s.kind === 2),
        { what: 'the HTTP server span' },
      );
      const trace = receiver.spans.filter((s) => s.traceId === server.traceId);
      const scopes = new Set(trace.map((s) => s.scope));
      for (const library of ['http', 'pg', 'mongodb', 'ioredis', 'amqplib']) {
        assert.ok(scopes.has(`@opentelemetry/instrumentation-${library}`), `a ${library} span in the trace`);
      }
      assert.deepEqual(receiver.contentTypes(), ['application/x-protobuf']);
      assert.ok(!scopes.has('@opentelemetry/instrumentation-express'), 'no Express spans unless asked for');
      assert.ok(trace.every((s) => s.service === 'telemetry-test'));
      const consume = trace.find((s) => s.scope === '@opentelemetry/instrumentation-amqplib' && s.kind === 5);
      assert.ok(consume, 'the consume span joined the trace through the message headers');
    } finally {
      child.kill('SIGKILL');
      await receiver.close();
    }
  });

  it('when the batch queue overflows, then the dropped spans are counted by reason', async () => {
    // A collector that never answers, and a queue of two spans: while the first export hangs,
    // a request of six or more spans overflows it.
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const receiver = {
      url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
      close: () => {
        hanging.closeAllConnections();
        return new Promise<void>((resolve) => hanging.close(() => resolve()));
      },
    };
    const { child, port } = await startTracedApp(receiver.url, {
      OTEL_BSP_MAX_QUEUE_SIZE: '2',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    try {
      const before = (await (await fetch(`http://127.0.0.1:${port}/dropped`)).json()) as Record<
        string,
        number
      >;
      assert.deepEqual(before, {});
      assert.equal((await fetch(`http://127.0.0.1:${port}/work`)).status, 200);
      const after = await waitFor(
        async () => {
          const dropped = (await (await fetch(`http://127.0.0.1:${port}/dropped`)).json()) as Record<
            string,
            number
          >;
          return (dropped.queue_full ?? 0) >= 4 && dropped;
        },
        { what: "at least 4 of the request's spans counted as dropped" },
      );
      assert.deepEqual(Object.keys(after), ['queue_full']);
    } finally {
      child.kill('SIGKILL');
      await receiver.close();
    }
  });
});
