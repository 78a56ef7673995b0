import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  createPolicyModel,
  edgeKey,
  environmentOf,
  templateOf,
  urlTargets,
  workloads,
  type Edge,
  type Endpoint,
  type K8sObject,
} from './network-model';

// From the rendered manifests, which workload may reach which (and which host outside the
// cluster) on which port, compared with the system's call graph as its configuration states it:
// every URL a workload is given (ConfigMap, Secrets, env), what the Ingress routes, what
// Prometheus scrapes, and DNS. Every needed path open, nothing else.
const k8sDir = process.env.SYLLABUS_K8S_DIR ?? join(__dirname, '..', '..', '..', 'k8s');
const namespace = 'syllabus';

function render(overlay: string): K8sObject[] {
  const yaml = execFileSync('kubectl', ['kustomize', join(k8sDir, 'overlays', overlay)], {
    encoding: 'utf8',
  });
  return parseAllDocuments(yaml).map((doc) => doc.toJS() as K8sObject);
}

const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: 'TCP' as const }));
/** The cluster's own components the system talks to, and two hosts outside it. */
const outside: Endpoint[] = [
  {
    name: 'ingress-nginx',
    namespace: 'ingress-nginx',
    labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
    ports: [],
    governed: false,
  },
  {
    name: 'prometheus',
    namespace: 'monitoring',
    labels: { 'app.kubernetes.io/name': 'prometheus' },
    ports: [],
    governed: false,
  },
  {
    name: 'otel-collector',
    namespace: 'monitoring',
    labels: { 'app.kubernetes.io/name': 'otel-collector' },
    ports: tcp(4318),
    governed: false,
  },
  {
    name: 'kube-dns',
    namespace: 'kube-system',
    labels: { 'k8s-app': 'kube-dns' },
    ports: [{ port: 53, protocol: 'UDP' }, ...tcp(53)],
    governed: false,
  },
  {
    name: 'internet',
    ip: '93.184.216.34',
    ports: tcp(25, 443, 465, 587, 5432, 5671, 5672, 6379, 27017),
    governed: false,
  },
  {
    name: 'managed-network',
    ip: '10.20.1.5',
    ports: tcp(443, 5432, 5671, 5672, 6379, 6380, 27017),
    governed: false,
  },
];

// Facts of the services that are not URLs in their configuration: notification posts webhooks to
// HTTPS endpoints anywhere; with managed stores (no URL in the manifests, only the Secret's key),
// the key names the kind of store.
const alwaysNeeded: Edge[] = [{ from: 'notification', to: 'internet', port: 443, protocol: 'TCP' }];
const managedStores: Record<string, { to: string; ports: number[] }> = {
  'catalog-postgres-url': { to: 'managed-network', ports: [5432] },
  'notification-postgres-url': { to: 'managed-network', ports: [5432] },
  'redis-url': { to: 'managed-network', ports: [6379, 6380] },
  'cache-redis-url': { to: 'managed-network', ports: [6379, 6380] },
  'rabbitmq-url': { to: 'managed-network', ports: [5671, 5672] },
  'mongodb-url': { to: 'managed-network', ports: [27017] },
  'smtp-url': { to: 'internet', ports: [465, 587] },
};

