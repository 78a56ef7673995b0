import { useEffect, useState } from 'preact/hooks';
import { api, failureOf, setUnread, type Failure, type Schemas } from '../api';
import { FailureBox, Field, Page, formText } from '../ui';

const eventTypes = [
  'progress.enrolled.v1',
  'progress.lesson-completed.v1',
  'progress.course-completed.v1',
  'progress.streak-milestone.v1',
] as const;
type EventType = (typeof eventTypes)[number];
const channels = ['inApp', 'email', 'webhook'] as const;

/** The feed (live), preferences and webhooks. `version` changes when a live notification arrives. */
export function NotificationsPage({ version }: { version: number }) {
  const [page, setPage] = useState<Schemas['NotificationPage']>();
  const [failure, setFailure] = useState<Failure>();

  async function load() {
    const { data, error, response } = await api.GET('/v1/me/notifications', {
      params: { query: { limit: 50 } },
    });
    if (!data) return setFailure(failureOf(error, response));
    setPage(data);
    setUnread(data.unreadCount);
  }
  useEffect(() => void load(), [version]);

  async function markRead(id: string) {
    await api.POST('/v1/me/notifications/{notification}/read', { params: { path: { notification: id } } });
    await load();
  }

  return (
    <Page title="Notifications">
      <FailureBox failure={failure} />
      {page && (
        <>
          <p>
            {page.unreadCount} unread{' '}
            <button
              type="button"
              onClick={() => void api.POST('/v1/me/notifications/read-all').then(load)}
              disabled={page.unreadCount === 0}
            >
              Mark all read
            </button>
          </p>
          <ul class="feed" aria-live="polite">
            {page.items.map((n) => (
              <li class={n.readAt ? 'read' : 'unread'}>
                <strong>{n.readAt ? '' : '● New: '}</strong>
                {n.title} <span class="muted">{new Date(n.createdAt).toLocaleString()}</span>
                <p>{n.body}</p>
                {!n.readAt && (
                  <button type="button" onClick={() => void markRead(n.id)}>
                    Mark read
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      <Preferences />
      <Webhooks />
    </Page>
  );
}

function Preferences() {
  const [preferences, setPreferences] = useState<Schemas['Preferences']['preferences']>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    void api.GET('/v1/me/notification-preferences').then(({ data }) => setPreferences(data?.preferences));
  }, []);
  if (!preferences) return null;

  async function toggle(type: EventType, channel: (typeof channels)[number], enabled: boolean) {
    const { data } = await api.PUT('/v1/me/notification-preferences', {
      body: { preferences: { [type]: { [channel]: enabled } } },
    });
    if (data) setPreferences(data.preferences);
    setSaved(Boolean(data));
  }

  return (
    <>
      <h2>Preferences</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            {channels.map((channel) => (
              <th scope="col">{channel}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {eventTypes.map((type) => (
            <tr>
              <th scope="row">{type}</th>
              {channels.map((channel) => (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`${type} by ${channel}`}
                    checked={preferences[type]?.[channel] ?? false}
                    onChange={(event) =>
                      void toggle(type, channel, (event.target as HTMLInputElement).checked)
                    }
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {saved && <p role="status">Saved.</p>}
    </>
  );
}

function Webhooks() {
  const [hooks, setHooks] = useState<Schemas['Webhook'][]>([]);
  const [secret, setSecret] = useState<string>();
  const [failure, setFailure] = useState<Failure>();
  const load = () => api.GET('/v1/me/webhooks').then(({ data }) => setHooks(data?.items ?? []));
  useEffect(() => void load(), []);

  async function create(event: SubmitEvent) {
    const form = formText(event);
    const types = eventTypes.filter((type) => form(type) === 'on');
    const { data, error, response } = await api.POST('/v1/me/webhooks', {
      body: { url: form('url'), eventTypes: types },
    });
    if (!data) return setFailure(failureOf(error, response));
    setFailure(undefined);
    setSecret(data.secret);
    await load();
  }

  return (
    <>
      <h2>Webhooks</h2>
      <ul>
        {hooks.map((hook) => (
          <li>
            {hook.url} ({hook.eventTypes.join(', ')}) {hook.disabledAt && <strong>disabled</strong>}{' '}
            <button
              type="button"
              onClick={() =>
                void api
                  .DELETE('/v1/me/webhooks/{webhook}', { params: { path: { webhook: hook.id } } })
                  .then(load)
              }
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      {secret && (
        <p role="status">
          Signing secret (shown once, keep it now): <code>{secret}</code>
        </p>
      )}
      <form onSubmit={(event) => void create(event)} noValidate>
        <FailureBox failure={failure} />
        <Field label="Receiver URL (https)" name="url" failure={failure}>
          <input id="field-url" name="url" type="url" required />
        </Field>
        <fieldset>
          <legend>Events</legend>
          {eventTypes.map((type) => (
            <label>
              <input type="checkbox" name={type} /> {type}
            </label>
          ))}
        </fieldset>
        <button type="submit">Add webhook</button>
      </form>
    </>
  );
}
