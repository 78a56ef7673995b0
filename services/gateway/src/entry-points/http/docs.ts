import { accessSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { type Express } from 'express';

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Syllabus API</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>`;

// A file, not an inline script, so the Content-Security-Policy can stay `script-src 'self'`.
const init = `window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

/** An interactive page for the API document, served from the package (no CDN). */
export function mountDocsPage(app: Express) {
  // The package's folder, found without loading its main module, which would run the whole
  // browser bundle in this process.
  const assets = dirname(require.resolve('swagger-ui-dist/package.json'));
  accessSync(join(assets, 'swagger-ui-bundle.js')); // fail at start, not at the first visit, if missing
  app.get('/docs', (_req, res) => {
    res.type('html').send(page);
  });
  app.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(init);
  });
  app.use('/docs/assets', express.static(assets, { index: false, maxAge: '1h' }));
}
