import { notificationRoutes, userProgressRoutes, type gatewayRoutes } from '@syllabus/contracts';
import { ServiceUnavailableProblem, type RouteHandler } from '@syllabus/service-kit';
import { forwardedHeaders, type ServiceCalls } from '../../data-access/service-calls';

/**
 * The learner's dashboard, composed from three calls made in parallel. When one upstream fails,
 * the others' parts are still returned, with `partial: true` and the missing parts named.
 */
export function dashboardHandler(deps: { call: ServiceCalls }): RouteHandler<typeof gatewayRoutes.dashboard> {
  return async (_input, req) => {
    const headers = forwardedHeaders(req);
    const [enrollments, stats, notifications] = await Promise.allSettled([
      deps.call(userProgressRoutes.listEnrolments, { headers }),
      deps.call(userProgressRoutes.myStats, { headers }),
      deps.call(notificationRoutes.listNotifications, { headers, query: { unread: 'true', limit: 1 } }),
    ]);
    const unavailable = [
      ...new Set([
        ...(enrollments.status === 'rejected' || stats.status === 'rejected'
          ? (['user-progress'] as const)
          : []),
        ...(notifications.status === 'rejected' ? (['notification'] as const) : []),
      ]),
    ];
    if (unavailable.length === 2)
      throw new ServiceUnavailableProblem('the dashboard cannot be composed right now');
    return {
      status: 200,
      headers: { 'Cache-Control': 'private, no-store' },
      body: {
        enrollments: enrollments.status === 'fulfilled' ? enrollments.value.items : null,
        stats: stats.status === 'fulfilled' ? stats.value : null,
        unreadNotifications: notifications.status === 'fulfilled' ? notifications.value.unreadCount : null,
        partial: unavailable.length > 0,
        unavailable,
      },
    };
  };
}
