import {
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  printSchema,
  type GraphQLSchema,
} from 'graphql';

/**
 * How the schema served differs from the committed SDL (schema.graphql): `breaking` lists what
 * would break a client written against the committed one (a field, type or argument removed, a
 * type changed); `dangerous` what may (a default value changed, an enum value added).
 */
export function compareWithCommitted(committedSdl: string, served: GraphQLSchema) {
  const committed = buildSchema(committedSdl);
  return {
    identical: printSchema(committed) === printSchema(served),
    breaking: findBreakingChanges(committed, served).map(
      ({ type, description }) => `${type}: ${description}`,
    ),
    dangerous: findDangerousChanges(committed, served).map(
      ({ type, description }) => `${type}: ${description}`,
    ),
  };
}
