// infra/jaeger/config.yaml as Jaeger itself renders it (`jaeger print-config`, every variable
// resolved) for a given environment: what each deployment really runs.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';

export const root = join(__dirname, '..', '..', '..');
export const jaegerConfigFile = join(root, 'infra', 'jaeger', 'config.yaml');

/** The Jaeger binary `npm test` provisions (scripts/backing-services.sh tools). */
export function jaegerBin(): string {
  const bin = process.env.JAEGER_BIN;
  if (!bin) throw new Error('JAEGER_BIN is not set: run the tests with `npm test`');
  return bin;
}

/** Runs `jaeger <command> --config <file>` with only `env` (and PATH) set. */
export function jaegerWith(command: 'print-config' | 'validate', env: Record<string, string>): string {
  return execFileSync(jaegerBin(), [command, '--config', jaegerConfigFile], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface RenderedJaeger {
  exporters: { prometheus: { endpoint: string } };
  extensions: { jaeger_storage: { backends: Record<string, { memory?: { max_traces: number } }> } };
  [key: string]: unknown;
}

export const renderJaegerConfig = (env: Record<string, string>) =>
  parse(jaegerWith('print-config', env)) as RenderedJaeger;

/** How the native run renders it: the variables scripts/backing-services.sh gives it. */
export function nativeJaegerEnv(): Record<string, string> {
  const lines = execFileSync('bash', [join(root, 'scripts', 'backing-services.sh'), 'jaeger-env'], {
    encoding: 'utf8',
  });
  return Object.fromEntries(
    lines
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  );
}
