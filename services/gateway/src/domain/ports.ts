// What the gateway's token service needs from storage, in the domain's words.
// `data-access/sessions.ts` implements it with Redis.

export interface RefreshRecord {
  userId: string;
  /** The session: every refresh token of one sign-in, and the `sid` of its access tokens. */
  family: string;
  /** When the session began (ms): it ends `sessionMaxSeconds` later, however often it refreshes. */
  startedAt: number;
}

/** Refresh tokens, spent tokens and revoked sessions. Every call rejects while the store is away. */
export interface SessionStore {
  /** Keeps `token` for `ttlSeconds`, and its session among its user's. */
  saveRefresh(token: string, record: RefreshRecord, ttlSeconds: number): Promise<void>;
  /** Spends `token` at once: its record if it was live, its session if it was spent already. */
  spend(
    token: string,
  ): Promise<{ state: 'live'; record: RefreshRecord } | { state: 'spent'; family: string } | undefined>;
  /** The session of `token`, live or spent. */
  sessionOf(token: string): Promise<string | undefined>;
  forget(token: string): Promise<void>;
  revoke(families: readonly string[]): Promise<void>;
  isRevoked(family: string): Promise<boolean>;
  sessionsOf(userId: string): Promise<string[]>;
  forgetSessionsOf(userId: string): Promise<void>;
}

/** One span of a stored trace, as the trace view shows it. */
export interface TraceSpan {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  /** From the trace's first span's start. */
  startMs: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  attributes: Record<string, string | number | boolean>;
  events: { name: string; atMs: number }[];
  links: { traceId: string; spanId: string }[];
}

export interface StoredTrace {
  traceId: string;
  startedAt: string;
  durationMs: number;
  services: string[];
  spans: TraceSpan[];
  /** Whose request the trace began with: the opaque user id on its root span, if it has one. */
  ownerId: string | undefined;
}

/** Where traces are kept (Jaeger). `undefined` while none of the trace has arrived. */
export interface TraceStore {
  read(traceId: string): Promise<StoredTrace | undefined>;
}
