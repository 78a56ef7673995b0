import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import type { Dispatcher } from 'undici';
import { HttpProblem } from '@syllabus/service-kit';
import type { UpstreamName, Upstreams } from '../../data-access/upstreams';

// Connection-level headers belong to one hop and are never forwarded (RFC 9110 §7.6.1). `Expect`
// is answered here (Node sends 100 Continue, or 417 for anything else) and not passed on.
const HOP_BY_HOP = new Set([
  'expect',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

function forwardedHeaders(req: Request): Record<string, string> {
  const listed = new Set(
    String(req.headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers['x-request-id'] = String(req.res?.getHeader('X-Request-Id') ?? '');
  headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.ip].filter(Boolean).join(', ');
  headers['x-forwarded-proto'] = req.protocol;
  return headers;
}

/** Forwards the request as it came (path, query, headers, body) and streams the answer back. */
export function proxyTo(
  upstreams: Upstreams,
  name: UpstreamName,
  options: { streaming?: boolean } = {},
): RequestHandler {
  return async (req, res) => {
    const hasBody = req.body !== undefined && !['GET', 'HEAD'].includes(req.method);
    const headers = forwardedHeaders(req);
    if (hasBody) headers['content-type'] = 'application/json';
    const upstream = await upstreams.send(name, {
      method: req.method,
      path: req.originalUrl,
      headers,
      body: hasBody ? JSON.stringify(req.body) : undefined,
      streaming: options.streaming,
    });
    if (options.streaming) {
      copyHead(upstream, res);
      res.flushHeaders();
      res.once('close', () => upstream.body.destroy());
      await pipeline(upstream.body, res).catch(() => undefined);
      return;
    }
    // An answer is read whole and sent in one write with its length: no stream plumbing per
    // request (piping added a dozen listeners to every response, and a warning with a stack).
    let body: Buffer;
    try {
      body = Buffer.from(await upstream.body.arrayBuffer());
    } catch {
      throw HttpProblem.named('bad-gateway', `${name} broke off its answer`, { upstream: name });
    }
    copyHead(upstream, res);
    // The upstream's length is the body's (or, for HEAD, the length a GET would have).
    const length = upstream.headers['content-length'];
    if (length !== undefined) res.setHeader('content-length', length);
    res.end(body);
  };
}

function copyHead(upstream: Dispatcher.ResponseData, res: Response) {
  res.status(upstream.statusCode);
  for (const [header, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(header) && header !== 'x-request-id')
      res.setHeader(header, value);
  }
}
