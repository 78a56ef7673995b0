import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';

/** The document, as plain JSON; its `paths` are keyed by path, then method. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; [key: string]: unknown }>>;
  [key: string]: unknown;
}
import { problemSchema, problemTypes, problemTypeUri, type ProblemName } from '../problems';
import { implicitProblems, type RouteDeclaration } from './route';

export interface RouteGroup {
  /** The service that serves these routes; the document tags each operation with it. */
  service: string;
  routes: Record<string, RouteDeclaration>;
}

/** Failures any public route can answer on its way through the gateway. */
export const throughTheGateway: readonly ProblemName[] = [
  'session-ended',
  'unforwardable-request',
  'too-many-requests',
  'bad-gateway',
  'service-unavailable',
  'overloaded',
  'gateway-timeout',
];

function operationOf(service: string, declaration: RouteDeclaration): ZodOpenApiOperationObject {
  const problems = new Set<ProblemName>([
    ...implicitProblems(declaration),
    ...(declaration.problems ?? []),
    ...(declaration.path.startsWith('/v1/') ? throughTheGateway : []),
  ]);
  const byStatus = new Map<number, ProblemName[]>();
  for (const name of problems) {
    const { status } = problemTypes[name];
    byStatus.set(status, [...(byStatus.get(status) ?? []), name]);
  }
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, answer] of Object.entries(declaration.responses)) {
    const links = declaration.links?.[Number(status) as 200 | 201];
    responses[status] = {
      description: answer.description,
      ...(answer.body && {
        content: { [answer.contentType ?? 'application/json']: { schema: answer.body } },
      }),
      ...(answer.headers && { headers: answer.headers }),
      ...(links && {
        links: Object.fromEntries(
          Object.entries(links).map(([name, link]) => [
            name,
            {
              operationId: link.operationId,
              ...(link.description && { description: link.description }),
              ...(link.parameters && { parameters: link.parameters }),
              ...(link.body !== undefined && { requestBody: link.body }),
            },
          ]),
        ),
      }),
    };
  }
  for (const [status, names] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: names.map((name) => `\`${problemTypeUri(name)}\`: ${problemTypes[name].about}`).join('; '),
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  return {
    operationId: declaration.operationId,
    summary: declaration.summary,
    ...(declaration.description && { description: declaration.description }),
    tags: [service],
    ...(declaration.access !== 'anyone' && { security: [{ bearerAuth: [] }] }),
    ...((declaration.params || declaration.query || declaration.headers) && {
      requestParams: {
        ...(declaration.params && { path: declaration.params }),
        ...(declaration.query && { query: declaration.query }),
        ...(declaration.headers && { header: declaration.headers }),
      },
    }),
    ...(declaration.body && {
      requestBody: { required: true, content: { 'application/json': { schema: declaration.body } } },
    }),
    responses,
  };
}

/** The OpenAPI 3.1 paths of these routes (internal ones are left out: they are not public). */
export function openApiPaths(groups: readonly RouteGroup[]): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const { service, routes } of groups) {
    for (const declaration of Object.values(routes)) {
      if (declaration.access === 'internal') continue;
      paths[declaration.path] = {
        ...paths[declaration.path],
        [declaration.method]: operationOf(service, declaration),
      };
    }
  }
  return paths;
}

/** The public API document, assembled from every service's declarations. */
export function openApiDocument(
  groups: readonly RouteGroup[],
  info: { title: string; version: string; description: string },
): OpenApiDocument {
  return createDocument({
    openapi: '3.1.0',
    info,
    tags: groups.map(({ service }) => ({ name: service })),
    paths: openApiPaths(groups),
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access token from /v1/auth/login, /v1/auth/signup or /v1/auth/refresh',
        },
      },
    },
  }) as unknown as OpenApiDocument;
}
