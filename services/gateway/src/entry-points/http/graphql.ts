import { HeaderMap } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import type { Express, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { TooManyRequestsProblem } from '@syllabus/service-kit';
import type { ServiceCalls } from '../../data-access/service-calls';
import { createGraphqlContext } from '../../graphql/context';
import type { GraphqlServer } from '../../graphql/server';

/**
 * `POST /v1/graphql` (and GET, for persisted queries), behind the same `/v1` rate limit and
 * session checks as REST. Each request gets its own context: its DataLoaders, the caller's token
 * for the services, and the charge of its cost against the caller's limit.
 */
export function mountGraphql(
  app: Express,
  deps: {
    server: GraphqlServer;
    call: ServiceCalls;
    charge(req: Request, res: Response, hits: number): Promise<void>;
  },
) {
  app.use(
    '/v1/graphql',
    expressMiddleware(deps.server, {
      context: ({ req, res }) =>
        Promise.resolve({
          ...createGraphqlContext(deps, req),
          async chargeCost(hits: number) {
            try {
              await deps.charge(req, res, hits);
            } catch (error) {
              if (!(error instanceof TooManyRequestsProblem)) throw error;
              const retryAfter = String(error.retryAfterSeconds ?? 1);
              throw new GraphQLError(`rate limit reached: ${error.detail}`, {
                extensions: {
                  code: 'RATE_LIMITED',
                  http: { status: 429, headers: new HeaderMap([['retry-after', retryAfter]]) },
                },
              });
            }
          },
        }),
    }),
  );
}
