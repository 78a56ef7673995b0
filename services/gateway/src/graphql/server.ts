import type { LRUCache } from 'lru-cache';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  GraphQLError,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
} from 'graphql';
import type { Logger } from '@syllabus/service-kit';
import type { Config } from '../config';
import type { GraphqlContext } from './context';
import { persistedByHash } from './operations';
import { createSchema } from './schema';

/** What a GraphQL request carries beside the resolvers' context: how to charge its cost. */
export interface GraphqlRequestContext extends GraphqlContext {
  /** Counts the operation's cost against the caller's rate limit; throws the 429 problem over it. */
  chargeCost(cost: number): Promise<void>;
}

/**
 * The cost of a document's operations as the cost limit counts it (the largest, if several).
 * Worked out once per document: Apollo keeps parsed documents and hands the same one back for the
 * same text, as it keeps their validation, so a repeated query is not walked again per request.
 */
const costs = new WeakMap<DocumentNode, number>();
function costOf(schema: GraphQLSchema, document: DocumentNode) {
  const known = costs.get(document);
  if (known !== undefined) return known;
  let cost = 0;
  validate(schema, document, [
    costLimitRule({
      maxCost: Number.MAX_SAFE_INTEGER,
      onAccept: [(_context, details: { n: number }) => (cost = Math.max(cost, details.n))],
    }),
  ]);
  costs.set(document, cost);
  return cost;
}

/** A limit exceeded is a validation error like any other (400, with the limit named), not a throw. */
const reported = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

const refused = (message: string, code: string, status: number) =>
  new GraphQLError(message, { extensions: { code, http: { status } } });

/**
 * Automatic persisted queries: a client sends the SHA-256 of an operation's text and the text
 * only when the gateway does not know it yet. The allow-listed operations are always known;
 * others are remembered (a bounded number, per gateway instance) unless only the allow-list runs.
 */
function persistedQueryCache(
  acceptNew: boolean,
  registered: Pick<LRUCache<string, string>, 'get' | 'set' | 'delete'>,
) {
  const hashOf = (key: string) => key.replace(/^apq:/, '');
  return {
    get: (key: string) => Promise.resolve(persistedByHash.get(hashOf(key)) ?? registered.get(hashOf(key))),
    set(key: string, value: string) {
      if (acceptNew && !persistedByHash.has(hashOf(key))) registered.set(hashOf(key), value);
      return Promise.resolve();
    },
    delete: (key: string) => Promise.resolve(registered.delete(hashOf(key))),
  };
}

/**
 * The GraphQL server beside REST (Apollo Server 5). Bounded before anything runs: the parser
 * stops at GRAPHQL_MAX_TOKENS; validation refuses documents deeper, more aliased or costlier than
 * allowed (graphql-armor's rules); with GRAPHQL_PERSISTED_ONLY only the allow-list runs. The
 * operation's cost then counts against the same rate limit as REST. Errors carry
 * `extensions.code` from the services' problem types, never a stack trace, and a fault of ours
 * is logged and answered as INTERNAL_SERVER_ERROR without its message.
 */
export async function startGraphql(
  config: Config,
  logger: Logger,
  /** The operations clients registered here (a bounded number, per gateway instance). */
  registered: LRUCache<string, string>,
) {
  const schema = createSchema();
  const bounds: ApolloServerPlugin<GraphqlRequestContext> = {
    requestDidStart() {
      return Promise.resolve({
        async didResolveOperation({ queryHash, document, contextValue }) {
          if (config.GRAPHQL_PERSISTED_ONLY && !persistedByHash.has(queryHash)) {
            throw refused('only the allow-listed operations run here', 'PERSISTED_QUERY_NOT_ALLOWED', 400);
          }
          const cost = costOf(schema, document);
          // The request itself was counted once on its way in; its cost counts the rest.
          await contextValue.chargeCost(Math.ceil(cost / config.GRAPHQL_COST_PER_REQUEST) - 1);
        },
      });
    },
  };

  const server = new ApolloServer<GraphqlRequestContext>({
    schema,
    logger,
    introspection: config.GRAPHQL_INTROSPECTION,
    hideSchemaDetailsFromClientErrors: !config.GRAPHQL_FIELD_SUGGESTIONS,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: config.GRAPHQL_MAX_TOKENS },
    validationRules: [
      maxDepthRule({ n: config.GRAPHQL_MAX_DEPTH, ignoreIntrospection: true, ...reported }),
      maxAliasesRule({ n: config.GRAPHQL_MAX_ALIASES, ...reported }),
      costLimitRule({ maxCost: config.GRAPHQL_MAX_COST, ignoreIntrospection: true, ...reported }),
    ],
    persistedQueries: { cache: persistedQueryCache(!config.GRAPHQL_PERSISTED_ONLY, registered) },
    plugins: [bounds, ApolloServerPluginLandingPageDisabled()],
    formatError(formatted, error) {
      const original = unwrapResolverError(error);
      if (original instanceof GraphQLError || formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') {
        const { stacktrace: _, ...extensions } = formatted.extensions ?? {};
        return { ...formatted, extensions };
      }
      logger.error({ err: original, path: formatted.path }, 'GraphQL resolver failed');
      return {
        message: 'internal error',
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
    },
  });
  await server.start();
  return server;
}

export type GraphqlServer = Awaited<ReturnType<typeof startGraphql>>;
