// Load generation for the benchmarks: bounded in time and count, loopback only.
import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export async function measure(
  name: string,
  url: string,
  options: {
    seconds?: number;
    connections?: number;
    maxRequests?: number;
    headers?: Record<string, string>;
  } = {},
): Promise<LoadResult> {
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url))
    throw new Error(`refusing to load a non-loopback URL: ${url}`);
  const result = await autocannon({
    url,
    connections: options.connections ?? 10,
    duration: options.seconds ?? 5,
    // Bounded in time by `duration` and in count by this (`amount` would override the duration).
    maxOverallRequests: options.maxRequests ?? 500_000,
    headers: options.headers,
  });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Prints one row per result, with each one's throughput as a multiple of the baseline's. */
export function printComparison(title: string, results: LoadResult[], baseline: string): void {
  const base = results.find((r) => r.name === baseline);
  if (!base) throw new Error(`no baseline ${baseline}`);
  const rows = results.map((r) => ({
    case: r.name,
    'req/s': Math.round(r.requestsPerSecond),
    'p50 ms': r.p50Ms,
    'p99 ms': r.p99Ms,
    [`× ${baseline}`]: (r.requestsPerSecond / base.requestsPerSecond).toFixed(2),
    'errors/non-2xx': `${r.errors}/${r.non2xx}`,
  }));
  process.stdout.write(`\n${title}\n`);
  console.table(rows);
}
