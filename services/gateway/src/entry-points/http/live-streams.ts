import type { RequestHandler } from 'express';
import { HttpProblem } from '@syllabus/service-kit';

/**
 * Live streams (Server-Sent Events) stay open for as long as a client likes, so they get budgets
 * of their own: at most `perUser` open at once per learner and `total` per gateway instance (429
 * beyond either), on a connection pool of their own (see upstreams), so that streams can never
 * take the connections ordinary requests need. Who is asking comes from the access token the
 * gateway has already verified; a request without one goes on to be refused by the service.
 */
export function limitLiveStreams(options: { perUser: number; total: number }): RequestHandler {
  const open = new Map<string, number>();
  let total = 0;
  return (req, res, next) => {
    const userId = req.principal?.userId;
    if (!userId) return next();
    const mine = open.get(userId) ?? 0;
    if (mine >= options.perUser || total >= options.total) {
      res.setHeader('Retry-After', '30');
      throw HttpProblem.named(
        'too-many-streams',
        mine >= options.perUser
          ? `at most ${options.perUser} live streams per learner; close one first`
          : 'this gateway carries as many live streams as it can; try again shortly',
      );
    }
    open.set(userId, mine + 1);
    total += 1;
    res.once('close', () => {
      total -= 1;
      const left = (open.get(userId) ?? 1) - 1;
      if (left > 0) open.set(userId, left);
      else open.delete(userId);
    });
    next();
  };
}
