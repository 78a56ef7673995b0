import { DomainError } from '@syllabus/contracts';
import type { WebhookRepository } from './ports';
import type { NotifiableEvent } from './templates';
import { newWebhookSecret } from './signing';
import { assertSafeWebhookUrl } from './ssrf';

export function createWebhookService(deps: {
  subscriptions: WebhookRepository;
  allowPrivateNetworks: boolean;
  perUser: number;
}) {
  const { subscriptions } = deps;
  return {
    /** The secret is returned here once; it is never shown again. */
    async subscribe(userId: string, input: { url: string; eventTypes: NotifiableEvent[] }) {
      const url = await assertSafeWebhookUrl(input.url, deps.allowPrivateNetworks);
      const secret = newWebhookSecret();
      // One event fans out to every subscription: a cap per learner bounds the calls one event makes.
      const subscription = await subscriptions.insertWithinLimit(
        userId,
        { url: url.toString(), eventTypes: input.eventTypes, secret },
        deps.perUser,
      );
      if (!subscription)
        throw new DomainError(
          'webhook-limit',
          `at most ${deps.perUser} webhooks per learner; delete one first`,
        );
      return { ...subscription, secret };
    },

    list: (userId: string) => subscriptions.list(userId),

    async remove(userId: string, id: string) {
      if (!(await subscriptions.remove(userId, id)))
        throw new DomainError('webhook-not-found', `no webhook ${id}`);
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
