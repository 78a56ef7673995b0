import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import { UnauthorizedProblem, parseInput } from '@syllabus/service-kit';
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

export function mountAuthRoutes(
  app: Express,
  deps: {
    directory: UserDirectory;
    tokens: TokenService;
    keys: KeyRing;
    authLimit: RequestHandler;
    loginAccountLimit: RequestHandler;
  },
) {
  const { directory, tokens } = deps;

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

  app.post('/v1/auth/login', deps.authLimit, deps.loginAccountLimit, async (req, res) => {
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
}
