import { catalogRoutes } from './catalog';
import { gatewayRoutes } from './gateway';
import { notificationRoutes } from './notification';
import { openApiDocument, type OpenApiDocument } from './openapi';
import type { RouteDeclaration } from './route';
import { userProgressRoutes } from './user-progress';

/** The services behind the gateway, each with the routes it declares. */
export const serviceRoutes = [
  { service: 'catalog', routes: catalogRoutes },
  { service: 'user-progress', routes: userProgressRoutes },
  { service: 'notification', routes: notificationRoutes },
] as const satisfies readonly { service: string; routes: Record<string, RouteDeclaration> }[];

/** The public API: the gateway's own routes and every service's public ones, as declared. */
export const publicApiDocument = (): OpenApiDocument =>
  openApiDocument([{ service: 'gateway', routes: gatewayRoutes }, ...serviceRoutes], {
    title: 'Syllabus API',
    version: '1.0.0',
    description:
      'A learning platform for backend engineering. Every request goes through the gateway. ' +
      'Errors are `application/problem+json` (RFC 9457); each operation lists the problem types ' +
      'it can answer, by status. Authenticated operations take `Authorization: Bearer ' +
      '<accessToken>`. Generated from the route declarations in `@syllabus/contracts`.',
  });
