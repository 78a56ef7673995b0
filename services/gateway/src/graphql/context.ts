import DataLoader from 'dataloader';
import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { courseBatch, slug as slugSchema, type courseSchema } from '@syllabus/contracts';
import { HttpProblem } from '@syllabus/service-kit';
import type { UpstreamName, Upstreams } from '../data-access/upstreams';

type Course = z.infer<typeof courseSchema>;

/** The problem's name from its type, `urn:problem:syllabus:<name>`. */
const problemName = (type: unknown) =>
  (typeof type === 'string' ? type : '').replace(/^urn:problem:syllabus:/, '') || 'internal';
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The GraphQL error code of a problem: the usual codes where GraphQL has them, else its name. */
function errorCodeOf(name: string) {
  const usual: Record<string, string> = {
    validation: 'BAD_USER_INPUT',
    unauthorized: 'UNAUTHENTICATED',
    forbidden: 'FORBIDDEN',
    'too-many-requests': 'RATE_LIMITED',
  };
  return usual[name] ?? name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** A problem answered by a service (or by the gateway on its behalf) as a GraphQL error. */
function problemError(problem: {
  type?: unknown;
  title?: unknown;
  detail?: unknown;
  status?: unknown;
  errors?: unknown;
}) {
  const name = problemName(problem.type);
  return new GraphQLError(text(problem.detail) ?? text(problem.title) ?? name, {
    extensions: {
      code: errorCodeOf(name),
      problem: problem.type,
      status: problem.status,
      ...(problem.errors ? { errors: problem.errors } : {}),
    },
  });
}

/**
 * Slugs in as few `getCourses` calls as its limits allow (count and length). A slug that is not
 * one (the catalog's 400 for the whole batch) is left out: no course has it.
 */
function batchesOf(slugs: readonly string[]) {
  const batches: string[][] = [];
  let batch: string[] = [];
  let length = -1;
  for (const slug of slugs.filter((s) => slugSchema.safeParse(s).success)) {
    if (batch.length === courseBatch.maxSlugs || length + 1 + slug.length > courseBatch.maxLength) {
      batches.push(batch);
      batch = [];
      length = -1;
    }
    batch.push(slug);
    length += 1 + slug.length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * What one GraphQL request's resolvers share: calls to the services through the gateway's own
 * upstream pools, bulkheads and breakers (as REST is proxied), with the caller's token, so each
 * service makes its own object-level checks; and DataLoaders, so that a query asks each service
 * once per distinct read whatever the number of objects it walks (no N+1): every GET is made
 * once per request, and courses are fetched by slug, many in one call.
 */
export function createGraphqlContext(deps: { upstreams: Upstreams }, req: Request) {
  const headers = (body: boolean): Record<string, string> => ({
    ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    'x-request-id': String(req.res?.getHeader('X-Request-Id') ?? ''),
    ...(body ? { 'content-type': 'application/json' } : {}),
  });

  async function call<T>(
    name: UpstreamName,
    method: Dispatcher.HttpMethod,
    path: string,
    body?: unknown,
  ): Promise<T> {
    let response: Dispatcher.ResponseData;
    try {
      response = await deps.upstreams.send(name, {
        method,
        path,
        headers: headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (error instanceof HttpProblem) throw problemError(error);
      throw error;
    }
    if (response.statusCode === 204) {
      await response.body.dump();
      return undefined as T;
    }
    const answer = (await response.body.json()) as T;
    if (response.statusCode >= 400) throw problemError(answer as Parameters<typeof problemError>[0]);
    return answer;
  }

  const reads = new DataLoader<string, unknown, string>(
    (keys) =>
      Promise.all(
        keys.map((key) => {
          const [name, path] = key.split(' ', 2) as [UpstreamName, string];
          return call(name, 'GET', path).catch((error: unknown) => error as Error);
        }),
      ),
    { batch: false },
  );

  const courses = new DataLoader<string, Course | null>(async (slugs) => {
    const found = await Promise.all(
      batchesOf(slugs).map(
        async (batch) =>
          (
            (await reads.load(`catalog /v1/course-details?slugs=${batch.join(',')}`)) as {
              items: Course[];
            }
          ).items,
      ),
    );
    const bySlug = new Map(found.flat().map((course) => [course.slug, course]));
    return slugs.map((slug) => bySlug.get(slug) ?? null);
  });

  return {
    /** A GET, made once per request whatever the number of fields that need it. */
    get: <T>(name: UpstreamName, path: string) => reads.load(`${name} ${path}`) as Promise<T>,
    /** A write: never cached, never batched. */
    send: <T>(name: UpstreamName, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) =>
      call<T>(name, method, path, body),
    /** A course by slug; null when it does not exist or the caller may not see it. */
    course: (slug: string) => courses.load(slug),
  };
}

export type GraphqlContext = ReturnType<typeof createGraphqlContext>;
