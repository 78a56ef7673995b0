import { defineConfig } from 'vite';

// A static single-page app: the gateway serves `dist/` at `/`, from the API's own origin. For
// working on it, `npx vite` serves it with the API proxied to a gateway started by `npm start`.
export default defineConfig({
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: true },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
