import { z } from 'zod';
import { DEFAULT_PAGE_SIZE, levels } from '../../domain/model';

export const slug = z
  .string()
  .max(100)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lowercase letters, digits and single hyphens');
const title = z.string().trim().min(1).max(200);
const summary = z.string().trim().max(2_000);
const slugList = z
  .array(slug)
  .max(50)
  .refine((items) => new Set(items).size === items.length, 'no duplicates');

export const listQuery = z
  .object({
    track: slug.optional(),
    level: z.enum(levels).optional(),
    skill: slug.optional(),
    q: z.string().trim().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(DEFAULT_PAGE_SIZE),
    cursor: z.string().max(600).optional(),
  })
  .strict();

export const prerequisitesQuery = z
  .object({ transitive: z.enum(['true', 'false']).default('false') })
  .strict();

export const slugParams = z.object({ slug }).strict();
export const courseParams = z.object({ id: z.uuid() }).strict();
export const lessonParams = z.object({ id: z.uuid(), lessonId: z.uuid() }).strict();

export const newCourseBody = z
  .object({
    slug,
    title,
    summary: summary.default(''),
    level: z.enum(levels),
    track: slug,
    skills: slugList.default([]),
    prerequisites: slugList.default([]),
  })
  .strict();

export const coursePatchBody = z
  .object({
    title: title.optional(),
    summary: summary.optional(),
    level: z.enum(levels).optional(),
    track: slug.optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one field to change');

export const newLessonBody = z
  .object({
    title,
    body: z.string().max(100_000).default(''),
    durationMinutes: z.number().int().min(1).max(600).default(10),
    position: z.number().int().min(1).optional(),
  })
  .strict();

export const lessonOrderBody = z.object({ lessonIds: z.array(z.uuid()).min(1).max(500) }).strict();
export const skillsBody = z.object({ skills: slugList }).strict();
export const prerequisitesBody = z.object({ prerequisites: slugList }).strict();

const cursorPayload = z.tuple([z.string().min(1).max(200), z.uuid()]);

export const cursors = {
  encode: (after: { title: string; id: string }) =>
    Buffer.from(JSON.stringify([after.title, after.id])).toString('base64url'),
  /** The keyset a cursor stands for, or undefined when it is not one this API issued. */
  decode(cursor: string): { title: string; id: string } | undefined {
    try {
      const [cursorTitle, id] = cursorPayload.parse(
        JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')),
      );
      return { title: cursorTitle, id };
    } catch {
      return undefined;
    }
  },
};
