import type { ServiceContext } from '@syllabus/service-kit';
import type { Config } from './config';
import type { Dependencies } from './dependencies';
import { consumeCatalogEvents } from './entry-points/messaging/catalog-events';

/** Background work: the course read model from catalog events, and the event relay. */
export async function startWorkers(deps: Dependencies, { lifecycle }: ServiceContext<Config>) {
  await consumeCatalogEvents(deps);
  deps.relay.start();
  lifecycle.onShutdown('event relay', async () => {
    await deps.relay.stop();
    // Events already committed go out now if they can; if not, the outbox keeps them.
    await deps.store.settle();
  });
}
