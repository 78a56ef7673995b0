import { useEffect, useState } from 'preact/hooks';
import { api, failureOf, type Failure, type Schemas } from '../api';
import { FailureBox, Page, percent } from '../ui';

/** Enrolments with progress, XP, streaks, badges and the leaderboard; partial when a service is down. */
export function DashboardPage() {
  const [dashboard, setDashboard] = useState<Schemas['Dashboard']>();
  const [leaders, setLeaders] = useState<Schemas['LeaderboardRow'][]>([]);
  const [failure, setFailure] = useState<Failure>();

  useEffect(() => {
    void api
      .GET('/v1/me/dashboard')
      .then(({ data, error, response }) =>
        data ? setDashboard(data) : setFailure(failureOf(error, response)),
      );
    void api.GET('/v1/leaderboard').then(({ data }) => setLeaders(data?.items ?? []));
  }, []);

  if (!dashboard) return <FailureBox failure={failure} />;
  const unavailable = (part: string) =>
    dashboard.unavailable.length > 0 && <p class="unavailable">⚠ Unavailable right now ({part}).</p>;
  return (
    <Page title="Dashboard">
      {dashboard.partial && (
        <div class="failure" role="status" id="partial">
          <strong>⚠ Part of this page is unavailable:</strong> {dashboard.unavailable.join(', ')}. The rest is
          current.
        </div>
      )}
      <h2>Your courses</h2>
      {dashboard.enrollments === null ? (
        unavailable('enrolments')
      ) : dashboard.enrollments.length === 0 ? (
        <p>
          No course yet: <a href="#/">find one</a>.
        </p>
      ) : (
        <ul>
          {dashboard.enrollments.map((enrolment) => (
            <li>
              <a href={`#/courses/${enrolment.courseSlug}`}>{enrolment.courseTitle}</a>{' '}
              <progress
                max={100}
                value={enrolment.percentComplete}
                aria-label={`${enrolment.courseTitle} progress`}
              />{' '}
              {percent(enrolment.percentComplete)} · {enrolment.status}
            </li>
          ))}
        </ul>
      )}
      <h2>Progress</h2>
      {dashboard.stats === null ? (
        unavailable('stats')
      ) : (
        <dl class="stats">
          <dt>XP</dt>
          <dd id="xp">{dashboard.stats.xp}</dd>
          <dt>Current streak</dt>
          <dd>{dashboard.stats.currentStreak} days</dd>
          <dt>Longest streak</dt>
          <dd>{dashboard.stats.longestStreak} days</dd>
          <dt>Badges</dt>
          <dd>{dashboard.stats.badges.join(', ') || 'none yet'}</dd>
        </dl>
      )}
      <h2>Notifications</h2>
      {dashboard.unreadNotifications === null ? (
        unavailable('notifications')
      ) : (
        <p>
          <a href="#/notifications">{dashboard.unreadNotifications} unread</a>
        </p>
      )}
      <h2>Leaderboard</h2>
      <ol>
        {leaders.map((row) => (
          <li>
            {row.displayName} — {row.xp} XP
          </li>
        ))}
      </ol>
    </Page>
  );
}
