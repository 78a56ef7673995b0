// Run in the image builder after the build, before `npm prune --omit=dev`: keeps, of the
// workspaces, only the service and the packages it needs at run time (following `dependencies`,
// never `devDependencies`), and drops sources, tests and benchmarks. npm keeps every workspace
// and its dependencies whatever they are for, so this cannot be left to `npm prune`; once the
// other workspaces are gone, the prune drops their dependencies too.
'use strict';
const { readFileSync, readdirSync, rmSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const service = process.argv[2];
if (!service) throw new Error('usage: trim-workspace.js <service>');
const workspaces = new Map();
for (const parent of ['packages', 'services']) {
  for (const dir of existsSync(parent) ? readdirSync(parent) : []) {
    const manifest = JSON.parse(readFileSync(join(parent, dir, 'package.json'), 'utf8'));
    workspaces.set(manifest.name, { dir: join(parent, dir), manifest });
  }
}
const needed = new Set();
const visit = (name) => {
  if (needed.has(name) || !workspaces.has(name)) return;
  needed.add(name);
  for (const dependency of Object.keys(workspaces.get(name).manifest.dependencies ?? {})) visit(dependency);
};
visit(`@syllabus/${service}`);
if (needed.size === 0) throw new Error(`no workspace @syllabus/${service}`);

for (const [name, { dir }] of workspaces) {
  if (!needed.has(name)) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join('node_modules', name), { force: true });
    continue;
  }
  for (const leftover of [
    'src',
    'test',
    'bench',
    'screenshots',
    'dist/test',
    'dist/bench',
    'Dockerfile',
    'tsconfig.json',
  ]) {
    rmSync(join(dir, leftover), { recursive: true, force: true });
  }
}
process.stdout.write(`kept ${[...needed].sort().join(', ')}\n`);
