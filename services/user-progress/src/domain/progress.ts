import { DomainError } from '@syllabus/contracts';
import type {
  CourseCopy as Course,
  CourseReadModel,
  Leaderboard,
  LearnerHead,
  LearnerStore,
  LocalCache,
} from './ports';
import { deterministicId, pendingEvent, type PendingEvent } from './events';
import { currentStreak, streakAfter, type EnrolmentState, type LearnerState } from './learner-state';
import { STREAK_MILESTONES } from './streaks';

const XP_PER_LESSON = 10;
const XP_PER_COURSE = 50;

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

const percentOf = (course: Pick<Course, 'lessonIds'>, done: readonly string[]) =>
  course.lessonIds.length === 0
    ? 0
    : Math.round((course.lessonIds.filter((id) => done.includes(id)).length / course.lessonIds.length) * 100);

function badgesFor(stats: { lessons: number; courses: number; longestStreak: number; xp: number }): string[] {
  return [
    stats.lessons >= 1 && 'first-lesson',
    stats.courses >= 1 && 'first-course',
    stats.courses >= 5 && 'five-courses',
    stats.longestStreak >= 7 && 'week-streak',
    stats.longestStreak >= 30 && 'month-streak',
    stats.xp >= 1_000 && 'xp-1000',
  ].filter((badge): badge is string => typeof badge === 'string');
}

const viewOf = (enrolment: EnrolmentState, course: Course | undefined): EnrolmentView => ({
  courseId: enrolment.courseId,
  courseSlug: course?.slug ?? '',
  courseTitle: course?.title ?? '',
  status: enrolment.completedAt ? 'completed' : 'in-progress',
  percentComplete: course ? percentOf(course, enrolment.completedLessonIds) : 0,
  completedLessonIds: enrolment.completedLessonIds,
  lessonCount: course?.lessonIds.length ?? 0,
  enrolledAt: enrolment.enrolledAt,
  completedAt: enrolment.completedAt,
});

/**
 * Learning state per learner: each change (an enrolment, a lesson completed) is decided on the
 * learner's newest state and recorded as its next version, with the events it announces; the
 * store makes that race-free. Stats are fields of the state and the leaderboard a sorted set,
 * so no request reads more than one learner's own records, however many there are.
 */
