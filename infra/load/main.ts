// `npm run load [-- options]`: the learner path under load, and under chaos, on the native stack
// as it is deployed — each service its own process with the telemetry preloaded (exporting to a
// local OTLP sink), the load generator in a process of its own. Prints a table per phase, writes
// the figures as JSON to .syllabus/load/, and exits non-zero when a guarantee did not hold.
//
//   --learners N     concurrent learners in the load phase (50)
//   --seconds S      length of the load phase (30)
//   --grow N         also measure every learner operation with N more completions stored (0: skip)
//   --chaos          also run the chaos phase (RabbitMQ SIGKILLed, notification SIGKILLed, Redis stopped)
//   --smoke          a short run of every phase for CI (at most a few minutes)
//   --profile        a CPU profile per service in the run's log directory
//   --no-tracing     the services with the telemetry SDK off, to see what tracing costs
//
// Read it in this order: plan.ts (the options), system.ts (the system under load), phases.ts
// and chaos.ts (what each phase measures and checks), accounting.ts (what became of every completion),
// report.ts (figures and checks); generator.ts is the load generator's process, protocol.ts
// what the two say to each other.
import { machine } from '../support/figures';
import { newRun } from '../support/services';
import { createAccounting } from './accounting';
import { chaos } from './chaos';
import * as phases from './phases';
import { plan, raisedLimits, smoke } from './plan';
import { failures, round, writeReport } from './report';
import { startSystem } from './system';

const { run, logs } = newRun('load', 'logs');

async function main() {
  const started = Date.now();
  const system = await startSystem({ run, logs, plan });
  const accounting = createAccounting(system);
  const report: Record<string, unknown> = {
    run,
    when: new Date().toISOString(),
    machine: machine(system.services.nodeVersion),
    mongodbHandler: 'FerretDB 1.24, SQLite handler',
    plan,
    tracing: plan.tracing,
    raisedLimits,
  };
  try {
    process.stdout.write(
      `load run ${run}: services on Node ${system.services.nodeVersion}; limits raised for one source address: ${JSON.stringify(raisedLimits)}\n`,
    );
    await system.start();
    const courses = await system.createCourses(plan.courses + 1);
    const contentionCourse = courses.pop()!;
    const learners = await phases.signUp(system, plan);

    await phases.warmUp(system, learners.warmer, courses);
    report.alone = await phases.oneLearnerAlone(system, learners.solo, courses);
    report.contention = await phases.contention(system, learners.contender, contentionCourse);
    report.dashboardStyles = await phases.dashboardStyles(system, plan, learners.reader);
    const depths = phases.sampleQueueDepths(system);
    try {
      report.load = await phases.theLoad(system, accounting, depths, plan, learners.learners, courses);
      if (plan.grow > 0)
        report.growth = await phases.costAsDataGrows(system, accounting, plan, learners.probers, courses);
      if (plan.chaos) report.chaos = await chaos(system, accounting, depths, smoke, learners.chaos, courses);
      report.notifications = await phases.everyCompletionNotifiedOnce(system, accounting);
    } finally {
      await depths.stop();
    }
  } finally {
    report.failures = failures;
    report.otlpBytes = system.otlp.bytes();
    report.seconds = round((Date.now() - started) / 1000);
    process.stdout.write(`\nfigures: ${writeReport(report, smoke)}\nlogs: ${logs}\n`);
    await system.stop();
  }
}

main().then(
  () => {
    if (failures.length > 0) {
      process.stderr.write(
        `\n${failures.length} check(s) failed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`,
      );
      process.exit(1);
    }
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(
      `load run failed: ${error instanceof Error ? error.stack : String(error)}\nlogs: ${logs}\n`,
    );
    process.exit(1);
  },
);
