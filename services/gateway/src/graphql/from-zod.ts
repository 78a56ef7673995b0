import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLString,
  isNonNullType,
  type GraphQLFieldConfigMap,
  type GraphQLOutputType,
} from 'graphql';
import type { z } from 'zod';

/** `in-progress` → `IN_PROGRESS`: GraphQL enum values are names; the REST value stays inside. */
export const enumValueName = (value: string) => value.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

const capitalised = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** Extra fields; each resolver states the parent it takes (never: any parent type is accepted). */
type Extra<Context> = GraphQLFieldConfigMap<never, Context>;
type Nullable = Exclude<GraphQLOutputType, GraphQLNonNull<never>>;

/**
 * GraphQL object types derived from the zod schemas of the REST answers they mirror, so a field
 * is declared once: a new field in a REST answer is in the GraphQL type too, and the committed
 * SDL shows the change. A schema's `meta({ id })` names its type (as it names the OpenAPI
 * component); a nested object without one is named after its parent and field. Fields beyond the
 * REST answer (relations such as an enrolment's course) are added with `extend` by name.
 */
export function createTypeDeriver<Context>() {
  const types = new Map<string, GraphQLObjectType | GraphQLEnumType>();
  const bySchema = new Map<z.ZodType, GraphQLObjectType | GraphQLEnumType>();
  const extras = new Map<string, () => Extra<Context>>();

  const description = (schema: z.ZodType) => schema.meta()?.description ?? schema.description;

  function named<T extends GraphQLObjectType | GraphQLEnumType>(
    schema: z.ZodType,
    name: string,
    make: () => T,
  ) {
    const known = bySchema.get(schema) ?? types.get(name);
    if (known) return known as T;
    const type = make();
    bySchema.set(schema, type);
    types.set(name, type);
    return type;
  }

  /** The type of a field; non-null unless the schema is nullable or optional. */
  function output(schema: z.ZodType, fallbackName: string, fieldName?: string): GraphQLOutputType {
    const def = schema.def as { type: string };
    const id = schema.meta()?.id;
    const name = id ?? fallbackName;
    let type: Nullable;
    switch (def.type) {
      case 'nullable':
      case 'optional': {
        const inner = output((schema as z.ZodNullable).unwrap() as z.ZodType, fallbackName, fieldName);
        return isNonNullType(inner) ? inner.ofType : inner;
      }
      case 'string':
        type = fieldName === 'id' ? GraphQLID : GraphQLString;
        break;
      case 'number':
        type = (schema as z.ZodNumber).isInt ? GraphQLInt : GraphQLFloat;
        break;
      case 'boolean':
        type = GraphQLBoolean;
        break;
      case 'array':
        type = new GraphQLList(output((schema as z.ZodArray<z.ZodType>).element, fallbackName));
        break;
      case 'enum':
        type = named(
          schema,
          name,
          () =>
            new GraphQLEnumType({
              name,
              description: description(schema),
              values: Object.fromEntries(
                (schema as z.ZodEnum).options.map((value) => [enumValueName(String(value)), { value }]),
              ),
            }),
        );
        break;
      case 'object':
        type = objectType(schema as z.ZodObject, name);
        break;
      default:
        throw new Error(`${name}: a zod ${def.type} has no GraphQL type here`);
    }
    return new GraphQLNonNull(type);
  }

  /** The object type of a zod object schema (named by its `meta({ id })`, or `name`). */
  function objectType(schema: z.ZodObject, name = schema.meta()?.id) {
    if (!name) throw new Error('an object type needs a name');
    return named(
      schema,
      name,
      () =>
        new GraphQLObjectType<unknown, Context>({
          name,
          description: description(schema),
          fields: () => ({
            ...Object.fromEntries(
              Object.entries(schema.shape).map(([field, fieldSchema]) => [
                field,
                {
                  type: output(fieldSchema as z.ZodType, `${name}${capitalised(field)}`, field),
                  description: description(fieldSchema as z.ZodType),
                },
              ]),
            ),
            ...(extras.get(name)?.() as GraphQLFieldConfigMap<unknown, Context> | undefined),
          }),
        }),
    );
  }

  return {
    objectType,
    /** A type of a field of a derived object (an enum, say), by the name the deriver gave it. */
    output,
    /** Adds fields to a derived type (resolved lazily, so types may refer to each other). */
    extend(name: string, fields: () => Extra<Context>) {
      const before = extras.get(name);
      extras.set(name, () => ({ ...before?.(), ...fields() }));
    },
  };
}
