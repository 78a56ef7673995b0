import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN_TYPE, type Role } from '@syllabus/auth';
import { ServiceUnavailableProblem, UnauthorizedProblem } from '@syllabus/service-kit';
import type { KeyRing } from './keys';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

interface RefreshRecord {
  userId: string;
  family: string;
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
 * Access tokens are short-lived ES256 JWTs. Refresh tokens are random, stored (hashed) in Redis
 * and rotate: each use spends one and gives the next in the same family. Presenting a spent one
 * means it was stolen or replayed, so the whole family is revoked.
 */
export function createTokenService(deps: {
  keys: KeyRing;
  redis: Redis;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  prefix: string;
}) {
  const { redis, prefix } = deps;
  // Sessions live in Redis: while it is away, say so (503) rather than fail obscurely (500).
  const stored = <T>(operation: Promise<T>) =>
    operation.catch(() => {
      throw new ServiceUnavailableProblem('sessions are unavailable right now; try again shortly');
    });
  const liveKey = (token: string) => `${prefix}refresh:${hash(token)}`;
  const spentKey = (token: string) => `${prefix}spent:${hash(token)}`;
  const revokedKey = (family: string) => `${prefix}revoked:${family}`;

  async function accessToken(user: { id: string; roles: Role[] }) {
    return new SignJWT({ roles: user.roles })
      .setProtectedHeader({ alg: 'ES256', kid: deps.keys.signing.kid, typ: ACCESS_TOKEN_TYPE })
      .setSubject(user.id)
      .setIssuer(deps.issuer)
      .setAudience(deps.audience)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${deps.accessTtlSeconds}s`)
      .sign(deps.keys.signing.key);
  }

  async function pair(user: { id: string; roles: Role[] }, family: string): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    const record: RefreshRecord = { userId: user.id, family };
    await stored(redis.set(liveKey(refreshToken), JSON.stringify(record), 'EX', deps.refreshTtlSeconds));
    return {
      accessToken: await accessToken(user),
      refreshToken,
      expiresIn: deps.accessTtlSeconds,
      tokenType: 'Bearer',
    };
  }

  return {
    issue: (user: { id: string; roles: Role[] }) => pair(user, randomUUID()),

    /** Spends `refreshToken` and returns the user it belonged to, with the next pair's maker. */
    async rotate(
      refreshToken: string,
      currentUser: (userId: string) => Promise<{ id: string; roles: Role[] } | undefined>,
    ) {
      const result = (await stored(
        redis.eval(SPEND, 2, liveKey(refreshToken), spentKey(refreshToken), deps.refreshTtlSeconds),
      )) as [string, string] | null;
      if (!result) throw new UnauthorizedProblem('the refresh token is not valid');
      const [state, value] = result;
      if (state === 'spent') {
        await stored(redis.set(revokedKey(value), '1', 'EX', deps.refreshTtlSeconds));
        throw new UnauthorizedProblem('the refresh token was already used; every session of it is revoked');
      }
      const record = JSON.parse(value) as RefreshRecord;
      if (await stored(redis.exists(revokedKey(record.family)))) {
        throw new UnauthorizedProblem('the session was revoked');
      }
      const user = await currentUser(record.userId);
      if (!user) throw new UnauthorizedProblem('the account no longer exists');
      return pair(user, record.family);
    },

    /** Ends the session the refresh token belongs to (idempotent: an unknown token is fine). */
    async revoke(refreshToken: string) {
      const raw = await stored(redis.get(liveKey(refreshToken)));
      if (!raw) return;
      const { family } = JSON.parse(raw) as RefreshRecord;
      await stored(redis.set(revokedKey(family), '1', 'EX', deps.refreshTtlSeconds));
      await stored(redis.del(liveKey(refreshToken)));
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
