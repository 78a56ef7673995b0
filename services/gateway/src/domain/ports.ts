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
