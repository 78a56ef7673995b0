import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startRedisServer, waitFor } from '@syllabus/testing';
import { metricValue, startCatalog } from './support';

type Catalog = Awaited<ReturnType<typeof startCatalog>>;

async function metric(catalog: Catalog, name: string, labels: Record<string, string>) {
  return metricValue((await request(catalog.app.operator).get('/metrics')).text, name, labels);
}

describe('catalog cache', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await startCatalog({ seed: true });
  });
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
    await request(catalog.app)
      .patch(`/v1/courses/${first.body.id}`)
      .set('Authorization', catalog.auth.admin)
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
