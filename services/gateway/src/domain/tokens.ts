import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN_TYPE, type Role } from '@syllabus/auth';
import { DomainError } from '@syllabus/contracts';
import type { KeyRing } from './keys';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

interface RefreshRecord {
  userId: string;
  /** The session: every refresh token of one sign-in, and the `sid` of its access tokens. */
  family: string;
  /** When the session began (ms): it ends `sessionMaxSeconds` later, however often it refreshes. */
  startedAt: number;
}

// Atomically spends a refresh token: returns its record and leaves a "spent" marker behind,
// or, for a token already spent, returns the marker so the caller can revoke its family.
const SPEND = `
local record = redis.call('GET', KEYS[1])
if record then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], cjson.decode(record)['family'], 'EX', ARGV[1])
  return {'live', record}
end
local family = redis.call('GET', KEYS[2])
if family then return {'spent', family} end
return false
`;

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

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
  redis: Redis;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  sessionMaxSeconds: number;
  prefix: string;
}) {
  const { redis, prefix } = deps;
  // Sessions live in Redis: while it is away, say so (503) rather than fail obscurely (500).
  const stored = <T>(operation: Promise<T>) =>
    operation.catch(() => {
      throw new DomainError('service-unavailable', 'sessions are unavailable right now; try again shortly');
    });
  const liveKey = (token: string) => `${prefix}refresh:${hash(token)}`;
  const spentKey = (token: string) => `${prefix}spent:${hash(token)}`;
  const revokedKey = (family: string) => `${prefix}revoked:${family}`;
  const sessionsKey = (userId: string) => `${prefix}sessions:${userId}`;
  const revokeSessions = async (families: string[]) => {
    if (families.length === 0) return;
    const multi = redis.multi();
    for (const family of families) multi.set(revokedKey(family), '1', 'EX', deps.sessionMaxSeconds);
    await stored(multi.exec());
  };

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
      redis
        .multi()
        .set(
          liveKey(refreshToken),
          JSON.stringify(record),
          'EX',
          Math.max(1, Math.min(deps.refreshTtlSeconds, left)),
        )
        .sadd(sessionsKey(user.id), family)
        .expire(sessionsKey(user.id), deps.sessionMaxSeconds)
        .exec(),
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
      const result = (await stored(
        redis.eval(SPEND, 2, liveKey(refreshToken), spentKey(refreshToken), deps.refreshTtlSeconds),
      )) as [string, string] | null;
      if (!result) throw new DomainError('session-ended', 'the refresh token is not valid');
      const [state, value] = result;
      if (state === 'spent') {
        await revokeSessions([value]);
        throw new DomainError('session-ended', 'the refresh token was already used; its session is revoked');
      }
      const record = JSON.parse(value) as RefreshRecord;
      if (await stored(redis.exists(revokedKey(record.family)))) {
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
      const [live, spent] = await stored(redis.mget(liveKey(refreshToken), spentKey(refreshToken)));
      const family = live ? (JSON.parse(live) as RefreshRecord).family : spent;
      if (!family) return;
      await revokeSessions([family]);
      await stored(redis.del(liveKey(refreshToken)));
    },

    /** Ends every session of a user (log out everywhere, a changed password). */
    async revokeAll(userId: string) {
      const families = await stored(redis.smembers(sessionsKey(userId)));
      await revokeSessions(families);
      await stored(redis.del(sessionsKey(userId)));
    },

    /** Whether an access token's session was revoked; checked by the gateway on every request. */
    isRevoked: async (sessionId: string) => (await stored(redis.exists(revokedKey(sessionId)))) === 1,
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
