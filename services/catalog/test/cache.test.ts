import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { Redis } from 'ioredis';
import { startRedisServer, testEnv, waitFor } from '@syllabus/testing';
import { cursors } from '../src/entry-points/http/cursors';
import { metricValue, startCatalog } from './support';
import { withBearer } from '@syllabus/testing/http';

type Catalog = Awaited<ReturnType<typeof startCatalog>>;

async function metric(catalog: Catalog, name: string, labels: Record<string, string>) {
  return metricValue((await request(catalog.app.operator).get('/metrics')).text, name, labels);
}

describe('catalog cache', () => {
  let catalog: Catalog;
  before(async () => (catalog = await startCatalog({ seed: true })));
  after(() => catalog.stop());

  it('when a course is read twice, then the second read is a cache hit that does not touch PostgreSQL', async () => {
    const loads = () =>
      metric(catalog, 'catalog_db_query_duration_seconds_count', { query: 'find_course_by_slug' });
    const hits = () => metric(catalog, 'cache_lookups_total', { result: 'hit' });
    const [loadsBefore, hitsBefore] = [await loads(), await hits()];
    await request(catalog.app).get('/v1/courses/graphql-apis').expect(200);
    await waitFor(
      async () =>
        (await catalog.deps.redis.exists(`${catalog.config.CACHE_NAMESPACE}course:graphql-apis`)) === 1,
    );
    await request(catalog.app).get('/v1/courses/graphql-apis').expect(200);
    assert.equal((await loads()) - loadsBefore, 1);
    assert.equal((await hits()) - hitsBefore, 1);
  });

  it('when 200 readers ask for a cold course at once, then PostgreSQL is queried once', async () => {
    const loads = () =>
      metric(catalog, 'catalog_db_query_duration_seconds_count', { query: 'find_course_by_slug' });
    const before = await loads();
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => request(catalog.app).get('/v1/courses/kubernetes-fundamentals')),
    );
    assert.ok(responses.every((res) => res.status === 200 && res.body.slug === 'kubernetes-fundamentals'));
    assert.equal((await loads()) - before, 1);
  });

  it('when a published course is updated, then readers see the change once its event is consumed, never stale after', async () => {
    const first = await request(catalog.app).get('/v1/courses/grpc-services').expect(200);
    await request(catalog.app).get('/v1/courses?track=apis').expect(200);
    await waitFor(
      async () =>
        (await catalog.deps.redis.exists(`${catalog.config.CACHE_NAMESPACE}course:grpc-services`)) === 1,
    );

    // Seeded courses belong to the seed; an admin may edit any course.
    await withBearer(catalog.app, catalog.auth.admin)
      .patch(`/v1/courses/${first.body.id}`)
      .set('If-Match', first.headers.etag!)
      .send({ title: 'gRPC, Protocol Buffers and Streaming' })
      .expect(200);

    // Invalidation is driven by the catalog's own course-updated event, not by the write.
    await waitFor(
      async () =>
        (await catalog.deps.redis.exists(`${catalog.config.CACHE_NAMESPACE}course:grpc-services`)) === 0,
      { what: 'the event to invalidate the course' },
    );
    const detail = await request(catalog.app).get('/v1/courses/grpc-services').expect(200);
    assert.equal(detail.body.title, 'gRPC, Protocol Buffers and Streaming');
    assert.notEqual(detail.headers.etag, first.headers.etag);
    const list = await request(catalog.app).get('/v1/courses?track=apis').expect(200);
    assert.ok(
      list.body.items.some((c: { title: string }) => c.title === 'gRPC, Protocol Buffers and Streaming'),
    );
  });
});

describe('catalog without Redis', () => {
  it('when Redis stops, then reads are served from PostgreSQL and the service stays ready, degraded', async () => {
    const redis = await startRedisServer();
    const catalog = await startCatalog({ redisUrl: redis.url, seed: true });
    try {
      await request(catalog.app).get('/v1/courses/sql-fundamentals').expect(200);
      await redis.stop();
      const res = await request(catalog.app).get('/v1/courses/sql-fundamentals').expect(200);
      assert.equal(res.body.slug, 'sql-fundamentals');
      const list = await request(catalog.app).get('/v1/courses?limit=5').expect(200);
      assert.equal(list.body.items.length, 5);
      const ready = await request(catalog.app.operator).get('/health/ready').expect(200);
      assert.equal(ready.body.status, 'degraded');
      assert.equal(ready.body.checks.redis.status, 'down');
    } finally {
      await catalog.stop();
      await redis.stop();
    }
  });
});

describe('catalog cache, bounded', () => {
  let catalog: Catalog;
  before(async () => (catalog = await startCatalog({ seed: true })));
  after(() => catalog.stop());

  it('when clients invent cursors, searches, page sizes and filters, then the cache gains no entry (10,000 forged cursors: the abuse suite); a canonical page is cached', async () => {
    const redis = new Redis(testEnv.CACHE_REDIS_URL);
    const keys = async () => (await redis.keys(`${catalog.config.CACHE_NAMESPACE}list:*`)).sort();
    const server = catalog.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/courses?`;
    try {
      const before = await keys();
      const queries: [string, number][] = [];
      for (let i = 0; i < 500; i += 1) {
        // Well-formed, as the API would encode them, but for positions nobody was given.
        queries.push([
          `cursor=${encodeURIComponent(cursors.encode({ title: `forged ${i}`, id: randomUUID() }))}`,
          200,
        ]);
        queries.push([`cursor=forged-${i}`, 422]);
      }
      for (let i = 0; i < 200; i += 1) {
        queries.push([`q=word${i}`, 200]);
        queries.push([`limit=${(i % 50) + 21}&track=apis`, 200]); // any size but the default
        queries.push([`track=no-such-track-${i}`, 200]);
        queries.push([`skill=no-such-skill-${i}`, 200]);
      }
      let invented = 0;
      // 32 clients at a time, each taking the next query.
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          for (let next = queries.pop(); next; next = queries.pop()) {
            const response = await fetch(base + next[0]);
            await response.arrayBuffer();
            assert.equal(response.status, next[1], next[0]);
            invented += 1;
          }
        }),
      );
      assert.equal(invented, 1_800);
      assert.deepEqual(await keys(), before, 'no new cache entry');
      await request(catalog.app).get('/v1/courses?track=databases&level=entry').expect(200);
      assert.equal((await keys()).length, before.length + 1, 'the canonical page is cached');
    } finally {
      redis.disconnect();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('when the cache is configured, then on a Redis of its own, capped and evicting, never the one sessions and limits use', async () => {
    assert.notEqual(new URL(catalog.config.CACHE_REDIS_URL).port, new URL(testEnv.REDIS_URL).port);
    const cache = new Redis(testEnv.CACHE_REDIS_URL);
    const sessions = new Redis(testEnv.REDIS_URL);
    try {
      const [, policy] = (await cache.config('GET', 'maxmemory-policy')) as [string, string];
      const [, memory] = (await cache.config('GET', 'maxmemory')) as [string, string];
      assert.equal(policy, 'allkeys-lru');
      assert.ok(Number(memory) > 0, 'a memory cap');
      const [, sessionsPolicy] = (await sessions.config('GET', 'maxmemory-policy')) as [string, string];
      assert.equal(sessionsPolicy, 'noeviction', 'sessions and limits are never evicted');
    } finally {
      cache.disconnect();
      sessions.disconnect();
    }
  });
});
