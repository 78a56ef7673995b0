import { z } from 'zod';
import { enrolmentSchema, newUserSchema, statsSchema, userSchema } from './user-progress';
import { route } from './route';

// The gateway's own routes: sessions, its keys, the dashboard it composes, the trace view, and
// the API document.

export const tokenPairSchema = z
  .strictObject({
    accessToken: z.string().meta({ description: 'ES256 JWT, valid for `expiresIn` seconds' }),
    refreshToken: z.string().meta({ description: 'Opaque; spent by its first use' }),
    expiresIn: z.int().min(1),
    tokenType: z.literal('Bearer'),
  })
  .meta({ id: 'TokenPair' });

const traceSpanSchema = z
  .strictObject({
    spanId: z.string(),
    parentSpanId: z.string().nullable().meta({ description: 'null for a root' }),
    service: z.string(),
    name: z.string(),
    kind: z.enum(['internal', 'server', 'client', 'producer', 'consumer']),
    startMs: z.number().min(0).meta({ description: "From the trace's start" }),
    durationMs: z.number().min(0),
    status: z.enum(['unset', 'ok', 'error']),
    attributes: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .meta({ description: 'Those a learner reads: HTTP, database, messaging and Syllabus attributes' }),
    events: z.array(z.strictObject({ name: z.string(), atMs: z.number().min(0) })),
    links: z
      .array(z.strictObject({ traceId: z.string(), spanId: z.string() }))
      .meta({ description: 'Spans of other traces this one follows from (a replay, a batch)' }),
  })
  .meta({ id: 'TraceSpan' });

const refreshToken = z.string().min(20).max(200);
const refreshBody = z.strictObject({ refreshToken });
const session = ['session-ended', 'account-gone'] as const;

export const gatewayRoutes = {
  signup: route({
    operationId: 'signup',
    method: 'post',
    path: '/v1/auth/signup',
    summary: 'Create a learner account and sign in',
    access: 'anyone',
    body: newUserSchema,
    responses: {
      201: {
        description: 'The account and a token pair',
        body: tokenPairSchema.extend({ user: userSchema }).meta({ id: 'Signup' }),
      },
    },
    problems: ['email-taken', 'too-many-requests'],
    links: {
      201: {
        Refresh: { operationId: 'refresh', body: '$response.body#/refreshToken' },
        Logout: { operationId: 'logout', body: '$response.body#/refreshToken' },
      },
    },
  }),
  login: route({
    operationId: 'login',
    method: 'post',
    path: '/v1/auth/login',
    summary: 'Sign in with email and password',
    description: 'Repeated failures from one source or for one account slow down, then answer 429.',
    access: 'anyone',
    body: z.strictObject({ email: z.string().min(1).max(254), password: z.string().min(1).max(200) }),
    responses: { 200: { description: 'A token pair', body: tokenPairSchema } },
    problems: ['wrong-credentials', 'too-many-requests', 'overloaded'],
  }),
  refresh: route({
    operationId: 'refresh',
    method: 'post',
    path: '/v1/auth/refresh',
    summary: 'Trade a refresh token for a new pair; the old one is spent',
    description: 'Replaying a spent refresh token revokes its whole session.',
    access: 'anyone',
    body: refreshBody,
    responses: { 200: { description: 'A new token pair', body: tokenPairSchema } },
    problems: [...session, 'too-many-requests'],
  }),
  logout: route({
    operationId: 'logout',
    method: 'post',
    path: '/v1/auth/logout',
    summary: 'End the session of a refresh token',
    access: 'anyone',
    body: refreshBody,
    responses: { 204: { description: 'Ended (also when it already had)' } },
    problems: ['too-many-requests'],
  }),
  logoutAll: route({
    operationId: 'logoutAll',
    method: 'post',
    path: '/v1/auth/logout-all',
    summary: 'End every session of the signed-in user',
    access: 'signed-in',
    responses: { 204: { description: 'Ended' } },
    problems: ['too-many-requests'],
  }),
  changePassword: route({
    operationId: 'changePassword',
    method: 'post',
    path: '/v1/auth/password',
    summary: 'Change the password; every session ends, and this client gets a new pair',
    access: 'signed-in',
    body: z.strictObject({
      currentPassword: z.string().min(1).max(200),
      newPassword: newUserSchema.shape.password,
    }),
    responses: { 200: { description: 'A new token pair', body: tokenPairSchema } },
    problems: ['wrong-credentials', 'account-gone', 'too-many-requests', 'overloaded'],
  }),
  jwks: route({
    operationId: 'jwks',
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: "The gateway's public signing keys (JWK Set)",
    access: 'anyone',
    responses: {
      200: {
        description: 'The keys',
        body: z.strictObject({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string() })) }),
      },
    },
  }),
  dashboard: route({
    operationId: 'dashboard',
    method: 'get',
    path: '/v1/me/dashboard',
    summary: 'My enrolments, stats and unread count in one answer',
    description:
      'Composed from user-progress and notification in parallel. When one of them cannot answer, ' +
      'its parts are null, `partial` is true and `unavailable` names it; when both cannot, 503.',
    access: 'learner',
    responses: {
      200: {
        description: 'The dashboard',
        body: z
          .strictObject({
            enrollments: z.array(enrolmentSchema).nullable(),
            stats: statsSchema.nullable(),
            unreadNotifications: z.int().min(0).nullable(),
            partial: z.boolean(),
            unavailable: z.array(z.enum(['user-progress', 'notification'])),
          })
          .meta({ id: 'Dashboard' }),
      },
    },
  }),
  myTrace: route({
    operationId: 'myTrace',
    method: 'get',
    path: '/v1/me/traces/{traceId}',
    summary: 'The trace one of my requests became, as a waterfall',
    description:
      'Read from Jaeger: the spans of the trace the `traceresponse` header of an answer named, every ' +
      "service's part, in start order. Only a trace rooted in a request made with the caller's own " +
      'token is shown (an admin sees any); any other id is `trace-not-found`, as is one whose spans ' +
      'have not all arrived yet. Off (`trace-view-off`) where the deployment does not configure it.',
    access: 'signed-in',
    params: z.strictObject({
      traceId: z
        .string()
        .regex(/^[0-9a-f]{32}$/)
        .meta({ description: 'W3C trace id: 32 lowercase hex digits' }),
    }),
    responses: {
      200: {
        description: 'The trace',
        body: z
          .strictObject({
            traceId: z.string(),
            startedAt: z.iso.datetime(),
            durationMs: z.number().min(0),
            services: z.array(z.string()),
            spans: z.array(traceSpanSchema),
          })
          .meta({ id: 'Trace' }),
      },
    },
    problems: ['trace-not-found', 'trace-view-off', 'service-unavailable'],
  }),
  openApi: route({
    operationId: 'openApi',
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    access: 'anyone',
    responses: { 200: { description: 'OpenAPI 3.1', body: z.looseObject({ openapi: z.string() }) } },
  }),
};
