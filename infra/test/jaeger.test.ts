// One Jaeger configuration for every way Syllabus runs: the native run, docker compose and the
// local Kubernetes overlay all start Jaeger with infra/jaeger/config.yaml, and the file, rendered
// by Jaeger itself with each one's variables, is valid and listens where it should.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import {
  jaegerConfigFile,
  jaegerWith,
  nativeJaegerEnv,
  renderJaegerConfig,
  root,
  type RenderedJaeger,
} from './jaeger-config';

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface K8sObject {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    template?: {
      spec: { containers: Container[]; volumes?: { name: string; configMap?: { name: string } }[] };
    };
  };
}

const compose = () =>
  (
    parse(execFileSync('docker-compose', ['config'], { cwd: root, encoding: 'utf8' })) as {
      services: Record<
        string,
        {
          command?: string[];
          environment?: Record<string, string>;
          /** `source:target[:mode]`, as docker-compose 1 prints them. */
          volumes?: string[];
        }
      >;
    }
  ).services.jaeger!;

const localOverlay = () =>
  parseAllDocuments(
    execFileSync('kubectl', ['kustomize', join(root, 'k8s', 'overlays', 'local')], { encoding: 'utf8' }),
  ).map((doc) => doc.toJS() as K8sObject);

/**
 * Every address the rendered configuration listens on: each `endpoint` that is host:port and each
 * `host` beside a `port`. Left out: URLs (a client's, like the Prometheus it reads) and the health
 * check's v1 `endpoint`, unused once `use_v2` is set.
 */
function listeners(config: RenderedJaeger): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (!value || typeof value !== 'object') return;
    const object = value as Record<string, unknown>;
    if (typeof object.endpoint === 'string' && !/^\w+:\/\//.test(object.endpoint))
      if (path !== 'extensions.healthcheckv2') found.push(`${path}: ${object.endpoint}`);
    if (typeof object.host === 'string' && typeof object.port === 'number')
      found.push(`${path}: ${object.host}:${object.port}`);
    for (const [key, child] of Object.entries(object)) walk(child, path ? `${path}.${key}` : key);
  };
  walk(config, '');
  return found;
}

describe('the Jaeger configuration', () => {
  it('when the native run renders it, then it is valid and every listener is on loopback, on the native ports, with the native cap', () => {
    const env = nativeJaegerEnv();
    jaegerWith('validate', env);
    const config = renderJaegerConfig(env);
    const bound = listeners(config);
    // OTLP over gRPC and HTTP, the query service's HTTP and gRPC, health, and two metrics endpoints.
    assert.equal(bound.length, 7, bound.join('\n'));
    for (const listener of bound) assert.match(listener, /: 127\.0\.0\.1:\d+$/, listener);
    const ports = bound.map((listener) => listener.split(':').at(-1)).sort();
    assert.deepEqual(
      ports,
      Object.entries(env)
        .filter(([key]) => key.endsWith('_PORT'))
        .map(([, port]) => port)
        .sort(),
    );
    assert.equal(
      config.extensions.jaeger_storage.backends.traces_in_memory?.memory?.max_traces,
      Number(env.JAEGER_MAX_TRACES),
    );
  });

  it('when docker compose and the local overlay render it, then it is valid and listens on every interface, on the standard ports', () => {
    const composed = compose().environment ?? {};
    const statefulSet = localOverlay().find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'jaeger')!;
    const kubernetes = Object.fromEntries(
      (statefulSet.spec!.template!.spec.containers[0]!.env ?? []).map(({ name, value }) => [
        name,
        value ?? '',
      ]),
    );
    for (const [where, env] of [
      ['compose', composed],
      ['the local overlay', kubernetes],
    ] as const) {
      jaegerWith('validate', env);
      const bound = listeners(renderJaegerConfig(env));
      assert.equal(bound.length, 7, `${where}: ${bound.join(', ')}`);
      for (const listener of bound) assert.match(listener, /: 0\.0\.0\.0:\d+$/, `${where}: ${listener}`);
      assert.ok(
        bound.some((l) => l.endsWith(':4318')) && bound.some((l) => l.endsWith(':16686')),
        `${where}: OTLP/HTTP on 4318 and the query service on 16686`,
      );
    }
  });

  it('when compose, the local overlay and the native run start Jaeger, then each with this one file', () => {
    const file = readFileSync(jaegerConfigFile, 'utf8');
    // compose mounts it where its command points.
    const jaeger = compose();
    const mounted = jaeger.volumes?.map((v) => v.split(':')).find(([source]) => source === jaegerConfigFile);
    assert.ok(mounted, `compose mounts ${jaegerConfigFile}`);
    assert.deepEqual(jaeger.command, ['--config', mounted[1]]);
    // The overlay: a ConfigMap made from it, mounted where the container's arguments point.
    const objects = localOverlay();
    const statefulSet = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'jaeger')!;
    const pod = statefulSet.spec!.template!.spec;
    const configMap = objects.find(
      (o) =>
        o.kind === 'ConfigMap' && o.metadata.name === pod.volumes?.find((v) => v.configMap)?.configMap?.name,
    );
    assert.equal(configMap?.data?.['config.yaml'], file, 'the ConfigMap holds the file as it is');
    const mount = pod.containers[0]!.volumeMounts?.find((m) => m.name === pod.volumes![0]!.name);
    assert.deepEqual(pod.containers[0]!.args, ['--config', `${mount!.mountPath}/config.yaml`]);
    // The native run.
    const script = readFileSync(join(root, 'scripts', 'backing-services.sh'), 'utf8');
    assert.match(script, /--config "\$ROOT\/infra\/jaeger\/config\.yaml"/);
  });
});
