import { problemSchema, type RouteDeclaration } from '@syllabus/contracts';
import type { Request } from 'express';
import { HttpProblem, OverloadedProblem } from '@syllabus/service-kit';
import type { z } from 'zod';
import { upstreamRoutes } from '../api';
import type { UpstreamName, Upstreams } from './upstreams';

type Input<S> = S extends z.ZodType ? z.input<S> : undefined;
type DeclaredStatus<R extends RouteDeclaration> = Extract<keyof R['responses'], number>;

/** What the gateway sends to call route `R`: its declared input, and the headers to pass on. */
export type CallOf<R extends RouteDeclaration> = {
  headers: Record<string, string>;
} & (R['params'] extends z.ZodType ? { params: Input<R['params']> } : { params?: undefined }) &
  (R['query'] extends z.ZodType ? { query?: Input<R['query']> } : { query?: undefined }) &
  (R['body'] extends z.ZodType ? { body: Input<R['body']> } : { body?: undefined });

/** The body of a successful answer of `R`, as its declaration parses it (undefined for none). */
export type AnswerOf<R extends RouteDeclaration> = {
  [S in DeclaredStatus<R>]: R['responses'][S] extends { body: infer B extends z.ZodType }
    ? z.output<B>
    : undefined;
}[DeclaredStatus<R>];

/** What a call made for a client passes on: its token (if it sent one), and its request id. */
export const forwardedHeaders = (req: Request): Record<string, string> => ({
  ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
  'x-request-id': String(req.res?.getHeader('X-Request-Id') ?? ''),
});

/** Which service declares a route: the one whose upstream the gateway calls for it. */
const owners = new Map<string, UpstreamName>(
  upstreamRoutes.flatMap(({ service, routes }) =>
    Object.values(routes).map((route) => [route.operationId, service] as const),
  ),
);

/** `/v1/courses/{course}` with `{ course: 'sql' }` → `/v1/courses/sql`, with the query after it. */
function pathOf(
  route: RouteDeclaration,
  params: Record<string, unknown> = {},
  query: Record<string, unknown> = {},
) {
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(String(params[name])),
  );
  const search = new URLSearchParams(
    Object.entries(query)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([name, value]) => [name, String(value)]),
  ).toString();
  return search ? `${path}?${search}` : path;
}

/**
 * The one way the gateway calls a service: through the route the service declares. The path is
 * built from the declaration, the input is typed by it, and the answer is parsed with the
 * declared schema (an answer it does not declare is the upstream's fault: 502). A problem the
 * service answers is raised as the same problem, to be the client's answer; a 503 with
 * Retry-After as overload; any other fault of the service as a bad gateway.
 */
export function createServiceCalls(upstreams: Upstreams) {
  return async function call<R extends RouteDeclaration>(route: R, input: CallOf<R>): Promise<AnswerOf<R>> {
    const service = owners.get(route.operationId);
    if (!service) throw new Error(`${route.operationId} is no service's route`);
    // The declaration typed the input where the caller wrote it; here every route is one kind.
    const { params, query, body } = input as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
    };
    const response = await upstreams.send(service, {
      method: route.method.toUpperCase(),
      path: pathOf(route, params, query),
      headers: { ...input.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const declared = route.responses[response.statusCode as 200];
    if (declared && !declared.body) {
      await response.body.dump();
      return undefined as AnswerOf<R>;
    }
    const payload: unknown = await response.body.json().catch(() => undefined);
    if (declared?.body) {
      const parsed = declared.body.safeParse(payload);
      // Parsed by the schema that AnswerOf<R> is the output of.
      if (parsed.success) return parsed.data as AnswerOf<R>;
      throw HttpProblem.named(
        'bad-gateway',
        `${service} answered ${route.operationId} as it does not declare`,
        {
          upstream: service,
        },
      );
    }
    throw problemOf(service, response.statusCode, response.headers['retry-after'], payload);
  };
}

export type ServiceCalls = ReturnType<typeof createServiceCalls>;

/** The service's problem, as the gateway raises it. */
function problemOf(service: UpstreamName, status: number, retryAfter: unknown, payload: unknown) {
  const problem = problemSchema.safeParse(payload);
  if (status === 503 && retryAfter !== undefined)
    return new OverloadedProblem(
      (problem.success && problem.data.detail) || `${service} is busy`,
      Number(retryAfter) || 1,
    );
  if (status >= 500 || status < 400 || !problem.success)
    return HttpProblem.named('bad-gateway', `${service} answered ${status}`, { upstream: service });
  const { type, title, detail, errors } = problem.data;
  return new HttpProblem(status, title, detail, errors ? { errors } : {}, type.split(':').at(-1));
}
