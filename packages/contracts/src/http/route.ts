import type { z } from 'zod';
import type { ProblemName } from '../problems';

/**
 * Who may call a route: anyone (a token, when sent, is still read); any signed-in user; a
 * learner or an admin; an author or an admin; or only the gateway, with the internal token.
 */
export type Access = 'anyone' | 'signed-in' | 'learner' | 'author' | 'internal';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseDeclaration {
  description: string;
  /** The body's schema; none for an empty answer (204). */
  body?: z.ZodType;
  /** `application/json` unless said otherwise. */
  contentType?: string;
  /** Headers the answer always carries. */
  headers?: z.ZodObject;
}

/**
 * An OpenAPI link from a response to an operation that uses a value from it: `parameters` (or
 * `body`) map the target's inputs to runtime expressions such as `$response.body#/id`.
 */
export interface LinkDeclaration {
  operationId: string;
  /** By name, or `header.<name>` for a header. */
  parameters?: Record<string, string>;
  body?: string | Record<string, unknown>;
  description?: string;
}

/**
 * One route, declared once. Express routing and validation, the OpenAPI document, the gateway's
 * routing table and the typed client are all read from this.
 */
export interface RouteDeclaration {
  /** The operation's id: unique in the whole API, and the name of its handler. */
  operationId: string;
  method: Method;
  /** OpenAPI form, `{name}` for a path parameter. */
  path: string;
  summary: string;
  description?: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** The successful answers, by status. */
  responses: Partial<Record<200 | 201 | 202 | 204 | 304, ResponseDeclaration>>;
  /** Named failures this route can answer beyond the ones every route of its kind can. */
  problems?: readonly ProblemName[];
  /** For each successful status, links to the operations that use its values. */
  links?: Partial<Record<200 | 201, Record<string, LinkDeclaration>>>;
}

/** Typed identity, so each declaration keeps its exact schemas for the handler's input. */
export const route = <const R extends RouteDeclaration>(declaration: R): R => declaration;

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives: the validated (and defaulted) input of its route. */
export interface InputOf<R extends RouteDeclaration> {
  params: Output<R['params']>;
  query: Output<R['query']>;
  headers: Output<R['headers']>;
  body: Output<R['body']>;
}

/** `/v1/courses/{course}` → `/v1/courses/:course` */
export const expressPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

/** The problems any route can answer because of who may call it and what it takes. */
export function implicitProblems(declaration: RouteDeclaration): ProblemName[] {
  // Every route validates its query at least (one that declares none refuses any), and a token
  // sent to any route is verified (an invalid one is refused even where none is needed).
  const names: ProblemName[] = ['validation', 'unauthorized'];
  if (declaration.body) names.push('malformed-json', 'payload-too-large');
  if (['learner', 'author'].includes(declaration.access)) names.push('forbidden');
  return names;
}

/** `METHOD /express/path` of each route, as an Express app lists what it mounts. */
export const routeKeys = (routes: Record<string, RouteDeclaration>) =>
  Object.values(routes).map((route) => `${route.method.toUpperCase()} ${expressPath(route.path)}`);
