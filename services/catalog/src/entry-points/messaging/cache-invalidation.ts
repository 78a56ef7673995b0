import type { Cache } from '@syllabus/cache';
import type { Broker } from '@syllabus/messaging';
import type { Logger } from '@syllabus/service-kit';
import { cacheKeys } from '../../domain/catalog-reads';

/**
 * The catalog consumes its own course events to drop what they made stale: the course's page
 * and every list page. The cache lives in Redis, shared by all instances, so one instance
 * handling each event is enough — they share one queue.
 */
export async function consumeCacheInvalidations(deps: { broker: Broker; cache: Cache; logger: Logger }) {
  await deps.broker.consume({
    queue: 'catalog.cache-invalidation',
    handler: async (event) => {
      const { slug } = event.data;
      await deps.cache.invalidate(cacheKeys.course(slug));
      await deps.cache.invalidatePrefix(cacheKeys.listPrefix);
      deps.logger.debug({ slug, eventId: event.id }, 'cache invalidated');
    },
  });
}
