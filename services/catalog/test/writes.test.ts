import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { waitFor } from '@syllabus/testing';
import {
  everythingRecordedHasArrived as allRecordedHaveArrived,
  listenForEvents,
  startCatalog,
} from './support';
import { withBearer } from '@syllabus/testing/http';

type Catalog = Awaited<ReturnType<typeof startCatalog>>;
let catalog: Catalog;
let events: Awaited<ReturnType<typeof listenForEvents>>;

const uniqueSlug = () => `course-${randomUUID().slice(0, 8)}`;

async function createDraft(as = catalog.auth.author, overrides: object = {}) {
  const res = await withBearer(catalog.app, as)
    .post('/v1/courses')
    .send({ slug: uniqueSlug(), title: 'Event Sourcing', level: 'senior', track: 'databases', ...overrides })
    .expect(201);
  return res;
}

async function addLesson(id: string, title: string, extra: object = {}) {
  return withBearer(catalog.app, catalog.auth.author)
    .post(`/v1/courses/${id}/lessons`)
    .send({ title, ...extra })
    .expect(201);
}

const eventsFor = (courseId: string) =>
  events.events.filter((e) => (e.data as { courseId: string }).courseId === courseId);

const everythingRecordedHasArrived = () => allRecordedHaveArrived(catalog, events.publish, events.events);

