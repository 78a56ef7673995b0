import type { Request } from 'express';
import type { gatewayRoutes } from '@syllabus/contracts';
import { ServiceUnavailableProblem, type RouteHandler } from '@syllabus/service-kit';
import type { UpstreamName, Upstreams } from '../../data-access/upstreams';

/**
 * The learner's dashboard, composed from three calls made in parallel. When one upstream fails,
 * the others' parts are still returned, with `partial: true` and the missing parts named.
 */
export function dashboardHandler(deps: {
  upstreams: Upstreams;
}): RouteHandler<typeof gatewayRoutes.dashboard> {
  async function get(req: Request, name: UpstreamName, path: string) {
    const response = await deps.upstreams.send(name, {
      method: 'GET',
      path,
      headers: {
        authorization: String(req.headers.authorization),
        'x-request-id': String(req.res?.getHeader('X-Request-Id') ?? ''),
      },
    });
    const body = await response.body.json();
    if (response.statusCode !== 200) throw new Error(`${name} answered ${response.statusCode}`);
    return body;
  }

  return async (_input, req, res) => {
    const [enrollments, stats, notifications] = await Promise.allSettled([
      get(req, 'user-progress', '/v1/me/enrollments') as Promise<{ items: unknown[] }>,
      get(req, 'user-progress', '/v1/me/stats'),
      get(req, 'notification', '/v1/me/notifications?unread=true&limit=1') as Promise<{
        unreadCount: number;
      }>,
    ]);
    const unavailable = [
      ...new Set(
        [
          enrollments.status === 'rejected' && 'user-progress',
          stats.status === 'rejected' && 'user-progress',
          notifications.status === 'rejected' && 'notification',
        ].filter((name): name is string => typeof name === 'string'),
      ),
    ];
    if (unavailable.length === 2)
      throw new ServiceUnavailableProblem('the dashboard cannot be composed right now');
    res.set('Cache-Control', 'private, no-store').json({
      enrollments: enrollments.status === 'fulfilled' ? enrollments.value.items : null,
      stats: stats.status === 'fulfilled' ? stats.value : null,
      unreadNotifications: notifications.status === 'fulfilled' ? notifications.value.unreadCount : null,
      partial: unavailable.length > 0,
      unavailable,
    });
  };
}
