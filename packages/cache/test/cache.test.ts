import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { startRedisServer, testEnv, waitFor } from '@syllabus/testing';
import { createCache } from '../src/index';

let redis: Redis;
const namespace = () => `test:${randomUUID()}:`;

const counting = <T>(value: T, delayMs = 20) => {
  const loader = async () => {
    loader.calls += 1;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return value;
  };
  loader.calls = 0;
  return loader;
};

describe('cache-aside on a real Redis', () => {
  before(() => {
    redis = new Redis(testEnv.REDIS_URL, { lazyConnect: false });
  });
  after(() => redis.quit());

  it('when a key is read twice, then the second read is a hit and the loader ran once', async () => {
    const registry = new Registry();
    const cache = createCache({ redis, namespace: namespace(), ttlSeconds: 60, registry });
    const load = counting({ title: 'SQL' });
    assert.deepEqual(await cache.getOrLoad('course:sql', load), { title: 'SQL' });
    assert.deepEqual(await cache.getOrLoad('course:sql', load), { title: 'SQL' });
    assert.equal(load.calls, 1);
    const metrics = await registry.getMetricsAsJSON();
    const values = metrics.find((m) => m.name === 'cache_lookups_total')!.values;
    assert.equal(values.find((v) => v.labels.result === 'hit')?.value, 1);
    assert.equal(values.find((v) => v.labels.result === 'miss')?.value, 1);
  });

  it('when a key is read as text, then it is the stored JSON, loaded once, and the same key reads as a value too', async () => {
    const cache = createCache({ redis, namespace: namespace(), ttlSeconds: 60 });
    const load = counting({ title: 'SQL', lessons: [1, 2] });
    const readers = await Promise.all(
      Array.from({ length: 20 }, () => cache.getOrLoadText('course:sql', load)),
    );
    assert.deepEqual(new Set(readers), new Set(['{"title":"SQL","lessons":[1,2]}']));
    assert.equal(await cache.getOrLoadText('course:sql', load), '{"title":"SQL","lessons":[1,2]}');
    assert.deepEqual(await cache.getOrLoad('course:sql', load), { title: 'SQL', lessons: [1, 2] });
    assert.equal(load.calls, 1);
    assert.equal(await cache.getOrLoadText('course:none', counting(null)), 'null');
  });

  it('when 200 readers miss the same key at once, then the loader runs exactly once', async () => {
    const cache = createCache({ redis, namespace: namespace(), ttlSeconds: 60 });
    const load = counting({ id: 1 }, 50);
    const results = await Promise.all(Array.from({ length: 200 }, () => cache.getOrLoad('hot', load)));
    assert.equal(load.calls, 1);
    assert.ok(results.every((r) => r.id === 1));
  });

  it('when a value is stored, then its TTL is the base TTL within the jitter', async () => {
    const ns = namespace();
    const cache = createCache({ redis, namespace: ns, ttlSeconds: 100, jitter: 0.2 });
    const ttls: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      await cache.getOrLoad(`k${i}`, () => Promise.resolve(i));
      ttls.push(await waitForTtl(`${ns}k${i}`));
    }
    assert.ok(
      ttls.every((ttl) => ttl >= 80 && ttl <= 120),
      `ttls ${ttls.join(',')}`,
    );
    assert.ok(new Set(ttls).size > 1, 'TTLs are spread, not all equal');
  });

  it('when a key is invalidated, then the next read loads again', async () => {
    const ns = namespace();
    const cache = createCache({ redis, namespace: ns, ttlSeconds: 60 });
    let version = 1;
    const load = () => Promise.resolve({ version });
    await cache.getOrLoad('course:a', load);
    await waitForCount(`${ns}course:a`, 1);
    version = 2;
    await cache.invalidate('course:a');
    assert.deepEqual(await cache.getOrLoad('course:a', load), { version: 2 });
  });

  it('when a prefix is invalidated, then every key under it is gone and others stay', async () => {
    const ns = namespace();
    const cache = createCache({ redis, namespace: ns, ttlSeconds: 60 });
    for (let page = 0; page < 30; page += 1)
      await cache.getOrLoad(`list:page:${page}`, () => Promise.resolve(page));
    await cache.getOrLoad('course:keep', () => Promise.resolve('kept'));
    await waitForCount(`${ns}*`, 31);
    await cache.invalidatePrefix('list:');
    assert.deepEqual((await redis.keys(`${ns}*`)).sort(), [`${ns}course:keep`]);
  });

  it('when an invalidation lands while a load is running, then the stale load is not cached', async () => {
    const ns = namespace();
    const cache = createCache({ redis, namespace: ns, ttlSeconds: 60 });
    let started!: () => void;
    const loading = new Promise<void>((resolve) => (started = resolve));
    let release!: (value: string) => void;
    const slow = cache.getOrLoad('course:b', () => {
      started();
      return new Promise<string>((resolve) => (release = resolve));
    });
    await loading; // the miss is read and the load has begun
    await cache.invalidate('course:b');
    release('old');
    assert.equal(await slow, 'old');
    // The cache writes on this same connection, and Redis answers a connection's commands in
    // order: whatever it stored for the stale load would be there by the time this is answered.
    assert.equal(await redis.exists(`${ns}course:b`), 0);
  });

  it('when Redis is stopped, then values still come from the loader, and caching resumes when it is back', async () => {
    const server = await startRedisServer();
    const errors: string[] = [];
    const client = new Redis(server.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 100,
    });
    client.on('error', () => undefined);
    const cache = createCache({
      redis: client,
      namespace: namespace(),
      ttlSeconds: 60,
      onError: (_e, op) => errors.push(op),
    });
    try {
      assert.equal(await cache.getOrLoad('k', () => Promise.resolve('from-db')), 'from-db');
      await server.stop();
      const load = counting('still-from-db', 1);
      const started = Date.now();
      assert.equal(await cache.getOrLoad('k', load), 'still-from-db');
      assert.equal(await cache.getOrLoad('k', load), 'still-from-db');
      assert.equal(load.calls, 2);
      assert.ok(Date.now() - started < 1_000, 'falls back at once, without waiting for Redis');
      assert.ok(errors.includes('get'));
    } finally {
      client.disconnect();
    }
  });
});

const waitForTtl = (key: string) =>
  waitFor(async () => Math.max(0, await redis.ttl(key)), { what: `a TTL on ${key}`, intervalMs: 10 });

const waitForCount = (pattern: string, count: number) =>
  waitFor(async () => (await redis.keys(pattern)).length === count, {
    what: `${count} keys matching ${pattern}`,
    intervalMs: 10,
  });
