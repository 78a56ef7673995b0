import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { z } from '@syllabus/config';
import { configSchema as catalogConfig } from '@syllabus/catalog/config';
import { configSchema as gatewayConfig } from '@syllabus/gateway/config';
import { configSchema as notificationConfig } from '@syllabus/notification/config';
import { configSchema as userProgressConfig } from '@syllabus/user-progress/config';
import { renderJaegerConfig } from './jaeger-config';

// Validated offline: no Docker engine runs here, so the files are checked for what an engine
// would refuse or what would leave the system broken (missing healthchecks, wrong order).
const root = join(__dirname, '..', '..', '..');
const composeFile = join(root, 'docker-compose.yml');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
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
const dockerfilePath = (build: { context: string; dockerfile: string }) =>
  join(build.context, build.dockerfile);
const configSchemas: Record<string, { shape: { PORT: z.ZodType; OPERATOR_PORT: z.ZodType } }> = {
  gateway: gatewayConfig,
  catalog: catalogConfig,
  'user-progress': userProgressConfig,
  notification: notificationConfig,
};

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
      'redis-cache',
      'rabbitmq',
      'jaeger',
      'prometheus',
      'grafana',
      'mailpit',
      'catalog-migrate',
      'catalog-seed',
      'notification-migrate',
      'keygen',
      'user-bootstrap',
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
            /^HEALTHCHECK /m.test(readFileSync(dockerfilePath(target.build), 'utf8')));
        assert.ok(hasHealthcheck, `${dependency} has a healthcheck (${name} waits for it)`);
      }
    }
  });

  it('when the services start, then the secrets, migrations, seed and demo author were made first', () => {
    const { services } = resolved();
    const waitsFor = (name: string, job: string) =>
      assert.equal(
        services[name]!.depends_on?.[job]?.condition,
        'service_completed_successfully',
        `${name} after ${job}`,
      );
    waitsFor('catalog', 'catalog-seed');
    waitsFor('catalog-seed', 'catalog-migrate');
    waitsFor('notification', 'notification-migrate');
    waitsFor('gateway', 'keygen');
    waitsFor('user-progress', 'keygen');
    for (const name of appServices) {
      assert.equal(
        services[name]!.environment!.OTEL_EXPORTER_OTLP_ENDPOINT,
        'http://jaeger:4318',
        `${name} traces to Jaeger`,
      );
    }
  });

  it('when the images are built, then each once, from the one Dockerfile, with the ports its configuration declares', () => {
    const { services } = resolved();
    const built = Object.entries(services).filter(([, service]) => service.build);
    assert.deepEqual(built.map(([name]) => name).sort(), [...appServices].sort());
    for (const [name, service] of built) {
      assert.equal(dockerfilePath(service.build!), join(root, 'Dockerfile'));
      assert.equal(service.image, `syllabus/${name}:dev`);
      const config = configSchemas[name]!.shape;
      assert.deepEqual(service.build!.args, {
        SERVICE: name,
        PORT: String(config.PORT.parse(undefined)),
        OPERATOR_PORT: String(config.OPERATOR_PORT.parse(undefined)),
      });
    }
    const images = new Set(built.map(([, service]) => service.image));
    for (const [name, service] of Object.entries(services)) {
      if (service.image?.startsWith('syllabus/'))
        assert.ok(images.has(service.image), `${name} runs an image built here`);
    }
  });

  it('when compose starts, then no secret has a default: the shared ones are generated into a volume', () => {
    const text = readFileSync(composeFile, 'utf8');
    assert.doesNotMatch(text, /INTERNAL_TOKEN:/, 'no INTERNAL_TOKEN value, default or not');
    assert.doesNotMatch(text, /JWT_SIGNING_KEYS:/);
    const { services } = resolved();
    for (const name of ['gateway', 'user-progress']) {
      assert.equal(services[name]!.environment!.INTERNAL_TOKEN_FILE, '/keys/internal-token', name);
    }
    assert.equal(services.gateway!.environment!.JWT_SIGNING_KEYS_FILE, '/keys/jwt.json');
    const keygen = services.keygen!.command!.join(' ');
    assert.match(keygen, /\/keys\/internal-token/);
    assert.match(keygen, /generate-keys\.js > \/keys\/jwt\.json/);
  });

  it("when PostgreSQL is checked, then over TCP with a query, which the image's temporary init server cannot answer", () => {
    const { services } = resolved();
    const test = (services.postgres!.healthcheck as { test: string[] }).test.join(' ');
    assert.match(test, /psql -h 127\.0\.0\.1 .*SELECT 1/);
  });

  it('when the system starts, then an author exists from the bootstrap command, and no role comes from an email list', () => {
    const { services } = resolved();
    const bootstrap = services['user-bootstrap']!;
    assert.equal(bootstrap.image, 'syllabus/user-progress:dev');
    assert.deepEqual(bootstrap.command, ['node', 'service/dist/src/bootstrap-user.js']);
    assert.equal(bootstrap.environment!.BOOTSTRAP_ROLES, 'author');
    assert.doesNotMatch(readFileSync(composeFile, 'utf8'), /(ADMIN|AUTHOR)_EMAILS/);
  });

  it("when ports are published, then only the gateway's public one of the services: health and metrics stay inside", () => {
    const { services } = resolved();
    for (const name of appServices) {
      const published = ((services[name] as { ports?: { target: number }[] }).ports ?? []).map(
        (p) => p.target,
      );
      assert.deepEqual(published, name === 'gateway' ? [8080] : [], name);
    }
  });
});

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it("when any service's image is built, then from the one multi-stage, pruned, non-root, health-checked Dockerfile", () => {
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 3, 'multi-stage');
    assert.match(dockerfile, /turbo prune "@syllabus\/\$SERVICE" --docker/);
    assert.match(dockerfile, /npm prune --omit=dev/);
    assert.match(
      dockerfile,
      /trim-workspace\.js "\$SERVICE"/,
      'only the service and its run-time packages stay',
    );
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(runtime, /^USER 1000:1000$/m, 'the runtime stage runs as a non-root user, by number');
    assert.match(runtime, /^HEALTHCHECK .*\n.*OPERATOR_PORT.*\/health\/ready/m);
    assert.match(runtime, /--require", "@syllabus\/telemetry\/register", "service\/dist\/src\/main\.js"/);
    for (const service of appServices)
      assert.ok(!existsSync(join(root, 'services', service, 'Dockerfile')), `no copy for ${service}`);
  });

  // The base image's Node.js line is checked with everything else that runs it (versions.test.ts).
  it('when the pruner installs turbo, then the version the workspace pins', () => {
    const pinned = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies.turbo;
    assert.match(dockerfile, new RegExp(`turbo@${pinned!.replace(/\./g, '\\.')}`));
  });

  it('when hadolint reads the Dockerfile, then it finds nothing', () => {
    const result = spawnSync(process.env.HADOLINT ?? 'hadolint', ['--no-color', join(root, 'Dockerfile')], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
});

describe('observability configuration', () => {
  it("when Prometheus scrapes, then every service is a target, and Jaeger's span metrics where Jaeger serves them", () => {
    const config = parse(readFileSync(join(root, 'infra/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = (job: string) =>
      config.scrape_configs
        .filter((c) => c.job_name === job)
        .flatMap((c) => c.static_configs.flatMap((s) => s.targets))
        .sort();
    assert.deepEqual(targets('syllabus'), [
      'catalog:9081',
      'gateway:9080',
      'notification:9083',
      'user-progress:9082',
    ]);
    // The span-metrics port as compose's Jaeger renders its configuration.
    const jaeger = renderJaegerConfig({ JAEGER_LISTEN_HOST: '0.0.0.0' });
    const port = /:(\d+)$/.exec(jaeger.exporters.prometheus.endpoint)?.[1];
    assert.deepEqual(targets('jaeger-span-metrics'), [`jaeger:${port}`]);
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
      'services/user-progress/src/data-access/learner-relay.ts',
      'services/notification/src/dependencies.ts',
      'services/notification/src/data-access/deliveries.ts',
    ]
      .map((file) => readFileSync(join(root, file), 'utf8'))
      .join('\n');
    for (const metric of exported)
      assert.ok(sources.includes(`'${metric}'`), `${metric} is defined in the code`);
  });

  it("when a latency panel is clicked, then it links to that service's traces of that time in the Jaeger UI compose publishes, and Grafana can query Jaeger", () => {
    const dashboard = JSON.parse(
      readFileSync(join(root, 'infra/grafana/dashboards/syllabus.json'), 'utf8'),
    ) as {
      panels: { title: string; fieldConfig?: { defaults?: { links?: { url: string }[] } } }[];
    };
    const latency = dashboard.panels.find((p) => /latency/.test(p.title))!;
    const link = new URL(latency.fieldConfig?.defaults?.links?.[0]?.url ?? 'missing:');
    const jaeger = resolved().services.jaeger as unknown as { ports: { published: number }[] };
    // The UI's own search page, on the port compose publishes, for the series' service and time.
    assert.ok(
      jaeger.ports.some((p) => String(p.published) === link.port),
      `compose publishes ${link.port}`,
    );
    assert.equal(link.pathname, '/search');
    assert.equal(link.searchParams.get('service'), '${__field.labels.service}');
    assert.equal(link.searchParams.get('start'), '${__from}000', 'Jaeger takes microseconds');
    const source = parse(
      readFileSync(join(root, 'infra/grafana/provisioning/datasources/jaeger.yml'), 'utf8'),
    ) as {
      datasources: { type: string; url: string }[];
    };
    assert.equal(source.datasources[0]?.type, 'jaeger');
    assert.equal(new URL(source.datasources[0].url).hostname, 'jaeger');
  });
});
