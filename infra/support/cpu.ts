import { readFileSync, readdirSync } from 'node:fs';

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * CPU time used so far (ms) by each part of the system: the run's own processes by name, the
 * backing servers by their program (all of PostgreSQL's processes together). From /proc.
 */
export function cpuByPart(own: Map<string, number | undefined>): Record<string, number> {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const byPid = new Map([...own].map(([name, pid]) => [pid, name]));
  const parts: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const used = (Number(fields[11]) + Number(fields[12])) * tick; // utime + stime
    const part =
      byPid.get(Number(entry)) ??
      (comm === 'postgres'
        ? 'postgresql'
        : comm === 'beam.smp'
          ? 'rabbitmq'
          : comm.startsWith('redis-server')
            ? 'redis'
            : comm.startsWith('ferretdb')
              ? 'ferretdb'
              : undefined);
    if (part) parts[part] = (parts[part] ?? 0) + used;
  }
  return parts;
}

/** Each part's CPU between two `cpuByPart` readings, as a share of one core over `ms`. */
export function cpuShares(before: Record<string, number>, after: Record<string, number>, ms: number) {
  return Object.fromEntries(
    Object.entries(after)
      .map(([part, used]) => [part, round(((used - (before[part] ?? 0)) / ms) * 100)] as const)
      .sort((a, b) => b[1] - a[1]),
  );
}
