// The phases of a load run, in the order main.ts runs them. Each returns the figures the report
// keeps, prints its table, and checks what it guarantees.
import { cpus } from 'node:os';
import amqp from 'amqplib';
import { persistedOperations } from '@syllabus/gateway/graphql-operations';
import { testEnv, waitFor } from '@syllabus/testing';
import { cpuByPart, cpuShares } from '../support/cpu';
import { percentile } from '../support/figures';
import type { Accounting } from './accounting';
import type { Course, Learner } from './protocol';
import { grow } from './growth';
import { quiet } from './machine';
import type { Plan } from './plan';
import { check, printTable, round, statusesOf, summarise } from './report';
import type { System } from './system';

/** The learners of every phase, signed up through the gateway (set-up, not measured). */
export async function signUp(system: System, plan: Plan) {
  const signedUp = await system.phase({
    kind: 'signup',
    gateway: system.gatewayUrl,
    count: plan.learners + 14 + plan.chaosLearners,
    concurrency: 8,
  });
  const everyone = signedUp.learners!;
  process.stdout.write(`${everyone.length} learners signed up in ${round(signedUp.seconds)} s\n`);
  const [warmer, solo, contender, reader, ...rest] = everyone;
  return {
    warmer: warmer!,
    solo: solo!,
    contender: contender!,
    reader: reader!,
    probers: rest.slice(0, 10),
    learners: rest.slice(10, 10 + plan.learners),
    // Learners of their own for the chaos phase, with every course still ahead of them.
    chaos: rest.slice(10 + plan.learners),
  };
}

/** New access tokens for `learners` (they live 15 minutes; a long run outlasts them). */
export const refreshed = async (system: System, learners: Learner[]) =>
  (await system.phase({ kind: 'refresh', gateway: system.gatewayUrl, learners })).learners!;

/** One learner's 40 completions in a row (reading everything every `readEvery`). */
const fortyCompletions = (system: System, learner: Learner, courses: Course[], readEvery: number) =>
  system.phase({
    kind: 'learn',
    gateway: system.gatewayUrl,
    learners: [learner],
    courses,
    seconds: 60,
    maxCompletions: 40,
    readEvery,
  });

/** Compiled code paths and filled caches, as in a running system (not measured). */
export async function warmUp(system: System, learner: Learner, courses: Course[]) {
  await fortyCompletions(system, learner, courses, 5);
}

/** One learner alone: 40 completions in a row, the latency of each operation without contention. */
export async function oneLearnerAlone(system: System, learner: Learner, courses: Course[]) {
  await quiet('one learner alone');
  const ops = summarise(await fortyCompletions(system, learner, courses, 1_000_000));
  printTable('one learner alone (40 completions in a row)', ops);
  return ops;
}

/** One learner, 20 completions at once, spread over two user-progress replicas: no lost update. */
export async function contention(system: System, learner: Learner, course: Course) {
  const contended = await system.phase({
    kind: 'contention',
    urls: [`http://127.0.0.1:${system.ports.progress}`, `http://127.0.0.1:${system.ports.progress2}`],
    learner,
    course,
  });
  const stats = await system.api('GET', '/v1/me/stats', learner.accessToken);
  const enrolments = await system.api('GET', '/v1/me/enrollments', learner.accessToken);
  const enrolment = (enrolments.items as { percentComplete: number; completedLessonIds: string[] }[])[0]!;
  const figures = {
    answered2xx: contended.statuses.complete?.['200'] ?? 0,
    acknowledged: contended.acknowledged.length,
    lessonsCompleted: stats.lessonsCompleted,
    xp: stats.xp,
    percentComplete: enrolment.percentComplete,
    completedLessonIds: enrolment.completedLessonIds.length,
  };
  process.stdout.write(`\n20 completions at once over two replicas: ${JSON.stringify(figures)}\n`);
  check(
    figures.acknowledged === 20 &&
      stats.lessonsCompleted === 20 &&
      stats.xp === 20 * 10 + 50 &&
      enrolment.percentComplete === 100,
    'contention: 20 concurrent completions over two replicas leave 20 completions, 250 XP, 100 %',
  );
  return figures;
}

