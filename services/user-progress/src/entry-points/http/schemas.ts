import { z } from 'zod';
import { isValidTimeZone } from '../../domain/streaks';

// Every field has a type, so an operator object ({"$ne": …}) can never reach a query.
const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'a 24-character hexadecimal id');

export const enrolmentBody = z.object({ courseId: z.uuid() }).strict();
export const courseParams = z.object({ courseId: z.uuid() }).strict();
export const completionParams = z.object({ courseId: z.uuid(), lessonId: z.uuid() }).strict();
export const userParams = z.object({ userId: objectId }).strict();
export const emptyQuery = z.object({}).strict();
export const leaderboardQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(100).default(10) })
  .strict();

const password = z.string().min(10, 'at least 10 characters').max(200);
export const passwordBody = z.object({ password }).strict();

export const newUserBody = z
  .object({
    email: z.string().trim().toLowerCase().pipe(z.email().max(254)),
    password,
    displayName: z.string().trim().min(1).max(100),
    timeZone: z
      .string()
      .max(64)
      .refine(isValidTimeZone, 'an IANA time zone, e.g. Europe/Paris')
      .default('UTC'),
  })
  .strict();

export const credentialsBody = z
  .object({ email: z.string().max(254), password: z.string().max(200) })
  .strict();
