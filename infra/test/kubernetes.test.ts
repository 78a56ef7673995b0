import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { configSchema as gatewayConfig } from '@syllabus/gateway/config';

// Each overlay is built with `kubectl kustomize` and every object checked against Kubernetes'
// own schemas, strictly (unknown fields refused), with kubernetes-validate. No cluster needed.
const root = join(__dirname, '..', '..', '..');
// Another tree's manifests can be checked with SYLLABUS_K8S_DIR (e.g. an older release's).
const k8sDir = process.env.SYLLABUS_K8S_DIR ?? join(root, 'k8s');
const validator = process.env.KUBERNETES_VALIDATE ?? 'kubernetes-validate';
const appServices = ['gateway', 'catalog', 'user-progress', 'notification'];

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

function build(overlay: string) {
  const yaml = execFileSync('kubectl', ['kustomize', join(k8sDir, 'overlays', overlay)], {
    encoding: 'utf8',
  });
  const objects = parseAllDocuments(yaml).map((doc) => doc.toJS() as K8sObject);
  return { yaml, objects };
}

function validate(yaml: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'k8s-')), 'objects.yaml');
  writeFileSync(file, yaml);
  return spawnSync(validator, ['--strict', '--quiet', '--kubernetes-version', '1.33.0', file], {
    encoding: 'utf8',
  });
}

