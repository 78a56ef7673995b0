import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildClientSchema, buildSchema, getIntrospectionQuery, parse, printSchema, validate } from 'graphql';
import request from 'supertest';
import { waitFor } from '@syllabus/testing';
import { withBearer } from '@syllabus/testing/http';
import { compareWithCommitted } from '../src/graphql/compatibility';
import { enumValueName } from '../src/graphql/from-zod';
import { operationHash, persistedOperations } from '../src/graphql/operations';
import { createSchema } from '../src/graphql/schema';
import { sdlPath } from '../src/graphql/write-sdl';
import { completeCourse, startGateway, startSystem } from './support';

type System = Awaited<ReturnType<typeof startSystem>>;
type Api = Parameters<typeof request>[0];
let system: System;

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function graphql(api: Api, query: string, options: { bearer?: string; variables?: object } = {}) {
  const call = request(api).post('/v1/graphql').send({ query, variables: options.variables });
  const res = await (options.bearer ? call.set('Authorization', options.bearer) : call);
  return { status: res.status, headers: res.headers, body: res.body as GraphqlAnswer };
}

async function signup(api: Api) {
  const email = `graphql-${randomUUID().slice(0, 8)}@syllabus.test`;
  const res = await request(api)
    .post('/v1/auth/signup')
    .send({ email, password: 'a long password', displayName: 'Barbara' })
    .expect(201);
  return `Bearer ${(res.body as { accessToken: string }).accessToken}`;
}

/** Published courses, as the catalog lists them. */
async function someCourses(api: Api, count: number) {
  const res = await request(api).get(`/v1/courses?limit=${count}`).expect(200);
  return res.body.items as { id: string; slug: string; title: string }[];
}

async function enrolIn(api: Api, bearer: string, courses: { id: string }[]) {
  for (const course of courses) {
    await waitFor(
      async () =>
        (await withBearer(api, bearer).post('/v1/me/enrollments').send({ courseId: course.id })).status ===
        201,
      { what: 'the course in the read model', timeoutMs: 20_000 },
    );
  }
}

/** A course as REST answers it (its lessons, for completions). */
async function courseDetail(api: Api, slug: string) {
  return (await request(api).get(`/v1/courses/${slug}`).expect(200)).body as { lessons: { id: string }[] };
}

/** The calls the gateway makes to the services while `work` runs. */
async function upstreamCalls(work: () => Promise<unknown>) {
  const upstreams = (system.gateway as { deps: { upstreams: { send: (...args: never[]) => unknown } } }).deps
    .upstreams;
  const original = upstreams.send;
  const calls: string[] = [];
  upstreams.send = (...args: never[]) => {
    const [name, { method, path }] = args as unknown as [string, { method: string; path: string }];
    calls.push(`${name} ${method} ${path}`);
    return original(...args);
  };
  try {
    await work();
  } finally {
    upstreams.send = original;
  }
  return calls;
}

