// The public API, described once. The gateway serves it at /v1/openapi.json and /docs, and the
// end-to-end tests validate the responses they receive against these schemas.

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const ok = (schema: Schema, description = 'OK') => ({ description, content: json(schema) });
const list = (item: string) => ({
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: ref(item) } },
});
const bearer = [{ bearerAuth: [] }];
const standardErrors = {
  '400': problem('Invalid input: the `errors` list names each field'),
  '401': problem('Missing, expired or invalid access token'),
  '429': problem('Rate limited; see the RateLimit and Retry-After headers'),
  '503': problem('An upstream service is unavailable, or at capacity (then with Retry-After)'),
};
const idParam = (name: string, description: string, format = 'uuid') => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', format },
});
const slugParam = {
  name: 'slug',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' },
};
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description: 'The ETag you read',
};
const nullableString = { type: ['string', 'null'] };

const schemas: Record<string, Schema> = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['type', 'title', 'status'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      requestId: { type: 'string' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['in', 'field', 'message'],
          properties: { in: { type: 'string' }, field: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  },
  TokenPair: {
    type: 'object',
    required: ['accessToken', 'refreshToken', 'expiresIn', 'tokenType'],
    properties: {
      accessToken: { type: 'string', description: 'ES256 JWT, at most 15 minutes' },
      refreshToken: { type: 'string', description: 'Opaque; rotates on every use' },
      expiresIn: { type: 'integer' },
      tokenType: { const: 'Bearer' },
    },
  },
  User: {
    type: 'object',
    required: ['id', 'email', 'displayName', 'roles', 'timeZone', 'createdAt'],
    properties: {
      id: { type: 'string' },
      email: { type: 'string', format: 'email' },
      displayName: { type: 'string' },
      roles: { type: 'array', items: { enum: ['learner', 'author', 'admin'] } },
      timeZone: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  Signup: {
    allOf: [ref('TokenPair'), { type: 'object', required: ['user'], properties: { user: ref('User') } }],
  },
  Track: {
    type: 'object',
    required: ['slug', 'title', 'description', 'courseCount'],
    properties: {
      slug: { type: 'string' },
      title: { type: 'string' },
      description: { type: 'string' },
      courseCount: { type: 'integer' },
    },
  },
  Skill: {
    type: 'object',
    required: ['slug', 'name'],
    properties: { slug: { type: 'string' }, name: { type: 'string' } },
  },
  CourseSummary: {
    type: 'object',
    required: [
      'id',
      'slug',
      'title',
      'summary',
      'level',
      'track',
      'skills',
      'lessonCount',
      'durationMinutes',
      'version',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      slug: { type: 'string' },
      title: { type: 'string' },
      summary: { type: 'string' },
      level: { enum: ['entry', 'mid', 'senior'] },
      track: { type: 'string' },
      skills: { type: 'array', items: { type: 'string' } },
      lessonCount: { type: 'integer' },
      durationMinutes: { type: 'integer' },
      version: { type: 'integer' },
    },
  },
  CoursePage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items: ref('CourseSummary') }, nextCursor: nullableString },
  },
  Lesson: {
    type: 'object',
    required: ['id', 'position', 'title', 'body', 'durationMinutes'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      position: { type: 'integer', minimum: 1 },
      title: { type: 'string' },
      body: { type: 'string' },
      durationMinutes: { type: 'integer' },
    },
  },
  CourseRef: {
    type: 'object',
    required: ['id', 'slug', 'title', 'level'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      slug: { type: 'string' },
      title: { type: 'string' },
      level: { enum: ['entry', 'mid', 'senior'] },
      depth: { type: 'integer' },
    },
  },
  Course: {
    type: 'object',
    required: [
      'id',
      'slug',
      'title',
      'summary',
      'level',
      'status',
      'version',
      'track',
      'lessons',
      'skills',
      'prerequisites',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      slug: { type: 'string' },
      title: { type: 'string' },
      summary: { type: 'string' },
      level: { enum: ['entry', 'mid', 'senior'] },
      status: { enum: ['draft', 'published', 'archived'] },
      version: { type: 'integer' },
      authorId: { type: 'string' },
      track: { type: 'object', properties: { slug: { type: 'string' }, title: { type: 'string' } } },
      lessons: { type: 'array', items: ref('Lesson') },
      skills: { type: 'array', items: ref('Skill') },
      prerequisites: { type: 'array', items: ref('CourseRef') },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
      publishedAt: nullableString,
    },
  },
  NewCourse: {
    type: 'object',
    additionalProperties: false,
    required: ['slug', 'title', 'level', 'track'],
    properties: {
      slug: { type: 'string' },
      title: { type: 'string' },
      summary: { type: 'string' },
      level: { enum: ['entry', 'mid', 'senior'] },
      track: { type: 'string' },
      skills: { type: 'array', items: { type: 'string' } },
      prerequisites: { type: 'array', items: { type: 'string' } },
    },
  },
  Enrollment: {
    type: 'object',
    required: [
      'courseId',
      'courseSlug',
      'courseTitle',
      'status',
      'percentComplete',
      'completedLessonIds',
      'lessonCount',
      'enrolledAt',
      'completedAt',
    ],
    properties: {
      courseId: { type: 'string', format: 'uuid' },
      courseSlug: { type: 'string' },
      courseTitle: { type: 'string' },
      status: { enum: ['in-progress', 'completed'] },
      percentComplete: { type: 'integer', minimum: 0, maximum: 100 },
      completedLessonIds: { type: 'array', items: { type: 'string' } },
      lessonCount: { type: 'integer' },
      enrolledAt: { type: 'string', format: 'date-time' },
      completedAt: nullableString,
      changed: { type: 'boolean', description: 'On completion: false when the lesson was already completed' },
    },
  },
  Stats: {
    type: 'object',
    required: [
      'xp',
      'lessonsCompleted',
      'coursesCompleted',
      'currentStreak',
      'longestStreak',
      'timeZone',
      'badges',
    ],
    properties: {
      xp: { type: 'integer' },
      lessonsCompleted: { type: 'integer' },
      coursesCompleted: { type: 'integer' },
      currentStreak: { type: 'integer' },
      longestStreak: { type: 'integer' },
      timeZone: { type: 'string' },
      badges: { type: 'array', items: { type: 'string' } },
    },
  },
  LeaderboardRow: {
    type: 'object',
    required: ['rank', 'userId', 'displayName', 'xp'],
    properties: {
      rank: { type: 'integer' },
      userId: { type: 'string' },
      displayName: { type: 'string' },
      xp: { type: 'integer' },
    },
  },
  Dashboard: {
    type: 'object',
    required: ['enrollments', 'stats', 'unreadNotifications', 'partial', 'unavailable'],
    properties: {
      enrollments: { oneOf: [{ type: 'array', items: ref('Enrollment') }, { type: 'null' }] },
      stats: { oneOf: [ref('Stats'), { type: 'null' }] },
      unreadNotifications: { type: ['integer', 'null'] },
      partial: { type: 'boolean', description: 'True when some upstream could not be reached' },
      unavailable: { type: 'array', items: { type: 'string' } },
    },
  },
  Notification: {
    type: 'object',
    required: ['id', 'seq', 'userId', 'eventId', 'eventType', 'title', 'body', 'createdAt', 'readAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      seq: { type: 'integer' },
      userId: { type: 'string' },
      eventId: { type: 'string', format: 'uuid' },
      eventType: { type: 'string' },
      title: { type: 'string' },
      body: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      readAt: nullableString,
    },
  },
  NotificationPage: {
    type: 'object',
    required: ['items', 'nextCursor', 'unreadCount'],
    properties: {
      items: { type: 'array', items: ref('Notification') },
      nextCursor: nullableString,
      unreadCount: { type: 'integer' },
    },
  },
  Preferences: {
    type: 'object',
    required: ['preferences'],
    properties: {
      preferences: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          properties: {
            inApp: { type: 'boolean' },
            email: { type: 'boolean' },
            webhook: { type: 'boolean' },
          },
        },
      },
    },
  },
  Webhook: {
    type: 'object',
    required: ['id', 'url', 'eventTypes', 'createdAt', 'disabledAt', 'consecutiveFailures'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      url: { type: 'string' },
      eventTypes: { type: 'array', items: { type: 'string' } },
      createdAt: { type: 'string', format: 'date-time' },
      disabledAt: nullableString,
      consecutiveFailures: { type: 'integer' },
      secret: { type: 'string', description: 'Only in the answer to its creation' },
    },
  },
};

