// The pod index and the per-node memos must answer exactly what a walk over every pod answers,
// also after the snapshot changed under them. A long-lived InterPodAffinity and PodTopologySpread
// (index and memos kept across "cycles", as in the scheduler) are compared with a plain
// reference evaluation of upstream's rules after every random change of the cluster.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Obj } from '../../apiserver/rest.ts';
import { Cache, Snapshot } from '../cache.ts';
import { CycleState } from '../framework/cycle_state.ts';
import { findUntoleratedTaint, selectorMatches } from '../framework/helpers.ts';
import { Code } from '../framework/status.ts';
import { PodInfo, type NodeInfo } from '../framework/types.ts';
import { FakeCluster, makePod } from '../testing.ts';
import { InterPodAffinity } from './inter_pod_affinity.ts';
import { PodIndex, pivotKeys } from './pod_index.ts';
import { PodTopologySpread, countPodsMatchSelector } from './pod_topology_spread.ts';

test('pivotKeys: an equality first, else an In, else nothing', () => {
  assert.deepEqual(pivotKeys([{ key: 'a', op: 'exists', values: [] }, { key: 'b', op: '=', values: ['1'] }]), ['b\u00001']);
  assert.deepEqual(pivotKeys([{ key: 'a', op: 'in', values: ['x', 'y', 'x'] }]), ['a\u0000x', 'a\u0000y']);
  assert.equal(pivotKeys([{ key: 'a', op: 'notin', values: ['x'] }]), undefined);
  assert.equal(pivotKeys([]), undefined);
});

test('the index re-indexes only changed nodes and drops removed pods', () => {
  const cache = new Cache();
  const snap = new Snapshot();
  cache.addNode({ metadata: { name: 'n1', labels: {} } });
  cache.addNode({ metadata: { name: 'n2', labels: {} } });
  const a = makePod({ name: 'a', nodeName: 'n1', labels: { app: 'web' } });
  cache.addPod(a);
  cache.updateSnapshot(snap);
  const ix = new PodIndex();
  ix.refresh(snap.list());
  const names = () => [...(ix.candidates([{ key: 'app', op: '=', values: ['web'] }]) ?? [])].flatMap((s) => [...s].map((ip) => `${ip.pod.name}@${ip.node.name}`)).sort();
  assert.deepEqual(names(), ['a@n1']);
  cache.addPod(makePod({ name: 'b', nodeName: 'n2', labels: { app: 'web' } }));
  cache.removePod(a);
  cache.updateSnapshot(snap);
  ix.refresh(snap.list());
  assert.deepEqual(names(), ['b@n2']);
});

// ---- reference evaluations (plain walks over every pod) ----

function includes(policyAffinity: string, policyTaints: string, pod: PodInfo, node: NodeInfo): boolean {
  if (policyAffinity === 'Honor' && !pod.requiredNodeAffinity.match(node.labels, node.name)) return false;
  if (policyTaints === 'Honor' && findUntoleratedTaint(node.noScheduleTaints, pod.tolerations)) return false;
  return true;
}

function referenceSpread(pl: PodTopologySpread, nodes: readonly NodeInfo[], pod: PodInfo): Record<string, string> {
  const cs = pl.constraintsFor(pod, 'DoNotSchedule');
  const domains = cs.map((c) => {
    const m = new Map<string, number>();
    for (const n of nodes) {
      if (cs.some((x) => n.labels[x.topologyKey] === undefined) || !includes(c.nodeAffinityPolicy, c.nodeTaintsPolicy, pod, n)) continue;
      const v = n.labels[c.topologyKey]!;
      m.set(v, (m.get(v) ?? 0) + countPodsMatchSelector(n.pods, c.selector, pod.namespace));
    }
    return m;
  });
  const out: Record<string, string> = {};
  for (const n of nodes) {
    let r = 'ok';
    for (let i = 0; i < cs.length && r === 'ok'; i++) {
      const c = cs[i]!;
      const v = n.labels[c.topologyKey];
      if (v === undefined) {
        r = 'missing';
        break;
      }
      const d = domains[i]!;
      const min = d.size < c.minDomains ? 0 : Math.min(2147483647, ...d.values());
      if ((d.get(v) ?? 0) + (selectorMatches(c.selector, pod.labels) ? 1 : 0) - min > c.maxSkew) r = 'skew';
    }
    out[n.name] = r;
  }
  return out;
}