/** The dashboard with its courses: REST calls, one REST batch call, and one GraphQL query. */
export async function dashboardStyles(system: System, plan: Plan, reader: Learner) {
  const catalogPage = await system.api('GET', '/v1/courses?limit=10');
  for (const { id } of catalogPage.items as { id: string }[]) {
    await waitFor(
      async () =>
        (
          await fetch(`${system.gatewayUrl}/v1/me/enrollments`, {
            method: 'POST',
            headers: { authorization: `Bearer ${reader.accessToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ courseId: id }),
          })
        ).status === 201,
      { timeoutMs: 30_000, what: 'an enrolment in a seeded course' },
    );
  }
  await quiet('the dashboard styles');
  const styled = await system.phase({
    kind: 'styles',
    gateway: system.gatewayUrl,
    learner: reader,
    query: persistedOperations.Dashboard,
    rounds: plan.styleRounds,
  });
  const figures = Object.fromEntries(
    Object.entries(styled.styles!).map(([name, style]) => {
      const sorted = [...style.latenciesMs].sort((a, b) => a - b);
      return [
        name,
        {
          requests: style.requests,
          roundTrips: style.roundTrips,
          responseBytes: style.responseBytes,
          p50Ms: round(percentile(sorted, 50)),
          p99Ms: round(percentile(sorted, 99)),
        },
      ];
    }),
  );
  process.stdout.write(
    `\nthe dashboard with ${(catalogPage.items as unknown[]).length} enrolments and their courses, ${plan.styleRounds} rounds\n` +
      `| style | requests | round trips | bytes received | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n` +
      Object.entries(figures)
        .map(
          ([name, f]) =>
            `| ${name} | ${f.requests} | ${f.roundTrips} | ${f.responseBytes} | ${f.p50Ms} | ${f.p99Ms} |`,
        )
        .join('\n') +
      '\n',
  );
  return figures;
}

/** The deepest the notification queue and the learner outbox have been, sampled every 500 ms. */
export function sampleQueueDepths(system: System) {
  const depths = { notification: 0, outbox: 0 };
  let sampling = true;
  let connection: amqp.ChannelModel | undefined;
  const sampler = (async () => {
    while (sampling) {
      try {
        if (!connection) {
          connection = await amqp.connect(testEnv.RABBITMQ_URL);
          // A broker killed by the chaos phase closes this connection: make another next time.
          connection.on('error', () => undefined);
          connection.on('close', () => (connection = undefined));
        }
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        const queue = await channel.checkQueue(`${system.messagingPrefix}notification.events`);
        depths.notification = Math.max(depths.notification, queue.messageCount);
        await channel.close();
      } catch {
        // The broker is away (chaos): nothing to sample.
      }
      try {
        depths.outbox = Math.max(
          depths.outbox,
          await system.progressDb.collection('outbox').countDocuments({}),
        );
      } catch {
        // The same for the store.
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    /** The deepest since the last call. */
    reset() {
      const seen = { ...depths };
      depths.notification = 0;
      depths.outbox = 0;
      return seen;
    },
    async stop() {
      sampling = false;
      await sampler;
      await connection?.close().catch(() => undefined);
    },
  };
}

/** The load: many learners at once for the planned time; throughput, latency and CPU per completion. */
export async function theLoad(
  system: System,
  accounting: Accounting,
  depths: ReturnType<typeof sampleQueueDepths>,
  plan: Plan,
  learners: Learner[],
  courses: Course[],
) {
  const started = new Date();
  const ownPids = () =>
    new Map<string, number | undefined>([
      ...[...system.services.children].map(([name, child]) => [name, child.pid] as const),
      ['load generator', system.generator.pid],
    ]);
  const cpuBefore = cpuByPart(ownPids());
  const loaded = await system.phase({
    kind: 'learn',
    gateway: system.gatewayUrl,
    learners,
    courses,
    seconds: plan.seconds,
    readEvery: 10,
  });
  const cpu = cpuShares(cpuBefore, cpuByPart(ownPids()), loaded.seconds * 1000);
  const operations = summarise(loaded);
  printTable(`${learners.length} learners at once for ${plan.seconds} s`, operations);
  const invalid = Object.values(operations).reduce((sum, f) => sum + f.non2xx, 0);
  const completionsPerSecond = round(loaded.acknowledged.length / loaded.seconds);
  process.stdout.write(
    `completions: ${loaded.acknowledged.length} in ${round(loaded.seconds)} s = ${completionsPerSecond}/s; non-2xx: ${invalid}${invalid ? ' — this run is INVALID' : ''}\n`,
  );
  check(invalid === 0, `load: every answer 2xx (${JSON.stringify(statusesOf(loaded))})`);
  await accounting.drained(loaded.acknowledged, 60_000);
  const eventEndToEndMs = await accounting.eventLatency(started);
  process.stdout.write(
    `event end to end (completion → notification stored): ${JSON.stringify(eventEndToEndMs)}\n`,
  );
  const maxQueueDepths = depths.reset();
  process.stdout.write(`queue depths (max): ${JSON.stringify(maxQueueDepths)}\n`);
  const cpuMsPerCompletion = round(
    (Object.values(cpu).reduce((a, b) => a + b, 0) / 100 / completionsPerSecond) * 1000,
  );
  process.stdout.write(
    `CPU during the load, % of one core (${cpus().length} cores): ${JSON.stringify(cpu)}; ${cpuMsPerCompletion} ms of CPU per completion\n`,
  );
  return {
    learners: learners.length,
    seconds: round(loaded.seconds),
    completionsPerSecond,
    non2xx: invalid,
    operations,
    eventEndToEndMs,
    maxQueueDepths,
    cpuPercentOfOneCore: cpu,
    cpuMsPerCompletion,
  };
}

/** Every learner operation, probed before and after `plan.grow` more completions are stored. */
export async function costAsDataGrows(
  system: System,
  accounting: Accounting,
  plan: Plan,
  probers: Learner[],
  courses: Course[],
) {
  const versions = system.progressDb.collection('learner_versions');
  // Every learner operation a few times over, by the probing learners.
  const probe = async (learners: Learner[]) =>
    summarise(
      await system.phase({
        kind: 'probe',
        gateway: system.gatewayUrl,
        learners,
        courses,
        rounds: plan.probeRounds,
      }),
    );
  let learners = await refreshed(system, probers);
  await quiet('the probe');
  const before = await probe(learners);
  const storedBefore = await versions.estimatedDocumentCount();
  const seeding = Date.now();
  await grow(system, plan.grow);
  // As a running database would have by then: its housekeeping after the bulk load done.
  await accounting.withNotificationDb((client) => client.query('VACUUM ANALYZE'));
  await quiet('the probe with the grown store');
  const storedAfter = await versions.estimatedDocumentCount();
  process.stdout.write(
    `\nstored ${storedAfter - storedBefore} more learner versions in ${round((Date.now() - seeding) / 1000)} s\n`,
  );
  learners = await refreshed(system, learners);
  const after = await probe(learners);
  process.stdout.write(`\np50 per operation, ${storedBefore} versions stored vs ${storedAfter}\n`);
  const p50: Record<string, { before: number; after: number; ratio: number }> = {};
  for (const op of Object.keys(before)) {
    const ratio = Math.round(((after[op]?.p50 ?? 0) / Math.max(before[op]!.p50, 0.1)) * 100) / 100;
    p50[op] = { before: before[op]!.p50, after: after[op]?.p50 ?? 0, ratio };
    process.stdout.write(
      `${op.padEnd(12)} ${String(before[op]!.p50).padStart(8)} ms ${String(after[op]?.p50).padStart(8)} ms  ×${ratio}\n`,
    );
  }
  return { storedBefore, storedAfter, p50 };
}

/**
 * Every acknowledged completion of the whole run: exactly one lesson notification each, once
 * whatever is still on its way (say, the probes' events when the broker was killed) is in.
 */
export async function everyCompletionNotifiedOnce(system: System, accounting: Accounting) {
  await accounting.drained(system.acknowledged, 120_000);
  const lost = await accounting.compareNotifications(system.acknowledged);
  check(
    lost.missing === 0,
    `no acknowledged completion lost (${lost.missing} of ${lost.expected} without a notification)`,
  );
  check(lost.notifiedTwice === 0, `no completion notified twice (${lost.notifiedTwice})`);
  check(
    lost.unexplained === 0,
    `no more notifications than completions that may have been recorded (${lost.unexplained} more; ${lost.recordedThoughUnanswered} of ${lost.unknownOutcome} completions answered without an outcome were recorded and notified)`,
  );
  return lost;
}
