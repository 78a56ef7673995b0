import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '@syllabus/testing';
import { startOtlpReceiver } from '@syllabus/testing/otlp';

describe('telemetry preloaded with --require', () => {
  it('when a request touches http, express, pg, mongoose, ioredis and amqplib, then their spans arrive in one trace', async () => {
    const receiver = await startOtlpReceiver();
    const child = spawn(
      process.execPath,
      [
        '--require',
        join(__dirname, '..', 'src', 'register.js'),
        join(__dirname, 'fixtures', 'traced-app.js'),
      ],
      {
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_SERVICE_NAME: 'telemetry-test',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.once('data', (line: Buffer) =>
          resolve((JSON.parse(line.toString()) as { port: number }).port),
        );
        child.once('exit', (code) => reject(new Error(`the traced app exited with ${code}`)));
      });
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
      for (const library of ['http', 'express', 'pg', 'mongoose', 'mongodb', 'ioredis', 'amqplib']) {
        assert.ok(scopes.has(`@opentelemetry/instrumentation-${library}`), `a ${library} span in the trace`);
      }
      assert.ok(trace.every((s) => s.service === 'telemetry-test'));
      const consume = trace.find((s) => s.scope === '@opentelemetry/instrumentation-amqplib' && s.kind === 5);
      assert.ok(consume, 'the consume span joined the trace through the message headers');
    } finally {
      child.kill('SIGKILL');
      await receiver.close();
    }
  });
});
