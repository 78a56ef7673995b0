import type { z } from 'zod';
import { ValidationProblem } from './problems';

/**
 * Parses request input against a schema. Anything that does not fit becomes a 400 naming every
 * offending field; nothing unvalidated reaches the domain.
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  location: 'body' | 'query' | 'params' | 'headers',
): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationProblem(
    result.error.issues.map((issue) => ({
      in: location,
      field: issue.path.map(String).join('.'),
      message:
        issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    })),
  );
}