function referenceAffinity(nodes: readonly NodeInfo[], pod: PodInfo, nsLabels: (ns: string) => Record<string, string> | undefined): Record<string, string> {
  const inc = (m: Map<string, number>, k: string, v: string | undefined) => {
    if (v !== undefined) m.set(`${k}=${v}`, (m.get(`${k}=${v}`) ?? 0) + 1);
  };
  const existing = new Map<string, number>();
  const aff = new Map<string, number>();
  const anti = new Map<string, number>();
  const terms = pod.requiredAffinityTerms;
  const antiTerms = pod.requiredAntiAffinityTerms;
  for (const n of nodes) {
    for (const p of n.pods) {
      for (const t of p.requiredAntiAffinityTerms) if (t.matches(pod.pod, nsLabels(pod.namespace))) inc(existing, t.topologyKey, n.labels[t.topologyKey]);
      if (terms.length > 0 && terms.every((t) => t.matches(p.pod, undefined))) for (const t of terms) inc(aff, t.topologyKey, n.labels[t.topologyKey]);
      for (const t of antiTerms) if (t.matches(p.pod, undefined)) inc(anti, t.topologyKey, n.labels[t.topologyKey]);
    }
  }
  const out: Record<string, string> = {};
  for (const n of nodes) {
    let podsExist = true;
    let missing = false;
    for (const t of terms) {
      const v = n.labels[t.topologyKey];
      if (v === undefined) missing = true;
      else if (!aff.get(`${t.topologyKey}=${v}`)) podsExist = false;
    }
    const affOk = !missing && (podsExist || (aff.size === 0 && terms.every((t) => t.matches(pod.pod, undefined))));
    if (!affOk) out[n.name] = 'affinity';
    else if (antiTerms.some((t) => n.labels[t.topologyKey] !== undefined && (anti.get(`${t.topologyKey}=${n.labels[t.topologyKey]}`) ?? 0) > 0)) out[n.name] = 'anti';
    else if (Object.entries(n.labels).some(([k, v]) => (existing.get(`${k}=${v}`) ?? 0) > 0)) out[n.name] = 'existing';
    else out[n.name] = 'ok';
  }
  return out;
}

// ---- random clusters ----

const SELECTORS: (Obj | undefined)[] = [
  { matchLabels: { app: 'a' } },
  { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] },
  { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
  { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }] },
  { matchLabels: { app: 'b', tier: 'x' } },
  {},
  undefined,
];
const KEYS = ['zone', 'host', 'rack'];
const NAMESPACES = ['default', 'other'];

const arbLabels = fc.record({ app: fc.constantFrom('a', 'b', 'c', undefined), tier: fc.constantFrom('x', 'y', undefined) }).map((r) => {
  const out: Record<string, string> = {};
  if (r.app) out.app = r.app;
  if (r.tier) out.tier = r.tier;
  return out;
});
const arbTerm = fc.record({ sel: fc.nat(SELECTORS.length - 1), key: fc.constantFrom(...KEYS), nsSel: fc.boolean() }).map(({ sel, key, nsSel }) => ({
  ...(SELECTORS[sel] ? { labelSelector: SELECTORS[sel] } : {}),
  topologyKey: key,
  ...(nsSel ? { namespaceSelector: { matchLabels: { team: 't1' } } } : {}),
}));
const arbOp = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), node: fc.nat(5), labels: arbLabels, ns: fc.constantFrom(...NAMESPACES), anti: fc.option(arbTerm), terminating: fc.boolean() }),
  fc.record({ kind: fc.constant('remove' as const), which: fc.nat(50) }),
  fc.record({ kind: fc.constant('relabel' as const), node: fc.nat(5), zone: fc.constantFrom('z1', 'z2', 'z3', undefined) }),
);
const arbIncoming = fc.record({
  labels: arbLabels,
  ns: fc.constantFrom(...NAMESPACES),
  aff: fc.array(arbTerm.map((t) => ({ ...t, namespaceSelector: undefined })), { maxLength: 2 }),
  anti: fc.array(arbTerm.map((t) => ({ ...t, namespaceSelector: undefined })), { maxLength: 2 }),
  spread: fc.array(
    fc.record({
      maxSkew: fc.integer({ min: 1, max: 2 }),
      key: fc.constantFrom(...KEYS),
      sel: fc.nat(SELECTORS.length - 1),
      minDomains: fc.constantFrom(undefined, 2, 4),
      taints: fc.constantFrom('Honor', 'Ignore'),
    }),
    { maxLength: 2 },
  ),
  nodeSelectorZone: fc.constantFrom(undefined, 'z1'),
});

