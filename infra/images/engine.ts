// Builds and runs the images described by docker-compose.yml, with a Docker engine when one
// answers and otherwise with buildah (chroot isolation, no daemon, no registry). Each container
// runs with the entrypoint, command, user, working directory and environment its image and
// compose give it, on the host's network.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const root = join(__dirname, '..', '..', '..');

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[] | string;
  entrypoint?: string[] | string;
  user?: string;
  environment?: Record<string, string | null>;
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  depends_on?: Record<string, { condition: string }>;
  ports?: unknown[];
}

/** docker-compose.yml as the compose tool resolves it (anchors merged, paths absolute). */
export function resolvedCompose(): Record<string, ComposeService> {
  const result = spawnSync('docker-compose', ['-f', join(root, 'docker-compose.yml'), 'config'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`docker-compose config failed: ${result.stderr}`);
  return (parse(result.stdout) as { services: Record<string, ComposeService> }).services;
}

/**
 * The Node.js major everything runs on: the Dockerfile's base image, the one place it is written
 * (scripts/node.sh reads the same line).
 */
export function declaredNodeMajor(): number {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const major = /^FROM node:(\d+)-[^ ]+ AS base$/m.exec(dockerfile)?.[1];
  if (!major) throw new Error("no 'FROM node:<major>-… AS base' line in the Dockerfile");
  return Number(major);
}

export interface ImageConfig {
  Env?: string[];
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  User?: string;
  WorkingDir?: string;
}

export interface RunSpec {
  name: string;
  image: string;
  /** Compose's command, when it overrides the image's. */
  command?: string[];
  user?: string;
  env: Record<string, string>;
  /** host path → container path (`:ro` appended to the container path for read-only). */
  mounts: { source: string; target: string; readOnly: boolean }[];
  logFile: string;
}

export interface Engine {
  name: string;
  build(tag: string, dockerfile: string, context: string, args: Record<string, string>): void;
  inspect(tag: string): ImageConfig;
  run(spec: RunSpec): { child: ChildProcess; remove: () => void };
}

const asList = (value: string[] | string | undefined | null) =>
  value === undefined || value === null ? undefined : Array.isArray(value) ? value : ['sh', '-c', value];

function check(command: string, args: string[], what: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(
      `${what} failed (${command} ${args.slice(0, 3).join(' ')} …):\n${result.stderr.slice(-4000)}`,
    );
  return result.stdout;
}

function spawnLogged(command: string, args: string[], logFile: string): ChildProcess {
  mkdirSync(join(logFile, '..'), { recursive: true });
  // Its own process group, so that stopping it stops everything it started.
  return spawn('sh', ['-c', `exec "$@" >>"${logFile}" 2>&1`, 'sh', command, ...args], {
    stdio: 'ignore',
    detached: true,
  });
}

const buildah: Engine = {
  name: 'buildah (chroot isolation)',
  build(tag, dockerfile, context, args) {
    const buildArgs = Object.entries(args).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
    check(
      'buildah',
      [
        'bud',
        '--isolation',
        'chroot',
        '--format',
        'docker',
        '--layers',
        '--pull=false',
        ...buildArgs,
        '-f',
        dockerfile,
        '-t',
        tag,
        context,
      ],
      `building ${tag}`,
    );
  },
  inspect(tag) {
    const inspected = JSON.parse(
      check('buildah', ['inspect', '--type', 'image', tag], `inspecting ${tag}`),
    ) as {
      Docker?: { config?: ImageConfig };
      OCIv1?: { config?: ImageConfig };
    };
    return inspected.Docker?.config ?? inspected.OCIv1?.config ?? {};
  },
  run(spec) {
    const config = buildah.inspect(spec.image);
    const container = check(
      'buildah',
      ['from', '--pull=false', '--name', spec.name, spec.image],
      `creating ${spec.name}`,
    ).trim();
    const argv = [...(config.Entrypoint ?? []), ...(spec.command ?? config.Cmd ?? [])];
    const imageEnv = (config.Env ?? []).map((pair): [string, string] => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    });
    const env: Record<string, string> = { ...Object.fromEntries(imageEnv), ...spec.env };
    const args = [
      'run',
      '--isolation',
      'chroot',
      '--user',
      spec.user ?? config.User ?? 'root',
      '--workingdir',
      config.WorkingDir || '/',
      ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      ...spec.mounts.flatMap((m) => ['--volume', `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`]),
      container,
      '--',
      ...argv,
    ];
    return {
      child: spawnLogged('buildah', args, spec.logFile),
      remove: () => void spawnSync('buildah', ['rm', container]),
    };
  },
};

const docker: Engine = {
  name: 'Docker engine',
  build(tag, dockerfile, context, args) {
    const buildArgs = Object.entries(args).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
    check('docker', ['build', ...buildArgs, '-f', dockerfile, '-t', tag, context], `building ${tag}`);
  },
  inspect(tag) {
    return (
      JSON.parse(check('docker', ['image', 'inspect', tag], `inspecting ${tag}`)) as { Config: ImageConfig }[]
    )[0]!.Config;
  },
  run(spec) {
    const args = [
      'run',
      '--name',
      spec.name,
      '--network',
      'host',
      ...(spec.user ? ['--user', spec.user] : []),
      ...Object.entries(spec.env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      ...spec.mounts.flatMap((m) => ['--volume', `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`]),
      spec.image,
      ...(spec.command ?? []),
    ];
    return {
      child: spawnLogged('docker', args, spec.logFile),
      remove: () => void spawnSync('docker', ['rm', '--force', spec.name]),
    };
  },
};

/** A Docker engine when `docker info` answers (the client alone is not enough), else buildah. */
export function chooseEngine(): Engine {
  return spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0 ? docker : buildah;
}

export const commandOf = (service: ComposeService) => asList(service.command);

/** Builds every image compose builds, once each; returns how long each took. */
export function buildImages(engine: Engine, services: Record<string, ComposeService>) {
  const timings: Record<string, number> = {};
  for (const [name, service] of Object.entries(services)) {
    if (!service.build || !service.image) continue;
    const started = Date.now();
    engine.build(
      service.image,
      join(service.build.context, service.build.dockerfile),
      service.build.context,
      service.build.args ?? {},
    );
    timings[name] = Date.now() - started;
    process.stdout.write(`built ${service.image} in ${(timings[name] / 1000).toFixed(1)} s\n`);
  }
  return timings;
}
