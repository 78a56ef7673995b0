// Daily streaks in the learner's own time zone: a day counts when at least one lesson was
// completed in it; the current streak is the run of days ending today (or yesterday, while
// today is still open).

export const STREAK_MILESTONES = [3, 7, 14, 30, 60, 100, 365] as const;

// A formatter per zone, made once: making one is far dearer than using it.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of `instant` in `timeZone`, as YYYY-MM-DD. */
export function dayIn(instant: Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(instant);
}

export const dayNumber = (day: string) =>
  Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000;

export function streaks(
  completions: Date[],
  timeZone: string,
  now: Date,
): { current: number; longest: number } {
  const days = [...new Set(completions.map((instant) => dayNumber(dayIn(instant, timeZone))))].sort(
    (a, b) => a - b,
  );
  let longest = 0;
  let run = 0;
  let previous: number | undefined;
  for (const day of days) {
    run = previous !== undefined && day === previous + 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
    previous = day;
  }
  const today = dayNumber(dayIn(now, timeZone));
  const current = previous !== undefined && today - previous <= 1 ? run : 0;
  return { current, longest };
}
