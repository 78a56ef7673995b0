import type { RequestHandler } from 'express';
import { principalOf, type TokenVerifier } from '@syllabus/auth';
import { DomainError, type gatewayRoutes } from '@syllabus/contracts';
import type { Logger, RouteHandler } from '@syllabus/service-kit';
import type { UserDirectory } from '../../data-access/user-directory';
import type { KeyRing } from '../../domain/keys';
import type { TokenService } from '../../domain/tokens';
import { ownRequestTrace } from './traces';

type Routes = typeof gatewayRoutes;
type AuthRoute = 'signup' | 'login' | 'refresh' | 'logout' | 'logoutAll' | 'changePassword' | 'jwks';

/** Wrong password and unknown email are one answer: nothing tells whether an account exists. */
const asWrongCredentials =
  (detail: string) =>
  (error: unknown): never => {
    const status = (error as { status?: number }).status;
    if (status === 401 || status === 400) throw new DomainError('wrong-credentials', detail);
    throw error;
  };

/** Sign-up, sign-in, refresh rotation, sign-out, password change, and the public keys. */
export function authHandlers(deps: { directory: UserDirectory; tokens: TokenService; keys: KeyRing }): {
  [K in AuthRoute]: RouteHandler<Routes[K]>;
} {
  const { directory, tokens } = deps;
  return {
    jwks: () => ({
      status: 200,
      headers: { 'Cache-Control': 'public, max-age=300' },
      body: deps.keys.jwks,
    }),
    signup: async ({ body }) => {
      const user = await directory.create(body);
      ownRequestTrace(user.id);
      return { status: 201, body: { user, ...(await tokens.issue(user)) } };
    },
    login: async ({ body }) => {
      const user = await directory.verify(body).catch(asWrongCredentials('the email or password is wrong'));
      ownRequestTrace(user.id);
      return { status: 200, body: await tokens.issue(user) };
    },
    refresh: async ({ body }) => ({
      status: 200,
      body: await tokens.rotate(body.refreshToken, (userId) => directory.find(userId)),
    }),
    logout: async ({ body }) => {
      await tokens.revoke(body.refreshToken);
      return { status: 204 };
    },
    logoutAll: async (_input, req) => {
      await tokens.revokeAll(principalOf(req).userId);
      return { status: 204 };
    },
    /** A new password ends every session, this one too; the answer is a fresh pair for this client. */
    changePassword: async ({ body }, req) => {
      const account = await directory.find(principalOf(req).userId);
      if (!account) throw new DomainError('account-gone', 'the account no longer exists');
      await directory
        .verify({ email: account.email, password: body.currentPassword })
        .catch(asWrongCredentials('the current password is wrong'));
      await directory.setPassword(account.id, body.newPassword);
      await tokens.revokeAll(account.id);
      return { status: 200, body: await tokens.issue(account) };
    },
  };
}

/** Tokens are credentials: no cache on the way may keep an answer that carries them. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/**
 * Every request with a valid access token is refused once its session is revoked (logout, a
 * replayed refresh token, log out everywhere, a new password): within one request, not when the
 * token expires. An invalid token passes on: the service behind answers for it. While Redis is
 * away the check cannot run and requests pass (the gateway then reports itself not ready).
 */
export function rejectRevokedSessions(deps: {
  verifyToken: TokenVerifier;
  tokens: TokenService;
  logger: Logger;
}): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return next();
    const principal = await deps.verifyToken(header.slice(7)).catch(() => undefined);
    if (!principal) return next();
    req.principal = principal;
    ownRequestTrace(principal.userId);
    if (!principal.sessionId) return next();
    try {
      if (await deps.tokens.isRevoked(principal.sessionId))
        throw new DomainError('session-ended', 'the session was revoked; sign in again');
    } catch (error) {
      if (!(error instanceof DomainError && error.problem === 'service-unavailable')) throw error;
      deps.logger.warn('session revocation could not be checked: redis unavailable');
    }
    next();
  };
}
