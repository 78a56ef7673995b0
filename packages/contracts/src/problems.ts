import { z } from 'zod';

/**
 * Every failure the platform names, once: the problem type a client receives (its `type` is
 * `urn:problem:syllabus:<name>`), with its title and HTTP status. The domain raises a
 * `DomainError` by name and knows nothing of HTTP; the service kit's error handler maps it through
 * this table, and the API document lists, per operation, the names it can answer.
 */
export const problemTypes = {
  // Any route
  validation: { status: 400, title: 'Invalid request', about: 'the `errors` list names each field' },
  'malformed-json': { status: 400, title: 'Malformed JSON', about: 'the body is not valid JSON' },
  'bad-request': { status: 400, title: 'Bad request', about: 'the request itself is malformed' },
  unauthorized: { status: 401, title: 'Unauthorized', about: 'a valid bearer token is required' },
  forbidden: { status: 403, title: 'Forbidden', about: 'the token lacks the role this needs' },
  'not-found': { status: 404, title: 'Not found', about: 'no such route' },
  'method-not-allowed': { status: 405, title: 'Method not allowed', about: 'see the Allow header' },
  'unforwardable-request': {
    status: 400,
    title: 'Request cannot be forwarded',
    about: 'the gateway cannot pass it on (e.g. a header a service would not take)',
  },
  'payload-too-large': { status: 413, title: 'Payload too large', about: 'the body exceeds the limit' },
  'too-many-requests': { status: 429, title: 'Too many requests', about: 'see Retry-After' },
  internal: { status: 500, title: 'Internal server error', about: 'a fault of ours, logged' },
  'bad-gateway': { status: 502, title: 'Bad gateway', about: 'a service broke off its answer' },
  overloaded: { status: 503, title: 'Overloaded', about: 'busy, not broken: retry after Retry-After' },
  'service-unavailable': { status: 503, title: 'Service unavailable', about: 'a service is down' },
  'gateway-timeout': { status: 504, title: 'Gateway timeout', about: 'a service did not answer in time' },

  // Identity and sessions
  'email-taken': { status: 409, title: 'Email taken', about: 'an account with this email exists' },
  'wrong-credentials': { status: 401, title: 'Wrong credentials', about: 'the email or password is wrong' },
  'session-ended': {
    status: 401,
    title: 'Session ended',
    about: 'revoked, expired or replayed; sign in again',
  },
  'account-gone': { status: 401, title: 'Account gone', about: 'the account no longer exists' },
  'not-yours': { status: 403, title: 'Not yours', about: "another user's records" },

  // Traces
  'trace-not-found': {
    status: 404,
    title: 'Trace not found',
    about: 'no trace of your requests by this id (yet: spans reach Jaeger a second or two after the answer)',
  },
  'trace-view-off': { status: 404, title: 'Trace view off', about: 'this deployment does not show traces' },

  // Catalog
  'unknown-cursor': { status: 422, title: 'Unknown cursor', about: 'not a cursor this API issued' },
  'course-not-found': {
    status: 404,
    title: 'Course not found',
    about: 'no such course (or not visible to you)',
  },
  'lesson-not-found': { status: 404, title: 'Lesson not found', about: 'no such lesson in this course' },
  'unknown-reference': {
    status: 422,
    title: 'Unknown reference',
    about: 'a track, skill, prerequisite or lesson named does not exist; `errors` says which',
  },
  'slug-taken': { status: 409, title: 'Slug taken', about: 'another course has this slug' },
  'not-course-author': { status: 403, title: 'Not the course author', about: 'the course is not yours' },
  'version-required': {
    status: 428,
    title: 'Version required',
    about: 'send If-Match with the ETag you read',
  },
  'version-mismatch': {
    status: 412,
    title: 'Version mismatch',
    about: 'the course changed since you read it',
  },
  'prerequisite-cycle': {
    status: 409,
    title: 'Prerequisite cycle',
    about: 'the prerequisites would make the course depend on itself',
  },
  'course-state': {
    status: 409,
    title: 'Course state',
    about: 'not possible in the course’s status (already published, no lessons, …)',
  },

  // Progress
  'course-archived': { status: 409, title: 'Course archived', about: 'the course is archived' },
  'already-enrolled': { status: 409, title: 'Already enrolled', about: 'you are enrolled in this course' },
  'not-enrolled': { status: 404, title: 'Not enrolled', about: 'you are not enrolled in this course' },

  // Notifications
  'notification-not-found': { status: 404, title: 'Notification not found', about: 'not yours, or none' },
  'too-many-streams': {
    status: 429,
    title: 'Too many live streams',
    about: 'close one first; see Retry-After',
  },
  'webhook-not-found': { status: 404, title: 'Webhook not found', about: 'not yours, or none' },
  'webhook-limit': { status: 409, title: 'Webhook limit', about: 'at most so many webhooks per learner' },
  'webhook-url-refused': {
    status: 422,
    title: 'Webhook URL refused',
    about: 'not https, or resolves to an address the platform does not call',
  },
} as const satisfies Record<string, { status: number; title: string; about: string }>;

export type ProblemName = keyof typeof problemTypes;

export const problemTypeUri = (name: string) => `urn:problem:syllabus:${name}`;

export interface FieldError {
  /** Where the field was: body, query, params or headers. */
  in: string;
  /** Dotted path of the field, e.g. `lessons.2.title`; empty for the whole input. */
  field: string;
  message: string;
}

/**
 * A failure the domain knows, by name. `extensions` are extra members of the problem a client
 * receives (e.g. `errors` for the fields at fault); `retryAfterSeconds` becomes `Retry-After`.
 */
export class DomainError extends Error {
  constructor(
    readonly problem: ProblemName,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? problemTypes[problem].about);
    this.name = 'DomainError';
  }
}

/** The problem document every error answer carries (RFC 9457). */
export const problemSchema = z
  .looseObject({
    type: z
      .string()
      .meta({ description: '`urn:problem:syllabus:<name>`; the names are listed per operation' }),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ in: z.string(), field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'For invalid input: each field at fault' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });
