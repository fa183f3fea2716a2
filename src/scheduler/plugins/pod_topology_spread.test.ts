// Cases follow upstream's podtopologyspread filtering_test.go (TestSingleConstraint,
// TestMultipleConstraints) and scoring_test.go (TestPodTopologySpreadScore), with their
// expected codes and scores. Every filter case runs twice: with an Exists selector (which the
// pod index cannot narrow, so every node is walked) and with the equivalent matchLabels (index).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../../apiserver/rest.ts';
import { Snapshot } from '../cache.ts';
import { CycleState } from '../framework/cycle_state.ts';
import { CODE_NAMES, Code, Status } from '../framework/status.ts';
import { PodInfo } from '../framework/types.ts';
import { FakeCluster, makePod, type PodSpecLite } from '../testing.ts';
import {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  PodTopologySpread,
  defaultSelector,
  type PodTopologySpreadArgs,
} from './pod_topology_spread.ts';

const HOST = 'kubernetes.io/hostname';

/** A node with exactly these labels (makeNode always adds the hostname label). */
function node(name: string, labels: Record<string, string>, taints?: Obj[]): Obj {
  return { metadata: { name, labels }, spec: taints ? { taints } : {}, status: { allocatable: { pods: '110' } } };
}

const zoned = (name: string, zone: string) => node(name, { zone, node: name });

function pod(name: string, nodeName: string, labels: Record<string, string> = { foo: '' }, extra: Partial<PodSpecLite> = {}): Obj {
  return makePod({ name, nodeName, labels, ...extra });
}

const SELECTORS: [string, Obj][] = [
  ['Exists selector (walk)', { matchExpressions: [{ key: 'foo', operator: 'Exists' }] }],
  ['matchLabels selector (index)', { matchLabels: { foo: '' } }],
];

function spread(maxSkew: number, topologyKey: string, whenUnsatisfiable: string, labelSelector: Obj | undefined, more: Obj = {}): Obj {
  return { maxSkew, topologyKey, whenUnsatisfiable, ...(labelSelector ? { labelSelector } : {}), ...more };
}

function plugin(nodes: Obj[], pods: Obj[], cluster = new FakeCluster(), args?: PodTopologySpreadArgs) {
  const snap = Snapshot.of(nodes, pods);
  return { snap, pl: new PodTopologySpread({ cluster, snapshotSharedLister: () => snap }, args) };
}

/** Node -> code name of Filter (after PreFilter). */
function filterCodes(nodes: Obj[], pods: Obj[], incoming: Obj): Record<string, string> {
  const { snap, pl } = plugin(nodes, pods);
  const state = new CycleState();
  const pi = new PodInfo(incoming);
  assert.equal(pl.preFilter(state, pi, snap.list()), null);
  const out: Record<string, string> = {};
  for (const n of nodes) {
    const s = pl.filter(state, pi, snap.get(n.metadata.name)!);
    out[n.metadata.name] = s ? CODE_NAMES[s.code]! : 'Success';
  }
  return out;
}

const fourNodes = [zoned('node-a', 'zone1'), zoned('node-b', 'zone1'), zoned('node-x', 'zone2'), zoned('node-y', 'zone2')];
/** Matching pods spread over node-a/b/x/y as 2/1/0/3. */
const spread2103 = [pod('p-a1', 'node-a'), pod('p-a2', 'node-a'), pod('p-b1', 'node-b'), pod('p-y1', 'node-y'), pod('p-y2', 'node-y'), pod('p-y3', 'node-y')];

interface FilterCase {
  name: string;
  incoming: (sel: Obj) => Obj;
  nodes: Obj[];
  pods: Obj[];
  want: Record<string, string>;
}

const S = 'Success';
const U = 'Unschedulable';
const UU = 'UnschedulableAndUnresolvable';

const filterCases: FilterCase[] = [
  {
    name: 'no existing pods',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', sel)] }),
    nodes: fourNodes,
    pods: [],
    want: { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S },
  },
  {
    name: 'existing pods in a different namespace do not count',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', sel)] }),
    nodes: fourNodes,
    pods: [pod('p-a1', 'node-a', { foo: '' }, { namespace: 'ns1' }), pod('p-b1', 'node-a', { foo: '' }, { namespace: 'ns2' }), pod('p-x1', 'node-x'), pod('p-y1', 'node-y')],
    want: { 'node-a': S, 'node-b': S, 'node-x': U, 'node-y': U },
  },
  {
    name: 'pods spread across zones as 3/3, all nodes fit',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', sel)] }),
    nodes: fourNodes,
    pods: [pod('p-a1', 'node-a'), pod('p-a2', 'node-a'), pod('p-b1', 'node-b'), pod('p-y1', 'node-y'), pod('p-y2', 'node-y'), pod('p-y3', 'node-y')],
    want: { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S },
  },
  {
    name: "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', sel)] }),
    nodes: [zoned('node-a', 'zone1'), node('node-b', { zon: 'zone1', node: 'node-b' }), zoned('node-x', 'zone2'), zoned('node-y', 'zone2')],
    pods: [pod('p-a1', 'node-a'), pod('p-b1', 'node-b'), pod('p-x1', 'node-x'), pod('p-y1', 'node-y')],
    want: { 'node-a': S, 'node-b': UU, 'node-x': U, 'node-y': U },
  },
  {
    name: "pod cannot be scheduled as all nodes don't have label 'rack'",
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'rack', 'DoNotSchedule', sel)] }),
    nodes: [zoned('node-a', 'zone1'), zoned('node-x', 'zone2')],
    pods: [],
    want: { 'node-a': UU, 'node-x': UU },
  },
  {
    name: 'pods spread across nodes as 2/1/0/3, only node-x fits',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'node', 'DoNotSchedule', sel)] }),
    nodes: fourNodes,
    pods: spread2103,
    want: { 'node-a': U, 'node-b': U, 'node-x': S, 'node-y': U },
  },
  {
    name: 'pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(2, 'node', 'DoNotSchedule', sel)] }),
    nodes: fourNodes,
    pods: spread2103,
    want: { 'node-a': U, 'node-b': S, 'node-x': S, 'node-y': U },
  },
  {
    name: "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
    incoming: (sel) => makePod({ name: 'p', labels: { bar: '' }, topologySpreadConstraints: [spread(1, 'node', 'DoNotSchedule', sel)] }),
    nodes: fourNodes,
    pods: spread2103,
    want: { 'node-a': U, 'node-b': S, 'node-x': S, 'node-y': U },
  },
  {
    // Only node-a and node-y are domains (2/~1~/~0~/3): node-b and node-x would be left to NodeAffinity.
    name: 'incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits',
    incoming: (sel) =>
      makePod({
        name: 'p',
        labels: { foo: '' },
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node', operator: 'In', values: ['node-a', 'node-y'] }] }] } } },
        topologySpreadConstraints: [spread(1, 'node', 'DoNotSchedule', sel)],
      }),
    nodes: fourNodes,
    pods: spread2103,
    want: { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': U },
  },
  {
    name: 'terminating pods are excluded',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'node', 'DoNotSchedule', sel)] }),
    nodes: [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' })],
    pods: [pod('p-a', 'node-a', { foo: '' }, { deletionTimestamp: '2024-01-01T00:00:00Z' }), pod('p-b', 'node-b')],
    want: { 'node-a': S, 'node-b': U },
  },
  {
    // zone: 3/3, any zone; node: 2/1/0/3, node-x only.
    name: 'two constraints on zone and node, spreads = [3/3, 2/1/0/3]',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', sel), spread(1, 'node', 'DoNotSchedule', sel)] }),
    nodes: fourNodes,
    pods: [...spread2103],
    want: { 'node-a': U, 'node-b': U, 'node-x': S, 'node-y': U },
  },
  {
    // zone: 3/4, zone1 only; node: 2/1/1/3 (p-x1 added), node-b and node-x; together node-b.
    name: 'two constraints on zone and node, spreads = [3/4, 2/1/1/3]',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', sel), spread(1, 'node', 'DoNotSchedule', sel)] }),
    nodes: fourNodes,
    pods: [...spread2103, pod('p-x1', 'node-x')],
    want: { 'node-a': U, 'node-b': S, 'node-x': U, 'node-y': U },
  },
  {
    // Two zones hold 2 and 1 matching pods, but minDomains 3 makes the global minimum 0.
    name: 'minDomains larger than the number of domains treats the minimum as 0',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', sel, { minDomains: 3 })] }),
    nodes: fourNodes,
    pods: [pod('p-a1', 'node-a'), pod('p-b1', 'node-b'), pod('p-x1', 'node-x')],
    want: { 'node-a': U, 'node-b': U, 'node-x': U, 'node-y': U },
  },
  {
    name: 'the same spread with minDomains 2 lets zone2 take the pod',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', sel, { minDomains: 2 })] }),
    nodes: fourNodes,
    pods: [pod('p-a1', 'node-a'), pod('p-b1', 'node-b'), pod('p-x1', 'node-x')],
    want: { 'node-a': U, 'node-b': U, 'node-x': S, 'node-y': S },
  },
  {
    // The empty tainted node-b is not a domain with nodeTaintsPolicy Honor, so the minimum is 1.
    name: 'nodeTaintsPolicy Honor leaves out nodes with untolerated taints',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'node', 'DoNotSchedule', sel, { nodeTaintsPolicy: 'Honor' })] }),
    nodes: [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' }, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]), node('node-c', { node: 'node-c' })],
    pods: [pod('p-a1', 'node-a'), pod('p-c1', 'node-c')],
    want: { 'node-a': S, 'node-b': S, 'node-c': S },
  },
  {
    name: 'nodeTaintsPolicy Ignore (the default) counts the tainted empty node',
    incoming: (sel) => makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'node', 'DoNotSchedule', sel)] }),
    nodes: [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' }, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]), node('node-c', { node: 'node-c' })],
    pods: [pod('p-a1', 'node-a'), pod('p-c1', 'node-c')],
    want: { 'node-a': U, 'node-b': S, 'node-c': U },
  },
  {
    // With nodeAffinityPolicy Ignore, node-b and node-x count although the pod may not go there.
    name: 'nodeAffinityPolicy Ignore counts nodes outside the node affinity',
    incoming: (sel) =>
      makePod({
        name: 'p',
        labels: { foo: '' },
        nodeSelector: { zone: 'zone2' },
        topologySpreadConstraints: [spread(1, 'node', 'DoNotSchedule', sel, { nodeAffinityPolicy: 'Ignore' })],
      }),
    nodes: fourNodes,
    pods: [pod('p-a1', 'node-a'), pod('p-y1', 'node-y')],
    want: { 'node-a': U, 'node-b': S, 'node-x': S, 'node-y': U },
  },
  {
    name: 'matchLabelKeys narrows the selector to the pod-template-hash of the incoming pod',
    incoming: (sel) =>
      makePod({ name: 'p', labels: { foo: '', hash: 'v2' }, topologySpreadConstraints: [spread(1, 'node', 'DoNotSchedule', sel, { matchLabelKeys: ['hash'] })] }),
    nodes: [node('node-a', { node: 'node-a' }), node('node-b', { node: 'node-b' })],
    // Two old replicas on node-a do not count against the new ones.
    pods: [pod('old-1', 'node-a', { foo: '', hash: 'v1' }), pod('old-2', 'node-a', { foo: '', hash: 'v1' }), pod('new-1', 'node-b', { foo: '', hash: 'v2' })],
    want: { 'node-a': S, 'node-b': U },
  },
];

describe('PodTopologySpread filter', () => {
  for (const tc of filterCases) {
    for (const [selName, sel] of SELECTORS) {
      test(`${tc.name} (${selName})`, () => {
        assert.deepEqual(filterCodes(tc.nodes, tc.pods, tc.incoming(sel)), tc.want);
      });
    }
  }

  test('exact reasons, and a shared status per reason', () => {
    const { snap, pl } = plugin([node('n1', { zone: 'z1' }), node('n2', { zone: 'z1' }), node('n3', { other: 'x' }), node('n4', { zone: 'z2' })], [pod('a', 'n1')]);
    const pi = new PodInfo(makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', { matchLabels: { foo: '' } })] }));
    const state = new CycleState();
    pl.preFilter(state, pi, snap.list());
    const s1 = pl.filter(state, pi, snap.get('n1')!)!;
    assert.equal(s1.code, Code.Unschedulable);
    assert.deepEqual([...s1.reasons], [ERR_REASON_CONSTRAINTS_NOT_MATCH]);
    assert.equal(s1.reasons[0], "node(s) didn't match pod topology spread constraints");
    assert.equal(pl.filter(state, pi, snap.get('n2')!), s1);
    const s3 = pl.filter(state, pi, snap.get('n3')!)!;
    assert.equal(s3.code, Code.UnschedulableAndUnresolvable);
    assert.deepEqual([...s3.reasons], [ERR_REASON_NODE_LABEL_NOT_MATCH]);
    assert.equal(s3.reasons[0], "node(s) didn't match pod topology spread constraints (missing required label)");
    assert.equal(s3.plugin, 'PodTopologySpread');
    assert.equal(pl.filter(state, pi, snap.get('n4')!), null);
  });

  test('no hard constraints: PreFilter skips', () => {
    const { snap, pl } = plugin(fourNodes, []);
    const soft = new PodInfo(makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'ScheduleAnyway', { matchLabels: { foo: '' } })] }));
    assert.equal(pl.preFilter(new CycleState(), soft, snap.list())?.code, Code.Skip);
    assert.equal(pl.preFilter(new CycleState(), new PodInfo(makePod({ name: 'q' })), snap.list())?.code, Code.Skip);
  });

  test('AddPod and RemovePod move the counts and the global minimum (preemption what-ifs)', () => {
    // zone1: node-a 1, zone2: node-x 2 -> min 1; zone2 is full for maxSkew 1.
    const { snap, pl } = plugin(fourNodes, [pod('a1', 'node-a'), pod('x1', 'node-x'), pod('x2', 'node-x')]);
    const pi = new PodInfo(makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', { matchLabels: { foo: '' } })] }));
    const state = new CycleState();
    pl.preFilter(state, pi, snap.list());
    const x = snap.get('node-x')!;
    const a = snap.get('node-a')!;
    assert.equal(pl.filter(state, pi, x)?.code, Code.Unschedulable);
    const what = state.clone();
    const x1 = x.pods.find((p) => p.name === 'x1')!;
    assert.equal(pl.removePod(what, pi, x1, x), null);
    // 1/1 now: both zones take the pod.
    assert.equal(pl.filter(what, pi, x), null);
    assert.equal(pl.filter(what, pi, a), null);
    // Removing from zone1 lowers the minimum to 0: zone2 (1) + 1 - 0 = 2 > 1.
    assert.equal(pl.removePod(what, pi, a.pods[0]!, a), null);
    assert.equal(pl.filter(what, pi, x)?.code, Code.Unschedulable);
    // Adding back restores it; the original state was never touched.
    assert.equal(pl.addPod(what, pi, a.pods[0]!, a), null);
    assert.equal(pl.filter(what, pi, x), null);
    assert.equal(pl.filter(state, pi, x)?.code, Code.Unschedulable);
    // Pods of other namespaces or not matching change nothing.
    const other = new PodInfo(makePod({ name: 'o', namespace: 'other', nodeName: 'node-a', labels: { foo: '' } }));
    assert.equal(pl.addPod(what, pi, other, a), null);
    assert.equal(pl.filter(what, pi, x), null);
  });
});

// ---- scoring ----

const foo = { matchExpressions: [{ key: 'foo', operator: 'Exists' }] };

interface ScoreCase {
  name: string;
  incoming: Obj;
  pods: Obj[];
  nodes: Obj[];
  failed?: Obj[];
  services?: Obj[];
  want: Record<string, number>;
}

const hostNode = (name: string) => node(name, { [HOST]: name });
const hz = (name: string, zone: string) => node(name, { zone, [HOST]: name });
const podsOn = (spec: Record<string, number>) => Object.entries(spec).flatMap(([n, k]) => Array.from({ length: k }, (_, i) => pod(`p-${n}-${i}`, n)));

const scoreCases: ScoreCase[] = [
  {
    name: 'one constraint on node, no existing pods',
    incoming: makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, HOST, 'ScheduleAnyway', foo)] }),
    pods: [],
    nodes: [hostNode('node-a'), hostNode('node-b')],
    want: { 'node-a': 100, 'node-b': 100 },
  },
  {
    name: 'one constraint on node, only one node is candidate',
    incoming: makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, HOST, 'ScheduleAnyway', foo)] }),
    pods: podsOn({ 'node-a': 2, 'node-b': 1 }),
    nodes: [hostNode('node-a')],
    failed: [hostNode('node-b')],
    want: { 'node-a': 100 },
  },
  {
    name: 'one constraint on node, all 4 nodes are candidates (2/1/0/3)',
    incoming: makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, HOST, 'ScheduleAnyway', foo)] }),
    pods: podsOn({ 'node-a': 2, 'node-b': 1, 'node-d': 3 }),
    nodes: ['node-a', 'node-b', 'node-c', 'node-d'].map(hostNode),
    want: { 'node-a': 20, 'node-b': 60, 'node-c': 100, 'node-d': 0 },
  },
  {
    name: 'one constraint on node, null selector',
    incoming: makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, HOST, 'ScheduleAnyway', undefined)] }),
    pods: podsOn({ 'node-a': 2, 'node-b': 1, 'node-d': 3 }),
    nodes: ['node-a', 'node-b', 'node-c', 'node-d'].map(hostNode),
    want: { 'node-a': 100, 'node-b': 100, 'node-c': 100, 'node-d': 100 },
  },
  {
    name: 'one constraint on node, all 4 nodes are candidates, maxSkew=2',
    incoming: makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(2, HOST, 'ScheduleAnyway', foo)] }),
    pods: podsOn({ 'node-a': 2, 'node-b': 1, 'node-d': 3 }),
    nodes: ['node-a', 'node-b', 'node-c', 'node-d'].map(hostNode),
    want: { 'node-a': 33, 'node-b': 66, 'node-c': 100, 'node-d': 16 },
  },
  {
    name: 'one constraint on node, all 4 nodes are candidates, maxSkew=3 (4/3/2/1)',
    incoming: makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(3, HOST, 'ScheduleAnyway', foo)] }),
    pods: podsOn({ 'node-a': 4, 'node-b': 3, 'node-c': 2, 'node-d': 1 }),
    nodes: ['node-a', 'node-b', 'node-c', 'node-d'].map(hostNode),
    want: { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 },
  },
  {
    name: 'system defaulting, nodes without zone, pods match a service',
    incoming: makePod({ name: 'p', labels: { foo: '' } }),
    pods: podsOn({ 'node-a': 4, 'node-b': 3, 'node-c': 2, 'node-d': 1 }),
    nodes: ['node-a', 'node-b', 'node-c', 'node-d'].map(hostNode),
    services: [{ metadata: { name: 's', namespace: 'default' }, spec: { selector: { foo: '' } } }],
    // The same scores as one hostname constraint with maxSkew 3.
    want: { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 },
  },
  {
    name: 'one constraint on node, 3 out of 4 nodes are candidates (4/2/1/~3~)',
    incoming: makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, HOST, 'ScheduleAnyway', foo)] }),
    pods: podsOn({ 'node-a': 4, 'node-b': 2, 'node-x': 1, 'node-y': 3 }),
    nodes: ['node-a', 'node-b', 'node-x'].map(hostNode),
    failed: [hostNode('node-y')],
    want: { 'node-a': 33, 'node-b': 83, 'node-x': 100 },
  },
  {
    name: "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
    incoming: makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, HOST, 'ScheduleAnyway', foo)] }),
    pods: podsOn({ 'node-a': 4, 'node-b': 2, 'node-x': 1, 'node-y': 3 }),
    nodes: [hostNode('node-a'), node('node-b', { n: 'node-b' }), hostNode('node-x')],
    failed: [hostNode('node-y')],
    want: { 'node-a': 16, 'node-b': 0, 'node-x': 100 },
  },
  {
    name: 'one constraint on zone, 3 out of 4 nodes are candidates (4/2/1/~3~)',
    incoming: makePod({ name: 'p', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'ScheduleAnyway', foo)] }),
    pods: podsOn({ 'node-a': 4, 'node-b': 2, 'node-x': 1, 'node-y': 3 }),
    nodes: [hz('node-a', 'zone1'), hz('node-b', 'zone1'), hz('node-x', 'zone2')],
    failed: [hz('node-y', 'zone2')],
    want: { 'node-a': 75, 'node-b': 75, 'node-x': 100 },
  },
];

describe('PodTopologySpread score', () => {
  for (const tc of scoreCases) {
    for (const indexed of [false, true]) {
      test(`${tc.name}${indexed ? ' (matchLabels, index)' : ''}`, () => {
        let incoming = tc.incoming;
        if (indexed && incoming.spec.topologySpreadConstraints) {
          incoming = {
            ...incoming,
            spec: { ...incoming.spec, topologySpreadConstraints: incoming.spec.topologySpreadConstraints.map((c: Obj) => (c.labelSelector ? { ...c, labelSelector: { matchLabels: { foo: '' } } } : c)) },
          };
        }
        const cluster = new FakeCluster();
        for (const s of tc.services ?? []) cluster.addObject('Service', s);
        const { snap, pl } = plugin([...tc.nodes, ...(tc.failed ?? [])], tc.pods, cluster);
        const pi = new PodInfo(incoming);
        const state = new CycleState();
        const filtered = tc.nodes.map((n) => snap.get(n.metadata.name)!);
        assert.equal(pl.preScore(state, pi, filtered), null);
        const scores = Float64Array.from(
          filtered.map((n) => {
            const s = pl.score(state, pi, n);
            assert.equal(typeof s, 'number');
            return s as number;
          }),
        );
        assert.equal(pl.normalizeScore(state, pi, scores, filtered), null);
        assert.deepEqual(Object.fromEntries(filtered.map((n, i) => [n.name, scores[i]])), tc.want);
      });
    }
  }

  test('no soft constraints and no owner: PreScore skips', () => {
    const { snap, pl } = plugin([hostNode('a')], []);
    assert.equal(pl.preScore(new CycleState(), new PodInfo(makePod({ name: 'p' })), snap.list())?.code, Code.Skip);
  });

  test('Score without PreScore is an error', () => {
    const { snap, pl } = plugin([hostNode('a')], []);
    assert.ok(pl.score(new CycleState(), new PodInfo(makePod({ name: 'p' })), snap.get('a')!) instanceof Status);
  });
});

describe('default constraints', () => {
  test('the selector merges matching services and adds the owning ReplicaSet selector', () => {
    const cluster = new FakeCluster();
    cluster.addObject('Service', { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' } } });
    cluster.addObject('Service', { metadata: { name: 'other', namespace: 'default' }, spec: { selector: { app: 'db' } } });
    cluster.addObject('Service', { metadata: { name: 'elsewhere', namespace: 'prod' }, spec: { selector: { app: 'web' } } });
    cluster.addObject('ReplicaSet', {
      metadata: { name: 'web-1', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'hash', operator: 'In', values: ['1'] }] } },
    });
    const p = makePod({ name: 'p', labels: { app: 'web', hash: '1' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', controller: true }] });
    assert.deepEqual(defaultSelector(p, cluster), [
      { key: 'app', op: '=', values: ['web'] },
      { key: 'app', op: '=', values: ['web'] },
      { key: 'hash', op: 'in', values: ['1'] },
    ]);
    // A pod of no service and no known controller gets no default constraints.
    const lonely = makePod({ name: 'q', labels: { app: 'cache' } });
    assert.deepEqual(defaultSelector(lonely, cluster), []);
    const pl = new PodTopologySpread({ cluster, snapshotSharedLister: () => Snapshot.of([], []) });
    assert.deepEqual(pl.constraintsFor(new PodInfo(lonely), 'ScheduleAnyway'), []);
    const cs = pl.constraintsFor(new PodInfo(p), 'ScheduleAnyway');
    assert.deepEqual(
      cs.map((c) => [c.topologyKey, c.maxSkew]),
      [
        [HOST, 3],
        ['topology.kubernetes.io/zone', 5],
      ],
    );
    // The defaults are ScheduleAnyway: nothing to filter on.
    assert.deepEqual(pl.constraintsFor(new PodInfo(p), 'DoNotSchedule'), []);
  });

  test('a ReplicationController selector merges as labels; List defaulting uses the given constraints', () => {
    const cluster = new FakeCluster();
    cluster.addObject('ReplicationController', { metadata: { name: 'rc', namespace: 'default' }, spec: { selector: { tier: 'front' } } });
    const p = makePod({ name: 'p', labels: { tier: 'front' }, ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', controller: true }] });
    assert.deepEqual(defaultSelector(p, cluster), [{ key: 'tier', op: '=', values: ['front'] }]);
    const pl = new PodTopologySpread(
      { cluster, snapshotSharedLister: () => Snapshot.of([], []) },
      { defaultingType: 'List', defaultConstraints: [{ maxSkew: 2, topologyKey: 'rack', whenUnsatisfiable: 'DoNotSchedule' }] },
    );
    const cs = pl.constraintsFor(new PodInfo(p), 'DoNotSchedule');
    assert.deepEqual(
      cs.map((c) => [c.topologyKey, c.maxSkew, c.selector]),
      [['rack', 2, [{ key: 'tier', op: '=', values: ['front'] }]]],
    );
    // Own constraints replace the defaults entirely.
    const own = makePod({ name: 'o', labels: { tier: 'front' }, ownerReferences: p.metadata.ownerReferences, topologySpreadConstraints: [spread(1, 'zone', 'ScheduleAnyway', { matchLabels: { tier: 'front' } })] });
    assert.deepEqual(pl.constraintsFor(new PodInfo(own), 'DoNotSchedule'), []);
  });
});

describe('PodTopologySpread queueing hints', () => {
  const cluster = new FakeCluster();
  const pl = new PodTopologySpread({ cluster, snapshotSharedLister: () => Snapshot.of([], []) });
  const [podHint, nodeHint] = pl.eventsToRegister().map((e) => e.hint!);
  const target = new PodInfo(makePod({ name: 't', labels: { foo: '' }, topologySpreadConstraints: [spread(1, 'zone', 'DoNotSchedule', { matchLabels: { foo: '' } })] }));

  test('scheduled pods of the namespace matching the selector', () => {
    assert.equal(podHint!(target, undefined, pod('m', 'n1')), 1);
    assert.equal(podHint!(target, undefined, pod('x', 'n1', { bar: '' })), 0);
    // Unscheduled pods and other namespaces do not take part.
    assert.equal(podHint!(target, undefined, makePod({ name: 'u', labels: { foo: '' } })), 0);
    assert.equal(podHint!(target, undefined, pod('o', 'n1', { foo: '' }, { namespace: 'other' })), 0);
    // A label change that flips the match.
    assert.equal(podHint!(target, pod('m', 'n1', { bar: '' }), pod('m', 'n1', { foo: '' })), 1);
    assert.equal(podHint!(target, pod('m', 'n1', { foo: '', a: '1' }), pod('m', 'n1', { foo: '', a: '2' })), 0);
    assert.equal(podHint!(target, pod('m', 'n1'), undefined), 1);
  });

  test('nodes carrying the topology key', () => {
    assert.equal(nodeHint!(target, undefined, zoned('n', 'z1')), 1);
    assert.equal(nodeHint!(target, undefined, node('n', { other: 'x' })), 0);
    assert.equal(nodeHint!(target, zoned('n', 'z1'), zoned('n', 'z2')), 1);
    assert.equal(nodeHint!(target, zoned('n', 'z1'), node('n', { zone: 'z1', node: 'n', extra: '1' })), 0);
    assert.equal(nodeHint!(target, zoned('n', 'z1'), undefined), 1);
  });
});
