// The controller manager at work, as `kubelite up` runs it (scheduler and controller manager
// in process, each with its own identity and RBAC, talking HTTPS to the API server), on
// simulated nodes:
//   - a 1,000-replica Deployment from create until every replica is available;
//   - a rolling update of it (new image, default 25% surge and unavailability) until complete;
//   - the controller manager's memory with 100,000 pods: `kubelite controller-manager` in a
//     child process against a cluster holding 100,000 pods (1,000 ReplicaSets of 100), its
//     resident set once every informer has synced and the controllers have settled.
//
//   KUBELITE_BENCH_CTRL_PODS=20000   fewer pods for the memory figure (quick local runs)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePki, kubeconfig, startApiServer } from '../src/apiserver/index.ts';
import { startComponents } from '../src/cli/components.ts';
import { Client, resources } from '../src/client/index.ts';
import { SimNodes } from '../src/sim/nodes.ts';
import { openStore } from '../src/storage/index.ts';
import { MiB, now, procRss, runConcurrent, sleep, tempDir, type Metrics } from './lib.ts';

type Obj = Record<string, any>;
const REPLICAS = 1000;
const MEMORY_PODS = Number(process.env.KUBELITE_BENCH_CTRL_PODS ?? 100_000);

function log(msg: string): void {
  process.stderr.write(`[controllers ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

async function deploymentTimes(): Promise<{ availableMs: number; rolloutMs: number }> {
  const store = await openStore({});
  const pki = await generatePki();
  const api = await startApiServer({ store, pki, port: 0, builtinControllers: false });
  const components = await startComponents({ url: api.url, pki, log: () => {} });
  const client = new Client({ server: api.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
  // 20 nodes of 110 pods: room for the Deployment and its surge.
  const sim = new SimNodes({ client, config: { nodes: [{ prefix: 'node', count: 20, capacity: { cpu: '64', memory: '256Gi', pods: '110' } }], podReadyMs: 50 } });
  await sim.start();
  try {
    const complete = (d: Obj | undefined) =>
      !!d &&
      d.status?.observedGeneration === d.metadata.generation &&
      d.status?.updatedReplicas === REPLICAS &&
      d.status?.availableReplicas === REPLICAS &&
      d.status?.replicas === REPLICAS;
    const get = () => client.get(resources.deployments, 'default', 'big').catch(() => undefined);
    let t = now();
    await client.create(resources.deployments, 'default', {
      metadata: { name: 'big' },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'big' } },
        template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.26', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
      },
    });
    await until('1,000 replicas available', async () => complete(await get()), 300_000);
    const availableMs = now() - t;
    log(`1,000 replicas available in ${(availableMs / 1000).toFixed(2)} s`);

    t = now();
    await client.patch(resources.deployments, 'default', 'big', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } } });
    await until('the rolling update', async () => {
      const d = await get();
      return complete(d) && d!.metadata.generation === 2;
    }, 300_000);
    // Complete means the old pods are gone too, as `kubectl rollout status` reports it.
    await until('old pods gone', async () => {
      const pods = await client.list(resources.pods, 'default', { labelSelector: 'app=big' });
      return pods.items.length === REPLICAS && pods.items.every((p: Obj) => p.spec.containers[0].image === 'nginx:1.27');
    }, 300_000);
    const rolloutMs = now() - t;
    log(`rolling update done in ${(rolloutMs / 1000).toFixed(2)} s`);
    return { availableMs, rolloutMs };
  } finally {
    await sim.stop();
    client.close();
    await components.stop();
    await api.close();
    await store.close();
  }
}

async function controllerManagerMemory(): Promise<{ rssMiB: number; peakMiB: number; syncMs: number }> {
  const store = await openStore({});
  const pki = await generatePki();
  const api = await startApiServer({ store, pki, port: 0, builtinControllers: false });
  const dir = tempDir('kubelite-bench-ctrl-');
  const client = new Client({ server: api.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, maxSockets: 64 });
  try {
    // Straight into the API server's storage layer: the figure is the controller manager's,
    // and 100,000 creates over HTTPS would take minutes.
    const rsInfo = api.registry.get('apps', 'v1', 'replicasets')!;
    const podInfo = api.registry.get('', 'v1', 'pods')!;
    const sets = Math.ceil(MEMORY_PODS / 100);
    let t = now();
    await runConcurrent(sets, 8, async (i) => {
      const labels = { app: `rs-${i}` };
      const rs = await api.rest.create(rsInfo, 'default', {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: `rs-${i}`, namespace: 'default', labels },
        spec: { replicas: 100, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } },
      });
      const owner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }];
      for (let j = 0; j < 100 && i * 100 + j < MEMORY_PODS; j++) {
        await api.rest.create(podInfo, 'default', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `rs-${i}-${j}`, namespace: 'default', labels, ownerReferences: owner },
          spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }], serviceAccountName: 'default' },
        });
      }
    });
    log(`${MEMORY_PODS} pods in ${sets} ReplicaSets written in ${((now() - t) / 1000).toFixed(1)} s`);
    const configPath = join(dir.path, 'kubeconfig');
    writeFileSync(configPath, kubeconfig(pki, api.url));
    const bin = new URL('../bin/kubelite.mjs', import.meta.url).pathname;
    t = now();
    const child = spawn(process.execPath, [bin, 'controller-manager', '--kubeconfig', configPath, '--leader-elect', 'false'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let out = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      await until('the controller manager to start', async () => out.includes('started') || child.exitCode !== null, 300_000);
      if (child.exitCode !== null) throw new Error(`controller manager exited: ${out}`);
      const syncMs = now() - t;
      log(`controller manager synced on ${MEMORY_PODS} pods in ${(syncMs / 1000).toFixed(1)} s`);
      // Let the first full pass of every controller run, then read the resident set.
      await sleep(10_000);
      const m = procRss(child.pid!);
      if (!m) throw new Error('controller manager gone');
      log(`controller manager RSS ${(m.rss / MiB).toFixed(0)} MiB (peak ${(m.peak / MiB).toFixed(0)} MiB)`);
      return { rssMiB: m.rss / MiB, peakMiB: m.peak / MiB, syncMs };
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    client.close();
    await api.close();
    await store.close();
    dir.remove();
  }
}

export default async function run(): Promise<Metrics> {
  const { availableMs, rolloutMs } = await deploymentTimes();
  const mem = await controllerManagerMemory();
  return {
    deployment_1000_available_s: { value: availableMs / 1000, unit: 's', target: 10 },
    deployment_1000_rolling_update_s: { value: rolloutMs / 1000, unit: 's', target: 10 },
    [`controller_manager_rss_${MEMORY_PODS}_pods_mib`]: { value: mem.rssMiB, unit: 'MiB' },
    [`controller_manager_peak_rss_${MEMORY_PODS}_pods_mib`]: { value: mem.peakMiB, unit: 'MiB' },
    [`controller_manager_sync_${MEMORY_PODS}_pods_s`]: { value: mem.syncMs / 1000, unit: 's' },
  };
}
