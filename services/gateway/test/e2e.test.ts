import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { createSyllabusClient } from '@syllabus/client';
import { waitFor } from '@syllabus/testing';
import { openEventStream } from '@syllabus/testing/sse';
import { apiDocument } from '../src/api';
import { startSystem } from './support';
import { withBearer } from '@syllabus/testing/http';

type System = Awaited<ReturnType<typeof startSystem>>;
let system: System;

// Every response below is checked against the published OpenAPI document's schemas.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'syllabus', components: apiDocument.components }, 'syllabus');
function conforms(schema: string, body: unknown) {
  const validate = ajv.getSchema(`syllabus#/components/schemas/${schema}`)!;
  assert.ok(
    validate(body),
    `${schema}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`,
  );
}

describe('the whole system through the gateway', () => {
  before(async () => (system = await startSystem()));
  after(() => system.stop());

  it('when a learner signs up, browses, enrols and completes a course, then the dashboard and the notifications show it', async () => {
    const api = system.gateway.app;
    const email = `e2e-${Date.now()}@syllabus.test`;
    const signup = await request(api)
      .post('/v1/auth/signup')
      .send({ email, password: 'a long password', displayName: 'Edsger', timeZone: 'Europe/Amsterdam' })
      .expect(201);
    conforms('Signup', signup.body);
    const login = await request(api)
      .post('/v1/auth/login')
      .send({ email, password: 'a long password' })
      .expect(200);
    conforms('TokenPair', login.body);
    const bearer = `Bearer ${login.body.accessToken}`;

    const tracks = await request(api).get('/v1/tracks').expect(200);
    assert.ok(tracks.body.items.length >= 5);
    const page = await request(api).get('/v1/courses?track=apis&level=entry').expect(200);
    conforms('CoursePage', page.body);
    const course = await request(api).get('/v1/courses/http-and-rest').expect(200);
    conforms('Course', course.body);
    assert.ok(course.headers.etag);

    // Enrolment needs user-progress to know the course, from the catalog's events.
    const enrol = await waitFor(
      async () => {
        const res = await withBearer(api, bearer)
          .post('/v1/me/enrollments')
          .send({ courseId: course.body.id });
        return res.status === 201 && res;
      },
      { what: 'the course in the read model', timeoutMs: 20_000 },
    );
    conforms('Enrollment', enrol.body);

    // The stream is open (its headers arrived) before the first completion, so it cannot miss
    // the event; a client that opened it later would need Last-Event-ID for that.
    const stream = await openEventStream(`${system.gateway.url}/v1/me/notifications/stream`, {
      Authorization: bearer,
    });
    assert.equal(stream.response.status, 200);
    for (const lesson of course.body.lessons as { id: string }[]) {
      const done = await withBearer(api, bearer)
        .put(`/v1/me/enrollments/${course.body.id}/lessons/${lesson.id}/completion`)
        .expect(200);
      conforms('Completion', done.body);
    }
    const completed = await waitFor(
      () => stream.events.find((event) => event.data?.includes('progress.course-completed.v1')),
      { what: 'the course-completed notification on the live stream', timeoutMs: 30_000 },
    ).finally(() => stream.close());
    const live = JSON.parse(completed.data!) as { title: string };
    assert.equal(live.title, 'You completed HTTP and REST API Design');

    // Read as a client of the API would: through the typed client generated from the document.
    const client = createSyllabusClient(system.gateway.url, { headers: { Authorization: bearer } });
    const { data: dashboard, response } = await client.GET('/v1/me/dashboard');
    assert.equal(response.status, 200);
    conforms('Dashboard', dashboard);
    assert.equal(dashboard!.partial, false);
    assert.equal(dashboard!.enrollments![0]!.status, 'completed');
    assert.equal(dashboard!.enrollments![0]!.courseTitle, 'HTTP and REST API Design');
    assert.equal(dashboard!.stats!.xp, course.body.lessons.length * 10 + 50);
    assert.ok(dashboard!.unreadNotifications! >= 1);
    const missing = await client.GET('/v1/courses/{course}', {
      params: { path: { course: 'no-such-course' } },
    });
    assert.equal(missing.response.status, 404);
    assert.equal(missing.error?.type, 'urn:problem:syllabus:course-not-found');

    const feed = await withBearer(api, bearer).get('/v1/me/notifications').expect(200);
    conforms('NotificationPage', feed.body);
    assert.ok(
      feed.body.items.some((n: { eventType: string }) => n.eventType === 'progress.course-completed.v1'),
    );
  });

  it('when a client revalidates a course with Node fetch (which adds Cache-Control: no-cache), then 304 through the gateway', async () => {
    const url = `${system.gateway.url}/v1/courses/sql-fundamentals`;
    const first = await fetch(url);
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(url, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
  });

  it("when learners reach for each other's records through the gateway, then 403; an admin token is needed", async () => {
    const api = system.gateway.app;
    const person = async (name: string) => {
      const res = await request(api)
        .post('/v1/auth/signup')
        .send({
          email: `${name}-${Date.now()}@syllabus.test`,
          password: 'a long password',
          displayName: name,
        })
        .expect(201);
      return { id: res.body.user.id as string, bearer: `Bearer ${res.body.accessToken}` };
    };
    const [alice, bob] = [await person('alice'), await person('bob')];
    await withBearer(api, alice.bearer).get(`/v1/users/${alice.id}/stats`).expect(200);
    await withBearer(api, bob.bearer).get(`/v1/users/${alice.id}/stats`).expect(403);
    await withBearer(api, alice.bearer).get(`/v1/users/${bob.id}/enrollments`).expect(403);
    await request(api).get(`/v1/users/${bob.id}/enrollments`).expect(401);
    const notification = await withBearer(api, bob.bearer).get('/v1/me/notifications').expect(200);
    assert.equal(notification.body.unreadCount, 0);
  });

  it('when an upstream stops, then its routes answer 503 quickly while the others keep working, and the dashboard is partial', async () => {
    const api = system.gateway.app;
    const res = await request(api)
      .post('/v1/auth/signup')
      .send({ email: `carol-${Date.now()}@syllabus.test`, password: 'a long password', displayName: 'Carol' })
      .expect(201);
    const bearer = `Bearer ${res.body.accessToken}`;
    await system.stopService('notification');

    const started = Date.now();
    const down = await withBearer(api, bearer).get('/v1/me/notifications');
    assert.equal(down.status, 503);
    assert.match(down.headers['content-type']!, /problem\+json/);
    assert.ok(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms`);
    await request(api).get('/v1/courses?limit=1').expect(200);
    const dashboard = await withBearer(api, bearer).get('/v1/me/dashboard').expect(200);
    assert.equal(dashboard.body.partial, true);
    assert.deepEqual(dashboard.body.unavailable, ['notification']);
    assert.equal(dashboard.body.unreadNotifications, null);
    assert.ok(Array.isArray(dashboard.body.enrollments));
  });
});