const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('Kubernetes manifests', () => {
  it('when a manifest has an unknown field, then the validator refuses it (it is really checking)', () => {
    const result = validate(
      'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 80}], colour: blue}\n',
    );
    assert.notEqual(result.status, 0, result.stdout);
  });

  for (const overlay of ['local', 'production']) {
    it(`when the ${overlay} overlay is built, then every object is valid against the Kubernetes 1.33 schemas`, () => {
      const { yaml, objects } = build(overlay);
      const result = validate(yaml);
      assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
      assert.ok(objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'syllabus'));
    });

    it(`when the ${overlay} overlay is deployed, then each service is probed, bounded, non-root and spread`, () => {
      const { objects } = build(overlay);
      for (const name of appServices) {
        const deployment = find(objects, 'Deployment', name) as unknown as {
          spec: {
            template: {
              spec: { containers: Record<string, unknown>[]; topologySpreadConstraints?: unknown[] };
            };
          };
        };
        assert.ok(deployment, `${name} Deployment`);
        const [container] = deployment.spec.template.spec.containers as {
          startupProbe?: unknown;
          readinessProbe?: { httpGet: { path: string } };
          livenessProbe?: unknown;
          resources: { requests?: Record<string, string>; limits?: Record<string, string> };
          securityContext: Record<string, unknown>;
        }[];
        assert.ok(container!.startupProbe && container!.livenessProbe, `${name} startup and liveness probes`);
        assert.equal(container!.readinessProbe?.httpGet.path, '/health/ready');
        assert.equal(
          (container!.readinessProbe?.httpGet as { port?: string }).port,
          'operator',
          'probes on the operator port',
        );
        assert.ok(
          container!.resources.requests?.cpu && container!.resources.limits?.memory,
          `${name} requests and limits`,
        );
        assert.equal(container!.securityContext.runAsNonRoot, true);
        assert.equal(container!.securityContext.readOnlyRootFilesystem, true);
        assert.equal(container!.securityContext.allowPrivilegeEscalation, false);
        assert.ok(deployment.spec.template.spec.topologySpreadConstraints?.length, `${name} topology spread`);
        assert.ok(find(objects, 'Service', name), `${name} Service`);
        assert.ok(find(objects, 'PodDisruptionBudget', name), `${name} PodDisruptionBudget`);
      }
      assert.ok(find(objects, 'NetworkPolicy', 'default-deny'), 'default-deny NetworkPolicy');
      const ingress = find(objects, 'Ingress', 'gateway') as unknown as {
        spec: { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] };
      };
      assert.equal(ingress.spec.rules[0]!.http.paths[0]!.backend.service.name, 'gateway');
      assert.ok(find(objects, 'ConfigMap', 'syllabus-config'));
    });
  }

  it('when production scales notification, then on queue depth (KEDA) instead of a CPU autoscaler', () => {
    const { objects } = build('production');
    const scaled = find(objects, 'ScaledObject', 'notification') as unknown as {
      spec: {
        scaleTargetRef: { name: string };
        triggers: { type: string; metadata: { queueName: string } }[];
      };
    };
    assert.equal(scaled.spec.scaleTargetRef.name, 'notification');
    assert.equal(scaled.spec.triggers[0]!.type, 'rabbitmq');
    assert.equal(scaled.spec.triggers[0]!.metadata.queueName, 'notification.events');
    assert.equal(find(objects, 'HorizontalPodAutoscaler', 'notification'), undefined, 'no second autoscaler');
    assert.ok(find(objects, 'HorizontalPodAutoscaler', 'gateway'));
    assert.equal(
      find(objects, 'Secret', 'syllabus-secrets'),
      undefined,
      'production secrets come from outside',
    );
  });

  it('when production is rendered, then the gateway answers no GraphQL introspection (the SDL is published instead)', () => {
    const config = find(build('production').objects, 'ConfigMap', 'syllabus-config') as unknown as {
      data: Record<string, string>;
    };
    assert.equal(gatewayConfig.shape.GRAPHQL_INTROSPECTION.parse(config.data.GRAPHQL_INTROSPECTION), false);
    const local = find(build('local').objects, 'ConfigMap', 'syllabus-config') as unknown as {
      data: Record<string, string>;
    };
    assert.equal(local.data.GRAPHQL_INTROSPECTION, undefined, 'on where developers explore');
  });

  it('when traces are sampled, then production keeps a stated ratio and no trace view; the local overlay every trace, shown by its Jaeger', () => {
    const settings = (overlay: string) => {
      const { objects } = build(overlay);
      const config = (
        find(objects, 'ConfigMap', 'syllabus-config') as unknown as { data: Record<string, string> }
      ).data;
      const gateway = find(objects, 'Deployment', 'gateway') as unknown as {
        spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
      };
      const env = gateway.spec.template.spec.containers[0]!.env ?? [];
      return { config, traceView: env.find((e) => e.name === 'JAEGER_QUERY_URL')?.value };
    };
    const production = settings('production');
    assert.equal(production.config.OTEL_TRACES_SAMPLER, 'parentbased_traceidratio');
    const ratio = Number(production.config.OTEL_TRACES_SAMPLER_ARG);
    assert.ok(ratio > 0 && ratio < 1, `a ratio (${ratio})`);
    assert.equal(production.traceView, undefined, 'no trace view in production');
    const local = settings('local');
    assert.equal(local.config.OTEL_TRACES_SAMPLER, undefined, 'the SDK default: parent-based, always on');
    assert.equal(local.config.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://jaeger:4318');
    assert.equal(local.traceView, 'http://jaeger:16686');
  });

  it('when the local overlay is deployed, then the datastores run in the cluster and the secrets are generated', () => {
    const { objects } = build('local');
    for (const name of ['postgres', 'mongodb', 'redis', 'redis-cache', 'rabbitmq', 'mailpit']) {
      assert.ok(find(objects, 'StatefulSet', name), `${name} StatefulSet`);
    }
    const cache = (
      find(objects, 'StatefulSet', 'redis-cache') as unknown as { spec: { template: { spec: PodSpec } } }
    ).spec.template.spec.containers[0] as Container & { args?: string[] };
    assert.match(
      cache.args!.join(' '),
      /--maxmemory \d+mb --maxmemory-policy allkeys-lru/,
      'the cache is capped and evicts',
    );
    assert.ok(find(objects, 'Secret', 'syllabus-secrets'));
  });

  for (const overlay of ['local', 'production']) {
    it(`when the ${overlay} overlay is applied for a release, then migrations run before new pods serve, and nothing in it is an immutable Job`, () => {
      const { objects } = build(overlay);
      assert.deepEqual(
        objects.filter((o) => o.kind === 'Job').map((o) => o.metadata.name),
        [],
        'no Job to re-create on the next apply',
      );
      const initOf = (name: string) =>
        (find(objects, 'Deployment', name) as unknown as { spec: { template: { spec: PodSpec } } }).spec
          .template.spec.initContainers ?? [];
      const run = (containers: Container[]) =>
        containers.map(
          (c) =>
            `${c.command?.join(' ')} <${c.env?.find((e) => e.name === 'POSTGRES_URL')?.valueFrom?.secretKeyRef?.key}>`,
        );
      assert.deepEqual(run(initOf('catalog')), [
        'node service/dist/src/migrate.js <catalog-postgres-url>',
        'node service/dist/src/seed/main.js <catalog-postgres-url>',
      ]);
      assert.deepEqual(run(initOf('notification')), [
        'node service/dist/src/migrate.js <notification-postgres-url>',
      ]);
    });

    it(`when the ${overlay} overlay routes traffic, then only public ports: health and metrics are on an operator port no Service or Ingress exposes`, () => {
      const { objects } = build(overlay);
      for (const name of appServices) {
        const deployment = find(objects, 'Deployment', name) as unknown as {
          spec: { template: { spec: PodSpec; metadata: { annotations: Record<string, string> } } };
        };
        const ports = deployment.spec.template.spec.containers[0]!.ports!;
        const operator = ports.find((p) => p.name === 'operator')!;
        const service = find(objects, 'Service', name) as unknown as {
          spec: { ports: { targetPort: string | number }[] };
        };
        assert.deepEqual(
          service.spec.ports.map((p) => p.targetPort),
          ['http'],
          `${name}'s Service exposes only its public port`,
        );
        assert.notEqual(operator.containerPort, ports.find((p) => p.name === 'http')!.containerPort);
        assert.equal(
          deployment.spec.template.metadata.annotations['prometheus.io/port'],
          String(operator.containerPort),
        );
      }
      const ingress = find(objects, 'Ingress', 'gateway') as unknown as {
        spec: { rules: { http: { paths: { backend: { service: { port: { name: string } } } }[] } }[] };
      };
      assert.deepEqual(
        ingress.spec.rules.flatMap((r) => r.http.paths.map((p) => p.backend.service.port.name)),
        ['http'],
      );
    });
  }

  it('when the local overlay is deployed, then its databases are made by the migrations, its HPAs allow one replica, its images are the ones the local script loads, and a demo author is bootstrapped', () => {
    const { objects } = build('local');
    for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
      assert.equal((hpa.spec as { minReplicas: number }).minReplicas, 1, `${hpa.metadata.name} min replicas`);
    }
    for (const name of appServices) {
      const deployment = find(objects, 'Deployment', name) as unknown as {
        spec: { replicas: number; template: { spec: PodSpec } };
      };
      assert.equal(deployment.spec.replicas, 1);
      for (const container of [
        ...deployment.spec.template.spec.containers,
        ...(deployment.spec.template.spec.initContainers ?? []),
      ]) {
        assert.equal(
          container.image,
          `syllabus/${name}:dev`,
          `${name}/${container.name} runs the image scripts/k8s-local.sh loads`,
        );
      }
    }
    const script = readFileSync(join(root, 'scripts', 'k8s-local.sh'), 'utf8');
    assert.match(script, /kind load|minikube image load/);
    const bootstrap = (
      find(objects, 'Deployment', 'user-progress') as unknown as { spec: { template: { spec: PodSpec } } }
    ).spec.template.spec.initContainers!.find((c) => c.name === 'bootstrap-author')!;
    assert.deepEqual(bootstrap.command, ['node', 'service/dist/src/bootstrap-user.js']);
    assert.equal(bootstrap.env!.find((e) => e.name === 'BOOTSTRAP_ROLES')!.value, 'author');
  });
});

interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
}
