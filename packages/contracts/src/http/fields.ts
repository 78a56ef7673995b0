import { z } from 'zod';

// Field shapes shared by several services' routes. Each states in the document exactly what its
// validation enforces, so a request valid by the document is never refused.

/** Text a person writes: not blank, no NUL (PostgreSQL cannot store it), trimmed when read. */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    // eslint-disable-next-line no-control-regex -- NUL is exactly what is refused
    .regex(/^[^\u0000]*[^\s\u0000][^\u0000]*$/, 'must not be blank or hold NUL characters')
    .trim();

/** Text that may be empty, still without NUL. */
export const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    // eslint-disable-next-line no-control-regex -- NUL is exactly what is refused
    .regex(/^[^\u0000]*$/, 'must not hold NUL characters')
    .trim();

/** A slug's form, for the patterns that compose it (lists of slugs). */
export const slugPattern = '[a-z0-9]+(-[a-z0-9]+)*';
export const slug = z
  .string()
  .max(100)
  .regex(new RegExp(`^${slugPattern}$`), 'lowercase letters, digits and single hyphens');

export const uuid = z.uuid();
/**
 * An email address: dot-atoms before the @, host names of 63-character labels after it. A
 * pattern rather than zod's `z.email()` (whose pattern differs from what JSON Schema
 * validators call an email), so that the document and every validator of it agree.
 */
export const emailAddress = z
  .string()
  .max(254)
  .regex(
    /^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/,
    'an email address',
  );
export const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'a 24-character hexadecimal id');
export const timestamp = z.iso.datetime({ offset: true });

/** A list without repeats. */
export const uniqueList = <T extends z.ZodType>(item: T, max: number, min = 0) =>
  z
    .array(item)
    .min(min)
    .max(max)
    .refine((items) => new Set(items).size === items.length, 'no duplicates')
    .meta({ uniqueItems: true });

/** A query flag: `true` or `false`. */
export const flag = z.enum(['true', 'false']).default('false');

/** A page size in a query string. */
export const pageSize = (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback);
