import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { freePort, waitFor } from '@syllabus/testing';
import { configSchema as catalogConfig } from '@syllabus/catalog/config';
import { configSchema as notificationConfig } from '@syllabus/notification/config';
import { configSchema as userProgressConfig } from '@syllabus/user-progress/config';
import { configSchema as gatewayConfig } from '../src/config';
import { completeCourse, startSystem } from './support';

const configSchemas = {
  gateway: gatewayConfig,
  catalog: catalogConfig,
  'user-progress': userProgressConfig,
  notification: notificationConfig,
};

// Debian's real Prometheus scrapes the four services as they run natively, with the shipped
// configuration (its targets moved from compose's hosts to this machine's ports), and every
// metric the Grafana dashboard queries must be among what it scraped.
const root = join(__dirname, '..', '..', '..', '..');
const shipped = join(root, 'infra', 'prometheus', 'prometheus.yml');
const dashboard = join(root, 'infra', 'grafana', 'dashboards', 'syllabus.json');

interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[] }[];
  scrape_interval?: string;
}

let system: Awaited<ReturnType<typeof startSystem>>;
let prometheus: ChildProcess | undefined;

describe('Prometheus against the running services', () => {
  before(async () => (system = await startSystem()));
  after(async () => {
    prometheus?.kill('SIGTERM');
    await system.stop();
  });

  it('when promtool checks the shipped configuration, then it is valid', () => {
    const result = spawnSync('promtool', ['check', 'config', shipped], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('when Prometheus scrapes the native services, then every target is up and every metric the dashboard queries is there', async () => {
    // Traffic that makes every labelled series exist: a cached read, a completed course (events,
    // a notification, an email delivery attempt).
    const api = system.gateway.app;
    await request(api).get('/v1/courses/http-and-rest').expect(200);
    await completeCourse(api, 'http-and-rest', `prometheus-${Date.now()}@syllabus.test`);

    const config = parse(readFileSync(shipped, 'utf8')) as {
      global?: Record<string, string>;
      scrape_configs: ScrapeConfig[];
    };
    const here: Record<string, string> = {};
    for (const [service, url] of Object.entries(system.operatorUrls)) {
      const port = configSchemas[service as keyof typeof configSchemas].shape.OPERATOR_PORT.parse(undefined);
      here[`${service}:${port}`] = new URL(url).host;
    }
    // The services' job; Jaeger's span metrics (the other job) have no native Jaeger to come from.
    config.scrape_configs = config.scrape_configs.filter((scrape) => scrape.job_name === 'syllabus');
    for (const scrape of config.scrape_configs) {
      scrape.scrape_interval = '1s';
      for (const group of scrape.static_configs) {
        group.targets = group.targets.map((target) => {
          assert.ok(here[target], `${target} is a service's operator port`);
          return here[target];
        });
      }
    }
    const work = mkdtempSync(join(tmpdir(), 'prometheus-'));
    writeFileSync(join(work, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    const api2 = `http://127.0.0.1:${port}/api/v1`;

    const targets = await waitFor(
      async () => {
        const body = (await (await fetch(`${api2}/targets`)).json()) as {
          data: { activeTargets: { scrapeUrl: string; health: string }[] };
        };
        const active = body.data.activeTargets;
        return active.length === 4 && active.every((t) => t.health === 'up') && active;
      },
      { what: 'all four targets up', timeoutMs: 30_000, intervalMs: 250 },
    );
    assert.equal(targets.length, 4);

    const queried = new Set(
      (JSON.parse(readFileSync(dashboard, 'utf8')) as { panels: { targets: { expr: string }[] }[] }).panels
        .flatMap((panel) => panel.targets.map((target) => target.expr))
        .flatMap(
          (expr) =>
            expr.match(
              /\b[a-z_][a-z0-9_]*(?:_total|_seconds(?:_count|_bucket|_sum)?|_events|_documents|_messages)\b/g,
            ) ?? [],
        ),
    );
    assert.ok(queried.size >= 8, `the dashboard's metrics: ${[...queried].join(', ')}`);
    await waitFor(
      async () => {
        const body = (await (await fetch(`${api2}/label/__name__/values`)).json()) as { data: string[] };
        const missing = [...queried].filter((name) => !body.data.includes(name));
        return missing.length === 0 || void (lastMissing = missing);
      },
      { what: 'every dashboard metric among the scraped ones', timeoutMs: 30_000, intervalMs: 500 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; missing: ${lastMissing.join(', ')}`);
    });
  });
});

let lastMissing: string[] = [];
