// The machine the run shares with the system: how busy it is, and the backing services an
// operator (or the chaos phase) starts, stops and kills.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root } from '../support/services';
import { round } from './report';

/** The share of CPU time idle on this machine over `ms`. */
async function idleShare(ms: number) {
  const sample = () => {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const values = fields.map(Number);
    return { idle: values[3]! + (values[4] ?? 0), total: values.reduce((a, b) => a + b, 0) };
  };
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = sample();
  return (after.idle - before.idle) / Math.max(1, after.total - before.total);
}

/**
 * Waits (a minute at most) until the machine is quiet — background work of an earlier phase,
 * the last events, a database's own housekeeping, is over — so that a latency phase measures
 * the request alone.
 */
export async function quiet(what: string) {
  const started = Date.now();
  while (Date.now() - started < 60_000 && (await idleShare(1_000)) < 0.85);
  process.stdout.write(
    `(waited ${round((Date.now() - started) / 1000)} s for a quiet machine before ${what})\n`,
  );
}

/**
 * Backing services are controlled through the provisioning script, as an operator would —
 * asynchronously, so that the SMTP and OTLP sinks in this process keep answering meanwhile.
 */
export async function backing(action: 'start' | 'stop', name: string) {
  await promisify(execFile)('bash', [join(root, 'scripts/backing-services.sh'), action, name]);
}

export function killRabbitmq() {
  const pid = Number(readFileSync('/var/lib/syllabus/rabbitmq/rabbitmq.pid', 'utf8').trim());
  process.kill(pid, 'SIGKILL');
}
