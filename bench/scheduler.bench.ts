// Scheduler throughput, scheduler_perf-style: nodes and an initial set of pods are put into a
// fresh cluster, the scheduler (talking HTTPS to the API server through the client, binding
// with pods/binding, as in `kubelite up`) places the initial pods, then the measured pods are
// created and timed until every one is bound. Pod and node templates follow upstream's
// (node: 4 cpu, 32Gi, 110 pods; pod: 100m cpu, 500Mi). Each workload sits next to upstream's
// threshold for the same workload on its CI hardware (pods/s).
//
//   KUBELITE_BENCH_SCHED_SCALE=0.1   shrinks every workload (quick local runs)
//   KUBELITE_BENCH_SCHED_ONLY=Name   runs one workload
import { generatePki, issueClientCertificate, startApiServer } from '../src/apiserver/index.ts';
import { Client } from '../src/client/index.ts';
import { startScheduler } from '../src/scheduler/run.ts';
import { openStore } from '../src/storage/index.ts';
import { followPods, now, procRss, sleep, type Metrics, MiB } from './lib.ts';

type Obj = Record<string, any>;
const SCALE = Number(process.env.KUBELITE_BENCH_SCHED_SCALE ?? 1);
const ONLY = process.env.KUBELITE_BENCH_SCHED_ONLY;

