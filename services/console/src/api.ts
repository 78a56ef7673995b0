// The console's one way to the API: the typed client generated from the OpenAPI document
// (openapi-fetch over the types of @syllabus/client), with the session kept in memory.
//
// Tokens live in this module only — never in localStorage or a cookie — so a reload signs the
// learner out. The refresh token is kept as the API returns it; when an access token is refused
// (401), the console spends the refresh token once, takes the new pair, and repeats the request,
// so the learner never notices a rotation. Logging out revokes the session at the gateway.
import createClient from 'openapi-fetch';
import type { components, paths } from '@syllabus/client';

export type Schemas = components['schemas'];
type Problem = Schemas['Problem'];

export interface Session {
  accessToken: string;
  refreshToken: string;
  email: string;
  roles: string[];
}

type Listener = () => void;
const listeners = new Set<Listener>();
/** Re-renders whoever shows the session, the last trace or the unread count. */
export const subscribe = (listener: Listener) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};
const changed = () => listeners.forEach((listener) => listener());

export const state = {
  session: undefined as Session | undefined,
  /** The trace of the last request the console made (from the `traceresponse` header). */
  lastTrace: undefined as { id: string; what: string } | undefined,
  unread: 0,
};

const rolesOf = (accessToken: string): string[] => {
  try {
    const payload = JSON.parse(atob(accessToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
      roles?: string[];
    };
    return payload.roles ?? [];
  } catch {
    return [];
  }
};

export function signedIn(pair: { accessToken: string; refreshToken: string }, email: string) {
  state.session = { ...pair, email, roles: rolesOf(pair.accessToken) };
  changed();
}

export function signedOut() {
  state.session = undefined;
  state.unread = 0;
  changed();
}

export function setUnread(count: number) {
  state.unread = count;
  changed();
}

function noteTrace(request: Request, response: Response) {
  // W3C Trace Context Level 2: `traceresponse: 00-<trace id>-<span id>-<flags>`.
  const id = response.headers.get('traceresponse')?.split('-')[1];
  // Reading a trace is not an action of the learner's worth showing the trace of.
  if (!id || new URL(request.url).pathname.startsWith('/v1/me/traces/')) return;
  state.lastTrace = { id, what: `${request.method} ${new URL(request.url).pathname}` };
  changed();
}

let refreshing: Promise<boolean> | undefined;
/** Spends the refresh token once for everyone waiting; false when the session has ended. */
function refreshSession(): Promise<boolean> {
  const session = state.session;
  if (!session) return Promise.resolve(false);
  refreshing ??= (async () => {
    const response = await fetch('/v1/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    });
    if (!response.ok) {
      signedOut();
      return false;
    }
    signedIn((await response.json()) as Schemas['TokenPair'], session.email);
    return true;
  })().finally(() => (refreshing = undefined));
  return refreshing;
}

async function send(request: Request): Promise<Response> {
  if (state.session && !request.headers.has('Authorization'))
    request.headers.set('Authorization', `Bearer ${state.session.accessToken}`);
  const response = await fetch(request);
  noteTrace(request, response);
  return response;
}

async function sessionFetch(request: Request): Promise<Response> {
  const again = request.clone();
  const response = await send(request);
  const isAuthRoute = new URL(request.url).pathname.startsWith('/v1/auth/');
  if (response.status === 401 && state.session && !isAuthRoute && (await refreshSession()))
    return send(again);
  return response;
}

export const api = createClient<paths>({ baseUrl: location.origin, fetch: sessionFetch });

/** What a failed request says, as the API put it (RFC 9457), for the page to show. */
export interface Failure {
  title: string;
  detail?: string;
  status: number;
  /** Field-level messages by field name (`errors[].field`). */
  fields: Record<string, string>;
  /** Seconds to wait, from `Retry-After` on a 429 or 503. */
  retryAfter?: number;
}

export function failureOf(error: unknown, response: Response): Failure {
  const problem = (error ?? {}) as Partial<Problem>;
  const retryAfter = Number(response.headers.get('retry-after')) || undefined;
  return {
    title: problem.title ?? `Request failed (${response.status})`,
    detail: problem.detail,
    status: response.status,
    fields: Object.fromEntries(
      (problem.errors ?? []).map((e) => [e.field.split('.')[0] ?? e.field, e.message]),
    ),
    retryAfter,
  };
}

/** The learner's live notifications (Server-Sent Events, read with fetch so the token goes along). */
export function openLiveStream(onNotification: (notification: Schemas['Notification']) => void) {
  const controller = new AbortController();
  let lastEventId: string | undefined;
  let stopped = false;
  const run = async () => {
    // Resume after the newest notification already in the feed (0: from the start), so that a
    // reconnection — the server ends streams now and then — replays whatever came in between.
    const newest = await api.GET('/v1/me/notifications', { params: { query: { limit: 1 } } });
    if (newest.data) lastEventId = String(newest.data.items[0]?.seq ?? 0);
    while (!stopped && state.session) {
      try {
        const response = await fetch('/v1/me/notifications/stream', {
          headers: {
            Authorization: `Bearer ${state.session.accessToken}`,
            ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
          },
          signal: controller.signal,
        });
        if (response.status === 401 && !(await refreshSession())) return;
        if (response.ok && response.body) {
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            buffer += value;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) !== -1) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const fields = Object.fromEntries(
                block
                  .split('\n')
                  .filter((line) => !line.startsWith(':'))
                  .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
              ) as Record<string, string>;
              if (fields.id) lastEventId = fields.id;
              if (fields.data) onNotification(JSON.parse(fields.data) as Schemas['Notification']);
            }
          }
        }
      } catch {
        if (stopped) return;
      }
      // The server ends a stream now and then (so the token is checked again): reconnect.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller.abort();
  };
}