const paths: Record<string, Record<string, unknown>> = {
  '/v1/auth/signup': {
    post: {
      tags: ['auth'],
      summary: 'Create an account and sign in',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['email', 'password', 'displayName'],
          properties: {
            email: { type: 'string', format: 'email' },
            password: { type: 'string', minLength: 10 },
            displayName: { type: 'string' },
            timeZone: { type: 'string', description: 'IANA zone for daily streaks' },
          },
        }),
      },
      responses: {
        '201': ok(ref('Signup'), 'The user and a token pair'),
        '409': problem('The email is taken'),
        ...standardErrors,
      },
    },
  },
  '/v1/auth/login': {
    post: {
      tags: ['auth'],
      summary: 'Sign in',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['email', 'password'],
          properties: { email: { type: 'string' }, password: { type: 'string' } },
        }),
      },
      responses: { '200': ok(ref('TokenPair')), ...standardErrors },
    },
  },
  '/v1/auth/refresh': {
    post: {
      tags: ['auth'],
      summary:
        'Exchange a refresh token for a new pair (the old one is spent; reusing it revokes the session)',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['refreshToken'],
          properties: { refreshToken: { type: 'string' } },
        }),
      },
      responses: { '200': ok(ref('TokenPair')), ...standardErrors },
    },
  },
  '/v1/auth/logout': {
    post: {
      tags: ['auth'],
      summary: 'End the session of a refresh token',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['refreshToken'],
          properties: { refreshToken: { type: 'string' } },
        }),
      },
      responses: { '204': { description: 'Signed out' }, ...standardErrors },
    },
  },
  '/v1/auth/logout-all': {
    post: {
      tags: ['auth'],
      summary: "End every session of the caller's account; their access tokens stop working at once",
      security: bearer,
      responses: { '204': { description: 'Every session ended' }, ...standardErrors },
    },
  },
  '/v1/auth/password': {
    post: {
      tags: ['auth'],
      summary: 'Change the password: every session ends, and this client gets a new token pair',
      security: bearer,
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['currentPassword', 'newPassword'],
          additionalProperties: false,
          properties: {
            currentPassword: { type: 'string', minLength: 1, maxLength: 200 },
            newPassword: { type: 'string', minLength: 10, maxLength: 200 },
          },
        }),
      },
      responses: { '200': ok(ref('TokenPair')), ...standardErrors },
    },
  },
  '/.well-known/jwks.json': {
    get: {
      tags: ['auth'],
      summary: "The gateway's public signing keys",
      responses: {
        '200': ok({
          type: 'object',
          required: ['keys'],
          properties: { keys: { type: 'array', items: { type: 'object' } } },
        }),
      },
    },
  },
  '/v1/tracks': { get: { tags: ['catalog'], summary: 'Tracks', responses: { '200': ok(list('Track')) } } },
  '/v1/skills': { get: { tags: ['catalog'], summary: 'Skills', responses: { '200': ok(list('Skill')) } } },
  '/v1/courses': {
    get: {
      tags: ['catalog'],
      summary: 'Published courses, filtered, in pages',
      parameters: [
        { name: 'track', in: 'query', schema: { type: 'string' } },
        { name: 'level', in: 'query', schema: { enum: ['entry', 'mid', 'senior'] } },
        { name: 'skill', in: 'query', schema: { type: 'string' } },
        {
          name: 'q',
          in: 'query',
          schema: { type: 'string', maxLength: 200 },
          description: 'Full-text search',
        },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
      ],
      responses: { '200': ok(ref('CoursePage')), '304': { description: 'Not modified' }, ...standardErrors },
    },
    post: {
      tags: ['authoring'],
      summary: 'Create a draft course (author, admin)',
      security: bearer,
      requestBody: { required: true, content: json(ref('NewCourse')) },
      responses: {
        '201': ok(ref('Course')),
        '403': problem('Not an author'),
        '409': problem('Slug taken or cycle'),
        ...standardErrors,
      },
    },
  },
  '/v1/courses/{slug}': {
    get: {
      tags: ['catalog'],
      summary: 'A course with ordered lessons, skills and prerequisites',
      parameters: [slugParam],
      responses: {
        '200': ok(ref('Course')),
        '304': { description: 'Not modified' },
        '404': problem('No such course'),
        ...standardErrors,
      },
    },
  },
  '/v1/courses/{slug}/prerequisites': {
    get: {
      tags: ['catalog'],
      summary: 'Direct prerequisites, or with transitive=true the whole closure',
      parameters: [slugParam, { name: 'transitive', in: 'query', schema: { enum: ['true', 'false'] } }],
      responses: { '200': ok(list('CourseRef')), '404': problem('No such course'), ...standardErrors },
    },
  },
  '/v1/courses/{id}': {
    patch: {
      tags: ['authoring'],
      summary: 'Update a course (If-Match required)',
      security: bearer,
      parameters: [idParam('id', 'Course id'), { ...ifMatch, required: true }],
      requestBody: { required: true, content: json({ type: 'object' }) },
      responses: {
        '200': ok(ref('Course')),
        '412': problem('Stale version'),
        '428': problem('If-Match missing'),
        ...standardErrors,
      },
    },
  },
  '/v1/courses/{id}/lessons': {
    post: {
      tags: ['authoring'],
      summary: 'Add a lesson',
      security: bearer,
      parameters: [idParam('id', 'Course id'), ifMatch],
      requestBody: { required: true, content: json({ type: 'object', required: ['title'] }) },
      responses: { '201': ok(ref('Course')), ...standardErrors },
    },
  },
  '/v1/courses/{id}/publish': {
    post: {
      tags: ['authoring'],
      summary: 'Publish',
      security: bearer,
      parameters: [idParam('id', 'Course id'), ifMatch],
      responses: { '200': ok(ref('Course')), '409': problem('Not publishable'), ...standardErrors },
    },
  },
  '/v1/courses/{id}/archive': {
    post: {
      tags: ['authoring'],
      summary: 'Archive',
      security: bearer,
      parameters: [idParam('id', 'Course id'), ifMatch],
      responses: { '200': ok(ref('Course')), '409': problem('Already archived'), ...standardErrors },
    },
  },
  '/v1/me/enrollments': {
    get: {
      tags: ['progress'],
      summary: 'My enrolments',
      security: bearer,
      responses: { '200': ok(list('Enrollment')), ...standardErrors },
    },
    post: {
      tags: ['progress'],
      summary: 'Enrol in a published course',
      security: bearer,
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['courseId'],
          properties: { courseId: { type: 'string', format: 'uuid' } },
        }),
      },
      responses: {
        '201': ok(ref('Enrollment')),
        '404': problem('Unknown course'),
        '409': problem('Archived, or already enrolled'),
        ...standardErrors,
      },
    },
  },
  '/v1/me/enrollments/{courseId}/lessons/{lessonId}/completion': {
    put: {
      tags: ['progress'],
      summary: 'Complete a lesson (idempotent)',
      security: bearer,
      parameters: [idParam('courseId', 'Course id'), idParam('lessonId', 'Lesson id')],
      responses: {
        '200': ok(ref('Enrollment')),
        '404': problem('Not enrolled, or no such lesson'),
        ...standardErrors,
      },
    },
  },
  '/v1/me/stats': {
    get: {
      tags: ['progress'],
      summary: 'XP, streaks, badges',
      security: bearer,
      responses: { '200': ok(ref('Stats')), ...standardErrors },
    },
  },
  '/v1/leaderboard': {
    get: {
      tags: ['progress'],
      summary: 'Learners by XP',
      security: bearer,
      parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }],
      responses: { '200': ok(list('LeaderboardRow')), ...standardErrors },
    },
  },
  '/v1/users/{userId}/enrollments': {
    get: {
      tags: ['progress'],
      summary: "A user's enrolments (oneself or admin)",
      security: bearer,
      parameters: [idParam('userId', 'User id', 'objectid')],
      responses: { '200': ok(list('Enrollment')), '403': problem('Not yours'), ...standardErrors },
    },
  },
  '/v1/users/{userId}/stats': {
    get: {
      tags: ['progress'],
      summary: "A user's stats (oneself or admin)",
      security: bearer,
      parameters: [idParam('userId', 'User id', 'objectid')],
      responses: { '200': ok(ref('Stats')), '403': problem('Not yours'), ...standardErrors },
    },
  },
  '/v1/me/dashboard': {
    get: {
      tags: ['progress'],
      summary: 'Enrolments, stats and unread count, composed; partial when an upstream is down',
      security: bearer,
      responses: { '200': ok(ref('Dashboard')), ...standardErrors },
    },
  },
  '/v1/me/notifications': {
    get: {
      tags: ['notifications'],
      summary: 'My notifications, newest first',
      security: bearer,
      parameters: [
        { name: 'unread', in: 'query', schema: { enum: ['true', 'false'] } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
      ],
      responses: { '200': ok(ref('NotificationPage')), ...standardErrors },
    },
  },
  '/v1/me/notifications/{id}/read': {
    post: {
      tags: ['notifications'],
      summary: 'Mark one read',
      security: bearer,
      parameters: [idParam('id', 'Notification id')],
      responses: {
        '204': { description: 'Read' },
        '404': problem('No such notification'),
        ...standardErrors,
      },
    },
  },
  '/v1/me/notifications/read-all': {
    post: {
      tags: ['notifications'],
      summary: 'Mark all read',
      security: bearer,
      responses: {
        '200': ok({ type: 'object', required: ['updated'], properties: { updated: { type: 'integer' } } }),
        ...standardErrors,
      },
    },
  },
  '/v1/me/notifications/stream': {
    get: {
      tags: ['notifications'],
      summary:
        'Server-Sent Events: `event: notification`, `id:` the feed sequence; send Last-Event-ID to resume',
      security: bearer,
      parameters: [{ name: 'Last-Event-ID', in: 'header', schema: { type: 'string', pattern: '^\\d+$' } }],
      responses: {
        '200': {
          description: 'An event stream',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...standardErrors,
      },
    },
  },
  '/v1/me/notification-preferences': {
    get: {
      tags: ['notifications'],
      summary: 'Channels per event type',
      security: bearer,
      responses: { '200': ok(ref('Preferences')), ...standardErrors },
    },
    put: {
      tags: ['notifications'],
      summary: 'Change channels per event type',
      security: bearer,
      requestBody: { required: true, content: json(ref('Preferences')) },
      responses: { '200': ok(ref('Preferences')), ...standardErrors },
    },
  },
  '/v1/me/webhooks': {
    get: {
      tags: ['notifications'],
      summary: 'My webhooks',
      security: bearer,
      responses: { '200': ok(list('Webhook')), ...standardErrors },
    },
    post: {
      tags: ['notifications'],
      summary: 'Register a webhook (https, public address); the answer holds its signing secret, once',
      security: bearer,
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['url', 'eventTypes'],
          properties: { url: { type: 'string' }, eventTypes: { type: 'array', items: { type: 'string' } } },
        }),
      },
      responses: { '201': ok(ref('Webhook')), ...standardErrors },
    },
  },
  '/v1/me/webhooks/{id}': {
    delete: {
      tags: ['notifications'],
      summary: 'Remove a webhook',
      security: bearer,
      parameters: [idParam('id', 'Webhook id')],
      responses: { '204': { description: 'Removed' }, '404': problem('No such webhook'), ...standardErrors },
    },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Syllabus API',
    version: '1.0.0',
    description:
      'The public API of Syllabus, a learning platform for backend engineering. Errors are application/problem+json (RFC 9457). Rate limits are announced with the RateLimit headers.',
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'auth' },
    { name: 'catalog' },
    { name: 'authoring' },
    { name: 'progress' },
    { name: 'notifications' },
  ],
  paths,
  components: {
    schemas,
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  },
};