function nodeObj(i: number, zone: string | undefined): Obj {
  const labels: Record<string, string> = { host: `n${i}` };
  if (zone) labels.zone = zone;
  if (i % 2 === 0) labels.rack = `r${i % 4}`;
  return { metadata: { name: `n${i}`, labels }, spec: i === 3 ? { taints: [{ key: 't', value: 'v', effect: 'NoSchedule' }] } : {}, status: { allocatable: { pods: '110' } } };
}

test('InterPodAffinity and PodTopologySpread with the incremental index agree with plain walks', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ op: arbOp, incoming: arbIncoming }), { minLength: 1, maxLength: 25 }), (steps) => {
      const cluster = new FakeCluster();
      cluster.addObject('Namespace', { metadata: { name: 'default', labels: { team: 't1' } } });
      cluster.addObject('Namespace', { metadata: { name: 'other', labels: { team: 't2' } } });
      const nsLabels = (ns: string) => cluster.get('Namespace', '', ns)?.metadata?.labels;
      const cache = new Cache();
      const snap = new Snapshot();
      const nodes = Array.from({ length: 6 }, (_, i) => nodeObj(i, ['z1', 'z2', 'z3', undefined][i % 4]));
      nodes.forEach((n) => cache.addNode(n));
      const handle = { cluster, snapshotSharedLister: () => snap };
      const ipa = new InterPodAffinity(handle);
      const pts = new PodTopologySpread(handle);
      const pods: Obj[] = [];
      let seq = 0;
      for (const { op, incoming } of steps) {
        if (op.kind === 'add') {
          const p = makePod({
            name: `e${seq++}`,
            namespace: op.ns,
            nodeName: `n${op.node}`,
            labels: op.labels,
            affinity: op.anti ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [op.anti] } } : undefined,
            deletionTimestamp: op.terminating ? '2024-01-01T00:00:00Z' : undefined,
          });
          cache.addPod(p);
          pods.push(p);
        } else if (op.kind === 'remove' && pods.length > 0) {
          const [p] = pods.splice(op.which % pods.length, 1);
          cache.removePod(p!);
        } else if (op.kind === 'relabel') {
          const old = nodes[op.node]!;
          const n = nodeObj(op.node, op.zone);
          cache.updateNode(old, n);
          nodes[op.node] = n;
        }
        cache.updateSnapshot(snap);

        const spec: Obj = {
          name: 'incoming',
          namespace: incoming.ns,
          labels: incoming.labels,
          nodeSelector: incoming.nodeSelectorZone ? { zone: incoming.nodeSelectorZone } : undefined,
          affinity: {
            podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: incoming.aff },
            podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: incoming.anti },
          },
          topologySpreadConstraints: incoming.spread.map((c) => ({
            maxSkew: c.maxSkew,
            topologyKey: c.key,
            whenUnsatisfiable: 'DoNotSchedule',
            ...(SELECTORS[c.sel] ? { labelSelector: SELECTORS[c.sel] } : {}),
            ...(c.minDomains ? { minDomains: c.minDomains } : {}),
            nodeTaintsPolicy: c.taints,
          })),
        };
        const pi = new PodInfo(makePod(spec as never));
        const list = snap.list();

        const st = new CycleState();
        const pre = ipa.preFilter(st, pi, list);
        const got: Record<string, string> = {};
        for (const n of list) {
          const s = pre?.code === Code.Skip ? null : ipa.filter(st, pi, n);
          got[n.name] = !s ? 'ok' : s.reasons[0]!.includes('existing') ? 'existing' : s.reasons[0]!.includes('anti-affinity') ? 'anti' : 'affinity';
        }
        assert.deepEqual(got, referenceAffinity(list, pi, nsLabels));

        const st2 = new CycleState();
        const pre2 = pts.preFilter(st2, pi, list);
        const got2: Record<string, string> = {};
        for (const n of list) {
          const s = pre2?.code === Code.Skip ? null : pts.filter(st2, pi, n);
          got2[n.name] = !s ? 'ok' : s.code === Code.UnschedulableAndUnresolvable ? 'missing' : 'skew';
        }
        assert.deepEqual(got2, referenceSpread(pts, list, pi));
      }
    }),
    { numRuns: 300, seed: 7 },
  );
});
