// A model of Kubernetes NetworkPolicy semantics over rendered manifests: which workload may open a
// connection to which other (or to which host outside the cluster) on which port. Pod-to-pod
// traffic needs the sender's egress and the receiver's ingress to allow it; a policy that selects
// a pod for a direction denies that direction except what some such policy allows. An ipBlock
// matches only addresses outside the cluster: some network plugins never match pod addresses
// with it, so a path that relies on that is treated as closed.

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  port?: number | string;
  protocol?: string;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
interface PolicySpec {
  podSelector: Selector;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
}

/** A workload in the cluster (its pods), or a host outside it. */
export interface Endpoint {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  /** Outside the cluster: an IP address. */
  ip?: string;
  ports: { port: number; protocol: 'TCP' | 'UDP'; name?: string }[];
  /** Whether this namespace's policies govern it (the application's own namespace). */
  governed: boolean;
}

export interface Edge {
  from: string;
  to: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}
export const edgeKey = (edge: Edge) => `${edge.from} → ${edge.to}:${edge.port}/${edge.protocol}`;

export function matches(selector: Selector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    if (operator === 'In' && !(has && values.includes(labels[key]!))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key]!)) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const ipToNumber = (ip: string) => ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToNumber(base) / size) * size;
  return ipToNumber(ip) >= start && ipToNumber(ip) < start + size;
}

function peerMatches(peer: Peer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock) {
    return (
      endpoint.ip !== undefined &&
      inCidr(endpoint.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((cidr) => inCidr(endpoint.ip!, cidr))
    );
  }
  if (endpoint.ip !== undefined || endpoint.namespace === undefined) return false;
  const namespaceLabels = { 'kubernetes.io/metadata.name': endpoint.namespace };
  const namespaceOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, namespaceLabels)
    : endpoint.namespace === policyNamespace;
  const podOk = peer.podSelector ? matches(peer.podSelector, endpoint.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(ports: PolicyPort[] | undefined, target: Endpoint, port: number, protocol: string) {
  if (!ports || ports.length === 0) return true;
  return ports.some((candidate) => {
    if ((candidate.protocol ?? 'TCP') !== protocol) return false;
    if (candidate.port === undefined) return true;
    if (typeof candidate.port === 'number') return candidate.port === port;
    return target.ports.some((p) => p.name === candidate.port && p.port === port);
  });
}

export function createPolicyModel(objects: K8sObject[], namespace: string) {
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => ({ namespace: o.metadata.namespace ?? namespace, spec: o.spec as unknown as PolicySpec }));
  const selecting = (endpoint: Endpoint, type: 'Ingress' | 'Egress') =>
    endpoint.governed
      ? policies.filter(
          (p) =>
            p.namespace === endpoint.namespace &&
            matches(p.spec.podSelector, endpoint.labels) &&
            (p.spec.policyTypes ?? ['Ingress']).includes(type),
        )
      : [];

  return {
    allows(from: Endpoint, to: Endpoint, port: number, protocol: 'TCP' | 'UDP'): boolean {
      const egressPolicies = selecting(from, 'Egress');
      const egressOk =
        egressPolicies.length === 0 ||
        egressPolicies.some((p) =>
          (p.spec.egress ?? []).some(
            (rule) =>
              (rule.to === undefined || rule.to.some((peer) => peerMatches(peer, p.namespace, to))) &&
              portMatches(rule.ports, to, port, protocol),
          ),
        );
      const ingressPolicies = selecting(to, 'Ingress');
      const ingressOk =
        ingressPolicies.length === 0 ||
        ingressPolicies.some((p) =>
          (p.spec.ingress ?? []).some(
            (rule) =>
              (rule.from === undefined || rule.from.some((peer) => peerMatches(peer, p.namespace, from))) &&
              portMatches(rule.ports, to, port, protocol),
          ),
        );
      return egressOk && ingressOk;
    },
  };
}

interface Container {
  name: string;
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
    };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { containerPort: number; protocol?: 'TCP' | 'UDP'; name?: string }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[] };
}

export const templateOf = (workload: K8sObject) => (workload.spec as { template: PodTemplate }).template;

/** The application's workloads as endpoints: labels and the ports their containers listen on. */
export function workloads(objects: K8sObject[], namespace: string): Endpoint[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => {
      const template = templateOf(o);
      return {
        name: o.metadata.name,
        namespace,
        labels: template.metadata.labels,
        governed: true,
        ports: template.spec.containers.flatMap((c) =>
          (c.ports ?? []).map((p) => ({
            port: p.containerPort,
            protocol: p.protocol ?? 'TCP',
            name: p.name,
          })),
        ),
      };
    });
}

/** Every environment value a workload's containers (init containers too) are given, resolved. */
export function environmentOf(
  workload: K8sObject,
  objects: K8sObject[],
): { key: string; value: string; secretKey?: string }[] {
  const data = (kind: string, name: string) => {
    const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!object) return undefined;
    if (kind === 'Secret')
      return {
        ...Object.fromEntries(
          Object.entries(object.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        ),
        ...object.stringData,
      };
    return object.data ?? {};
  };
  const template = templateOf(workload);
  const values: { key: string; value: string; secretKey?: string }[] = [];
  for (const container of [...template.spec.containers, ...(template.spec.initContainers ?? [])]) {
    for (const source of container.envFrom ?? []) {
      const ref = source.configMapRef ?? source.secretRef;
      const found = ref && data(source.configMapRef ? 'ConfigMap' : 'Secret', ref.name);
      for (const [key, value] of Object.entries(found ?? {})) values.push({ key, value });
    }
    for (const variable of container.env ?? []) {
      if (variable.value !== undefined) values.push({ key: variable.name, value: variable.value });
      const secret = variable.valueFrom?.secretKeyRef;
      if (secret)
        values.push({
          key: variable.name,
          value: data('Secret', secret.name)?.[secret.key] ?? '',
          secretKey: secret.key,
        });
      const config = variable.valueFrom?.configMapKeyRef;
      if (config)
        values.push({ key: variable.name, value: data('ConfigMap', config.name)?.[config.key] ?? '' });
    }
  }
  return values;
}

const defaultPorts: Record<string, number> = {
  http: 80,
  https: 443,
  postgres: 5432,
  postgresql: 5432,
  redis: 6379,
  rediss: 6380,
  amqp: 5672,
  amqps: 5671,
  mongodb: 27017,
  smtp: 25,
  smtps: 465,
};

/** The host, port and scheme of each URL among the values (`name` or `name.namespace[.svc…]`). */
export function urlTargets(values: { value: string }[]) {
  const targets: { service: string; namespace?: string; port: number; scheme: string }[] = [];
  for (const { value } of values) {
    for (const candidate of value.split(',')) {
      if (!/^[a-z][a-z0-9+.-]*:\/\//.test(candidate.trim())) continue;
      const url = new URL(candidate.trim());
      const scheme = url.protocol.replace(/:$/, '');
      const [service, namespace] = url.hostname.split('.');
      targets.push({
        service: service!,
        namespace,
        port: Number(url.port) || defaultPorts[scheme] || 0,
        scheme,
      });
    }
  }
  return targets;
}
