import { z } from 'zod';
import { notifiableEventTypes } from '../../domain/templates';

const eventType = z.enum(notifiableEventTypes as [string, ...string[]]);

export const feedQuery = z
  .object({
    unread: z.enum(['true', 'false']).default('false'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z
      .string()
      .regex(/^\d{1,18}$/, 'a cursor this API issued')
      .optional(),
  })
  .strict();

export const notificationParams = z.object({ id: z.uuid() }).strict();
export const webhookParams = z.object({ id: z.uuid() }).strict();

const channels = z
  .object({ inApp: z.boolean(), email: z.boolean(), webhook: z.boolean() })
  .partial()
  .strict();
export const preferencesBody = z.object({ preferences: z.partialRecord(eventType, channels) }).strict();

export const webhookBody = z
  .object({
    url: z.string().max(2_000),
    eventTypes: z
      .array(eventType)
      .min(1)
      .max(10)
      .refine((types) => new Set(types).size === types.length, 'no duplicates'),
  })
  .strict();

export const lastEventId = z
  .string()
  .regex(/^\d{1,18}$/)
  .optional();
