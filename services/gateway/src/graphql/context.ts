import DataLoader from 'dataloader';
import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import type { z } from 'zod';
import {
  catalogRoutes,
  courseBatch,
  slug as slugSchema,
  type courseSchema,
  type RouteDeclaration,
} from '@syllabus/contracts';
import { HttpProblem } from '@syllabus/service-kit';
import {
  forwardedHeaders,
  type AnswerOf,
  type CallOf,
  type ServiceCalls,
} from '../data-access/service-calls';

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
function problemError(problem: HttpProblem) {
  const name = problemName(problem.type);
  const errors = problem.extensions.errors;
  return new GraphQLError(text(problem.detail) ?? text(problem.title) ?? name, {
    extensions: {
      code: errorCodeOf(name),
      problem: problem.type,
      status: problem.status,
      ...(errors ? { errors } : {}),
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
 * What one GraphQL request's resolvers share: calls to the services through their declared
 * routes, over the gateway's own upstream pools, bulkheads and breakers (as REST is proxied),
 * with the caller's token, so each service makes its own object-level checks; a read made once
 * per request whatever the number of fields that need it; and a DataLoader, so that courses are
 * fetched by slug, many in one call (no N+1).
 */
export function createGraphqlContext(deps: { call: ServiceCalls }, req: Request) {
  const headers = forwardedHeaders(req);

  async function call<R extends RouteDeclaration>(route: R, input: Omit<CallOf<R>, 'headers'>) {
    try {
      return await deps.call(route, { ...input, headers } as CallOf<R>);
    } catch (error) {
      if (error instanceof HttpProblem) throw problemError(error);
      throw error;
    }
  }

  // Each read's answer, by route and input, for the rest of this request.
  const readsMade = new Map<string, Promise<unknown>>();
  function read<R extends RouteDeclaration>(route: R, input: Omit<CallOf<R>, 'headers'>) {
    const key = `${route.operationId} ${JSON.stringify(input)}`;
    if (!readsMade.has(key)) readsMade.set(key, call(route, input));
    // Stored under this route's own key: the answer of `call(route, input)`.
    return readsMade.get(key) as Promise<AnswerOf<R>>;
  }

  const courses = new DataLoader<string, Course | null>(async (slugs) => {
    const found = await Promise.all(
      batchesOf(slugs).map(
        async (batch) => (await read(catalogRoutes.getCourses, { query: { slugs: batch.join(',') } })).items,
      ),
    );
    const bySlug = new Map(found.flat().map((course) => [course.slug, course]));
    return slugs.map((slug) => bySlug.get(slug) ?? null);
  });

  return {
    /** A read, made once per request whatever the number of fields that need it. */
    get: read,
    /** A write: never remembered, never batched. */
    send: call,
    /** A course by slug; null when it does not exist or the caller may not see it. */
    course: (slug: string) => courses.load(slug),
  };
}

export type GraphqlContext = ReturnType<typeof createGraphqlContext>;
