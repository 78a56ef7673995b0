import { z } from 'zod';
import { emailAddress, objectId, text, timestamp, uuid } from './fields';
import { route } from './route';

// User-progress's routes: accounts (for the gateway only), enrolments, completions, stats and the
// leaderboard.

export const roles = ['learner', 'author', 'admin'] as const;

export const userSchema = z
  .strictObject({
    id: objectId,
    email: emailAddress,
    displayName: z.string(),
    roles: z.array(z.enum(roles)),
    timeZone: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: 'User' });
/** An account as user-progress answers it (never with its password hash). */
export type User = z.infer<typeof userSchema>;

export const enrolmentSchema = z
  .strictObject({
    courseId: uuid,
    courseSlug: z.string(),
    courseTitle: z.string(),
    status: z.enum(['in-progress', 'completed']).meta({ id: 'EnrollmentStatus' }),
    percentComplete: z.int().min(0).max(100),
    completedLessonIds: z.array(uuid),
    lessonCount: z.int().min(0),
    enrolledAt: timestamp,
    completedAt: timestamp.nullable(),
  })
  .meta({ id: 'Enrollment' });

export const statsSchema = z
  .strictObject({
    xp: z.int().min(0),
    lessonsCompleted: z.int().min(0),
    coursesCompleted: z.int().min(0),
    currentStreak: z.int().min(0),
    longestStreak: z.int().min(0),
    timeZone: z.string(),
    badges: z.array(z.string()),
  })
  .meta({ id: 'Stats' });

const leaderboardRow = z
  .strictObject({ rank: z.int().min(1), userId: objectId, displayName: z.string(), xp: z.int().min(0) })
  .meta({ id: 'LeaderboardRow' });

/** Passwords: at least 10 characters; at most 200, so hashing cost stays bounded. */
export const password = z.string().min(10, 'at least 10 characters').max(200);
/** An IANA time zone by its canonical name, e.g. Europe/Paris (as this runtime's ICU lists them). */
export const timeZone = z.enum([
  'UTC',
  ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC'),
] as [string, ...string[]]);
export const email = emailAddress.transform((value) => value.toLowerCase());

export const newUserSchema = z
  .strictObject({ email, password, displayName: text(100), timeZone: timeZone.default('UTC') })
  .meta({ id: 'NewUser' });

const learnerParams = z.strictObject({ userId: objectId });
const enrolments = z.strictObject({ items: z.array(enrolmentSchema) });

export const userProgressRoutes = {
  createUser: route({
    operationId: 'createUser',
    method: 'post',
    path: '/internal/users',
    summary: 'Register an account (the gateway, at sign-up)',
    access: 'internal',
    body: newUserSchema,
    responses: { 201: { description: 'The account', body: userSchema } },
    problems: ['email-taken'],
  }),
  verifyCredentials: route({
    operationId: 'verifyCredentials',
    method: 'post',
    path: '/internal/credentials/verify',
    summary: 'The account these credentials open (the gateway, at sign-in)',
    access: 'internal',
    body: z.strictObject({ email: z.string().max(254), password: z.string().max(200) }),
    responses: { 200: { description: 'The account', body: userSchema } },
    problems: ['wrong-credentials', 'overloaded'],
  }),
  getUser: route({
    operationId: 'getUser',
    method: 'get',
    path: '/internal/users/{userId}',
    summary: 'An account (the gateway, at refresh)',
    access: 'internal',
    params: learnerParams,
    responses: { 200: { description: 'The account', body: userSchema } },
    problems: ['account-gone'],
  }),
  setPassword: route({
    operationId: 'setPassword',
    method: 'put',
    path: '/internal/users/{userId}/password',
    summary: "Set an account's password (the gateway, after checking the current one)",
    access: 'internal',
    params: learnerParams,
    body: z.strictObject({ password }),
    responses: { 204: { description: 'Set' } },
    problems: ['account-gone'],
  }),

  enrol: route({
    operationId: 'enrol',
    method: 'post',
    path: '/v1/me/enrollments',
    summary: 'Enrol in a published course',
    access: 'learner',
    body: z.strictObject({ courseId: uuid }),
    responses: {
      201: { description: 'The enrolment', body: enrolmentSchema },
    },
    problems: ['course-not-found', 'course-archived', 'already-enrolled', 'account-gone'],
    links: {
      201: {
        CompleteFirstLesson: {
          operationId: 'completeLesson',
          description: 'Complete a lesson of the course (its ids are in getCourse)',
          parameters: { course: '$response.body#/courseId' },
        },
      },
    },
  }),
  listEnrolments: route({
    operationId: 'listEnrolments',
    method: 'get',
    path: '/v1/me/enrollments',
    summary: 'My enrolments, with percent complete and status',
    access: 'learner',
    responses: { 200: { description: 'Every enrolment', body: enrolments } },
    problems: ['account-gone'],
  }),
  completeLesson: route({
    operationId: 'completeLesson',
    method: 'put',
    path: '/v1/me/enrollments/{course}/lessons/{lesson}/completion',
    summary: 'Mark a lesson complete (idempotent)',
    access: 'learner',
    params: z.strictObject({ course: uuid, lesson: uuid }),
    responses: {
      200: {
        description: 'The enrolment; `changed` is false when the lesson was already complete',
        body: enrolmentSchema.extend({ changed: z.boolean() }).meta({ id: 'Completion' }),
      },
    },
    problems: ['course-not-found', 'lesson-not-found', 'not-enrolled', 'account-gone'],
  }),
  myStats: route({
    operationId: 'myStats',
    method: 'get',
    path: '/v1/me/stats',
    summary: 'My XP, streaks and badges',
    access: 'learner',
    responses: { 200: { description: 'The stats', body: statsSchema } },
    problems: ['account-gone'],
  }),
  leaderboard: route({
    operationId: 'leaderboard',
    method: 'get',
    path: '/v1/leaderboard',
    summary: 'The learners with the most XP',
    access: 'learner',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(10) }),
    responses: {
      200: { description: 'Best first', body: z.strictObject({ items: z.array(leaderboardRow) }) },
    },
  }),
  userEnrolments: route({
    operationId: 'userEnrolments',
    method: 'get',
    path: '/v1/users/{userId}/enrollments',
    summary: "A learner's enrolments: your own, or anyone's for an admin",
    access: 'learner',
    params: learnerParams,
    responses: { 200: { description: 'Every enrolment', body: enrolments } },
    problems: ['not-yours'],
  }),
  userStats: route({
    operationId: 'userStats',
    method: 'get',
    path: '/v1/users/{userId}/stats',
    summary: "A learner's stats: your own, or anyone's for an admin",
    access: 'learner',
    params: learnerParams,
    responses: { 200: { description: 'The stats', body: statsSchema } },
    problems: ['not-yours'],
  }),
};
