// The benchmarks' baselines, each run as a process of its own: `node baseline.js <kind>` serves
// BENCH_PATH with the body stored in Redis under BENCH_KEY (read once at start, or per request).
//   bare           node:http, the body from memory: the floor of this machine
//   express        an Express 5 app with one route and no middleware, the body from memory
//   express-redis  the same, reading the body with one ioredis getBuffer per request
import { createServer } from 'node:http';
import express from 'express';
import { Redis } from 'ioredis';

async function main() {
  const [kind] = process.argv.slice(2);
  const { PORT, BENCH_PATH, BENCH_KEY, CACHE_REDIS_URL } = process.env;
  if (!PORT || !BENCH_PATH || !BENCH_KEY || !CACHE_REDIS_URL)
    throw new Error('PORT, BENCH_PATH, BENCH_KEY, CACHE_REDIS_URL');
  const redis = new Redis(CACHE_REDIS_URL);
  const body = await redis.getBuffer(BENCH_KEY);
  if (!body) throw new Error(`nothing stored under ${BENCH_KEY}`);
  const listen = (server: { listen: (port: number, host: string, done: () => void) => unknown }) =>
    server.listen(Number(PORT), '127.0.0.1', () => process.stdout.write(`${kind} listening\n`));

  if (kind === 'bare') {
    listen(
      createServer((req, res) => {
        if (req.url !== BENCH_PATH) return res.writeHead(404).end();
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length }).end(body);
      }),
    );
  } else if (kind === 'express' || kind === 'express-redis') {
    const app = express();
    app.get(BENCH_PATH, async (_req, res) => {
      const stored = kind === 'express' ? body : await redis.getBuffer(BENCH_KEY);
      res.type('application/json').send(stored);
    });
    listen(app);
  } else {
    throw new Error(`unknown baseline ${kind}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline failed: ${String(error)}\n`);
  process.exit(1);
});
