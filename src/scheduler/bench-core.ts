// Micro-benchmark (not a test): 10,000 simple pods onto 5,000 nodes through the real cache,
// queue and scheduler with a binder that does nothing, then prints pods/s.
//   node --import tsx src/scheduler/bench-core.ts [nodes] [pods]

import { ManualClock } from '../util/clock.ts';
import type { ClusterAPI } from './framework/interfaces.ts';
import { Scheduler } from './scheduler.ts';

const NODES = Number(process.argv[2] ?? 5000);
const PODS = Number(process.argv[3] ?? 10000);
const EXPLAIN = process.env.EXPLAIN !== '0';

const cluster: ClusterAPI = {
  bind: async () => {},
  recordEvent: () => {},
  updatePodStatus: () => {},
  deletePod: async () => {},
  listPodDisruptionBudgets: () => [],
};

let seed = 42;
const random = () => {
  // mulberry32: a fixed sequence, so every run makes the same choices.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const sched = new Scheduler({ cluster, clock: new ManualClock(1_700_000_000_000), random, explanations: { enabled: EXPLAIN } });
for (let i = 0; i < NODES; i++) {
  sched.onNodeAdd({
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110' }, images: [{ names: ['registry.k8s.io/pause:3.10'], sizeBytes: 300_000 }] },
  });
}
for (let i = 0; i < PODS; i++) {
  sched.onPodAdd({
    metadata: { name: `pod-${i}`, namespace: 'default', uid: `uid-${i}` },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  });
}

const t0 = process.hrtime.bigint();
let scheduled = 0;
for (;;) {
  const r = sched.scheduleOne();
  if (!r) break;
  if (r.outcome === 'Scheduled') scheduled++;
}
const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
await sched.waitForBindings();
console.log(
  `${scheduled}/${PODS} pods scheduled onto ${NODES} nodes in ${elapsed.toFixed(2)}s: ${Math.round(scheduled / elapsed)} pods/s ` +
    `(${((elapsed / scheduled) * 1e6).toFixed(0)} µs/pod, explanations ${EXPLAIN ? 'on' : 'off'})`,
);
