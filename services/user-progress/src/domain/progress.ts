import { ConflictProblem, NotFoundProblem } from '@syllabus/service-kit';
import {
  type AchievementDocument,
  type CourseDocument,
  type EnrolmentDocument,
  type Models,
  isDuplicateKey,
} from '../data-access/models';
import { trusted } from '../data-access/trusted';
import { deterministicId, pendingEvent, type PendingEvent } from './events';
import { STREAK_MILESTONES, dayIn, streaks } from './streaks';

export const XP_PER_LESSON = 10;
export const XP_PER_COURSE = 50;

export interface Learner {
  id: string;
  timeZone: string;
}

export interface EnrolmentView {
  courseId: string;
  courseSlug: string;
  courseTitle: string;
  status: 'in-progress' | 'completed';
  percentComplete: number;
  completedLessonIds: string[];
  lessonCount: number;
  enrolledAt: string;
  completedAt: string | null;
}

const percentOf = (course: Pick<CourseDocument, 'lessonIds'>, done: Set<string>) =>
  course.lessonIds.length === 0
    ? 0
    : Math.round((course.lessonIds.filter((id) => done.has(id)).length / course.lessonIds.length) * 100);

export function badgesFor(stats: {
  lessons: number;
  courses: number;
  longestStreak: number;
  xp: number;
}): string[] {
  return [
    stats.lessons >= 1 && 'first-lesson',
    stats.courses >= 1 && 'first-course',
    stats.courses >= 5 && 'five-courses',
    stats.longestStreak >= 7 && 'week-streak',
    stats.longestStreak >= 30 && 'month-streak',
    stats.xp >= 1_000 && 'xp-1000',
  ].filter((badge): badge is string => typeof badge === 'string');
}

/**
 * Learning state as facts: an enrolment, and achievements (lesson completed, course completed,
 * streak milestone), each inserted once under a unique key together with the event that
 * announces it. Progress, XP, streaks and the leaderboard are derived from those facts.
 */
/** The longest leaderboard anyone may ask for; it is computed once at this length and sliced. */
const LEADERBOARD_SIZE = 100;

