// Micro-benchmark (not a test): 10,000 simple pods onto 5,000 nodes through the real cache,
// queue and scheduler with a binder that does nothing, then prints pods/s.
//   node --import tsx src/scheduler/bench-core.ts [nodes] [pods] [--anti-affinity] [--spread]
// Pods come in groups of ten replicas (label app=group-N). --anti-affinity gives every pod a
// required anti-affinity term on kubernetes.io/hostname against its group; --spread gives every
// pod a DoNotSchedule topology spread constraint (maxSkew 1) over topology.kubernetes.io/zone.

import { ManualClock } from '../util/clock.ts';
import type { ClusterAPI } from './framework/interfaces.ts';
import { Scheduler } from './scheduler.ts';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const NODES = Number(positional[0] ?? 5000);
const PODS = Number(positional[1] ?? 10000);
const ANTI_AFFINITY = flags.has('--anti-affinity');
const SPREAD = flags.has('--spread');
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
  const group = { app: `group-${i % Math.max(1, Math.floor(PODS / 10))}` };
  const spec: Record<string, unknown> = {
    containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
  };
  if (ANTI_AFFINITY) {
    spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: group }, topologyKey: 'kubernetes.io/hostname' }] } };
  }
  if (SPREAD) {
    spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: group } }];
  }
  sched.onPodAdd({ metadata: { name: `pod-${i}`, namespace: 'default', uid: `uid-${i}`, labels: group }, spec });
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
    `(${((elapsed / scheduled) * 1e6).toFixed(0)} µs/pod, explanations ${EXPLAIN ? 'on' : 'off'}` +
    `${ANTI_AFFINITY ? ', required anti-affinity on hostname' : ''}${SPREAD ? ', zone spread maxSkew 1' : ''})`,
);
