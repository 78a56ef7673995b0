// What a load run does, from its command line (the options are listed at the top of main.ts).
import { parseArgs } from 'node:util';
import { harnessOptions, limitsForOneSource } from '../support/services';

const { values: args } = parseArgs({
  options: {
    learners: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    grow: { type: 'string', default: '0' },
    chaos: { type: 'boolean', default: false },
    ...harnessOptions,
    /** Runs the services with the telemetry SDK off, to see what tracing costs (it is on as deployed). */
    'no-tracing': { type: 'boolean', default: false },
  },
});

export const smoke = args.smoke;
export const plan = {
  learners: smoke ? 10 : Number(args.learners),
  seconds: smoke ? 8 : Number(args.seconds),
  grow: smoke ? 2_000 : Number(args.grow),
  chaos: smoke || args.chaos,
  chaosLearners: smoke ? 6 : 25,
  courses: smoke ? 4 : 12,
  lessonsPerCourse: 20,
  /** Rounds of the probe of every learner operation, before and after the store grows. */
  probeRounds: smoke ? 2 : 6,
  /** Rounds of the REST-or-GraphQL comparison. */
  styleRounds: smoke ? 10 : 200,
  profile: args.profile,
  tracing: !args['no-tracing'],
};
export type Plan = typeof plan;

/** Limits a real deployment keeps low, raised for one source address driving many learners. */
export const raisedLimits = limitsForOneSource;