function neededEdges(objects: K8sObject[], pods: Endpoint[]): Edge[] {
  const edges: Edge[] = [...alwaysNeeded];
  const services = objects.filter((o) => o.kind === 'Service');
  const podsOfService = (name: string) => {
    const service = services.find((s) => s.metadata.name === name);
    if (!service) return [];
    const spec = service.spec as {
      selector: Record<string, string>;
      ports: { port: number; targetPort?: number | string; name?: string }[];
    };
    return pods
      .filter((pod) => Object.entries(spec.selector).every(([key, value]) => pod.labels?.[key] === value))
      .map((pod) => ({ pod, spec }));
  };
  const targetPort = (
    pod: Endpoint,
    spec: { ports: { port: number; targetPort?: number | string; name?: string }[] },
    port: number | string,
  ) => {
    const servicePort = spec.ports.find((p) => p.port === port || p.name === port);
    const target = servicePort?.targetPort ?? servicePort?.port ?? port;
    return typeof target === 'number' ? target : pod.ports.find((p) => p.name === target)!.port;
  };

  for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
    const rules = (
      ingress.spec as {
        rules: {
          http: {
            paths: { backend: { service: { name: string; port: { name?: string; number?: number } } } }[];
          };
        }[];
      }
    ).rules;
    for (const { backend } of rules.flatMap((rule) => rule.http.paths)) {
      for (const { pod, spec } of podsOfService(backend.service.name)) {
        const port = targetPort(pod, spec, backend.service.port.number ?? backend.service.port.name!);
        edges.push({ from: 'ingress-nginx', to: pod.name, port, protocol: 'TCP' });
      }
    }
  }
  for (const workload of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const name = workload.metadata.name;
    const scrapePort = templateOf(workload).metadata.annotations?.['prometheus.io/port'];
    if (scrapePort) edges.push({ from: 'prometheus', to: name, port: Number(scrapePort), protocol: 'TCP' });
    if (workload.kind !== 'Deployment') continue;
    edges.push(
      { from: name, to: 'kube-dns', port: 53, protocol: 'UDP' },
      { from: name, to: 'kube-dns', port: 53, protocol: 'TCP' },
    );
    const environment = environmentOf(workload, objects);
    // Addresses it connects to: the *_URL and *_ENDPOINT keys (an issuer or an origin is a name).
    for (const target of urlTargets(environment.filter(({ key }) => /_(URL|ENDPOINT)$/.test(key)))) {
      if (target.namespace && target.namespace !== namespace) {
        const external = outside.find((o) => o.namespace === target.namespace && o.name === target.service);
        assert.ok(
          external,
          `${name} calls ${target.service}.${target.namespace}, which this model does not know`,
        );
        edges.push({ from: name, to: external.name, port: target.port, protocol: 'TCP' });
        continue;
      }
      for (const { pod, spec } of podsOfService(target.service)) {
        if (pod.name !== name)
          edges.push({ from: name, to: pod.name, port: targetPort(pod, spec, target.port), protocol: 'TCP' });
      }
    }
    for (const { value, secretKey } of environment) {
      const managed = secretKey && !value ? managedStores[secretKey] : undefined;
      for (const port of managed?.ports ?? [])
        edges.push({ from: name, to: managed!.to, port, protocol: 'TCP' });
    }
  }
  return edges;
}

function allowedEdges(objects: K8sObject[], pods: Endpoint[]): Edge[] {
  const model = createPolicyModel(objects, namespace);
  const edges: Edge[] = [];
  for (const from of [...pods, ...outside]) {
    for (const to of [...pods, ...outside]) {
      if (from === to || (!from.governed && !to.governed)) continue;
      for (const { port, protocol } of to.ports) {
        if (model.allows(from, to, port, protocol))
          edges.push({ from: from.name, to: to.name, port, protocol });
      }
    }
  }
  return edges;
}

describe('NetworkPolicies against the call graph', () => {
  for (const overlay of ['local', 'production']) {
    it(`when the ${overlay} overlay is deployed, then every path the services need is open, and nothing else`, () => {
      const objects = render(overlay);
      const pods = workloads(objects, namespace);
      const needed = new Set(neededEdges(objects, pods).map(edgeKey));
      const allowed = new Set(allowedEdges(objects, pods).map(edgeKey));
      const missing = [...needed].filter((edge) => !allowed.has(edge)).sort();
      const extra = [...allowed].filter((edge) => !needed.has(edge)).sort();
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
      // The graph is the system's: the gateway reaches the three services, each reaches the JWKS.
      for (const service of ['catalog', 'user-progress', 'notification']) {
        assert.ok(needed.has(`${service} → gateway:8080/TCP`), `${service} fetches the JWKS`);
        assert.ok(
          [...needed].some((edge) => edge.startsWith(`gateway → ${service}:`)),
          `gateway routes to ${service}`,
        );
      }
    });
  }
});
