// The run's figures and checks: tables on stdout, a JSON report, and the guarantees that make
// the run fail when they do not hold.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentile } from '../support/figures';
import { root } from '../support/services';
import type { Op, PhaseResult } from './protocol';

/** What did not hold; the run exits non-zero when there is any. */
export const failures: string[] = [];

export const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
};

export const round = (n: number) => Math.round(n * 10) / 10;

/** Each operation's count, rate, percentiles and answers other than 2xx (a repeated enrolment's 409 is fine). */
export function summarise(result: PhaseResult) {
  const ops: Record<
    string,
    { count: number; perSecond: number; p50: number; p95: number; p99: number; non2xx: number }
  > = {};
  for (const [op, values] of Object.entries(result.latencies) as [Op, number[]][]) {
    const sorted = [...values].sort((a, b) => a - b);
    const statuses = result.statuses[op] ?? {};
    const non2xx = Object.entries(statuses)
      .filter(([status]) => !status.startsWith('2') && !(op === 'enrol' && status === '409'))
      .reduce((sum, [, count]) => sum + count, 0);
    ops[op] = {
      count: values.length,
      perSecond: round(values.length / result.seconds),
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      non2xx,
    };
  }
  return ops;
}

export function printTable(title: string, ops: ReturnType<typeof summarise>) {
  process.stdout.write(`\n${title}\n`);
  process.stdout.write('operation      count    per s    p50 ms   p95 ms   p99 ms   non-2xx\n');
  for (const [op, f] of Object.entries(ops)) {
    process.stdout.write(
      `${op.padEnd(12)} ${String(f.count).padStart(7)} ${String(f.perSecond).padStart(8)} ${String(f.p50).padStart(9)} ${String(f.p95).padStart(8)} ${String(f.p99).padStart(8)} ${String(f.non2xx).padStart(9)}\n`,
    );
  }
}

export const statusesOf = (result: PhaseResult) =>
  Object.fromEntries(Object.entries(result.statuses).map(([op, s]) => [op, s]));

/** Writes the report as JSON under .syllabus/load/ and returns its path. */
export function writeReport(report: Record<string, unknown>, smoke: boolean) {
  const out = join(
    root,
    '.syllabus',
    'load',
    `${new Date().toISOString().replace(/[:.]/g, '-')}${smoke ? '-smoke' : ''}.json`,
  );
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  return out;
}
