import { cpus, totalmem } from 'node:os';

/** The nearest-rank percentile `p` (0–100) of `sorted` (ascending); 0 when it is empty. */
export const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** The machine a run measured on, as every report records it. */
export const machine = (servicesNode: string) => ({
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  servicesNode,
});
