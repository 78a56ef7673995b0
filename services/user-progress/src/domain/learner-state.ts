import { dayIn, dayNumber } from './streaks';

/**
 * Everything the learner routes answer, kept per learner and carried from version to version,
 * so that no read aggregates over history: stats are fields, streaks are a running count.
 */
export interface LearnerState {
  displayName: string;
  timeZone: string;
  xp: number;
  lessonsCompleted: number;
  coursesCompleted: number;
  streak: {
    /** The learner's last day with a completion (YYYY-MM-DD in their zone). */
    lastDay: string | null;
    /** Consecutive days ending on `lastDay`. */
    run: number;
    longest: number;
  };
  enrolments: EnrolmentState[];
}

export interface EnrolmentState {
  courseId: string;
  enrolledAt: string;
  completedLessonIds: string[];
  completedAt: string | null;
}

export const initialState = (profile: { displayName: string; timeZone: string }): LearnerState => ({
  displayName: profile.displayName,
  timeZone: profile.timeZone,
  xp: 0,
  lessonsCompleted: 0,
  coursesCompleted: 0,
  streak: { lastDay: null, run: 0, longest: 0 },
  enrolments: [],
});

/** The streak after a completion at `now`, or the same object when the day was already counted. */
export function streakAfter(
  streak: LearnerState['streak'],
  timeZone: string,
  now: Date,
): LearnerState['streak'] {
  const today = dayIn(now, timeZone);
  if (streak.lastDay !== null && dayNumber(today) <= dayNumber(streak.lastDay)) return streak;
  const run =
    streak.lastDay !== null && dayNumber(today) === dayNumber(streak.lastDay) + 1 ? streak.run + 1 : 1;
  return { lastDay: today, run, longest: Math.max(streak.longest, run) };
}

/** The current streak as of `now`: the run, while its last day is today or yesterday. */
export function currentStreak(state: LearnerState, now: Date): number {
  if (state.streak.lastDay === null) return 0;
  return dayNumber(dayIn(now, state.timeZone)) - dayNumber(state.streak.lastDay) <= 1 ? state.streak.run : 0;
}
