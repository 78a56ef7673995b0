// The load generator: a process of its own (forked by load/main.ts), so that driving the system
// never shares a CPU-bound event loop with what it measures. It receives one phase at a time
// over IPC, runs it against the gateway, and answers with what it saw.
import { randomUUID } from 'node:crypto';
import { Pool, type Dispatcher } from 'undici';

import type { Learner, Op, PhaseRequest, PhaseResult, StyleFigures } from './protocol';

function recorder() {
  const result: PhaseResult = {
    seconds: 0,
    latencies: {},
    statuses: {},
    acknowledged: [],
    unknownOutcome: [],
  };
  const note = (op: Op, status: number, ms: number) => {
    (result.latencies[op] ??= []).push(ms);
    const statuses = (result.statuses[op] ??= {});
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  return { result, note };
}

const pools = new Map<string, Pool>();
const poolFor = (origin: string) => {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
    pools.set(origin, pool);
  }
  return pool;
};

async function call(
  note: (op: Op, status: number, ms: number) => void,
  origin: string,
  op: Op,
  method: Dispatcher.HttpMethod,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const started = performance.now();
  let status = 0;
  try {
    const response = await poolFor(origin).request({
      method,
      path,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    status = response.statusCode;
    const text = await response.body.text();
    return { status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch (error) {
    status = 0;
    return { status, body: { error: String(error) } };
  } finally {
    note(op, status, performance.now() - started);
  }
}

/** `PUT …/completion` for one lesson; an answer of 200 with `changed: true` is recorded as acknowledged. */
async function complete(
  note: (op: Op, status: number, ms: number) => void,
  result: PhaseResult,
  origin: string,
  learner: Learner,
  courseId: string,
  lessonId: string,
): Promise<boolean> {
  const res = await call(
    note,
    origin,
    'complete',
    'PUT',
    `/v1/me/enrollments/${courseId}/lessons/${lessonId}/completion`,
    { token: learner.accessToken },
  );
  // 503 is a refusal before any work (bulkhead full, breaker open); a timeout or 502 is not.
  if ((res.status === 0 || res.status >= 500) && res.status !== 503)
    result.unknownOutcome.push({ userId: learner.id, courseId, lessonId, status: res.status });
  if (res.status !== 200 || res.body.changed !== true) return false;
  result.acknowledged.push({
    userId: learner.id,
    courseId,
    lessonId,
    courseCompleted: res.body.status === 'completed',
    at: Date.now(),
  });
  return true;
}

/** Runs `count` tasks with at most `concurrency` at once. */
async function bounded<T>(count: number, concurrency: number, task: (index: number) => Promise<T>) {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

async function signup(request: Extract<PhaseRequest, { kind: 'signup' }>): Promise<PhaseResult> {
  const { result, note } = recorder();
  const started = performance.now();
  const learners = await bounded(request.count, request.concurrency, async () => {
    const email = `load-${randomUUID().slice(0, 12)}@syllabus.test`;
    // A well-behaved client: an overloaded sign-up (503 + Retry-After) is tried again later.
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      const res = await call(note, request.gateway, 'signup', 'POST', '/v1/auth/signup', {
        body: { email, password: 'load test password', displayName: email.split('@')[0] },
      });
      if (res.status === 201) {
        const user = res.body.user as { id: string };
        return {
          id: user.id,
          email,
          accessToken: res.body.accessToken as string,
          refreshToken: res.body.refreshToken as string,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
    throw new Error(`could not sign ${email} up`);
  });
  result.seconds = (performance.now() - started) / 1000;
  result.learners = learners;
  return result;
}

async function refresh(request: Extract<PhaseRequest, { kind: 'refresh' }>): Promise<PhaseResult> {
  const { result, note } = recorder();
  result.learners = await bounded(request.learners.length, 8, async (index) => {
    const learner = request.learners[index]!;
    const res = await call(note, request.gateway, 'refresh', 'POST', '/v1/auth/refresh', {
      body: { refreshToken: learner.refreshToken },
    });
    if (res.status !== 200) throw new Error(`refresh answered ${res.status}`);
    return {
      ...learner,
      accessToken: res.body.accessToken as string,
      refreshToken: res.body.refreshToken as string,
    };
  });
  return result;
}

async function readAll(note: (op: Op, status: number, ms: number) => void, gateway: string, token: string) {
  await call(note, gateway, 'stats', 'GET', '/v1/me/stats', { token });
  await call(note, gateway, 'enrolments', 'GET', '/v1/me/enrollments', { token });
  await call(note, gateway, 'dashboard', 'GET', '/v1/me/dashboard', { token });
  await call(note, gateway, 'feed', 'GET', '/v1/me/notifications?limit=20', { token });
  await call(note, gateway, 'leaderboard', 'GET', '/v1/leaderboard?limit=10', { token });
}

/**
 * Each learner, in a loop of its own: enrols in the next course, completes its lessons in order,
 * and every `readEvery` completions reads everything a learner reads. Until time is up.
 */
async function learn(request: Extract<PhaseRequest, { kind: 'learn' }>): Promise<PhaseResult> {
  const { result, note } = recorder();
  const started = performance.now();
  const deadline = started + request.seconds * 1000;
  let completions = 0;
  const enough = () =>
    performance.now() >= deadline ||
    (request.maxCompletions !== undefined && completions >= request.maxCompletions);
  await Promise.all(
    request.learners.map(async (learner, index) => {
      const token = learner.accessToken;
      // Each learner starts at a different course, so the load spreads over the catalogue.
      for (let c = 0; c < request.courses.length && !enough(); c += 1) {
        const course = request.courses[(index + c) % request.courses.length]!;
        const enrolled = await call(note, request.gateway, 'enrol', 'POST', '/v1/me/enrollments', {
          token,
          body: { courseId: course.id },
        });
        if (enrolled.status !== 201 && enrolled.status !== 409) continue;
        for (const lessonId of course.lessonIds) {
          if (enough()) break;
          if (await complete(note, result, request.gateway, learner, course.id, lessonId)) {
            completions += 1;
            if (completions % request.readEvery === 0) await readAll(note, request.gateway, token);
          }
        }
      }
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** Every learner operation, one learner at a time, for per-operation latency without queueing. */
async function probe(request: Extract<PhaseRequest, { kind: 'probe' }>): Promise<PhaseResult> {
  const { result, note } = recorder();
  const started = performance.now();
  for (let round = 0; round < request.rounds; round += 1) {
    for (const [index, learner] of request.learners.entries()) {
      const token = learner.accessToken;
      const course = request.courses[(round + index) % request.courses.length]!;
      await call(note, request.gateway, 'enrol', 'POST', '/v1/me/enrollments', {
        token,
        body: { courseId: course.id },
      });
      for (const lessonId of course.lessonIds.slice(0, 3)) {
        await complete(note, result, request.gateway, learner, course.id, lessonId);
      }
      await readAll(note, request.gateway, token);
    }
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** One learner completes every lesson of one course at once, the requests spread over `urls`. */
async function contention(request: Extract<PhaseRequest, { kind: 'contention' }>): Promise<PhaseResult> {
  const { result, note } = recorder();
  const started = performance.now();
  const token = request.learner.accessToken;
  await call(note, request.urls[0]!, 'enrol', 'POST', '/v1/me/enrollments', {
    token,
    body: { courseId: request.course.id },
  });
  await Promise.all(
    request.course.lessonIds.map((lessonId, index) =>
      complete(
        note,
        result,
        request.urls[index % request.urls.length]!,
        request.learner,
        request.course.id,
        lessonId,
      ),
    ),
  );
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/**
 * A learner's dashboard with each enrolment's course (title, lessons), three ways: REST as a
 * client must call it without a batch route (the dashboard, then each course), REST with the
 * batch route (the dashboard, then all courses in one call), and the one GraphQL query. Rounds
 * alternate between the styles, so that each sees the same machine.
 */
async function styles(request: Extract<PhaseRequest, { kind: 'styles' }>): Promise<PhaseResult> {
  const { result } = recorder();
  const started = performance.now();
  const pool = poolFor(request.gateway);
  const authorization = `Bearer ${request.learner.accessToken}`;
  async function fetchJson(path: string, count: { requests: number; bytes: number }, body?: unknown) {
    const response = await pool.request({
      method: body === undefined ? 'GET' : 'POST',
      path,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    count.requests += 1;
    count.bytes += Buffer.byteLength(text);
    if (response.statusCode !== 200)
      throw new Error(`${path} answered ${response.statusCode}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as Record<string, unknown>;
  }
  type Enrolments = { enrollments: { courseSlug: string }[] };
  const ways: Record<
    string,
    { roundTrips: number; run: (count: { requests: number; bytes: number }) => Promise<number> }
  > = {
    'REST, a call per course': {
      roundTrips: 2,
      run: async (count) => {
        const dashboard = (await fetchJson('/v1/me/dashboard', count)) as unknown as Enrolments;
        const courses = await Promise.all(
          dashboard.enrollments.map((e) => fetchJson(`/v1/courses/${e.courseSlug}`, count)),
        );
        return courses.length;
      },
    },
    'REST, courses in one batch': {
      roundTrips: 2,
      run: async (count) => {
        const dashboard = (await fetchJson('/v1/me/dashboard', count)) as unknown as Enrolments;
        const slugs = dashboard.enrollments.map((e) => e.courseSlug).join(',');
        const courses = (await fetchJson(`/v1/course-details?slugs=${slugs}`, count)) as { items: unknown[] };
        return courses.items.length;
      },
    },
    'GraphQL, one query': {
      roundTrips: 1,
      run: async (count) => {
        const answer = (await fetchJson('/v1/graphql', count, { query: request.query })) as {
          data?: { me: { enrollments: { course: unknown }[] } };
          errors?: unknown[];
        };
        if (answer.errors) throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors).slice(0, 300)}`);
        return answer.data!.me.enrollments.filter((e) => e.course).length;
      },
    },
  };
  const figures: Record<string, StyleFigures> = {};
  for (let round = -3; round < request.rounds; round += 1) {
    for (const [name, way] of Object.entries(ways)) {
      const count = { requests: 0, bytes: 0 };
      const at = performance.now();
      const courses = await way.run(count);
      const ms = performance.now() - at;
      if (courses === 0) throw new Error(`${name}: no courses on the dashboard`);
      if (round < 0) continue; // warm-up
      const seen = (figures[name] ??= {
        requests: count.requests,
        roundTrips: way.roundTrips,
        responseBytes: count.bytes,
        latenciesMs: [],
      });
      seen.latenciesMs.push(ms);
    }
  }
  result.styles = figures;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

const phases = { signup, refresh, learn, probe, contention, styles } as const;

process.on('message', (message: PhaseRequest) => {
  const run = phases[message.kind] as (request: PhaseRequest) => Promise<PhaseResult>;
  run(message).then(
    (result) => process.send!({ ok: true, result }),
    (error: unknown) => process.send!({ ok: false, error: String(error) }),
  );
});
