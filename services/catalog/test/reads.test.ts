import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { catalogRoutes, routeKeys } from '@syllabus/contracts';
import { mountedRoutes } from '@syllabus/service-kit';
import { startCatalog } from './support';

type Catalog = Awaited<ReturnType<typeof startCatalog>>;
let catalog: Catalog;

interface Summary {
  slug: string;
  title: string;
  level: string;
  track: string;
  skills: string[];
  lessonCount: number;
}

async function allPages(query: string) {
  const seen: Summary[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page += 1) {
    const res = await request(catalog.app)
      .get(`/v1/courses?${query}${cursor ? `&cursor=${cursor}` : ''}`)
      .expect(200);
    seen.push(...(res.body.items as Summary[]));
    cursor = res.body.nextCursor as string | null;
    if (!cursor) return seen;
  }
  throw new Error('pagination did not end');
}

describe('catalog reads', () => {
  before(async () => (catalog = await startCatalog({ seed: true })));
  after(() => catalog.stop());

  it('when the app is built, then it mounts exactly the routes this service declares', () => {
    assert.deepEqual(mountedRoutes(catalog.app).sort(), routeKeys(catalogRoutes).sort());
  });

  it('when tracks and skills are listed, then the seeded curriculum is there', async () => {
    const tracks = await request(catalog.app).get('/v1/tracks').expect(200);
    assert.ok(tracks.body.items.length >= 5);
    assert.ok(tracks.body.items.every((t: { courseCount: number }) => t.courseCount > 0));
    const skills = await request(catalog.app).get('/v1/skills').expect(200);
    assert.ok(skills.body.items.some((s: { slug: string }) => s.slug === 'postgresql'));
  });

  it('when paging with a small limit, then every published course appears once, in (title, id) order', async () => {
    const courses = await allPages('limit=7');
    assert.ok(courses.length >= 30);
    assert.equal(new Set(courses.map((c) => c.slug)).size, courses.length, 'no course twice');
    const titles = courses.map((c) => c.title);
    assert.deepEqual(
      titles,
      [...titles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const all = await request(catalog.app).get('/v1/courses?limit=100').expect(200);
    assert.equal(all.body.items.length, courses.length);
    assert.equal(all.body.nextCursor, null);
  });

  it('when filtering by track, level, skill and text, then only matching courses come back', async () => {
    const databases = await allPages('track=databases');
    assert.ok(databases.length > 0 && databases.every((c) => c.track === 'databases'));
    const senior = await allPages('level=senior');
    assert.ok(senior.length > 0 && senior.every((c) => c.level === 'senior'));
    const redis = await allPages('skill=redis');
    assert.ok(redis.length > 0 && redis.every((c) => c.skills.includes('redis')));
    const combined = await allPages('track=databases&level=mid&skill=postgresql');
    assert.deepEqual(
      combined.map((c) => c.slug),
      ['postgresql-indexing'],
    );
    const search = await allPages('q=caching');
    assert.ok(search.some((c) => c.slug === 'caching-strategies'));
    assert.ok(search.every((c) => /cach/i.test(JSON.stringify(c))));
    assert.deepEqual(await allPages('q=xylophone'), []);
  });

  it('when a course is read by slug, then it has ordered lessons, skills and prerequisites, and an ETag', async () => {
    const res = await request(catalog.app).get('/v1/courses/transactions-and-isolation').expect(200);
    assert.equal(res.body.status, 'published');
    assert.deepEqual(
      res.body.lessons.map((l: { position: number }) => l.position),
      [1, 2, 3, 4, 5],
    );
    assert.equal(res.body.lessons[4].title, 'The transactional outbox');
    assert.deepEqual(
      res.body.skills.map((s: { slug: string }) => s.slug),
      ['postgresql', 'sql'],
    );
    assert.deepEqual(
      res.body.prerequisites.map((p: { slug: string }) => p.slug),
      ['postgresql-indexing'],
    );
    assert.match(res.headers.etag!, /^"v1-[0-9a-f]{16}"$/);
  });

  it('when If-None-Match carries the current ETag, then 304 without a body, for a course and a list', async () => {
    const first = await request(catalog.app).get('/v1/courses/sql-fundamentals').expect(200);
    const again = await request(catalog.app)
      .get('/v1/courses/sql-fundamentals')
      .set('If-None-Match', first.headers.etag!)
      .expect(304);
    assert.equal(again.text, '');
    const list = await request(catalog.app).get('/v1/courses?track=apis').expect(200);
    assert.ok(list.headers.etag);
    await request(catalog.app)
      .get('/v1/courses?track=apis')
      .set('If-None-Match', list.headers.etag)
      .expect(304);
    await request(catalog.app)
      .get('/v1/courses/sql-fundamentals')
      .set('If-None-Match', '"v0-stale"')
      .expect(200);
  });

  it('when a conditional request also says Cache-Control: no-cache (as Node fetch does), then still 304', async () => {
    const first = await request(catalog.app).get('/v1/courses/sql-fundamentals').expect(200);
    await request(catalog.app)
      .get('/v1/courses/sql-fundamentals')
      .set('If-None-Match', first.headers.etag!)
      .set('Cache-Control', 'no-cache')
      .expect(304);
    await request(catalog.app)
      .get('/v1/courses/sql-fundamentals')
      .set('If-None-Match', '"v0-stale"')
      .set('Cache-Control', 'no-cache')
      .expect(200);
  });

  it('when the transitive prerequisites are asked for, then the whole closure comes back, nearest first', async () => {
    const direct = await request(catalog.app).get('/v1/courses/system-design/prerequisites').expect(200);
    assert.deepEqual(
      direct.body.items.map((c: { slug: string }) => c.slug),
      ['scaling-stateful-systems'],
    );
    const closure = await request(catalog.app)
      .get('/v1/courses/system-design/prerequisites?transitive=true')
      .expect(200);
    const bySlug = new Map(closure.body.items.map((c: { slug: string; depth: number }) => [c.slug, c.depth]));
    assert.equal(bySlug.get('scaling-stateful-systems'), 1);
    assert.equal(bySlug.get('transactions-and-isolation'), 2);
    assert.equal(bySlug.get('sql-fundamentals'), 4);
    const depths = closure.body.items.map((c: { depth: number }) => c.depth);
    assert.deepEqual(depths, [...depths].sort());
  });

  it('when the slug is unknown, then 404 problem+json', async () => {
    const res = await request(catalog.app).get('/v1/courses/no-such-course').expect(404);
    assert.match(res.headers['content-type']!, /application\/problem\+json/);
  });

  const badQueries: [string, string][] = [
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['level=expert', 'level'],
    ['track=Not_A_Slug', 'track'],
    ['level=mid&level=senior', 'level'],
    ['track[$ne]=x', ''],
    ['sort=title', ''],
    [`q=${'x'.repeat(201)}`, 'q'],
  ];
  for (const [query, field] of badQueries) {
    it(`when the query is ${query.slice(0, 30)}, then 400 naming "${field || 'the unknown field'}"`, async () => {
      const res = await request(catalog.app).get(`/v1/courses?${query}`).expect(400);
      assert.equal(res.body.type, 'urn:problem:syllabus:validation');
      assert.ok(
        res.body.errors.some((e: { in: string; field: string }) => e.in === 'query' && e.field === field),
        JSON.stringify(res.body.errors),
      );
    });
  }

  it('when the cursor is not one this API issued, then 422 unknown-cursor naming it', async () => {
    const res = await request(catalog.app).get('/v1/courses?cursor=bm90LWEtY3Vyc29y').expect(422);
    assert.equal(res.body.type, 'urn:problem:syllabus:unknown-cursor');
    assert.equal(res.body.errors[0].field, 'cursor');
  });

  it('when path parameters are malformed, then 400, not 500', async () => {
    await request(catalog.app).get('/v1/courses/UPPER_case').expect(400);
    await request(catalog.app).get('/v1/courses/sql-fundamentals/prerequisites?transitive=maybe').expect(400);
  });
});
