import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { waitFor } from '@syllabus/testing';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}

/** A real OTLP/HTTP receiver on loopback: what the SDK exports is what arrives here. */
async function startReceiver() {
  const spans: (OtlpSpan & { scope: string; service: string })[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const decoded = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const body = JSON.parse(decoded.toString('utf8')) as OtlpRequest;
      for (const resourceSpans of body.resourceSpans) {
        const service =
          resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const scopeSpans of resourceSpans.scopeSpans) {
          for (const span of scopeSpans.spans) spans.push({ ...span, scope: scopeSpans.scope.name, service });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => server.close(),
  };
}

describe('telemetry preloaded with --require', () => {
  it('when a request touches http, express, pg, mongoose, ioredis and amqplib, then their spans arrive in one trace', async () => {
    const receiver = await startReceiver();
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
      receiver.close();
    }
  });
});