describe('catalog authoring', () => {
  before(async () => {
    catalog = await startCatalog({ seed: true });
    events = await listenForEvents(catalog.deps.broker.exchange);
  });
  after(async () => {
    await events.close();
    await catalog.stop();
  });

  it('when an author creates a course, then 201 with Location and ETag, a draft only its author sees, and no event', async () => {
    const res = await createDraft(catalog.auth.author, {
      skills: ['postgresql'],
      prerequisites: ['sql-fundamentals'],
    });
    assert.equal(res.headers.location, `/v1/courses/${res.body.slug}`);
    assert.match(res.headers.etag!, /^"v1-/);
    assert.equal(res.body.status, 'draft');
    assert.equal(res.body.authorId, 'author-1');
    assert.deepEqual(
      res.body.prerequisites.map((p: { slug: string }) => p.slug),
      ['sql-fundamentals'],
    );
    await request(catalog.app).get(`/v1/courses/${res.body.slug}`).expect(404);
    await withBearer(catalog.app, catalog.auth.learner).get(`/v1/courses/${res.body.slug}`).expect(404);
    await withBearer(catalog.app, catalog.auth.otherAuthor).get(`/v1/courses/${res.body.slug}`).expect(404);
    await withBearer(catalog.app, catalog.auth.author).get(`/v1/courses/${res.body.slug}`).expect(200);
    await withBearer(catalog.app, catalog.auth.admin).get(`/v1/courses/${res.body.slug}`).expect(200);
    const list = await request(catalog.app).get('/v1/courses?limit=100').expect(200);
    assert.ok(!list.body.items.some((c: { slug: string }) => c.slug === res.body.slug));
    await everythingRecordedHasArrived();
    assert.deepEqual(eventsFor(res.body.id), []);
  });

  it('when several courses are read by slug at once, then each as read alone, in order, the unknown and the hidden left out', async () => {
    const draft = await createDraft();
    const slugs = ['transactions-and-isolation', 'no-such-course', draft.body.slug, 'sql-fundamentals'];
    const batch = (as?: string) => {
      const call = request(catalog.app).get(`/v1/course-details?slugs=${slugs.join(',')}`);
      return (as ? call.set('Authorization', as) : call).expect(200);
    };
    const anyone = await batch();
    assert.deepEqual(
      anyone.body.items.map((c: { slug: string }) => c.slug),
      ['transactions-and-isolation', 'sql-fundamentals'],
    );
    const alone = await request(catalog.app).get('/v1/courses/transactions-and-isolation').expect(200);
    assert.deepEqual(anyone.body.items[0], alone.body);
    const author = await batch(catalog.auth.author);
    assert.deepEqual(
      author.body.items.map((c: { slug: string }) => c.slug),
      ['transactions-and-isolation', draft.body.slug, 'sql-fundamentals'],
    );
    const many = Array.from({ length: 26 }, (_, i) => `course-${i}`).join(',');
    await request(catalog.app).get(`/v1/course-details?slugs=${many}`).expect(400);
    await request(catalog.app).get('/v1/course-details?slugs=Not_A_Slug').expect(400);
    // Longer than any URL a server takes is refused as a 400 of this API, never its HTTP server's 431.
    await request(catalog.app)
      .get(`/v1/course-details?slugs=${'é'.repeat(1_201)}`)
      .expect(400);
  });

  it('when a learner or nobody writes, then 403 or 401, and nothing is stored', async () => {
    const slug = uniqueSlug();
    const body = { slug, title: 'Nope', level: 'entry', track: 'apis' };
    await request(catalog.app).post('/v1/courses').send(body).expect(401);
    await withBearer(catalog.app, catalog.auth.learner).post('/v1/courses').send(body).expect(403);
    await withBearer(catalog.app, catalog.auth.admin).get(`/v1/courses/${slug}`).expect(404);
  });

  it('when the body is invalid, then 400 naming the fields; a taken slug is 409; unknown references are 422', async () => {
    const bad = await withBearer(catalog.app, catalog.auth.author)
      .post('/v1/courses')
      .send({ slug: 'Bad Slug', title: '', level: 'guru', track: 'apis', owner: 'me', $where: '1' })
      .expect(400);
    const fields = bad.body.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ['', 'level', 'slug', 'title']);
    assert.match(JSON.stringify(bad.body.errors), /owner/);
    assert.match(JSON.stringify(bad.body.errors), /\$where/);

    const taken = await withBearer(catalog.app, catalog.auth.author)
      .post('/v1/courses')
      .send({ slug: 'sql-fundamentals', title: 'Again', level: 'entry', track: 'databases' })
      .expect(409);
    assert.equal(taken.body.type, 'urn:problem:syllabus:slug-taken');
    const unknown = await withBearer(catalog.app, catalog.auth.author)
      .post('/v1/courses')
      .send({ slug: uniqueSlug(), title: 'X', level: 'entry', track: 'astrology', skills: ['tarot'] })
      .expect(422);
    assert.equal(unknown.body.type, 'urn:problem:syllabus:unknown-reference');
    assert.deepEqual(
      unknown.body.errors.map((e: { field: string }) => e.field),
      ['track'],
    );
    await withBearer(catalog.app, catalog.auth.author)
      .post('/v1/courses')
      .send({ slug: uniqueSlug(), title: 'X', level: 'entry', track: 'apis', skills: ['tarot'] })
      .expect(422);
    await withBearer(catalog.app, catalog.auth.author)
      .post('/v1/courses')
      .set('Content-Type', 'application/json')
      .send('{"slug": ')
      .expect(400);
  });

  it('when updating, then If-Match is required (428), a stale one is refused (412), and the current one wins', async () => {
    const draft = await createDraft();
    const { id } = draft.body;
    await withBearer(catalog.app, catalog.auth.author)
      .patch(`/v1/courses/${id}`)
      .send({ title: 'Event Sourcing in Practice' })
      .expect(428);
    const ok = await withBearer(catalog.app, catalog.auth.author)
      .patch(`/v1/courses/${id}`)
      .set('If-Match', draft.headers.etag!)
      .send({ title: 'Event Sourcing in Practice' })
      .expect(200);
    assert.equal(ok.body.title, 'Event Sourcing in Practice');
    assert.equal(ok.body.version, 2);
    const stale = await withBearer(catalog.app, catalog.auth.author)
      .patch(`/v1/courses/${id}`)
      .set('If-Match', draft.headers.etag!)
      .send({ title: 'Lost update' })
      .expect(412);
    assert.match(stale.body.detail, /version 1.*version 2/);
    await withBearer(catalog.app, catalog.auth.author)
      .patch(`/v1/courses/${id}`)
      .set('If-Match', 'garbage')
      .send({ title: 'X' })
      .expect(412);
    await withBearer(catalog.app, catalog.auth.author)
      .patch(`/v1/courses/${id}`)
      .set('If-Match', ok.headers.etag!)
      .send({})
      .expect(400);
  });

  it("when another author edits someone's course, then 403; an admin may", async () => {
    const draft = await createDraft();
    await withBearer(catalog.app, catalog.auth.otherAuthor)
      .patch(`/v1/courses/${draft.body.id}`)
      .set('If-Match', draft.headers.etag!)
      .send({ title: 'Mine now' })
      .expect(403);
    await withBearer(catalog.app, catalog.auth.admin)
      .patch(`/v1/courses/${draft.body.id}`)
      .set('If-Match', draft.headers.etag!)
      .send({ summary: 'Reviewed by an admin' })
      .expect(200);
  });

  it('when lessons are added, inserted, reordered and removed, then positions stay 1..n in the chosen order', async () => {
    const { id } = (await createDraft()).body;
    await addLesson(id, 'Events as facts');
    await addLesson(id, 'Projections');
    const inserted = await addLesson(id, 'Why event sourcing', { position: 1 });
    const titles = (course: { lessons: { title: string; position: number }[] }) =>
      course.lessons.map((l) => `${l.position}:${l.title}`);
    assert.deepEqual(titles(inserted.body), ['1:Why event sourcing', '2:Events as facts', '3:Projections']);

    const ids = inserted.body.lessons.map((l: { id: string }) => l.id);
    const reordered = await withBearer(catalog.app, catalog.auth.author)
      .put(`/v1/courses/${id}/lessons/order`)
      .send({ lessonIds: [ids[2], ids[0], ids[1]] })
      .expect(200);
    assert.deepEqual(titles(reordered.body), ['1:Projections', '2:Why event sourcing', '3:Events as facts']);

    const notAPermutation = await withBearer(catalog.app, catalog.auth.author)
      .put(`/v1/courses/${id}/lessons/order`)
      .send({ lessonIds: [ids[0], ids[0], ids[1]] })
      .expect(400);
    assert.equal(notAPermutation.body.errors[0].field, 'lessonIds');

    const removed = await withBearer(catalog.app, catalog.auth.author)
      .delete(`/v1/courses/${id}/lessons/${ids[0]}`)
      .expect(200);
    assert.deepEqual(titles(removed.body), ['1:Projections', '2:Events as facts']);
    await withBearer(catalog.app, catalog.auth.author)
      .delete(`/v1/courses/${id}/lessons/${randomUUID()}`)
      .expect(404);
    await withBearer(catalog.app, catalog.auth.author)
      .delete(`/v1/courses/${id}/lessons/not-a-uuid`)
      .expect(400);
  });

  it('when prerequisites would form a cycle, then 409 and the graph is unchanged', async () => {
    const a = (await createDraft()).body;
    const b = (await createDraft(catalog.auth.author, { prerequisites: [a.slug] })).body;
    const c = (await createDraft(catalog.auth.author, { prerequisites: [b.slug] })).body;
    const cycle = await withBearer(catalog.app, catalog.auth.author)
      .put(`/v1/courses/${a.id}/prerequisites`)
      .send({ prerequisites: [c.slug] })
      .expect(409);
    assert.match(cycle.body.detail, /cycle/);
    assert.equal(cycle.body.type, 'urn:problem:syllabus:prerequisite-cycle');
    await withBearer(catalog.app, catalog.auth.author)
      .put(`/v1/courses/${a.id}/prerequisites`)
      .send({ prerequisites: [a.slug] })
      .expect(409);
    const closure = await withBearer(catalog.app, catalog.auth.author)
      .get(`/v1/courses/${c.slug}/prerequisites?transitive=true`)
      .expect(200);
    assert.deepEqual(
      closure.body.items.map((x: { slug: string; depth: number }) => [x.slug, x.depth]),
      [
        [b.slug, 1],
        [a.slug, 2],
      ],
    );
  });

  it('when a course is published, updated, then archived, then each change is announced once, with its ordered lessons', async () => {
    const draft = (await createDraft()).body;
    const empty = await withBearer(catalog.app, catalog.auth.author)
      .post(`/v1/courses/${draft.id}/publish`)
      .expect(409);
    assert.match(empty.body.detail, /at least one lesson/);
    await addLesson(draft.id, 'One');
    const two = await addLesson(draft.id, 'Two');
    const published = await withBearer(catalog.app, catalog.auth.author)
      .post(`/v1/courses/${draft.id}/publish`)
      .expect(200);
    assert.equal(published.body.status, 'published');
    await request(catalog.app).get(`/v1/courses/${draft.slug}`).expect(200);

    const lessonIds = two.body.lessons.map((l: { id: string }) => l.id);
    await withBearer(catalog.app, catalog.auth.author)
      .put(`/v1/courses/${draft.id}/lessons/order`)
      .send({ lessonIds: [...lessonIds].reverse() })
      .expect(200);
    await withBearer(catalog.app, catalog.auth.author).post(`/v1/courses/${draft.id}/archive`).expect(200);
    await request(catalog.app).get(`/v1/courses/${draft.slug}`).expect(404);

    const announced = await waitFor(() => eventsFor(draft.id).length >= 3 && eventsFor(draft.id), {
      what: 'three events',
    });
    await everythingRecordedHasArrived();
    assert.deepEqual(
      eventsFor(draft.id).map((e) => e.type),
      ['catalog.course-published.v1', 'catalog.course-updated.v1', 'catalog.course-archived.v1'],
    );
    const [publishedEvent, updatedEvent] = announced;
    assert.deepEqual((publishedEvent!.data as { lessonIds: string[] }).lessonIds, lessonIds);
    assert.deepEqual((updatedEvent!.data as { lessonIds: string[] }).lessonIds, [...lessonIds].reverse());
    const versions = announced.map((e) => (e.data as { version: number }).version);
    assert.deepEqual(
      versions,
      [...versions].sort((x, y) => x - y),
    );
    assert.equal(new Set(versions).size, 3);
  });

  it('when skills are set, then they replace the old ones; unknown skills and unknown courses are refused', async () => {
    const { id } = (await createDraft(catalog.auth.author, { skills: ['postgresql'] })).body;
    const res = await withBearer(catalog.app, catalog.auth.author)
      .put(`/v1/courses/${id}/skills`)
      .send({ skills: ['messaging', 'system-design'] })
      .expect(200);
    assert.deepEqual(
      res.body.skills.map((skill: { slug: string }) => skill.slug),
      ['messaging', 'system-design'],
    );
    const unknown = await withBearer(catalog.app, catalog.auth.author)
      .put(`/v1/courses/${id}/skills`)
      .send({ skills: ['messaging', 'juggling'] })
      .expect(422);
    assert.match(unknown.body.errors[0].message, /juggling/);
    await withBearer(catalog.app, catalog.auth.author)
      .put(`/v1/courses/${id}/skills`)
      .send({ skills: ['messaging', 'messaging'] })
      .expect(400);
    await withBearer(catalog.app, catalog.auth.admin)
      .put(`/v1/courses/${randomUUID()}/skills`)
      .send({ skills: [] })
      .expect(404);
  });

  it('when publishing or archiving twice, then 409; archiving a draft announces nothing', async () => {
    const { id } = (await createDraft()).body;
    await addLesson(id, 'Only lesson');
    await withBearer(catalog.app, catalog.auth.author).post(`/v1/courses/${id}/publish`).expect(200);
    await withBearer(catalog.app, catalog.auth.author).post(`/v1/courses/${id}/publish`).expect(409);
    await withBearer(catalog.app, catalog.auth.author).post(`/v1/courses/${id}/archive`).expect(200);
    await withBearer(catalog.app, catalog.auth.author).post(`/v1/courses/${id}/archive`).expect(409);

    const draft = (await createDraft()).body;
    await withBearer(catalog.app, catalog.auth.author).post(`/v1/courses/${draft.id}/archive`).expect(200);
    await everythingRecordedHasArrived();
    assert.deepEqual(eventsFor(draft.id), []);
  });

  it('when a write fails half-way, then nothing of it is stored (one transaction)', async () => {
    const draft = await createDraft();
    // The unknown skill is found after the course row would have been inserted.
    const slug = uniqueSlug();
    await withBearer(catalog.app, catalog.auth.author)
      .post('/v1/courses')
      .send({
        slug,
        title: 'Half',
        level: 'entry',
        track: 'apis',
        prerequisites: [draft.body.slug, 'no-such-course'],
      })
      .expect(422);
    await withBearer(catalog.app, catalog.auth.admin).get(`/v1/courses/${slug}`).expect(404);
  });
});
