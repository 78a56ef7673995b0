import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Access } from '@syllabus/contracts';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { ForbiddenProblem, ServiceUnavailableProblem, UnauthorizedProblem } from '@syllabus/service-kit';

export const roles = ['learner', 'author', 'admin'] as const;
/** The `typ` header of every access token (RFC 9068). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export type Role = (typeof roles)[number];

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  userId: string;
  roles: Role[];
  /** The session the token belongs to (the gateway checks it has not been revoked). */
  sessionId?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export interface TokenVerifierOptions {
  /** Where the signing keys are published; or `localKeys`, for the issuer itself. */
  jwksUrl?: string;
  localKeys?: JSONWebKeySet;
  issuer: string;
  audience: string;
  /** Only these algorithms are accepted; `none` and symmetric ones never are. */
  algorithms?: readonly string[];
  clockToleranceSeconds?: number;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

const isRole = (value: unknown): value is Role => roles.includes(value as Role);

/**
 * Verifies access tokens against the gateway's published keys: signature, algorithm allow-list,
 * issuer, audience and expiry. Keys are fetched over HTTP and cached; an unknown `kid` refreshes
 * them (with a cool-down), so key rotation needs no restart.
 */
/** The verifier of a service configured with `tokenVerificationSchema` (`@syllabus/config`). */
export const tokenVerifierFor = (config: { JWKS_URL: string; JWT_ISSUER: string; JWT_AUDIENCE: string }) =>
  createTokenVerifier({ jwksUrl: config.JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const algorithms = [...(options.algorithms ?? ['ES256'])];
  const keys = options.localKeys
    ? createLocalJWKSet(options.localKeys)
    : createRemoteJWKSet(new URL(options.jwksUrl ?? ''), {
        timeoutDuration: 2_000,
        cooldownDuration: 30_000,
      });
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        clockTolerance: options.clockToleranceSeconds ?? 5,
        requiredClaims: ['sub', 'exp', 'iat'],
        // An access token, not an ID token or any other JWT signed with the same key (RFC 8725
        // §3.11, RFC 9068).
        typ: ACCESS_TOKEN_TYPE,
      });
      const claimed = Array.isArray(payload.roles) ? (payload.roles as unknown[]) : [];
      if (!payload.sub || !claimed.every(isRole))
        throw new UnauthorizedProblem('the token has malformed claims');
      return {
        userId: payload.sub,
        roles: claimed,
        ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
      };
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || isKeySetUnreachable(error)) {
        throw new ServiceUnavailableProblem('the signing keys cannot be fetched right now');
      }
      if (error instanceof errors.JWTExpired) throw new UnauthorizedProblem('the token has expired');
      if (error instanceof errors.JOSEError) throw new UnauthorizedProblem('the token is not valid');
      throw error;
    }
  };
}

function isKeySetUnreachable(error: unknown): boolean {
  // A refused connection to the JWKS URL surfaces as fetch's TypeError, not a JOSE error.
  return error instanceof TypeError && /fetch failed/.test(error.message);
}

/**
 * Requires `Authorization: Bearer <token>` and puts the verified principal on the request. A
 * principal already verified earlier in this process (the gateway's session check) is kept.
 */
export function authenticate(verify: TokenVerifier): RequestHandler {
  return async (req, _res, next) => {
    if (req.principal) return next();
    const header = req.headers.authorization;
    const match = header?.match(/^Bearer ([A-Za-z0-9._~+/-]+=*)$/);
    if (!match?.[1]) throw new UnauthorizedProblem();
    req.principal = await verify(match[1]);
    next();
  };
}

/** Verifies a bearer token when one is sent (a bad one is still a 401); anonymous otherwise. */
export function authenticateIfPresent(verify: TokenVerifier): RequestHandler {
  const required = authenticate(verify);
  return (req, res, next) => (req.headers.authorization === undefined ? next() : required(req, res, next));
}

/** Allows the request only when the principal has one of `allowed`. Use after `authenticate`. */
export function requireRole(...allowed: Role[]): RequestHandler {
  return (req, _res, next) => {
    const principal = req.principal;
    if (!principal) throw new UnauthorizedProblem();
    if (!principal.roles.some((role) => allowed.includes(role))) {
      throw new ForbiddenProblem(`requires the role ${allowed.join(' or ')}`);
    }
    next();
  };
}

/** The verified principal; throws 401 if the route forgot `authenticate`. */
export function principalOf(req: { principal?: Principal }): Principal {
  if (!req.principal) throw new UnauthorizedProblem();
  return req.principal;
}

/** Internal routes are for the gateway only: it proves itself with a shared secret. */
export function requireInternalToken(token: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req, _res, next) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedProblem('internal route');
    }
    next();
  };
}

/** The middleware for each kind of caller a route declaration names. */
export function guardsFor(
  verify: TokenVerifier,
  internalToken?: string,
): Partial<Record<Access, RequestHandler[]>> {
  const signedIn = authenticate(verify);
  return {
    anyone: [authenticateIfPresent(verify)],
    'signed-in': [signedIn],
    learner: [signedIn, requireRole('learner', 'admin')],
    author: [signedIn, requireRole('author', 'admin')],
    ...(internalToken !== undefined && { internal: [requireInternalToken(internalToken)] }),
  };
}
