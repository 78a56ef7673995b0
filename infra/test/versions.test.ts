import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { declaredNodeMajor, root } from '../images/engine';

// What the system stands on, each written once: the Node.js major in the Dockerfile's base image,
// the third-party images in k8s/overlays/local/images.env (compose's `.env`). These tests read
// what the tools make of those files, not the files' text alone.
const imagesFile = join(root, 'k8s', 'overlays', 'local', 'images.env');
const declaredImages = Object.fromEntries(
  readFileSync(imagesFile, 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split('=') as [string, string]),
);

/** Every container image of the rendered manifests, by workload name and container name. */
function kustomizedImages() {
  const yaml = execFileSync('kubectl', ['kustomize', join(root, 'k8s', 'overlays', 'local')], {
    encoding: 'utf8',
  });
  const images: Record<string, string> = {};
  for (const doc of parseAllDocuments(yaml)) {
    const object = doc.toJS() as {
      kind: string;
      spec?: { template?: { spec?: { containers?: { name: string; image: string }[] } } };
    };
    for (const container of object.spec?.template?.spec?.containers ?? [])
      images[container.name] = container.image;
  }
  return images;
}

/** The services as `docker-compose config` resolves the file (`.env` interpolated). */
const composeConfig = () =>
  parse(execFileSync('docker-compose', ['config'], { cwd: root, encoding: 'utf8' })) as {
    services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string> }>;
  };

/** Every service's image, by service name. */
const composedImages = () =>
  Object.fromEntries(
    Object.entries(composeConfig().services).map(([name, service]) => [name, service.image ?? '']),
  );

const thirdParty = (images: Record<string, string>) =>
  Object.fromEntries(Object.entries(images).filter(([, image]) => !image.startsWith('syllabus/')));

describe('one Node.js major', () => {
  it('when the tests run, then on the major the Dockerfile declares (an even, LTS line of 24 or later)', () => {
    const major = declaredNodeMajor();
    assert.ok(major >= 24 && major % 2 === 0, `Node ${major} is a supported LTS line`);
    assert.equal(
      Number(process.versions.node.split('.')[0]),
      major,
      `this test runner is ${process.version}`,
    );
  });

  it('when a script asks for Node.js, then it is given that major', () => {
    const node = execFileSync('bash', [join(root, 'scripts', 'node.sh')], { encoding: 'utf8' }).trim();
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    assert.match(version, new RegExp(`^v${declaredNodeMajor()}\\.`));
  });

  it('when @types/node is chosen, then of the same major', () => {
    const pinned = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies['@types/node'];
    assert.match(pinned ?? '', new RegExp(`^\\^?${declaredNodeMajor()}\\.`));
  });
});

describe('third-party images', () => {
  it('when compose and the local overlay are rendered, then each runs the images.env version, the same in both', () => {
    const composed = thirdParty(composedImages());
    const kustomized = thirdParty(kustomizedImages());
    const declared = new Set(Object.values(declaredImages));
    assert.deepEqual(
      new Set(Object.values(composed)),
      declared,
      'compose runs every declared image, and only those',
    );
    for (const [name, image] of Object.entries(kustomized)) {
      assert.ok(declared.has(image), `the overlay's ${name} runs a declared image (${image})`);
      if (composed[name]) assert.equal(image, composed[name], `${name}: the overlay runs what compose runs`);
    }
    const shared = Object.keys(kustomized).filter((name) => composed[name]);
    assert.deepEqual(shared.sort(), [
      'jaeger',
      'mailpit',
      'mongodb',
      'postgres',
      'rabbitmq',
      'redis',
      'redis-cache',
    ]);
  });

  it('when a version is chosen, then a supported line: Jaeger v2, RabbitMQ 4, Prometheus 3, MongoDB 8, PostgreSQL 18', () => {
    const line = (key: string, name: string) => {
      const image = declaredImages[key] ?? '';
      assert.ok(image.startsWith(`${name}:`), `${key} is ${name} (${image})`);
      assert.match(image.slice(name.length + 1), /^v?\d+\.\d+/, `${key} pins a release, not a moving major`);
      return Number(/^v?(\d+)/.exec(image.slice(name.length + 1))?.[1]);
    };
    assert.equal(line('JAEGER_IMAGE', 'jaegertracing/jaeger'), 2);
    assert.equal(line('RABBITMQ_IMAGE', 'rabbitmq'), 4);
    assert.equal(line('PROMETHEUS_IMAGE', 'prom/prometheus'), 3);
    assert.ok(line('MONGODB_IMAGE', 'mongo') >= 8);
    assert.ok(line('POSTGRES_IMAGE', 'postgres') >= 18);
    assert.ok(line('REDIS_IMAGE', 'redis') >= 8);
    assert.ok(line('GRAFANA_IMAGE', 'grafana/grafana') >= 12);
    line('MAILPIT_IMAGE', 'axllent/mailpit');
  });

  it('when MongoDB runs in compose or the local overlay, then as a replica set the services name', () => {
    const compose = composeConfig();
    assert.deepEqual(compose.services.mongodb?.command?.slice(0, 2), ['--replSet', 'rs0']);
    for (const name of ['user-progress', 'user-bootstrap'])
      assert.match(compose.services[name]?.environment?.MONGODB_URL ?? '', /\?replicaSet=rs0$/, name);
    const overlay = readFileSync(join(root, 'k8s', 'overlays', 'local', 'kustomization.yaml'), 'utf8');
    assert.match(overlay, /mongodb-url=mongodb:\/\/mongodb:27017\/\?replicaSet=rs0/);
  });
});