function log(msg: string): void {
  process.stderr.write(`[scheduler ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

interface Workload {
  name: string;
  nodes: number;
  initPods: number;
  measurePods: number;
  /** Upstream's threshold (pods/s) for the same workload, when it has one. */
  upstream?: number;
  target?: number;
  zones?: string[];
  pod: (i: number, phase: 'init' | 'measure') => Obj;
  /** Namespaces of the init and measured pods. */
  namespaces?: [string, string];
}

const resources = { requests: { cpu: '100m', memory: '500Mi' } };
const plainPod = (name: string, extra: Obj = {}, labels: Record<string, string> = {}): Obj => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 80 }], resources }], ...extra },
});

const WORKLOADS: Workload[] = [
  { name: 'SchedulingBasic', nodes: 5000, initPods: 1000, measurePods: 10000, upstream: 680, target: 1000, pod: (i, p) => plainPod(`${p}-${i}`) },
  {
    name: 'SchedulingNodeAffinity',
    nodes: 5000,
    initPods: 5000,
    measurePods: 10000,
    upstream: 220,
    zones: ['zone1'],
    pod: (i, p) =>
      plainPod(`${p}-${i}`, {
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone1', 'zone2'] }] }] } } },
      }),
  },
  {
    name: 'SchedulingPodAntiAffinity',
    nodes: 5000,
    initPods: 1000,
    measurePods: 2000,
    upstream: 60,
    namespaces: ['sched-0', 'sched-1'],
    pod: (i, p) =>
      plainPod(
        `${p}-${i}`,
        { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'green' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['sched-0', 'sched-1'] }] } } },
        { color: 'green' },
      ),
  },
  {
    name: 'SchedulingPodAffinity',
    nodes: 5000,
    initPods: 5000,
    measurePods: 5000,
    upstream: 35,
    zones: ['zone1'],
    namespaces: ['sched-0', 'sched-1'],
    pod: (i, p) =>
      plainPod(
        `${p}-${i}`,
        { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { foo: '' } }, topologyKey: 'topology.kubernetes.io/zone', namespaces: ['sched-0', 'sched-1'] }] } } },
        { foo: '' },
      ),
  },
  {
    name: 'TopologySpreading',
    nodes: 5000,
    initPods: 5000,
    measurePods: 2000,
    zones: ['moon-1', 'moon-2', 'moon-3'],
    pod: (i, p) =>
      p === 'init'
        ? plainPod(`${p}-${i}`)
        : plainPod(
            `${p}-${i}`,
            { topologySpreadConstraints: [{ maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchExpressions: [{ key: 'color', operator: 'Exists' }] } }] },
            { color: 'blue' },
          ),
  },
  {
    // Nodes full of low-priority pods; every measured high-priority pod must preempt.
    name: 'PreemptionBasic',
    nodes: 500,
    initPods: 2000,
    measurePods: 500,
    pod: (i, p) => {
      const low = p === 'init';
      const pod = plainPod(`${p}-${i}`, { priorityClassName: low ? 'low' : 'high' });
      pod.spec.containers[0].resources = { requests: { cpu: low ? '900m' : '3000m', memory: '500Mi' } };
      return pod;
    },
  },
];

async function runWorkload(w: Workload): Promise<{ podsPerSecond: number; ms: number; initMs: number; rss: number }> {
  const scaled = (n: number) => Math.max(1, Math.round(n * SCALE));
  const nodes = scaled(w.nodes);
  const initPods = scaled(w.initPods);
  const measurePods = scaled(w.measurePods);
  const store = await openStore({});
  const pki = await generatePki();
  const api = await startApiServer({ store, pki, port: 0 });
  const rest = api.rest;
  const nodeInfo = api.registry.get('', 'v1', 'nodes')!;
  const podInfo = api.registry.get('', 'v1', 'pods')!;
  const nsInfo = api.registry.get('', 'v1', 'namespaces')!;
  const pcInfo = api.registry.get('scheduling.k8s.io', 'v1', 'priorityclasses')!;
  const [initNs, measureNs] = w.namespaces ?? ['default', 'default'];
  for (const ns of new Set([initNs, measureNs])) if (ns !== 'default') await rest.create(nsInfo, undefined, { metadata: { name: ns } });
  await rest.create(pcInfo, undefined, { metadata: { name: 'low' }, value: 1 });
  await rest.create(pcInfo, undefined, { metadata: { name: 'high' }, value: 1000 });
  const capacity = { cpu: '4', memory: '32Gi', pods: '110' };
  for (let i = 0; i < nodes; i++) {
    const zone = w.zones ? { 'topology.kubernetes.io/zone': w.zones[i % w.zones.length]! } : {};
    await rest.create(nodeInfo, undefined, {
      metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, ...zone } },
      status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True' }], phase: 'Running' },
    });
  }
  // Pods go straight into the store (the API server's own create path, without HTTP): the
  // measured part is the scheduler's work and its bindings over HTTPS.
  const createPods = async (count: number, phase: 'init' | 'measure', ns: string) => {
    for (let i = 0; i < count; i++) {
      const pod = w.pod(i, phase);
      if (pod.spec.priorityClassName) pod.spec.priority = pod.spec.priorityClassName === 'high' ? 1000 : 1;
      await rest.create(podInfo, ns, pod);
    }
  };
  // Count bindings as the store sees them (no polling lists), and play an instant kubelet:
  // a pod marked for deletion (a preemption victim) is removed at once.
  const boundSoFar = { init: 0, measure: 0 };
  const follower = followPods(store, {
    onBound: (_key, text) => {
      if (text.includes('"name":"measure-')) boundSoFar.measure++;
      else if (text.includes('"name":"init-')) boundSoFar.init++;
    },
    onDeleting: (key) => {
      const m = /^\/registry\/pods\/([^/]+)\/(.+)$/.exec(key);
      if (m) void rest.delete(podInfo, m[1], m[2]!, { gracePeriodSeconds: 0 }).catch(() => undefined);
    },
  });
  const client = new Client({ server: api.url, ca: pki.ca.cert, ...(await issueClientCertificate(pki.ca, 'CN=system:kube-scheduler')) });
  const sched = startScheduler({ client, explanations: { enabled: true }, onError: () => undefined });
  await sched.started;
  const bound = async (phase: 'init' | 'measure', want: number) => {
    while (boundSoFar[phase] < want) await sleep(5);
  };
  const t0 = now();
  await createPods(initPods, 'init', initNs);
  await bound('init', initPods);
  const initMs = now() - t0;
  const t1 = now();
  await createPods(measurePods, 'measure', measureNs);
  // Preemption deletes victims: a measured pod counts once it is bound.
  await bound('measure', measurePods);
  const ms = now() - t1;
  const rss = procRss(process.pid)?.rss ?? 0;
  await sched.stop();
  await follower.stop();
  client.close();
  await api.close();
  await store.close();
  return { podsPerSecond: (measurePods * 1000) / ms, ms, initMs, rss };
}

export default async function run(): Promise<Metrics> {
  const metrics: Metrics = {};
  for (const w of WORKLOADS) {
    if (ONLY && w.name !== ONLY) continue;
    const label = `${w.name}/${Math.round(w.nodes * SCALE)}Nodes_${Math.round(w.measurePods * SCALE)}Pods`;
    log(`${label} ...`);
    const r = await runWorkload(w);
    log(`${label}: ${r.podsPerSecond.toFixed(0)} pods/s (${(r.ms / 1000).toFixed(1)} s; init pods took ${(r.initMs / 1000).toFixed(1)} s; rss ${(r.rss / MiB).toFixed(0)} MiB)`);
    metrics[label] = {
      value: r.podsPerSecond,
      unit: 'pods/s',
      better: 'higher',
      ...(w.target ? { target: w.target } : w.upstream ? { target: w.upstream } : {}),
      ...(w.upstream ? { anchor: `upstream threshold ${w.upstream} pods/s`, ratio: r.podsPerSecond / w.upstream } : {}),
    };
  }
  return metrics;
}