export function createProgressService(deps: {
  courses: CourseReadModel;
  store: LearnerStore;
  leaderboard: Leaderboard;
  /**
   * The course read model as this process remembers it, briefly: it is read on every learner
   * request, and catalog changes reach the process within the entries' lifetime.
   */
  recentCourses: LocalCache<Promise<Course | null>>;
}) {
  const { store, recentCourses: courses } = deps;

  function courseOf(courseId: string): Promise<Course | null> {
    const cached = courses.get(courseId);
    if (cached) return cached;
    const course = deps.courses.find(courseId);
    courses.set(courseId, course);
    course.catch(() => courses.delete(courseId));
    return course;
  }

  async function knownCourse(courseId: string) {
    const course = await courseOf(courseId);
    if (!course) throw new DomainError('course-not-found', `no course ${courseId}`);
    return course;
  }

  async function headOf(userId: string): Promise<LearnerHead> {
    const head = await store.head(userId);
    if (!head) throw new DomainError('account-gone', 'the account no longer exists');
    return head;
  }

  const enrolmentIn = (state: LearnerState, courseId: string) =>
    state.enrolments.find((enrolment) => enrolment.courseId === courseId);

  return {
    /** The learner's newest state (their time zone decides their streaks). */
    headOf,

    /** Called when the read model changed here, so this process sees it at once. */
    forgetCourse: (courseId: string) => courses.delete(courseId),

    async enrol(userId: string, courseId: string, now = new Date()): Promise<EnrolmentView> {
      const course = await knownCourse(courseId);
      if (course.status === 'archived') throw new DomainError('course-archived', 'this course is archived');
      const result = await store.change(userId, ({ state }) => {
        if (enrolmentIn(state, courseId))
          throw new DomainError('already-enrolled', 'you are already enrolled in this course');
        const enrolment = {
          courseId,
          enrolledAt: now.toISOString(),
          completedLessonIds: [],
          completedAt: null,
        };
        return {
          state: { ...state, enrolments: [...state.enrolments, enrolment] },
          events: [
            pendingEvent(
              'progress.enrolled.v1',
              { userId, courseId, enrolledAt: enrolment.enrolledAt },
              userId,
            ),
          ],
        };
      });
      if (!result) throw new DomainError('account-gone', 'the account no longer exists');
      return viewOf(enrolmentIn(result.head.state, courseId)!, course);
    },

    async enrolments(userId: string): Promise<EnrolmentView[]> {
      const { state } = await headOf(userId);
      const known = await Promise.all(state.enrolments.map((enrolment) => courseOf(enrolment.courseId)));
      return state.enrolments.map((enrolment, index) => viewOf(enrolment, known[index] ?? undefined));
    },

    /** Idempotent: completing a lesson twice changes nothing and announces nothing. */
    async completeLesson(userId: string, courseId: string, lessonId: string, now = new Date()) {
      const course = await knownCourse(courseId);
      if (!course.lessonIds.includes(lessonId))
        throw new DomainError('lesson-not-found', `no lesson ${lessonId} in this course`);
      const result = await store.change(userId, ({ state }) => {
        const enrolment = enrolmentIn(state, courseId);
        if (!enrolment) throw new DomainError('not-enrolled', 'you are not enrolled in this course');
        if (enrolment.completedLessonIds.includes(lessonId)) return undefined;
        return completion(userId, state, enrolment, course, lessonId, now);
      });
      if (!result) throw new DomainError('account-gone', 'the account no longer exists');
      return {
        changed: result.changed,
        enrolment: viewOf(enrolmentIn(result.head.state, courseId)!, course),
      };
    },

    async stats(userId: string, now = new Date()) {
      const { state } = await headOf(userId);
      return {
        xp: state.xp,
        lessonsCompleted: state.lessonsCompleted,
        coursesCompleted: state.coursesCompleted,
        currentStreak: currentStreak(state, now),
        longestStreak: state.streak.longest,
        timeZone: state.timeZone,
        badges: badgesFor({
          xp: state.xp,
          lessons: state.lessonsCompleted,
          courses: state.coursesCompleted,
          longestStreak: state.streak.longest,
        }),
      };
    },

    leaderboard: (limit: number) => deps.leaderboard.top(limit),
  };
}

/** The state after completing `lessonId`, and what that announces. */
function completion(
  userId: string,
  state: LearnerState,
  enrolment: EnrolmentState,
  course: Course,
  lessonId: string,
  now: Date,
): { state: LearnerState; events: PendingEvent[] } {
  const at = now.toISOString();
  const done = [...enrolment.completedLessonIds, lessonId];
  const finishes = enrolment.completedAt === null && course.lessonIds.every((id) => done.includes(id));
  const streak = streakAfter(state.streak, state.timeZone, now);
  const events: PendingEvent[] = [
    pendingEvent(
      'progress.lesson-completed.v1',
      {
        userId,
        courseId: enrolment.courseId,
        lessonId,
        completedAt: at,
        percentComplete: percentOf(course, done),
        xpAwarded: XP_PER_LESSON,
      },
      userId,
    ),
  ];
  if (finishes) {
    events.push(
      pendingEvent(
        'progress.course-completed.v1',
        { userId, courseId: enrolment.courseId, courseTitle: course.title, completedAt: at },
        userId,
      ),
    );
  }
  if (streak !== state.streak && (STREAK_MILESTONES as readonly number[]).includes(streak.run)) {
    events.push(
      pendingEvent(
        'progress.streak-milestone.v1',
        { userId, days: streak.run, reachedAt: at },
        userId,
        deterministicId('streak-milestone', userId, String(streak.run), streak.lastDay!),
      ),
    );
  }
  return {
    state: {
      ...state,
      xp: state.xp + XP_PER_LESSON + (finishes ? XP_PER_COURSE : 0),
      lessonsCompleted: state.lessonsCompleted + 1,
      coursesCompleted: state.coursesCompleted + (finishes ? 1 : 0),
      streak,
      enrolments: state.enrolments.map((e) =>
        e === enrolment ? { ...e, completedLessonIds: done, completedAt: finishes ? at : e.completedAt } : e,
      ),
    },
    events,
  };
}

export type ProgressService = ReturnType<typeof createProgressService>;
