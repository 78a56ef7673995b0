import { publicApiDocument, serviceRoutes, type RouteDeclaration } from '@syllabus/contracts';
import type { UpstreamName } from './data-access/upstreams';

/** The public API document, served at /v1/openapi.json. */
export const apiDocument = publicApiDocument();

/** The services' public routes; each service's name is also its upstream's. */
export const upstreamRoutes: readonly { service: UpstreamName; routes: Record<string, RouteDeclaration> }[] =
  serviceRoutes;
