// `npm run fuzz`: the public API tried as a stranger would, with Schemathesis, against the system
// as it runs (each service its own process, the gateway in front), once as a learner and once as
// an author: every check, every phase (examples, coverage, fuzzing, and the stateful phase that
// follows the document's links), at least 30 cases per operation. Fails on any finding, and when
// some operation never answered 2xx (passed only by never getting past 401/403/404).
//
//   --examples N   cases per operation and phase (30)
//   --smoke        fewer cases, for a quick look (not what CI runs)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSmtpServer } from '@syllabus/testing/smtp';
import { createServiceRunner, limitsForOneSource, newRun, root } from '../support/services';
import { nativeSystem } from '../support/system';

const { values: args } = parseArgs({
  options: {
    examples: { type: 'string', default: '30' },
    smoke: { type: 'boolean', default: false },
  },
});
const examples = args.smoke ? '5' : args.examples;
const schemathesis = process.env.SCHEMATHESIS ?? 'st';

/** Limits raised for this run (one source address sends everything); each is printed. */
const raisedSettings = {
  ...limitsForOneSource,
  // Webhook URLs are not resolved (this machine has no DNS): any http(s) URL is taken.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  // A live stream ends after a second, so the fuzzer can read its whole answer.
  SSE_MAX_DURATION_MS: '1000',
};

const { run, logs } = newRun('fuzz', 'run');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this with \`npm run fuzz\``);
  return value;
}

interface HarEntry {
  request: { method: string; url: string };
  response: { status: number };
}

/** Which operation a request was, by the document's paths (a `{name}` matches one segment). */
function operationMatcher(document: { paths: Record<string, Record<string, { operationId: string }>> }) {
  const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      operationId: operation.operationId,
    })),
  );
  return (method: string, url: string) =>
    routes.find((route) => route.method === method && route.pattern.test(new URL(url).pathname))?.operationId;
}

async function main() {
  const smtp = await startSmtpServer();
  const failures: string[] = [];
  const services = createServiceRunner({
    logs,
    onUnexpectedExit: (why) => failures.push(why),
  });
  const system = await nativeSystem({
    services,
    name: 'fuzz',
    run,
    smtpUrl: smtp.url,
    // Traced into the Jaeger `npm test` provisions, as `npm start` runs: the trace view reads it.
    everyService: {
      OTEL_EXPORTER_OTLP_ENDPOINT: required('JAEGER_OTLP_URL'),
      VALIDATE_RESPONSES: 'true',
      ...raisedSettings,
    },
    gateway: { JAEGER_QUERY_URL: required('JAEGER_QUERY_URL') },
  });
  const { gatewayUrl, mongo } = system;
  process.stdout.write(`fuzz run ${run}; raised for this run: ${JSON.stringify(raisedSettings)}\n`);
  try {
    await system.start();

    // The two callers: a learner who signs up, and an author (who also learns) made by the
    // bootstrap command, as an operator would.
    const learner = { email: `learner-${run}@syllabus.test`, password: `learner-${randomUUID()}` };
    const signup = await fetch(`${gatewayUrl}/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...learner, displayName: 'Fuzzing learner' }),
    });
    if (signup.status !== 201) throw new Error(`the learner's sign-up answered ${signup.status}`);
    const author = { email: `author-${run}@syllabus.test`, password: `author-${randomUUID()}` };
    services.runToEnd('user-progress', 'dist/src/bootstrap-user.js', {
      ...mongo,
      BOOTSTRAP_EMAIL: author.email,
      BOOTSTRAP_PASSWORD: author.password,
      BOOTSTRAP_ROLES: 'author,learner',
    });

    const document = (await (await fetch(`${gatewayUrl}/v1/openapi.json`)).json()) as Parameters<
      typeof operationMatcher
    >[0];
    const operationOf = operationMatcher(document);
    const twoHundreds = new Map<string, number>(
      Object.values(document.paths).flatMap((methods) =>
        Object.values(methods).map((operation) => [operation.operationId, 0] as [string, number]),
      ),
    );
    for (const [role, account] of [
      ['learner', learner],
      ['author', author],
    ] as const) {
      const har = join(logs, `${role}.har`);
      process.stdout.write(`\n== Schemathesis as the ${role} (${examples} cases per operation and phase)\n`);
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(
          schemathesis,
          [
            '--config-file',
            join(__dirname, '..', '..', 'fuzz', 'schemathesis.toml'),
            'run',
            `${gatewayUrl}/v1/openapi.json`,
            '--max-examples',
            examples,
            '--report',
            'har',
            '--report-har-path',
            har,
            '--no-color',
          ],
          {
            stdio: 'inherit',
            env: {
              ...process.env,
              SCHEMATHESIS_HOOKS: 'hooks',
              PYTHONPATH: join(root, 'infra', 'fuzz'),
              FUZZ_GATEWAY: gatewayUrl,
              FUZZ_EMAIL: account.email,
              FUZZ_PASSWORD: account.password,
            },
          },
        );
        child.once('exit', resolve);
      });
      if (code !== 0) failures.push(`Schemathesis as the ${role} exited with ${code} (findings above)`);
      if (!existsSync(har)) continue;
      const entries = (JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: HarEntry[] } }).log.entries;
      for (const entry of entries) {
        const operationId = operationOf(entry.request.method, entry.request.url);
        if (operationId && entry.response.status >= 200 && entry.response.status < 300)
          twoHundreds.set(operationId, (twoHundreds.get(operationId) ?? 0) + 1);
      }
    }

    // Schemathesis reads the document from /v1/openapi.json before anything else and does not
    // request it again as a test case: that load (200, or it stops) is the operation's answer.
    twoHundreds.set('openApi', (twoHundreds.get('openApi') ?? 0) + 2);
    process.stdout.write('\n2xx answers per operation (both runs; openApi: the document as loaded):\n');
    for (const [operationId, count] of [...twoHundreds].sort(([a], [b]) => a.localeCompare(b))) {
      process.stdout.write(`  ${String(count).padStart(5)}  ${operationId}\n`);
      if (count === 0) failures.push(`${operationId} never answered 2xx`);
    }
    writeFileSync(join(logs, 'summary.json'), JSON.stringify(Object.fromEntries(twoHundreds), null, 2));
  } finally {
    await services.stopAll();
    await system.removeData();
    await smtp.close();
  }
  if (failures.length > 0) {
    process.stdout.write(`\nFAILED (logs in ${logs}):\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`\nno findings; every operation answered 2xx at least once (logs in ${logs})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
