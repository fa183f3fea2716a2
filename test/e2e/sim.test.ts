// Simulated nodes: `kubelite sim nodes` joins a cluster with Ready nodes that renew their
// Leases, runs the pods bound to them through the default stages (Running; a Job's pod
// Succeeded; a deleted pod gone), and removes its nodes when interrupted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, waitFor, type TestCluster } from './harness.ts';

const BIN = fileURLToPath(new URL('../../bin/kubelite.mjs', import.meta.url));

describe('kubelite sim nodes', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  let child: ReturnType<typeof spawn> | undefined;
  let output = '';
  before(async () => {
    c = await startCluster();
    const config = join(c.dir, 'sim.yaml');
    writeFileSync(
      config,
      `nodes:
- prefix: small
  count: 2
  capacity: {cpu: "2", memory: 4Gi, pods: "10"}
  labels: {pool: small}
- prefix: tainted
  count: 1
  taints: [{key: maintenance, effect: NoSchedule}]
heartbeatSeconds: 1
podReadyMs: 20
`,
    );
    child = spawn(process.execPath, [BIN, 'sim', 'nodes', '--config', config], { env: { ...process.env, KUBECONFIG: c.kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d));
    child.stderr!.on('data', (d: Buffer) => (output += d));
    await waitFor('the simulator to start', async () => (/simulated nodes running/.test(output) ? true : undefined), 20_000);
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await c?.stop();
  });

  it('makes Ready nodes with the given capacity, labels and taints, and renews their Leases', async () => {
    assert.match(output, /^kubelite sim: 3 simulated nodes running \(\d+ ms\); Ctrl-C removes them$/m);
    const nodes = await waitFor('Ready nodes', async () => {
      const out = await c.k('get', 'nodes', '--no-headers');
      return out.split('\n').filter((l) => /\sReady\s/.test(l)).length === 3 ? out : undefined;
    });
    assert.match(nodes, /^small-0\s+Ready\s+<none>\s+\S+\s+v1\.35\.0-kubelite-sim$/m);
    const small = JSON.parse(await c.k('get', 'node', 'small-1', '-o', 'json'));
    assert.deepEqual([small.status.allocatable.cpu, small.status.allocatable.pods, small.metadata.labels.pool], ['2', '10', 'small']);
    assert.equal(small.status.addresses[0].type, 'InternalIP');
    const tainted = JSON.parse(await c.k('get', 'node', 'tainted-0', '-o', 'json'));
    assert.deepEqual(tainted.spec.taints, [{ key: 'maintenance', effect: 'NoSchedule' }]);
    const first = await c.k('get', 'lease', 'small-0', '-n', 'kube-node-lease', '-o', 'jsonpath={.spec.renewTime}');
    assert.ok(first, 'a lease');
    const second = await waitFor('a renewal', async () => {
      const t = await c.k('get', 'lease', 'small-0', '-n', 'kube-node-lease', '-o', 'jsonpath={.spec.renewTime}');
      return t !== first ? t : undefined;
    });
    assert.ok(Date.parse(second) > Date.parse(first));
  });

  it('runs a bound pod, completes a Job\'s pod, and removes a deleted one', async () => {
    await c.k('run', 'web', '--image=nginx', '--overrides={"spec":{"nodeName":"small-0"}}');
    await waitFor('web to run', async () => ((await c.k('get', 'pod', 'web', '-o', 'jsonpath={.status.phase}')) === 'Running' ? true : undefined));
    const pod = JSON.parse(await c.k('get', 'pod', 'web', '-o', 'json'));
    assert.match(pod.status.podIP, /^10\.64\.\d+\.\d+$/);
    assert.equal(pod.status.containerStatuses[0].ready, true);
    assert.match(await c.k('get', 'pod', 'web'), /web\s+1\/1\s+Running\s+0/);
    // A pod owned by a Job (as the Job controller would create it) runs to completion.
    await c.kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: v1\nkind: Pod\nmetadata: {name: job-pod, ownerReferences: [{apiVersion: batch/v1, kind: Job, name: j, uid: 00000000-0000-0000-0000-000000000001}]}\nspec:\n  nodeName: small-1\n  restartPolicy: Never\n  containers: [{name: c, image: busybox}]\n`,
    });
    await waitFor('the job pod to succeed', async () => ((await c.k('get', 'pod', 'job-pod', '-o', 'jsonpath={.status.phase}')) === 'Succeeded' ? true : undefined));
    assert.match(await c.k('get', 'pod', 'job-pod'), /job-pod\s+0\/1\s+Completed/);
    await c.k('delete', 'pod', 'web', '--wait=false');
    await waitFor('web to be gone', async () => ((await c.kubectl(['get', 'pod', 'web'])).code === 1 ? true : undefined));
  });

  it('Ctrl-C removes the simulated nodes', async () => {
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child!.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(output, /kubelite sim: stopped, simulated nodes removed/);
    assert.equal(await c.k('get', 'nodes', '-o', 'name'), '');
  });
});