export function createProgressService(deps: {
  models: Models;
  onEventRecorded?: () => void;
  /** How long one computed leaderboard is served before the next is aggregated. */
  leaderboardTtlMs?: number;
}) {
  const { courses, enrolments, achievements, users } = deps.models;
  let leaderboard: { until: number; rows: Promise<LeaderboardRow[]> } | undefined;

  const knownCourse = async (courseId: string) => {
    const course = await courses.findById(courseId).lean<CourseDocument>();
    if (!course) throw new NotFoundProblem(`no course ${courseId}`);
    return course;
  };

  /** Inserts a fact once; false when it was already recorded (by this call's twin, or earlier). */
  async function record(
    fact: Omit<AchievementDocument, '_id' | 'relayLockedUntil' | 'hasPendingEvents' | 'pendingEvents'>,
    events: PendingEvent[],
  ) {
    try {
      await achievements.create({ ...fact, pendingEvents: events, hasPendingEvents: true });
      deps.onEventRecorded?.();
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async function lessonsDone(userId: string, courseId?: string) {
    return achievements
      .find(
        { userId, kind: 'lesson', ...(courseId ? { courseId } : {}) },
        { lessonId: 1, courseId: 1, at: 1 },
      )
      .lean<Pick<AchievementDocument, 'lessonId' | 'courseId' | 'at'>[]>();
  }

  async function viewOf(
    enrolment: EnrolmentDocument,
    course: CourseDocument | undefined,
  ): Promise<EnrolmentView> {
    const [done, completion] = await Promise.all([
      lessonsDone(enrolment.userId, enrolment.courseId),
      achievements
        .findOne({ key: `course:${enrolment.userId}:${enrolment.courseId}` }, { at: 1 })
        .lean<AchievementDocument>(),
    ]);
    const doneIds = new Set(done.map((a) => a.lessonId!));
    return {
      courseId: enrolment.courseId,
      courseSlug: course?.slug ?? '',
      courseTitle: course?.title ?? '',
      status: completion ? 'completed' : 'in-progress',
      percentComplete: course ? percentOf(course, doneIds) : 0,
      completedLessonIds: [...doneIds],
      lessonCount: course?.lessonIds.length ?? 0,
      enrolledAt: enrolment.enrolledAt.toISOString(),
      completedAt: completion?.at.toISOString() ?? null,
    };
  }

  /** The milestone a completion at `now` reaches, if it makes the current streak one. */
  function streakMilestone(learner: Learner, before: Date[], now: Date) {
    const was = streaks(before, learner.timeZone, now).current;
    const is = streaks([...before, now], learner.timeZone, now).current;
    if (is <= was || !(STREAK_MILESTONES as readonly number[]).includes(is)) return undefined;
    return is;
  }

  return {
    async enrol(learner: Learner, courseId: string, now = new Date()): Promise<EnrolmentView> {
      const course = await knownCourse(courseId);
      if (course.status === 'archived') throw new ConflictProblem('this course is archived');
      const event = pendingEvent(
        'progress.enrolled.v1',
        { userId: learner.id, courseId, enrolledAt: now.toISOString() },
        learner.id,
      );
      try {
        const created = await enrolments.create({
          userId: learner.id,
          courseId,
          enrolledAt: now,
          pendingEvents: [event],
          hasPendingEvents: true,
        });
        deps.onEventRecorded?.();
        return viewOf(created.toObject(), course);
      } catch (error) {
        if (isDuplicateKey(error)) throw new ConflictProblem('you are already enrolled in this course');
        throw error;
      }
    },

    async enrolments(userId: string): Promise<EnrolmentView[]> {
      const mine = await enrolments
        .find({ userId })
        .sort({ enrolledAt: 1, _id: 1 })
        .lean<EnrolmentDocument[]>();
      const known = await courses
        .find({ _id: trusted({ $in: mine.map((e) => e.courseId) }) })
        .lean<CourseDocument[]>();
      const byId = new Map(known.map((course) => [course._id, course]));
      return Promise.all(mine.map((enrolment) => viewOf(enrolment, byId.get(enrolment.courseId))));
    },

    /** Idempotent: completing a lesson twice changes nothing and announces nothing. */
    async completeLesson(learner: Learner, courseId: string, lessonId: string, now = new Date()) {
      const course = await knownCourse(courseId);
      if (!course.lessonIds.includes(lessonId))
        throw new NotFoundProblem(`no lesson ${lessonId} in this course`);
      const enrolment = await enrolments.findOne({ userId: learner.id, courseId }).lean<EnrolmentDocument>();
      if (!enrolment) throw new NotFoundProblem('you are not enrolled in this course');

      const before = await lessonsDone(learner.id);
      const doneHere = new Set(before.filter((a) => a.courseId === courseId).map((a) => a.lessonId!));
      if (doneHere.has(lessonId)) return { changed: false, enrolment: await viewOf(enrolment, course) };
      doneHere.add(lessonId);

      const changed = await record(
        {
          key: `lesson:${learner.id}:${courseId}:${lessonId}`,
          kind: 'lesson',
          userId: learner.id,
          courseId,
          lessonId,
          days: null,
          xp: XP_PER_LESSON,
          at: now,
        },
        [
          pendingEvent(
            'progress.lesson-completed.v1',
            {
              userId: learner.id,
              courseId,
              lessonId,
              completedAt: now.toISOString(),
              percentComplete: percentOf(course, doneHere),
              xpAwarded: XP_PER_LESSON,
            },
            learner.id,
          ),
        ],
      );
      if (!changed) return { changed: false, enrolment: await viewOf(enrolment, course) };

      // Counted after our own insert: of two last lessons completed at once, the one counted
      // later sees both, and the unique key lets only one course completion through.
      const doneNow = new Set((await lessonsDone(learner.id, courseId)).map((a) => a.lessonId!));
      if (course.lessonIds.every((id) => doneNow.has(id))) {
        await record(
          {
            key: `course:${learner.id}:${courseId}`,
            kind: 'course',
            userId: learner.id,
            courseId,
            lessonId: null,
            days: null,
            xp: XP_PER_COURSE,
            at: now,
          },
          [
            pendingEvent(
              'progress.course-completed.v1',
              { userId: learner.id, courseId, courseTitle: course.title, completedAt: now.toISOString() },
              learner.id,
            ),
          ],
        );
      }

      const days = streakMilestone(
        learner,
        before.map((a) => a.at),
        now,
      );
      if (days) {
        const day = dayIn(now, learner.timeZone);
        await record(
          {
            key: `streak:${learner.id}:${days}:${day}`,
            kind: 'streak',
            userId: learner.id,
            courseId: null,
            lessonId: null,
            days,
            xp: 0,
            at: now,
          },
          [
            pendingEvent(
              'progress.streak-milestone.v1',
              { userId: learner.id, days, reachedAt: now.toISOString() },
              learner.id,
              deterministicId('streak-milestone', learner.id, String(days), day),
            ),
          ],
        );
      }
      return { changed: true, enrolment: await viewOf(enrolment, course) };
    },

    async stats(learner: Learner, now = new Date()) {
      const [totals] = await achievements.aggregate<{ xp: number }>([
        { $match: { userId: learner.id } },
        { $group: { _id: null, xp: { $sum: '$xp' } } },
      ]);
      const [lessons, courses, completions] = await Promise.all([
        achievements.countDocuments({ userId: learner.id, kind: 'lesson' }),
        achievements.countDocuments({ userId: learner.id, kind: 'course' }),
        lessonsDone(learner.id),
      ]);
      const { current, longest } = streaks(
        completions.map((a) => a.at),
        learner.timeZone,
        now,
      );
      const stats = { xp: totals?.xp ?? 0, lessons, courses, longestStreak: longest };
      return {
        xp: stats.xp,
        lessonsCompleted: stats.lessons,
        coursesCompleted: stats.courses,
        currentStreak: current,
        longestStreak: longest,
        timeZone: learner.timeZone,
        badges: badgesFor(stats),
      };
    },

    /**
     * Ranking everyone is an aggregation over every achievement, so it runs at most once per
     * `leaderboardTtlMs` per instance (concurrent askers share that one run); the answer may be
     * that many milliseconds old.
     */
    async leaderboard(limit: number) {
      if (!leaderboard || Date.now() >= leaderboard.until) {
        const rows = rankLearners();
        leaderboard = { until: Date.now() + (deps.leaderboardTtlMs ?? 5_000), rows };
        rows.catch(() => (leaderboard = undefined));
      }
      return (await leaderboard.rows).slice(0, limit);
    },
  };

  async function rankLearners(): Promise<LeaderboardRow[]> {
    const rows = await achievements.aggregate<{ _id: string; xp: number }>([
      { $group: { _id: '$userId', xp: { $sum: '$xp' } } },
      { $sort: { xp: -1, _id: 1 } },
      { $limit: LEADERBOARD_SIZE },
    ]);
    const names = new Map(
      (await users.find({ _id: trusted({ $in: rows.map((r) => r._id) }) }, { displayName: 1 }).lean()).map(
        (u) => [String(u._id), u.displayName],
      ),
    );
    return rows.map((row, index) => ({
      rank: index + 1,
      userId: row._id,
      displayName: names.get(row._id) ?? '',
      xp: row.xp,
    }));
  }
}

interface LeaderboardRow {
  rank: number;
  userId: string;
  displayName: string;
  xp: number;
}

export type ProgressService = ReturnType<typeof createProgressService>;
