import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, openLiveStream, setUnread, signedOut, state } from './api';
import './styles.css';
import { useApiState } from './ui';
import { AuthPage } from './views/auth';
import { EditCoursePage, NewCoursePage } from './views/author';
import { CatalogPage } from './views/catalog';
import { CoursePage } from './views/course';
import { DashboardPage } from './views/dashboard';
import { NotificationsPage } from './views/notifications';
import { TracePage } from './views/trace';

const jaegerUrl = document.querySelector<HTMLMetaElement>('meta[name="syllabus-jaeger-url"]')?.content || '';

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function App() {
  const { session, lastTrace, unread } = useApiState();
  const hash = useHash();
  const [live, setLive] = useState<{ version: number; recent: string[] }>({ version: 0, recent: [] });

  // While signed in: the unread count, and notifications as they happen.
  useEffect(() => {
    if (!session) return;
    void api
      .GET('/v1/me/notifications', { params: { query: { unread: 'true', limit: 1 } } })
      .then(({ data }) => data && setUnread(data.unreadCount));
    return openLiveStream((notification) => {
      setUnread(state.unread + 1);
      // The newest several: a burst (a lesson and the course it completes) can arrive in any order.
      setLive((previous) => ({
        version: previous.version + 1,
        recent: [notification.title, ...previous.recent].slice(0, 8),
      }));
    });
  }, [session?.email]);

  async function logOut() {
    if (state.session)
      await api.POST('/v1/auth/logout', { body: { refreshToken: state.session.refreshToken } });
    signedOut();
    location.hash = '#/';
  }

  const [, page, param] = hash.split('/');
  const needsSession = ['dashboard', 'notifications', 'author', 'traces'].includes(page ?? '');
  const view =
    needsSession && !session ? (
      <AuthPage mode="login" />
    ) : page === 'courses' && param ? (
      <CoursePage slug={decodeURIComponent(param)} />
    ) : page === 'dashboard' ? (
      <DashboardPage />
    ) : page === 'notifications' ? (
      <NotificationsPage version={live.version} />
    ) : page === 'traces' && param ? (
      <TracePage traceId={param} jaegerUrl={jaegerUrl} />
    ) : page === 'author' && param ? (
      <EditCoursePage slug={decodeURIComponent(param)} />
    ) : page === 'author' ? (
      <NewCoursePage />
    ) : page === 'login' ? (
      <AuthPage mode="login" />
    ) : page === 'signup' ? (
      <AuthPage mode="signup" />
    ) : (
      <CatalogPage />
    );

  const canAuthor = session?.roles.some((role) => role === 'author' || role === 'admin');
  return (
    <>
      <header>
        <nav aria-label="Main">
          <a href="#/">Courses</a>
          {session ? (
            <>
              <a href="#/dashboard">Dashboard</a>
              <a href="#/notifications" id="unread-badge">
                Notifications <span class="badge">{unread} unread</span>
              </a>
              {canAuthor && <a href="#/author">New course</a>}
              <span class="muted">{session.email}</span>
              <button type="button" onClick={() => void logOut()}>
                Log out
              </button>
            </>
          ) : (
            <>
              <a href="#/login">Log in</a>
              <a href="#/signup">Sign up</a>
            </>
          )}
        </nav>
        {live.recent.length > 0 && (
          <div role="status" class="toast">
            New notifications:
            <ul>
              {live.recent.map((title) => (
                <li>{title}</li>
              ))}
            </ul>
          </div>
        )}
      </header>
      <main>{view}</main>
      <footer>
        {lastTrace && (
          <p>
            Last request {lastTrace.what}: trace{' '}
            {session ? (
              <a id="trace-id" href={`#/traces/${lastTrace.id}`}>
                {lastTrace.id}
              </a>
            ) : (
              <code id="trace-id">{lastTrace.id}</code>
            )}
            {jaegerUrl && (
              <>
                {' '}
                (
                <a
                  href={`${jaegerUrl.replace(/\/$/, '')}/trace/${lastTrace.id}`}
                  target="_blank"
                  rel="noreferrer"
                >
                  in Jaeger
                </a>
                )
              </>
            )}
          </p>
        )}
      </footer>
    </>
  );
}

render(<App />, document.getElementById('app')!);
