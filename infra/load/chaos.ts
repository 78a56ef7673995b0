// The chaos phase: the system under load while its parts fail, and what it must still promise.
import type { Accounting } from './accounting';
import { backing, killRabbitmq } from './machine';
import type { sampleQueueDepths } from './phases';
import type { Course, Learner } from './protocol';
import { refreshed } from './phases';
import { check, failures, round, statusesOf } from './report';
import type { System } from './system';

type QueueDepths = ReturnType<typeof sampleQueueDepths>;

/**
 * Chaos under load: RabbitMQ SIGKILLed and restarted, notification SIGKILLed with messages in
 * flight and restarted, Redis stopped and started — each at its time from the start.
 */
export async function chaos(
  system: System,
  accounting: Accounting,
  depths: QueueDepths,
  smoke: boolean,
  chaosLearners: Learner[],
  courses: Course[],
) {
  const learners = await refreshed(system, chaosLearners);
  const seconds = smoke ? 32 : 45;
  const steps: string[] = [];
  const started = Date.now();
  // Each step at its time from the start of the phase (or as soon as the previous one is done).
  const at = (when: number, what: string, action: () => void | Promise<void>) =>
    new Promise<void>((resolve) =>
      setTimeout(
        () => {
          const now = `${round((Date.now() - started) / 1000)}s`;
          steps.push(`${now} ${what}`);
          process.stdout.write(`chaos @${now}: ${what}\n`);
          Promise.resolve(action()).then(resolve, (error: unknown) => {
            failures.push(`chaos step "${what}" failed: ${String(error)}`);
            resolve();
          });
        },
        Math.max(0, started + when * 1000 - Date.now()),
      ),
    );
  const [chaotic] = await Promise.all([
    system.phase({
      kind: 'learn',
      gateway: system.gatewayUrl,
      learners,
      courses,
      seconds,
      readEvery: 1_000_000,
    }),
    (async () => {
      await at(3, 'RabbitMQ SIGKILLed', killRabbitmq);
      await at(4, 'RabbitMQ restarting', () => backing('start', 'rabbitmq'));
      steps.push(`${round((Date.now() - started) / 1000)}s RabbitMQ accepting connections again`);
      await at(smoke ? 20 : 22, 'notification SIGKILLed with messages in flight', () =>
        system.services.stop('notification', 'SIGKILL'),
      );
      await at(smoke ? 21 : 24, 'notification restarted', () => {
        system.services.start('notification', 'notification', system.settings.notification);
      });
      await at(smoke ? 24 : 30, 'Redis stopped', () => backing('stop', 'redis'));
      await at(smoke ? 27 : 34, 'Redis started', () => backing('start', 'redis'));
    })(),
  ]);
  const ended = Date.now();
  await system.services.ready('notification', system.ports.notificationOps, 'notification after its restart');
  const drainMs = await accounting.drained([...chaotic.acknowledged], smoke ? 90_000 : 180_000);
  const email = accounting.mailReport();
  const figures = {
    seconds: round((ended - started) / 1000),
    steps,
    acknowledgedCompletions: chaotic.acknowledged.length,
    statuses: statusesOf(chaotic),
    drainSeconds: round(drainMs / 1000),
    maxQueueDepths: depths.reset(),
    email,
  };
  process.stdout.write(`\nchaos: ${JSON.stringify(figures, null, 1)}\n`);
  check(
    email.duplicates === 0,
    `chaos: no email sent twice for one delivery under different ids (${email.duplicates})`,
  );
  return figures;
}
