import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { type Express } from 'express';

const CONSOLE_POLICY = [
  "default-src 'self'",
  "base-uri 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

/**
 * The learner console (`@syllabus/console`, a static single-page app) at `/`, from the API's own
 * origin: no CORS and no third-party cookies. Its page carries the Jaeger UI's address, when one
 * is configured, so that each action's trace id links to its trace.
 */
export function mountConsole(app: Express, options: { jaegerUrl?: string }) {
  const dist = join(dirname(require.resolve('@syllabus/console/package.json')), 'dist');
  const escaped = (options.jaegerUrl ?? '').replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  // Read at start: a gateway without its console fails to start rather than at the first visit.
  const page = readFileSync(join(dist, 'index.html'), 'utf8').replace(
    '<meta name="syllabus-jaeger-url" content="" />',
    `<meta name="syllabus-jaeger-url" content="${escaped}" />`,
  );
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path !== '/' && req.path !== '/index.html') return next();
    // Same origin only, and no `upgrade-insecure-requests` (helmet's default has it): the console
    // is also served over plain http on loopback and inside a cluster.
    res
      .set('Cache-Control', 'no-cache')
      .set('Content-Security-Policy', CONSOLE_POLICY)
      .type('html')
      .send(page);
  });
  // File names carry their content hash: cached for good.
  app.use('/assets', express.static(join(dist, 'assets'), { index: false, immutable: true, maxAge: '1y' }));
}
