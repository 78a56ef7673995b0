import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

// Validated offline: no Docker engine runs here, so the files are checked for what an engine
// would refuse or what would leave the system broken (missing healthchecks, wrong order).
const root = join(__dirname, '..', '..', '..');
const composeFile = join(root, 'docker-compose.yml');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  command?: string[];
}

const resolved = () =>
  parse(execFileSync('docker-compose', ['-f', composeFile, 'config'], { encoding: 'utf8', cwd: root })) as {
    services: Record<string, ComposeService>;
  };

const appServices = ['gateway', 'catalog', 'user-progress', 'notification'];
const dockerfileOf = (service: string) => readFileSync(join(root, 'services', service, 'Dockerfile'), 'utf8');

describe('docker compose', () => {
  it('when docker-compose reads the file, then it is valid', () => {
    execFileSync('docker-compose', ['-f', composeFile, 'config', '-q'], { cwd: root });
  });

  it('when the system is listed, then every backing service and every Syllabus service is there', () => {
    const { services } = resolved();
    for (const name of [
      'postgres',
      'mongodb',
      'redis',
      'rabbitmq',
      'jaeger',
      'prometheus',
      'grafana',
      'mailpit',
      'catalog-migrate',
      'catalog-seed',
      'notification-migrate',
      ...appServices,
    ]) {
      assert.ok(services[name], `${name} is defined`);
    }
    assert.equal(services.mongodb!.image?.startsWith('mongo:'), true, 'the real MongoDB, not FerretDB');
  });

  it('when a service waits for another to be healthy, then that one has a healthcheck', () => {
    const { services } = resolved();
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        assert.ok(
          ['service_healthy', 'service_completed_successfully'].includes(condition),
          `${name} waits for ${dependency} with a condition`,
        );
        if (condition !== 'service_healthy') continue;
        const target = services[dependency]!;
        const hasHealthcheck =
          target.healthcheck !== undefined ||
          (target.build !== undefined &&
            /^HEALTHCHECK /m.test(readFileSync(join(root, target.build.dockerfile), 'utf8')));
        assert.ok(hasHealthcheck, `${dependency} has a healthcheck (${name} waits for it)`);
      }
    }
  });

  it('when the services start, then migrations and the seed ran first, and the catalog starts after its consumers', () => {
    const { services } = resolved();
    assert.equal(services.catalog!.depends_on!['catalog-seed']!.condition, 'service_completed_successfully');
    assert.equal(
      services['catalog-seed']!.depends_on!['catalog-migrate']!.condition,
      'service_completed_successfully',
    );
    assert.equal(
      services.notification!.depends_on!['notification-migrate']!.condition,
      'service_completed_successfully',
    );
    assert.equal(services.catalog!.depends_on!['user-progress']!.condition, 'service_healthy');
    assert.equal(services.catalog!.depends_on!.notification!.condition, 'service_healthy');
    for (const name of appServices) {
      assert.equal(
        services[name]!.environment!.OTEL_EXPORTER_OTLP_ENDPOINT,
        'http://jaeger:4318',
        `${name} traces to Jaeger`,
      );
    }
  });
});

describe('Dockerfiles', () => {
  for (const service of appServices) {
    it(`when ${service}'s image is built, then it is multi-stage, pruned, non-root and health-checked`, () => {
      const dockerfile = dockerfileOf(service);
      assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 3, 'multi-stage');
      assert.match(dockerfile, new RegExp(`turbo prune @syllabus/${service} --docker`));
      assert.match(dockerfile, /npm prune --omit=dev/);
      const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
      assert.match(runtime, /^USER 1000:1000$/m, 'the runtime stage runs as a non-root user, by number');
      assert.match(runtime, /^HEALTHCHECK /m);
      assert.match(runtime, new RegExp(`services/${service}/dist/src/main.js`));
      assert.match(runtime, /--require", "@syllabus\/telemetry\/register"/, 'telemetry is preloaded');
      assert.ok(existsSync(join(root, '.dockerignore')));
    });

    it(`when hadolint reads ${service}'s Dockerfile, then it finds nothing`, () => {
      const result = spawnSync(
        process.env.HADOLINT ?? 'hadolint',
        ['--no-color', join(root, 'services', service, 'Dockerfile')],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(result.status, 0, result.stdout + result.stderr);
    });
  }
});

describe('observability configuration', () => {
  it('when Prometheus scrapes, then every service is a target', () => {
    const config = parse(readFileSync(join(root, 'infra/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    assert.deepEqual(targets.sort(), [
      'catalog:8081',
      'gateway:8080',
      'notification:8083',
      'user-progress:8082',
    ]);
  });

  it('when Grafana loads the dashboard, then its panels query metrics the services export', () => {
    const dashboard = JSON.parse(
      readFileSync(join(root, 'infra/grafana/dashboards/syllabus.json'), 'utf8'),
    ) as {
      panels: { targets: { expr: string }[] }[];
    };
    const expressions = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    const exported = [
      'http_server_request_duration_seconds',
      'cache_lookups_total',
      'outbox_pending_events',
      'outbox_pending_documents',
      'notification_queue_messages',
      'notification_deliveries_total',
    ];
    for (const metric of exported) assert.match(expressions, new RegExp(metric), metric);
    const sources = [
      'packages/service-kit/src/metrics.ts',
      'packages/cache/src/index.ts',
      'services/catalog/src/data-access/outbox.ts',
      'services/user-progress/src/data-access/event-relay.ts',
      'services/notification/src/dependencies.ts',
      'services/notification/src/data-access/deliveries.ts',
    ]
      .map((file) => readFileSync(join(root, file), 'utf8'))
      .join('\n');
    for (const metric of exported)
      assert.ok(sources.includes(`'${metric}'`), `${metric} is defined in the code`);
  });
});
