import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN_TYPE, type Role } from '@syllabus/auth';
import { DomainError } from '@syllabus/contracts';
import type { RefreshRecord, SessionStore } from './ports';
import type { KeyRing } from './keys';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

/**
 * Access tokens are short-lived ES256 JWTs carrying their session's id (`sid`). Refresh tokens
 * are random, stored (hashed) in Redis and rotate: each use spends one and gives the next in the
 * same session. Presenting a spent one means it was stolen or replayed, so the whole session is
 * revoked — and so is logging out with any of its tokens, spent or not. A revoked session's id is
 * kept in Redis, where the gateway checks every access token, so its access tokens stop working
 * at once rather than when they expire. A session ends `sessionMaxSeconds` after sign-in,
 * however often it is refreshed; a user's sessions are listed so that all can be ended at once.
 */
export function createTokenService(deps: {
  keys: KeyRing;
  sessions: SessionStore;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  sessionMaxSeconds: number;
}) {
  const { sessions } = deps;
  // Sessions live in Redis: while it is away, say so (503) rather than fail obscurely (500).
  const stored = <T>(operation: Promise<T>) =>
    operation.catch(() => {
      throw new DomainError('service-unavailable', 'sessions are unavailable right now; try again shortly');
    });
  const revokeSessions = (families: string[]) => stored(sessions.revoke(families));

  async function accessToken(user: { id: string; roles: Role[] }, family: string) {
    return new SignJWT({ roles: user.roles, sid: family })
      .setProtectedHeader({ alg: 'ES256', kid: deps.keys.signing.kid, typ: ACCESS_TOKEN_TYPE })
      .setSubject(user.id)
      .setIssuer(deps.issuer)
      .setAudience(deps.audience)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${deps.accessTtlSeconds}s`)
      .sign(deps.keys.signing.key);
  }

  async function pair(
    user: { id: string; roles: Role[] },
    family: string,
    startedAt: number,
  ): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    const record: RefreshRecord = { userId: user.id, family, startedAt };
    const left = Math.ceil((startedAt + deps.sessionMaxSeconds * 1000 - Date.now()) / 1000);
    await stored(
      sessions.saveRefresh(refreshToken, record, Math.max(1, Math.min(deps.refreshTtlSeconds, left))),
    );
    return {
      accessToken: await accessToken(user, family),
      refreshToken,
      expiresIn: deps.accessTtlSeconds,
      tokenType: 'Bearer',
    };
  }

  return {
    issue: (user: { id: string; roles: Role[] }) => pair(user, randomUUID(), Date.now()),

    /** Spends `refreshToken` and returns the user it belonged to, with the next pair's maker. */
    async rotate(
      refreshToken: string,
      currentUser: (userId: string) => Promise<{ id: string; roles: Role[] } | undefined>,
    ) {
      const spent = await stored(sessions.spend(refreshToken));
      if (!spent) throw new DomainError('session-ended', 'the refresh token is not valid');
      if (spent.state === 'spent') {
        await revokeSessions([spent.family]);
        throw new DomainError('session-ended', 'the refresh token was already used; its session is revoked');
      }
      const { record } = spent;
      if (await stored(sessions.isRevoked(record.family))) {
        throw new DomainError('session-ended', 'the session was revoked');
      }
      if (Date.now() >= record.startedAt + deps.sessionMaxSeconds * 1000) {
        throw new DomainError('session-ended', 'the session has ended; sign in again');
      }
      const user = await currentUser(record.userId);
      if (!user) throw new DomainError('account-gone', 'the account no longer exists');
      return pair(user, record.family, record.startedAt);
    },

    /**
     * Ends the session the refresh token belongs to, whether the token is the live one or an
     * already spent one (idempotent: an unknown token is fine).
     */
    async revoke(refreshToken: string) {
      const family = await stored(sessions.sessionOf(refreshToken));
      if (!family) return;
      await revokeSessions([family]);
      await stored(sessions.forget(refreshToken));
    },

    /** Ends every session of a user (log out everywhere, a changed password). */
    async revokeAll(userId: string) {
      await revokeSessions(await stored(sessions.sessionsOf(userId)));
      await stored(sessions.forgetSessionsOf(userId));
    },

    /** Whether an access token's session was revoked; checked by the gateway on every request. */
    isRevoked: (sessionId: string) => stored(sessions.isRevoked(sessionId)),
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
