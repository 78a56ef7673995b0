import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import { authenticate, principalOf, type TokenVerifier } from '@syllabus/auth';
import {
  ServiceUnavailableProblem,
  UnauthorizedProblem,
  parseInput,
  type Logger,
} from '@syllabus/service-kit';
import type { UserDirectory } from '../../data-access/user-directory';
import type { KeyRing } from '../../domain/keys';
import type { TokenService } from '../../domain/tokens';

const signupBody = z
  .object({
    email: z.string().max(254),
    password: z.string().max(200),
    displayName: z.string().max(100),
    timeZone: z.string().max(64).optional(),
  })
  .strict();
const loginBody = z
  .object({ email: z.string().min(1).max(254), password: z.string().min(1).max(200) })
  .strict();
const refreshBody = z.object({ refreshToken: z.string().min(20).max(200) }).strict();
const passwordChangeBody = z
  .object({ currentPassword: z.string().min(1).max(200), newPassword: z.string().max(200) })
  .strict();

export function mountAuthRoutes(
  app: Express,
  deps: {
    directory: UserDirectory;
    tokens: TokenService;
    keys: KeyRing;
    authLimit: RequestHandler;
    loginGuards: RequestHandler[];
    verifyToken: TokenVerifier;
  },
) {
  const { directory, tokens } = deps;
  const signedIn = authenticate(deps.verifyToken);

  app.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(deps.keys.jwks);
  });

  // Tokens are credentials: no cache on the way may keep an answer that carries them.
  app.use('/v1/auth', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  app.post('/v1/auth/signup', deps.authLimit, async (req, res) => {
    const user = await directory.create(parseInput(signupBody, req.body, 'body'));
    res.status(201).json({ user, ...(await tokens.issue(user)) });
  });

  app.post('/v1/auth/login', deps.authLimit, ...deps.loginGuards, async (req, res) => {
    const credentials = parseInput(loginBody, req.body, 'body');
    const user = await directory.verify(credentials).catch((error: unknown) => {
      // Wrong password and unknown email are one answer: nothing tells whether an account exists.
      if ((error as { status?: number }).status === 401 || (error as { status?: number }).status === 400) {
        throw new UnauthorizedProblem('the email or password is wrong');
      }
      throw error;
    });
    res.json(await tokens.issue(user));
  });

  app.post('/v1/auth/refresh', deps.authLimit, async (req, res) => {
    const { refreshToken } = parseInput(refreshBody, req.body, 'body');
    res.json(await tokens.rotate(refreshToken, (userId) => directory.find(userId)));
  });

  app.post('/v1/auth/logout', deps.authLimit, async (req, res) => {
    const { refreshToken } = parseInput(refreshBody, req.body, 'body');
    await tokens.revoke(refreshToken);
    res.status(204).end();
  });

  app.post('/v1/auth/logout-all', deps.authLimit, signedIn, async (req, res) => {
    await tokens.revokeAll(principalOf(req).userId);
    res.status(204).end();
  });

  /** A new password ends every session, this one too; the answer is a fresh pair for this client. */
  app.post('/v1/auth/password', deps.authLimit, signedIn, async (req, res) => {
    const { currentPassword, newPassword } = parseInput(passwordChangeBody, req.body, 'body');
    const account = await directory.find(principalOf(req).userId);
    if (!account) throw new UnauthorizedProblem('the account no longer exists');
    await directory.verify({ email: account.email, password: currentPassword }).catch((error: unknown) => {
      if ((error as { status?: number }).status === 401)
        throw new UnauthorizedProblem('the current password is wrong');
      throw error;
    });
    await directory.setPassword(account.id, newPassword);
    await tokens.revokeAll(account.id);
    res.json(await tokens.issue(account));
  });
}

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
    if (!principal.sessionId) return next();
    try {
      if (await deps.tokens.isRevoked(principal.sessionId))
        throw new UnauthorizedProblem('the session was revoked; sign in again');
    } catch (error) {
      if (!(error instanceof ServiceUnavailableProblem)) throw error;
      deps.logger.warn('session revocation could not be checked: redis unavailable');
    }
    next();
  };
}