describe('GraphQL beside REST', () => {
  before(async () => {
    system = await startSystem();
    await system.catalogKnownToProgress();
  });
  after(() => system.stop());

  it('when the schema is built, then it is the committed SDL, and the server serves exactly it', async () => {
    const committed = readFileSync(sdlPath, 'utf8');
    const comparison = compareWithCommitted(committed, createSchema());
    assert.deepEqual(comparison.breaking, [], 'breaking changes against schema.graphql');
    assert.ok(
      comparison.identical,
      'schema.graphql is stale: run `npm run graphql:sdl -w @syllabus/gateway`',
    );
    const introspection = await graphql(system.gateway.app, getIntrospectionQuery());
    assert.equal(introspection.status, 200);
    const served = buildClientSchema(introspection.body.data as never);
    assert.equal(printSchema(served), printSchema(createSchema()));
  });

  it('when the committed SDL is compared with a deliberately broken copy, then the breaking changes are named', () => {
    const committed = readFileSync(sdlPath, 'utf8');
    const broken = committed
      .replace(/^ {2}xp: Int!\n/m, '')
      .replace('course(slug: String!): Course', 'course(slug: String!, version: Int!): Course');
    assert.notEqual(broken, committed);
    const { breaking } = compareWithCommitted(committed, buildSchema(broken));
    assert.ok(
      breaking.some((change) => change.startsWith('FIELD_REMOVED') && change.includes('Stats.xp')),
      breaking.join('\n'),
    );
    assert.ok(
      breaking.some((change) => change.startsWith('REQUIRED_ARG_ADDED')),
      breaking.join('\n'),
    );
  });

  it('when the allow-listed operations are checked, then each is valid against the schema served', () => {
    const schema = createSchema();
    for (const [name, text] of Object.entries(persistedOperations)) {
      assert.deepEqual(
        validate(schema, parse(text)).map((error) => error.message),
        [],
        name,
      );
    }
  });

  it('when a course is read by GraphQL and by REST, then every field of the REST answer is the same', async () => {
    const api = system.gateway.app;
    const rest = (await request(api).get('/v1/courses/transactions-and-isolation').expect(200))
      .body as Record<string, unknown>;
    const answer = await graphql(
      api,
      `
        {
          course(slug: "transactions-and-isolation") {
            id
            slug
            title
            summary
            level
            status
            version
            authorId
            track {
              slug
              title
            }
            createdAt
            updatedAt
            publishedAt
            lessons {
              id
              position
              title
              body
              durationMinutes
            }
            skills {
              slug
              name
            }
            prerequisites {
              id
              slug
              title
              level
            }
            allPrerequisites {
              slug
              depth
            }
          }
        }
      `,
    );
    assert.equal(answer.status, 200);
    const course = answer.body.data!.course as Record<string, unknown>;
    const { allPrerequisites, ...mirrored } = course;
    assert.deepEqual(mirrored, {
      ...rest,
      level: enumValueName(String(rest.level)),
      status: enumValueName(String(rest.status)),
      prerequisites: (rest.prerequisites as { level: string }[]).map((p) => ({
        ...p,
        level: enumValueName(p.level),
      })),
    });
    assert.ok((allPrerequisites as { depth: number }[]).length >= 1);
    const missing = await graphql(api, '{ course(slug: "no-such-course") { id } }');
    assert.deepEqual(missing.body, { data: { course: null } });
  });

  it('when the catalog is paged through with edge cursors, then every course comes once, in the order REST lists them, from any edge', async () => {
    const api = system.gateway.app;
    const rest = (await request(api).get('/v1/courses?limit=100').expect(200)).body as {
      items: { slug: string }[];
    };
    const page = async (after?: string) => {
      const answer = await graphql(
        api,
        'query ($after: String) { courses(first: 7, after: $after) { edges { cursor node { slug } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
        { variables: { after } },
      );
      assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
      return answer.body.data!.courses as {
        edges: { cursor: string; node: { slug: string } }[];
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
      };
    };
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 30; i += 1) {
      const { edges, pageInfo } = await page(after);
      seen.push(...edges.map((edge) => edge.node.slug));
      assert.equal(pageInfo.hasPreviousPage, false);
      assert.equal(pageInfo.startCursor, edges[0]?.cursor ?? null);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    assert.deepEqual(
      seen,
      rest.items.map((course) => course.slug),
    );
    // From the third edge of the first page: the courses after it, as REST orders them.
    const first = await page();
    const fromThird = await page(first.edges[2]!.cursor);
    assert.deepEqual(
      fromThird.edges.map((edge) => edge.node.slug),
      rest.items.slice(3, 10).map((course) => course.slug),
    );
    const forged = await graphql(api, '{ courses(after: "bm90LW91cnM") { nodes { slug } } }');
    assert.equal(forged.body.errors![0]!.extensions!.code, 'BAD_USER_INPUT');
  });

  it("when a learner's dashboard is asked for, then its upstream calls are few and the same for 2 enrolments or 10", async () => {
    const api = system.gateway.app;
    const courses = await someCourses(api, 10);
    assert.equal(courses.length, 10);
    const figures: Record<number, string[]> = {};
    for (const count of [2, 10]) {
      const bearer = await signup(api);
      await enrolIn(api, bearer, courses.slice(0, count));
      let answer: Awaited<ReturnType<typeof graphql>> | undefined;
      figures[count] = await upstreamCalls(async () => {
        answer = await graphql(api, persistedOperations.Dashboard, { bearer });
      });
      assert.equal(answer!.status, 200, JSON.stringify(answer!.body.errors));
      assert.equal(answer!.body.errors, undefined);
      const me = answer!.body.data!.me as {
        stats: { xp: number };
        unreadNotifications: number;
        enrollments: { courseId: string; course: { slug: string; title: string; lessons: unknown[] } }[];
      };
      assert.equal(me.enrollments.length, count);
      for (const enrolment of me.enrollments) {
        const course = courses.find((c) => c.id === enrolment.courseId)!;
        assert.equal(enrolment.course.slug, course.slug);
        assert.equal(enrolment.course.title, course.title);
        assert.ok(enrolment.course.lessons.length > 0);
      }
      assert.equal(me.stats.xp, 0);
    }
    // One call per read, the courses in one batch: enrolments, stats, unread count, courses.
    assert.equal(figures[2]!.length, 4, figures[2]!.join('\n'));
    assert.equal(figures[10]!.length, figures[2]!.length, figures[10]!.join('\n'));
    assert.equal(figures[10]!.filter((call) => call.includes('/v1/course-details')).length, 1);
  });

  it('when the dashboard is asked for by GraphQL and by REST, then both state the same facts', async () => {
    const api = system.gateway.app;
    const { bearer, course } = await completeCourse(
      api,
      'docker-for-developers',
      `facts-${randomUUID().slice(0, 8)}@syllabus.test`,
    );
    const [other] = (await someCourses(api, 3)).filter((c) => c.id !== course.id);
    await enrolIn(api, bearer, [other!]);
    // Every notification there will be (two enrolments, each lesson, the course), so that both
    // answers see the same unread count: the facts must have stopped moving before they are compared.
    const expected = 2 + course.lessons.length + 1;
    await waitFor(
      async () =>
        (
          (await withBearer(api, bearer).get('/v1/me/dashboard').expect(200)).body as {
            unreadNotifications: number;
          }
        ).unreadNotifications === expected,
      { what: `${expected} notifications`, timeoutMs: 20_000 },
    );
    const rest = (await withBearer(api, bearer).get('/v1/me/dashboard').expect(200)).body as {
      enrollments: Record<string, unknown>[];
      stats: Record<string, unknown>;
      unreadNotifications: number;
    };
    const answer = await graphql(
      api,
      `
        {
          me {
            stats {
              xp
              lessonsCompleted
              coursesCompleted
              currentStreak
              longestStreak
              timeZone
              badges
            }
            unreadNotifications
            enrollments {
              courseId
              courseSlug
              courseTitle
              status
              percentComplete
              completedLessonIds
              lessonCount
              enrolledAt
              completedAt
            }
          }
        }
      `,
      { bearer },
    );
    assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
    const me = answer.body.data!.me as typeof rest;
    assert.deepEqual(me.stats, rest.stats);
    assert.equal(me.unreadNotifications, rest.unreadNotifications);
    const byCourse = (items: Record<string, unknown>[]) =>
      [...items].sort((a, b) => String(a.courseId).localeCompare(String(b.courseId)));
    assert.deepEqual(
      byCourse(me.enrollments),
      byCourse(rest.enrollments.map((e) => ({ ...e, status: enumValueName(String(e.status)) }))),
    );
    assert.deepEqual(me.enrollments.map((e) => e.status).sort(), ['COMPLETED', 'IN_PROGRESS']);
  });

  it("when a learner asks for another learner's enrolments or stats, then user-progress refuses it and nothing of theirs is answered", async () => {
    const api = system.gateway.app;
    const mine = await signup(api);
    const theirs = await signup(api);
    const [course] = await someCourses(api, 1);
    await enrolIn(api, theirs, [course!]);
    const idOf = (bearer: string) =>
      (JSON.parse(Buffer.from(bearer.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
    const query = (id: string) => `{ learner(id: "${id}") { id enrollments { courseId } stats { xp } } }`;
    const own = await graphql(api, query(idOf(mine)), { bearer: mine });
    assert.equal(own.body.errors, undefined, JSON.stringify(own.body.errors));
    assert.deepEqual((own.body.data!.learner as { enrollments: unknown[] }).enrollments, []);
    const foreign = await graphql(api, query(idOf(theirs)), { bearer: mine });
    assert.equal(foreign.body.data!.learner, null);
    assert.ok(foreign.body.errors!.length > 0);
    for (const error of foreign.body.errors!) assert.equal(error.extensions!.code, 'NOT_YOURS');
    assert.doesNotMatch(JSON.stringify(foreign.body), new RegExp(course!.id));
    // `me` is whoever the token says, never anyone else.
    const me = await graphql(api, '{ me { enrollments { courseId } } }', { bearer: mine });
    assert.deepEqual((me.body.data!.me as { enrollments: unknown[] }).enrollments, []);
  });

  it('when a learner enrols, completes a lesson and marks notifications read by mutation, then REST shows the same', async () => {
    const api = system.gateway.app;
    const bearer = await signup(api);
    const [course] = await someCourses(api, 1);
    const detail = await courseDetail(api, course!.slug);
    const enrol = await graphql(api, persistedOperations.Enrol, {
      bearer,
      variables: { courseId: course!.id },
    });
    assert.equal(enrol.body.errors, undefined, JSON.stringify(enrol.body.errors));
    const done = await graphql(api, persistedOperations.CompleteLesson, {
      bearer,
      variables: { courseId: course!.id, lessonId: detail.lessons[0]!.id },
    });
    assert.deepEqual(done.body.data!.completeLesson, {
      courseId: course!.id,
      status: 'IN_PROGRESS',
      percentComplete: Math.floor(100 / detail.lessons.length),
      changed: true,
    });
    const rest = await withBearer(api, bearer).get('/v1/me/enrollments').expect(200);
    assert.deepEqual(rest.body.items[0].completedLessonIds, [detail.lessons[0]!.id]);
    await waitFor(
      async () =>
        (
          (await graphql(api, '{ me { unreadNotifications } }', { bearer })).body.data?.me as {
            unreadNotifications: number;
          }
        )?.unreadNotifications === (detail.lessons.length === 1 ? 3 : 2),
      { what: 'every notification of the enrolment and the lesson' },
    );
    const read = await graphql(api, persistedOperations.MarkAllNotificationsRead, { bearer });
    assert.ok((read.body.data!.markAllNotificationsRead as number) >= 2);
    const unread = await withBearer(api, bearer).get('/v1/me/notifications?unread=true').expect(200);
    assert.equal(unread.body.unreadCount, 0);
  });

  it('when the caller has no token or acts on what is not theirs, then the services refuse it, as codes from their problem types', async () => {
    const api = system.gateway.app;
    const anonymous = await graphql(api, '{ me { stats { xp } } }');
    assert.deepEqual(anonymous.body.data, { me: { stats: null } });
    assert.equal(anonymous.body.errors![0]!.extensions!.code, 'UNAUTHENTICATED');
    const bearer = await signup(api);
    const [course] = await someCourses(api, 1);
    const detail = await courseDetail(api, course!.slug);
    const notEnrolled = await graphql(api, persistedOperations.CompleteLesson, {
      bearer,
      variables: { courseId: course!.id, lessonId: detail.lessons[0]!.id },
    });
    const error = notEnrolled.body.errors![0]!;
    assert.equal(error.extensions!.code, 'NOT_ENROLLED');
    assert.equal(error.extensions!.problem, 'urn:problem:syllabus:not-enrolled');
    assert.equal(error.extensions!.stacktrace, undefined);
    const invalid = await graphql(api, 'mutation { markNotificationRead(id: "not-a-uuid") }', { bearer });
    assert.equal(invalid.body.errors![0]!.extensions!.code, 'BAD_USER_INPUT');
    const misspelt = await graphql(api, '{ me { stat { xp } } }', { bearer });
    assert.equal(misspelt.status, 400);
    assert.doesNotMatch(misspelt.body.errors![0]!.message, /Did you mean/);
  });

  it('when a document is too long, too deep, too aliased or too costly, then it is refused before any service is called', async () => {
    const api = system.gateway.app;
    const calls = await upstreamCalls(async () => {
      const long = await graphql(
        api,
        `{ ${Array.from({ length: 800 }, () => 'tracks { slug }').join(' ')} }`,
      );
      assert.equal(long.status, 400);
      assert.match(long.body.errors![0]!.message, /contains more th\w+ 1500 tokens/);
      const deep = await graphql(api, '{ a { b { c { d { e { f { g { h { i { j } } } } } } } } } }');
      assert.ok(deep.body.errors!.some((e) => /Query depth limit of 8 exceeded/.test(e.message)));
      const aliased = await graphql(
        api,
        `{ ${Array.from({ length: 11 }, (_, i) => `t${i}: tracks { slug }`).join(' ')} }`,
      );
      assert.ok(aliased.body.errors!.some((e) => /Aliases limit of 10 exceeded/.test(e.message)));
      const costly = await graphql(
        api,
        `{ ${Array.from({ length: 3 }, (_, i) => `c${i}: courses(first: 100) { nodes { id slug title summary level track lessonCount } }`).join(' ')} }`,
      );
      assert.ok(
        costly.body.errors!.some((e) => /Query Cost limit of 3000 exceeded/.test(e.message)),
        JSON.stringify(costly.body.errors),
      );
    });
    assert.deepEqual(calls, []);
  });

  it('when only the allow-list runs, then its operations run by hash (GET) or text, anything else is refused, and cost counts against the rate limit', async () => {
    const gateway = await startGateway({
      ...system.gatewayEnv,
      PORT: '0',
      REDIS_KEY_PREFIX: `test:gateway:${randomUUID().slice(0, 8)}:`,
      GRAPHQL_PERSISTED_ONLY: 'true',
      GRAPHQL_INTROSPECTION: 'false',
      RATE_LIMIT_MAX: '40',
      GRAPHQL_COST_PER_REQUEST: '10',
    });
    try {
      const api = gateway.app;
      const hash = operationHash(persistedOperations.Catalog);
      const byHash = await request(api)
        .get('/v1/graphql')
        .query({
          operationName: 'Catalog',
          variables: JSON.stringify({ first: 2 }),
          extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }),
        })
        .set('apollo-require-preflight', 'true')
        .expect(200);
      assert.equal((byHash.body.data.courses.nodes as unknown[]).length, 2);
      const byText = await graphql(api, persistedOperations.Catalog, { variables: { first: 1 } });
      assert.equal(byText.status, 200);
      const adHoc = await graphql(api, '{ tracks { slug } }');
      assert.equal(adHoc.status, 400);
      assert.equal(adHoc.body.errors![0]!.extensions!.code, 'PERSISTED_QUERY_NOT_ALLOWED');
      const introspection = await graphql(api, '{ __schema { types { name } } }');
      assert.equal(introspection.status, 400);

      // Catalog costs several requests' worth here: the limit of 40 requests ends well before 40 queries.
      const statuses: number[] = [];
      for (let i = 0; i < 40 && !statuses.includes(429); i += 1) {
        const res = await graphql(api, persistedOperations.Catalog, { variables: { first: 2 } });
        statuses.push(res.status);
        if (res.status === 429) {
          assert.equal(res.body.errors![0]!.extensions!.code, 'RATE_LIMITED');
          assert.ok(Number(res.headers['retry-after']) >= 1);
        }
      }
      assert.equal(statuses.at(-1), 429);
      assert.ok(statuses.length < 20, `${statuses.length} queries before 429`);
    } finally {
      await gateway.stop();
    }
  });

  it('when a client registers an operation by hash (automatic persisted queries), then later calls may send the hash alone', async () => {
    const api = system.gateway.app;
    const query = '{ skills { slug } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: operationHash(query) } };
    const unknown = await request(api).post('/v1/graphql').send({ extensions });
    assert.equal(unknown.body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    await request(api).post('/v1/graphql').send({ query, extensions }).expect(200);
    const byHash = await request(api).post('/v1/graphql').send({ extensions }).expect(200);
    assert.ok((byHash.body.data.skills as unknown[]).length > 0);
  });
  // Last: it stops a service of the shared system.
  it('when notification is down, then the dashboard still answers what user-progress knows, and names the part missing', async () => {
    const api = system.gateway.app;
    const bearer = await signup(api);
    await enrolIn(api, bearer, await someCourses(api, 2));
    await system.stopService('notification');
    const answer = await graphql(api, persistedOperations.Dashboard, { bearer });
    assert.equal(answer.status, 200);
    const me = answer.body.data!.me as {
      stats: { xp: number };
      unreadNotifications: number | null;
      enrollments: unknown[];
    };
    assert.equal(me.stats.xp, 0);
    assert.equal(me.enrollments.length, 2);
    assert.equal(me.unreadNotifications, null);
    assert.equal(answer.body.errors!.length, 1);
    assert.equal(answer.body.errors![0]!.extensions!.code, 'SERVICE_UNAVAILABLE');
    assert.deepEqual((answer.body.errors![0] as { path?: unknown[] }).path, ['me', 'unreadNotifications']);
  });
});
