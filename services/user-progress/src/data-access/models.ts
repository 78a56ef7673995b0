import { Schema, type Connection, type InferSchemaType } from 'mongoose';

// Strict schemas: a field not declared here is refused by mongoose, not silently stored.
const strict = { strict: 'throw', strictQuery: 'throw', versionKey: false } as const;

const pendingEvent = new Schema(
  {
    id: { type: String, required: true },
    type: { type: String, required: true },
    source: { type: String, required: true },
    time: { type: String, required: true },
    subject: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    traceContext: { type: Schema.Types.Mixed, default: {} },
  },
  { _id: false, ...strict },
);

const outboxFields = {
  pendingEvents: { type: [pendingEvent], default: [] },
  hasPendingEvents: { type: Boolean, required: true, default: false },
  relayLockedUntil: { type: Date, default: null },
};

const userSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true, maxlength: 254 },
    passwordHash: { type: String, required: true },
    displayName: { type: String, required: true, trim: true, maxlength: 100 },
    roles: { type: [String], enum: ['learner', 'author', 'admin'], default: ['learner'] },
    timeZone: { type: String, required: true, default: 'UTC' },
    createdAt: { type: Date, required: true, default: () => new Date() },
    ...outboxFields,
  },
  strict,
);
userSchema.index({ email: 1 }, { unique: true });
userSchema.index({ hasPendingEvents: 1 });

/** The catalog's courses as this service needs them, built from catalog events. */
const courseSchema = new Schema(
  {
    _id: { type: String, required: true },
    slug: { type: String, required: true },
    title: { type: String, required: true },
    version: { type: Number, required: true },
    lessonIds: { type: [String], required: true },
    status: { type: String, enum: ['published', 'archived'], required: true },
    updatedAt: { type: Date, required: true },
  },
  strict,
);

/** A learner in a course; written once, with the enrolled event inside it. */
const enrolmentSchema = new Schema(
  {
    userId: { type: String, required: true },
    courseId: { type: String, required: true },
    enrolledAt: { type: Date, required: true },
    ...outboxFields,
  },
  strict,
);
enrolmentSchema.index({ userId: 1, courseId: 1 }, { unique: true });
enrolmentSchema.index({ hasPendingEvents: 1 });

/**
 * A fact of learning — a lesson completed, a course completed, a streak milestone reached —
 * written once under a unique key, with its XP and the event announcing it inside it. The
 * insert is the state change, and a unique index is the one guarantee every MongoDB-compatible
 * server gives atomically: concurrent duplicates fail, so the fact and its event exist once.
 */
const achievementSchema = new Schema(
  {
    key: { type: String, required: true },
    kind: { type: String, enum: ['lesson', 'course', 'streak'], required: true },
    userId: { type: String, required: true },
    courseId: { type: String, default: null },
    lessonId: { type: String, default: null },
    days: { type: Number, default: null },
    xp: { type: Number, required: true },
    at: { type: Date, required: true },
    ...outboxFields,
  },
  strict,
);
achievementSchema.index({ key: 1 }, { unique: true });
achievementSchema.index({ userId: 1, kind: 1 });
achievementSchema.index({ hasPendingEvents: 1 });

export type UserDocument = InferSchemaType<typeof userSchema> & { _id: unknown };
export type CourseDocument = InferSchemaType<typeof courseSchema>;
export type EnrolmentDocument = InferSchemaType<typeof enrolmentSchema> & { _id: unknown };
export type AchievementDocument = InferSchemaType<typeof achievementSchema> & { _id: unknown };

/** MongoDB's answer when an insert or upsert collides with a unique index. */
export const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000;

export function createModels(connection: Connection) {
  return {
    users: connection.model('User', userSchema, 'users'),
    courses: connection.model('Course', courseSchema, 'courses'),
    enrolments: connection.model('Enrolment', enrolmentSchema, 'enrolments'),
    achievements: connection.model('Achievement', achievementSchema, 'achievements'),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Creates the declared indexes (and drops undeclared ones) at start. */
export async function syncIndexes(models: Models) {
  for (const model of Object.values(models)) await model.syncIndexes();
}
