import type { Request, Response } from 'express';

export interface HealthCheck {
  /** The dependency's name, as operators know it: `postgres`, `redis`, `rabbitmq`, … */
  name: string;
  /**
   * A critical dependency makes the service not ready when it is down. A non-critical one is
   * reported as degraded only: the service keeps serving (e.g. reads without a cache, writes
   * into an outbox while the broker is away).
   */
  critical: boolean;
  check: () => Promise<unknown>;
}

/** The checks of the usual dependencies, by what each client can be asked. */
export const dependencyChecks = {
  postgres: (pool: { query(sql: string): Promise<unknown> }, critical: boolean): HealthCheck => ({
    name: 'postgres',
    critical,
    check: () => pool.query('SELECT 1'),
  }),
  redis: (client: { ping(): Promise<unknown> }, critical: boolean): HealthCheck => ({
    name: 'redis',
    critical,
    check: () => client.ping(),
  }),
  rabbitmq: (broker: { check(): Promise<void> }, critical: boolean): HealthCheck => ({
    name: 'rabbitmq',
    critical,
    check: () => broker.check(),
  }),
};

export interface CheckResult {
  status: 'up' | 'down';
  critical: boolean;
  error?: string;
}

const withTimeout = async (promise: Promise<unknown>, ms: number) => {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

export async function runChecks(checks: readonly HealthCheck[], timeoutMs: number) {
  const results = await Promise.all(
    checks.map(async ({ name, critical, check }): Promise<[string, CheckResult]> => {
      try {
        await withTimeout(check(), timeoutMs);
        return [name, { status: 'up', critical }];
      } catch (error) {
        return [
          name,
          { status: 'down', critical, error: error instanceof Error ? error.message : String(error) },
        ];
      }
    }),
  );
  return Object.fromEntries(results);
}

export function readinessHandler(options: {
  service: string;
  checks: readonly HealthCheck[];
  timeoutMs: number;
  isStopping: () => boolean;
}) {
  return async (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    if (options.isStopping()) {
      notReady(res, `${options.service} is shutting down`);
      return;
    }
    const checks = await runChecks(options.checks, options.timeoutMs);
    const down = Object.entries(checks).filter(([, result]) => result.status === 'down');
    const criticalDown = down.filter(([, result]) => result.critical).map(([name]) => name);
    if (criticalDown.length > 0) {
      notReady(res, `${criticalDown.join(', ')} unavailable`, checks);
      return;
    }
    res.status(200).json({ status: down.length > 0 ? 'degraded' : 'ok', checks });
  };
}

function notReady(res: Response, detail: string, checks?: Record<string, CheckResult>) {
  res.status(503).type('application/problem+json').json({
    type: 'urn:problem:syllabus:not-ready',
    title: 'Service not ready',
    status: 503,
    detail,
    checks,
  });
}
