// `kubelite controller-manager` run alone against `kubelite up --disable-controller-manager`,
// as kube-controller-manager runs beside kube-apiserver: it does the work, and a second copy
// waits on the leader Lease and takes over when the first stops.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { kubectlPath, run, waitFor } from './harness.ts';

const bin = new URL('../../bin/kubelite.mjs', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'kubelite-kcm-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

function start(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exit };
}

test('the controller manager runs alone with its own credentials, and a standby takes over from the leader', async () => {
  const up = start(['up', '--memory', '--port', '0', '--disable-controller-manager']);
  const config = await waitFor('up to be ready', async () => /export KUBECONFIG=(.*)\n/.exec(up.out())?.[1], 20_000);
  const kubectl = async (...args: string[]) => {
    const r = await run(kubectlPath(), args, { env: { KUBECONFIG: config, HOME: home } });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  await kubectl('create', 'deployment', 'before', '--image=nginx', '--replicas=2');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await kubectl('get', 'replicasets', '-o', 'name')).trim(), '', 'no controller manager, no ReplicaSet');

  const first = start(['controller-manager', '--kubeconfig', config, '--use-service-account-credentials']);
  await waitFor('the first to lead', async () => first.out().includes('started') || undefined, 20_000);
  const rs = await waitFor('a ReplicaSet with two pods', async () => {
    const pods = (await kubectl('get', 'pods', '-l', 'app=before', '-o', 'name')).trim().split('\n').filter(Boolean);
    return pods.length === 2 ? await kubectl('get', 'replicasets', '-o', 'jsonpath={.items[0].metadata.managedFields[0].manager}') : undefined;
  }, 20_000);
  assert.ok(rs.length > 0);
  // With --use-service-account-credentials the pods were created by the ReplicaSet controller's account.
  const events = await kubectl('get', 'events', '--field-selector', 'reason=SuccessfulCreate', '-o', 'jsonpath={.items[*].source.component}');
  assert.match(events, /replicaset-controller/);

  const second = start(['controller-manager', '--kubeconfig', config]);
  await waitFor('the standby to see the leader', async () => second.out().includes('new leader elected') || undefined, 20_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(!second.out().includes('started'), `the standby does not start while the first leads: ${second.out()}`);
  const holder = (await kubectl('get', 'lease', '-n', 'kube-system', 'kube-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}')).trim();
  assert.match(first.out(), new RegExp(`as ${holder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 'the first holds the lease');

  first.child.kill('SIGTERM');
  assert.equal(await first.exit, 0);
  await waitFor('the standby to take over', async () => second.out().includes('started') || undefined, 20_000).catch((e) => {
    throw new Error(`${(e as Error).message}: first: ${first.out()} second: ${second.out()}`);
  });
  await kubectl('scale', 'deployment', 'before', '--replicas=3');
  await waitFor('the new leader to scale', async () => ((await kubectl('get', 'pods', '-l', 'app=before', '-o', 'name')).trim().split('\n').length === 3) || undefined, 20_000);

  second.child.kill('SIGTERM');
  assert.equal(await second.exit, 0);
  up.child.kill('SIGTERM');
  assert.equal(await up.exit, 0);
});

test('controller-manager refuses unknown controllers and bad flag values with one line', async () => {
  const bad = start(['controller-manager', '--controllers', '*,-nosuch', '--kubeconfig', '/nonexistent']);
  assert.notEqual(await bad.exit, 0);
  assert.match(bad.out(), /^kubelite: error: "nosuch" is not in the list of known controllers\n$/);
  const dur = start(['controller-manager', '--node-monitor-grace-period', 'soon', '--kubeconfig', '/nonexistent']);
  assert.notEqual(await dur.exit, 0);
  assert.match(dur.out(), /invalid argument "soon" for "--node-monitor-grace-period" flag/);
});
