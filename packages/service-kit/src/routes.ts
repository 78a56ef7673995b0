import type { Express, Request, RequestHandler, Response } from 'express';
import {
  expressPath,
  implicitProblems,
  problemSchema,
  problemTypeUri,
  throughTheGateway,
  type Access,
  type InputOf,
  type ProblemName,
  type RouteDeclaration,
} from '@syllabus/contracts';
import { z } from 'zod';
import { HttpProblem } from './problems';
import { parseInput } from './validation';

/**
 * A body already serialised: text known to be `JSON.stringify` of a `T` (read from a cache that
 * stored it so, for one), sent as it is.
 */
export class JsonText<T> {
  declare readonly of?: T;
  constructor(readonly text: string) {}
}

type DeclaredStatus<R extends RouteDeclaration> = Extract<keyof R['responses'], number>;
type BodyOf<D> = D extends { body: infer Schema extends z.ZodType } ? z.input<Schema> : undefined;
type HeadersOf<D> = D extends { headers: infer Schema extends z.ZodType } ? z.input<Schema> : unknown;
type IsStream<D> = D extends { contentType: 'text/event-stream' } ? true : false;

/** Headers beyond the declared ones (caching, say) are the handler's to add. */
type ExtraHeaders = Record<string, string>;

/** One declared answer: its status, the body declared for it (none for none), its declared headers. */
type DeclaredAnswer<S, D> = (BodyOf<D> extends undefined
  ? { status: S; body?: undefined }
  : { status: S; body: BodyOf<D> | JsonText<BodyOf<D>> }) &
  (unknown extends HeadersOf<D> ? { headers?: ExtraHeaders } : { headers: HeadersOf<D> & ExtraHeaders });

/**
 * What a handler of route `R` returns, and the kit sends: one of the answers `R` declares. An
 * answer it does not declare — another status, another body, a declared header missing — does
 * not compile. Failures are thrown (a DomainError), never answered here.
 */
export type Answer<R extends RouteDeclaration> = {
  [S in DeclaredStatus<R>]: IsStream<R['responses'][S]> extends true
    ? never
    : DeclaredAnswer<S, R['responses'][S]>;
}[DeclaredStatus<R>];

/**
 * What a handler returns when it has answered with a stream of its own (Server-Sent Events),
 * which only a route declaring a `text/event-stream` answer may.
 */
export const streamed = { streamed: true } as const;
type StreamedBy<R extends RouteDeclaration> = true extends {
  [S in DeclaredStatus<R>]: IsStream<R['responses'][S]>;
}[DeclaredStatus<R>]
  ? typeof streamed
  : never;

export type RouteHandler<R extends RouteDeclaration> = (
  input: InputOf<R>,
  req: Request,
  res: Response,
) => Answer<R> | StreamedBy<R> | Promise<Answer<R> | StreamedBy<R>>;

interface SentAnswer {
  status: number;
  body?: unknown;
  headers?: unknown;
}

/** Sends what a handler answered. */
function send(res: Response, answer: SentAnswer | typeof streamed) {
  if ('streamed' in answer) return;
  res.status(answer.status);
  if (answer.headers) res.set(answer.headers as Record<string, string>);
  if (answer.body === undefined) res.end();
  else if (answer.body instanceof JsonText) res.type('application/json').send(answer.body.text);
  else res.json(answer.body);
}

export type RouteHandlers<Routes extends Record<string, RouteDeclaration>> = {
  [K in keyof Routes]: RouteHandler<Routes[K]>;
};

export interface MountOptions<Names extends string = string> {
  /** The middleware that lets through only who `access` names. */
  guards: Partial<Record<Access, RequestHandler[]>>;
  /** Middleware that runs before the guards of the named routes (e.g. a stricter rate limit). */
  before?: Partial<Record<Names, RequestHandler[]>>;
  /**
   * Check every answer against its declaration (tests turn this on): an answer the declaration
   * does not promise becomes a 500 naming the mismatch, so the document never drifts from the code.
   */
  validateResponses?: boolean;
}

/** Problems any route may answer whatever it declares: faults and overload. */
const alwaysPossible: readonly ProblemName[] = [...throughTheGateway, 'internal', 'not-found'];

/** A route that declares no query takes none: an unexpected parameter is refused, not ignored. */
const noQuery = z.strictObject({});

function inputOf(declaration: RouteDeclaration, req: Request) {
  const headers = declaration.headers
    ? Object.fromEntries(
        Object.keys(declaration.headers.shape)
          .filter((name) => req.headers[name] !== undefined)
          .map((name) => [name, req.headers[name]]),
      )
    : undefined;
  return {
    params: declaration.params && parseInput(declaration.params, req.params, 'params'),
    query: parseInput(declaration.query ?? noQuery, req.query, 'query'),
    headers: declaration.headers && parseInput(declaration.headers, headers, 'headers'),
    body: declaration.body && parseInput(declaration.body, req.body, 'body'),
  };
}

