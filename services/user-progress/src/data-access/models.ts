import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import type { PendingEvent } from '../domain/events';
import type { LearnerState } from '../domain/learner-state';

// The layout keeps every request's cost flat as the collections grow, on FerretDB and MongoDB
// alike. FerretDB 1.24 (SQLite) serves only two things without scanning a whole collection: a
// read by `_id` and an insert; an update or delete by `_id` scans the collection, and no
// update is atomic. So the large collections here are written once, read by a deterministic
// `_id`, and never updated; only small collections (courses, the outbox) and rare operations
// (a role grant, a password change) update in place. The README says what a real MongoDB
// would allow instead.
//
// Strict schemas: a field not declared here is refused by mongoose, not silently stored.
const strict = { strict: 'throw', strictQuery: 'throw', versionKey: false } as const;

/** An email address's claim on an account: the unique insert that makes sign-up race-free. */
const emailSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  strict,
);

const accountSchema = new Schema(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true, maxlength: 254 },
    passwordHash: { type: String, required: true },
    displayName: { type: String, required: true, trim: true, maxlength: 100 },
    roles: { type: [String], enum: ['learner', 'author', 'admin'], default: ['learner'] },
    timeZone: { type: String, required: true, default: 'UTC' },
    createdAt: { type: Date, required: true },
  },
  strict,
);

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

/** A learner's state as the domain defines it (`LearnerState`), checked on every write. */
const learnerStateSchema = new Schema(
  {
    displayName: { type: String, required: true, maxlength: 100 },
    timeZone: { type: String, required: true },
    xp: { type: Number, required: true, min: 0 },
    lessonsCompleted: { type: Number, required: true, min: 0 },
    coursesCompleted: { type: Number, required: true, min: 0 },
    streak: {
      type: new Schema(
        {
          lastDay: { type: String, default: null, match: /^\d{4}-\d{2}-\d{2}$/ },
          run: { type: Number, required: true, min: 0 },
          longest: { type: Number, required: true, min: 0 },
        },
        { _id: false, ...strict },
      ),
      required: true,
    },
    enrolments: {
      type: [
        new Schema(
          {
            courseId: { type: String, required: true },
            enrolledAt: { type: String, required: true },
            completedLessonIds: { type: [String], required: true },
            completedAt: { type: String, default: null },
          },
          { _id: false, ...strict },
        ),
      ],
      required: true,
    },
  },
  { _id: false, ...strict },
);

/** A learner version's `_id`: the learner, then its place in the chain, so that ids sort by it. */
export const versionId = (userId: string, seq: number) => `${userId}:${String(seq).padStart(10, '0')}`;
export const seqOf = (id: string) => Number(id.slice(id.lastIndexOf(':') + 1));

/** A learner version as read (lean): a void one has no state and no events. */
export interface VersionDocument {
  _id: string;
  userId: string;
  seq: number;
  void?: boolean;
  state?: LearnerState;
  events?: PendingEvent[];
}

/**
 * One version of a learner's state, `_id` `{userId}:{seq}`: the whole state after a change,
 * with the events the change announces. Inserting version n+1 is the change — the unique `_id`
 * lets exactly one of two concurrent writers win, the one guarantee every MongoDB-compatible
 * server gives atomically — so no update is ever lost, and no update is ever needed. A `void`
 * version fills a slot whose writer died before writing it (see the outbox relay).
 */
const learnerVersionSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    seq: { type: Number, required: true },
    at: { type: Date, required: true },
    void: { type: Boolean, default: undefined },
    state: { type: learnerStateSchema, default: undefined },
    events: { type: [pendingEvent], default: undefined },
  },
  strict,
);
// Unused on FerretDB, which reads versions by `_id` only; on a real MongoDB this is the index
// that finds a learner's newest version in one seek (see the README).
learnerVersionSchema.index({ userId: 1, seq: -1 });

/**
 * A version whose events may not have gone out yet, written before the version itself and
 * removed once its events are confirmed. It stays small (only what is in flight), so the
 * relay's scan of it costs nothing however much history there is.
 */
const outboxSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    at: { type: Date, required: true },
    /** The events went out; only the leaderboard is still to be written. */
    sent: { type: Boolean, default: false },
  },
  strict,
);

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

export type AccountDocument = InferSchemaType<typeof accountSchema>;
export type CourseDocument = InferSchemaType<typeof courseSchema>;
export type OutboxDocument = InferSchemaType<typeof outboxSchema>;

/** MongoDB's answer when an insert or upsert collides with a unique index. */
export const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000;

export function createModels(connection: Connection) {
  return {
    emails: connection.model('Email', emailSchema, 'emails'),
    accounts: connection.model('Account', accountSchema, 'accounts'),
    learnerVersions: connection.model('LearnerVersion', learnerVersionSchema, 'learner_versions'),
    outbox: connection.model('Outbox', outboxSchema, 'outbox'),
    courses: connection.model('Course', courseSchema, 'courses'),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Creates the declared indexes (and drops undeclared ones) at start. */
export async function syncIndexes(models: Models) {
  for (const model of Object.values(models)) await model.syncIndexes();
}