/** What is wrong with an answer its declaration does not promise; undefined when nothing is. */
export function answerMismatch(
  declaration: RouteDeclaration,
  status: number,
  contentType: string | undefined,
  body: unknown,
): string | undefined {
  const declared = declaration.responses[status as 200];
  if (declared) {
    if (!declared.body)
      return body === undefined || body === '' ? undefined : 'a body where none is declared';
    const type = declared.contentType ?? 'application/json';
    if (!contentType?.startsWith(type)) return `content type ${contentType} instead of ${type}`;
    if (type !== 'application/json') return undefined;
    const result = declared.body.safeParse(typeof body === 'string' ? JSON.parse(body) : body);
    return result.success ? undefined : `body: ${result.error.message}`;
  }
  if (status < 400 || status === 304) return `status ${status}, which is not declared`;
  if (!contentType?.startsWith('application/problem+json')) return `an error answered as ${contentType}`;
  const problem = problemSchema.safeParse(typeof body === 'string' ? JSON.parse(body) : body);
  if (!problem.success) return `problem: ${problem.error.message}`;
  const allowed = new Set([
    ...implicitProblems(declaration),
    ...(declaration.problems ?? []),
    ...alwaysPossible,
  ]);
  const known = [...allowed].some((name) => problemTypeUri(name) === problem.data.type);
  return known ? undefined : `problem type ${problem.data.type} is not declared`;
}

function checkAnswers(declaration: RouteDeclaration, res: Response) {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
    const contentType = res.get('Content-Type');
    const json = typeof text === 'string' && /json/.test(contentType ?? '');
    let mismatch: string | undefined;
    try {
      mismatch = answerMismatch(declaration, res.statusCode, contentType, json ? text : text || undefined);
    } catch (error) {
      mismatch = `unreadable body: ${(error as Error).message}`;
    }
    if (mismatch === undefined) return send(body);
    res.status(500).type('application/problem+json');
    return send(
      JSON.stringify({
        type: problemTypeUri('internal'),
        title: 'Answer does not match its declaration',
        status: 500,
        detail: `${declaration.operationId} answered ${mismatch}`,
      }),
    );
  };
}

/**
 * Mounts each declared route: who may call it, its input validated (the handler receives it
 * parsed), its answers checked when asked; and for each declared path, 405 with `Allow` for
 * any other method.
 */
export function mountRoutes<Routes extends Record<string, RouteDeclaration>>(
  app: Express,
  routes: Routes,
  handlers: RouteHandlers<Routes>,
  options: MountOptions<Extract<keyof Routes, string>>,
) {
  rejectOtherMethods(app, Object.values(routes));
  for (const [name, declaration] of Object.entries(routes)) {
    // Each handler was checked against its own route where it was written; here they are one kind.
    const handler = handlers[name] as unknown as (
      input: ReturnType<typeof inputOf>,
      req: Request,
      res: Response,
    ) => Promise<SentAnswer | typeof streamed>;
    const guards = options.guards[declaration.access];
    if (!guards) throw new Error(`no guard for ${declaration.access} (${declaration.operationId})`);
    const before = (options.before as Record<string, RequestHandler[]> | undefined)?.[name] ?? [];
    app[declaration.method](expressPath(declaration.path), ...before, ...guards, async (req, res) => {
      if (options.validateResponses) checkAnswers(declaration, res);
      send(res, await handler(inputOf(declaration, req), req, res));
    });
  }
}

/**
 * 405 with `Allow` for a declared path asked with a method it does not have. The path a request
 * names is the most specific declared one it matches (literal segments before parameters, as in
 * OpenAPI): `DELETE /lessons/order` is a wrong method on `/lessons/order`, not a lesson called
 * "order". Mounted before the routes, so no parameterised route can take such a request.
 */
export function rejectOtherMethods(app: Express, routes: readonly RouteDeclaration[]) {
  const paths = new Map<string, { pattern: RegExp; literals: number; allowed: Set<string> }>();
  for (const { path, method } of routes) {
    const entry = paths.get(path) ?? {
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
      literals: path.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
      allowed: new Set<string>(),
    };
    entry.allowed.add(method.toUpperCase());
    if (method === 'get') entry.allowed.add('HEAD');
    paths.set(path, entry);
  }
  const declared = [...paths.values()];
  app.use((req, res, next) => {
    let best: (typeof declared)[number] | undefined;
    for (const entry of declared) {
      if (entry.pattern.test(req.path) && (!best || entry.literals > best.literals)) best = entry;
    }
    if (!best || best.allowed.has(req.method)) return next();
    const allow = [...best.allowed, 'OPTIONS'].join(', ');
    res.set('Allow', allow);
    if (req.method === 'OPTIONS') return void res.status(204).end();
    throw new HttpProblem(
      405,
      'Method not allowed',
      `${req.method} is not allowed here; use ${allow}`,
      {},
      'method-not-allowed',
    );
  });
}

/** Every route mounted on an app, as `METHOD /path` (Express paths). */
export function mountedRoutes(app: Express): string[] {
  interface Layer {
    route?: { path: string; methods: Record<string, boolean> };
  }
  const { stack } = (app as unknown as { router: { stack: Layer[] } }).router;
  return stack.flatMap(({ route }) =>
    route ? Object.keys(route.methods).map((method) => `${method.toUpperCase()} ${route.path}`) : [],
  );
}
