// Filter cases with upstream's reasons and codes; score cases follow upstream's
// interpodaffinity scoring_test.go (TestPreferredAffinity), with its expected scores.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../../apiserver/rest.ts';
import { Snapshot } from '../cache.ts';
import { CycleState } from '../framework/cycle_state.ts';
import { CODE_NAMES, Code } from '../framework/status.ts';
import { PodInfo } from '../framework/types.ts';
import { FakeCluster, makePod, type PodSpecLite } from '../testing.ts';
import { InterPodAffinity, type InterPodAffinityArgs } from './inter_pod_affinity.ts';

function node(name: string, labels: Record<string, string>): Obj {
  return { metadata: { name, labels }, spec: {}, status: { allocatable: { pods: '110' } } };
}

function pod(name: string, nodeName: string | undefined, labels: Record<string, string>, extra: Partial<PodSpecLite> = {}): Obj {
  return makePod({ name, nodeName, labels, ...extra });
}

const sel = (key: string, operator: string, values?: string[]): Obj => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });
const term = (labelSelector: Obj | undefined, topologyKey: string, more: Obj = {}): Obj => ({ ...(labelSelector ? { labelSelector } : {}), topologyKey, ...more });
const affinity = (...required: Obj[]): Obj => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } });
const antiAffinity = (...required: Obj[]): Obj => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } });

const S1 = { security: 'S1' };
const S2 = { security: 'S2' };

function setup(nodes: Obj[], pods: Obj[], namespaces: Obj[] = [], args?: InterPodAffinityArgs) {
  const cluster = new FakeCluster();
  for (const ns of namespaces) cluster.addObject('Namespace', ns);
  const snap = Snapshot.of(nodes, pods);
  return { snap, cluster, pl: new InterPodAffinity({ cluster, snapshotSharedLister: () => snap }, args) };
}

/** Node -> "Success" or "Code: reasons". */
function filterAll(nodes: Obj[], pods: Obj[], incoming: Obj, namespaces: Obj[] = []): Record<string, string> {
  const { snap, pl } = setup(nodes, pods, namespaces);
  const state = new CycleState();
  const pi = new PodInfo(incoming);
  const pre = pl.preFilter(state, pi, snap.list());
  // Skip means the framework does not run this Filter at all.
  const skipped = pre?.code === Code.Skip;
  assert.ok(pre == null || skipped, `PreFilter: ${pre?.message()}`);
  const out: Record<string, string> = {};
  for (const n of nodes) {
    const s = skipped ? null : pl.filter(state, pi, snap.get(n.metadata.name)!);
    out[n.metadata.name] = s ? `${CODE_NAMES[s.code]}: ${s.reasons.join(', ')}` : 'Success';
  }
  return out;
}

const AFF = "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules";
const ANTI = "Unschedulable: node(s) didn't match pod anti-affinity rules";
const EXISTING = "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules";
const OK = 'Success';

const regions = [node('n1', { region: 'r1', zone: 'z1', host: 'n1' }), node('n2', { region: 'r1', zone: 'z2', host: 'n2' }), node('n3', { region: 'r2', zone: 'z3', host: 'n3' })];
const unlabeled = node('n4', { host: 'n4' });

interface FilterCase {
  name: string;
  nodes: Obj[];
  pods: Obj[];
  incoming: Obj;
  namespaces?: Obj[];
  want: Record<string, string>;
}

const filterCases: FilterCase[] = [
  {
    name: 'required affinity: a matching pod in a region admits every node of that region',
    nodes: [...regions, unlabeled],
    pods: [pod('e1', 'n1', S1)],
    incoming: pod('p', undefined, {}, { affinity: affinity(term(sel('security', 'In', ['S1']), 'region')) }),
    want: { n1: OK, n2: OK, n3: AFF, n4: AFF },
  },
  {
    name: 'required affinity with NotIn and Exists',
    nodes: regions,
    pods: [pod('e1', 'n1', S1), pod('e3', 'n3', S2)],
    incoming: pod('p', undefined, {}, {
      affinity: affinity(term({ matchExpressions: [{ key: 'security', operator: 'NotIn', values: ['S1'] }, { key: 'security', operator: 'Exists' }] }, 'region')),
    }),
    want: { n1: AFF, n2: AFF, n3: OK },
  },
  {
    name: 'the first pod of a group with affinity to itself goes on any node with the topology key',
    nodes: [...regions, unlabeled],
    pods: [pod('other', 'n1', S2)],
    incoming: pod('p', undefined, S1, { affinity: affinity(term({ matchLabels: S1 }, 'region')) }),
    want: { n1: OK, n2: OK, n3: OK, n4: AFF },
  },
  {
    name: 'the first-pod rule needs the pod to match its own terms',
    nodes: regions,
    pods: [],
    incoming: pod('p', undefined, S2, { affinity: affinity(term({ matchLabels: S1 }, 'region')) }),
    want: { n1: AFF, n2: AFF, n3: AFF },
  },
  {
    name: 'once a matching pod exists, the first-pod rule no longer applies',
    nodes: regions,
    pods: [pod('e3', 'n3', S1)],
    incoming: pod('p', undefined, S1, { affinity: affinity(term({ matchLabels: S1 }, 'region')) }),
    want: { n1: AFF, n2: AFF, n3: OK },
  },
  {
    name: 'all terms must be matched by one pod',
    nodes: regions,
    pods: [pod('e1', 'n1', S1), pod('e2', 'n2', { team: 'a' })],
    incoming: pod('p', undefined, {}, { affinity: affinity(term({ matchLabels: S1 }, 'region'), term({ matchLabels: { team: 'a' } }, 'region')) }),
    want: { n1: AFF, n2: AFF, n3: AFF },
  },
  {
    name: 'required anti-affinity: nodes sharing the zone of a matching pod are out; a node without the key is fine',
    nodes: [...regions, unlabeled],
    pods: [pod('e1', 'n1', S1)],
    incoming: pod('p', undefined, {}, { affinity: antiAffinity(term({ matchLabels: S1 }, 'region')) }),
    want: { n1: ANTI, n2: ANTI, n3: OK, n4: OK },
  },
  {
    name: "existing pods' anti-affinity keeps the incoming pod off their host",
    nodes: regions,
    pods: [pod('e1', 'n1', S2, { affinity: antiAffinity(term({ matchLabels: S1 }, 'host')) })],
    incoming: pod('p', undefined, S1),
    want: { n1: EXISTING, n2: OK, n3: OK },
  },
  {
    name: "existing pods' anti-affinity by namespaceSelector, matched with the incoming pod's namespace labels",
    nodes: regions,
    pods: [pod('e1', 'n1', S2, { namespace: 'other', affinity: antiAffinity(term({ matchLabels: S1 }, 'region', { namespaceSelector: { matchLabels: { team: 't1' } } })) })],
    incoming: pod('p', undefined, S1, { namespace: 'team1-apps' }),
    namespaces: [{ metadata: { name: 'team1-apps', labels: { team: 't1' } } }],
    want: { n1: EXISTING, n2: EXISTING, n3: OK },
  },
  {
    name: 'the same term does not select a pod of a namespace with other labels',
    nodes: regions,
    pods: [pod('e1', 'n1', S2, { namespace: 'other', affinity: antiAffinity(term({ matchLabels: S1 }, 'region', { namespaceSelector: { matchLabels: { team: 't1' } } })) })],
    incoming: pod('p', undefined, S1, { namespace: 'team2-apps' }),
    namespaces: [{ metadata: { name: 'team2-apps', labels: { team: 't2' } } }],
    want: { n1: OK, n2: OK, n3: OK },
  },
  {
    name: "existing pods' anti-affinity only covers their own namespace by default",
    nodes: regions,
    pods: [pod('e1', 'n1', S2, { namespace: 'other', affinity: antiAffinity(term({ matchLabels: S1 }, 'region')) })],
    incoming: pod('p', undefined, S1),
    want: { n1: OK, n2: OK, n3: OK },
  },
  {
    name: 'explicit namespaces: pods elsewhere do not count',
    nodes: regions,
    pods: [pod('e1', 'n1', S1, { namespace: 'ns2' }), pod('e3', 'n3', S1, { namespace: 'ns1' })],
    incoming: pod('p', undefined, {}, { affinity: affinity(term({ matchLabels: S1 }, 'region', { namespaces: ['ns1'] })) }),
    want: { n1: AFF, n2: AFF, n3: OK },
  },
  {
    name: "the incoming pod's namespaceSelector is resolved to the namespaces it selects",
    nodes: regions,
    pods: [pod('e1', 'n1', S1, { namespace: 'dev' }), pod('e3', 'n3', S1, { namespace: 'prod' })],
    incoming: pod('p', undefined, {}, { affinity: antiAffinity(term({ matchLabels: S1 }, 'region', { namespaceSelector: { matchLabels: { env: 'prod' } } })) }),
    namespaces: [{ metadata: { name: 'dev', labels: { env: 'dev' } } }, { metadata: { name: 'prod', labels: { env: 'prod' } } }],
    want: { n1: OK, n2: OK, n3: ANTI },
  },
  {
    name: 'an empty namespaceSelector selects every namespace',
    nodes: regions,
    pods: [pod('e1', 'n1', S1, { namespace: 'dev' }), pod('e3', 'n3', S1, { namespace: 'prod' })],
    incoming: pod('p', undefined, {}, { affinity: antiAffinity(term({ matchLabels: S1 }, 'region', { namespaceSelector: {} })) }),
    want: { n1: ANTI, n2: ANTI, n3: ANTI },
  },
  {
    name: 'a term without a labelSelector selects no pod',
    nodes: regions,
    pods: [pod('e1', 'n1', S1)],
    incoming: pod('p', undefined, S1, { affinity: antiAffinity(term(undefined, 'region')) }),
    want: { n1: OK, n2: OK, n3: OK },
  },
  {
    name: 'affinity is checked before anti-affinity',
    nodes: regions,
    pods: [pod('e3', 'n3', S1), pod('e1', 'n1', S2)],
    incoming: pod('p', undefined, {}, { affinity: { ...affinity(term({ matchLabels: S1 }, 'region')), ...antiAffinity(term({ matchLabels: S2 }, 'region')) } }),
    want: { n1: AFF, n2: AFF, n3: OK },
  },
];

describe('InterPodAffinity filter', () => {
  for (const tc of filterCases) {
    test(tc.name, () => assert.deepEqual(filterAll(tc.nodes, tc.pods, tc.incoming, tc.namespaces), tc.want));
  }

  test('without terms on either side PreFilter skips', () => {
    const { snap, pl } = setup(regions, [pod('e1', 'n1', S1)]);
    assert.equal(pl.preFilter(new CycleState(), new PodInfo(pod('p', undefined, S1)), snap.list())?.code, Code.Skip);
  });

  test('an existing anti-affinity term that does not match the pod still needs a PreFilter state, and lets everything through', () => {
    const { snap, pl } = setup(regions, [pod('e1', 'n1', S2, { affinity: antiAffinity(term({ matchLabels: S2 }, 'host')) })]);
    const state = new CycleState();
    const pi = new PodInfo(pod('p', undefined, S1));
    // Nothing matched: upstream skips as well.
    assert.equal(pl.preFilter(state, pi, snap.list())?.code, Code.Skip);
  });

  test('AddPod and RemovePod update the counts on a copy of the state', () => {
    const { snap, pl } = setup(regions, [pod('e1', 'n1', S1)]);
    const pi = new PodInfo(pod('p', undefined, {}, { affinity: antiAffinity(term({ matchLabels: S1 }, 'region')) }));
    const state = new CycleState();
    pl.preFilter(state, pi, snap.list());
    const n1 = snap.get('n1')!;
    const n3 = snap.get('n3')!;
    assert.equal(pl.filter(state, pi, n1)?.code, Code.Unschedulable);
    const what = state.clone();
    assert.equal(pl.removePod(what, pi, n1.pods[0]!, n1), null);
    assert.equal(pl.filter(what, pi, n1), null);
    assert.equal(pl.filter(state, pi, n1)?.code, Code.Unschedulable);
    // An added pod whose own anti-affinity rejects the incoming pod counts as existing.
    const guard = new PodInfo(pod('g', 'n3', S2, { affinity: antiAffinity(term({ matchLabels: {} }, 'host')) }));
    assert.equal(pl.addPod(what, pi, guard, n3), null);
    assert.deepEqual([...pl.filter(what, pi, n3)!.reasons], ["node(s) didn't satisfy existing pods anti-affinity rules"]);
  });
});

// ---- scoring ----

const rgChina = { region: 'China' };
const rgIndia = { region: 'India' };
const azAz1 = { az: 'az1' };
const azAz2 = { az: 'az2' };
const rgChinaAzAz1 = { region: 'China', az: 'az1' };
const inS = (v: string[]) => sel('security', 'In', v);
const pref = (weight: number, labelSelector: Obj, topologyKey: string, more: Obj = {}) => ({ weight, podAffinityTerm: term(labelSelector, topologyKey, more) });
const stayWithS1InRegion = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(5, inS(['S1']), 'region')] } };
const stayWithS2InRegion = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(6, inS(['S2']), 'region')] } };
const affinity3 = {
  podAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      pref(8, { matchExpressions: [{ key: 'security', operator: 'NotIn', values: ['S1'] }, { key: 'security', operator: 'In', values: ['S2'] }] }, 'region'),
      pref(2, { matchExpressions: [{ key: 'security', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, 'region'),
    ],
  },
};
const hardAffinity = affinity(term(inS(['S1', 'value2']), 'region'), term({ matchExpressions: [{ key: 'security', operator: 'Exists' }, { key: 'wrongkey', operator: 'DoesNotExist' }] }, 'region'));
const awayFromS1InAz = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(5, inS(['S1']), 'az')] } };
const awayFromS2InAz = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(5, inS(['S2']), 'az')] } };
const stayWithS1InRegionAwayFromS2InAz = {
  podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(8, inS(['S1']), 'region')] },
  podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(5, inS(['S2']), 'az')] },
};
const nsSelectorTerm = { namespaces: ['subteam2.team2'], namespaceSelector: sel('team', 'In', ['team1']) };
const affinityNamespaceSelector = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(5, inS(['S1']), 'region', nsSelectorTerm)] } };
const antiAffinityNamespaceSelector = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(5, inS(['S1']), 'region', nsSelectorTerm)] } };
const teamNamespaces = [
  { metadata: { name: 'subteam1.team1', labels: { team: 'team1' } } },
  { metadata: { name: 'subteam2.team1', labels: { team: 'team1' } } },
  { metadata: { name: 'subteam1.team2', labels: { team: 'team2' } } },
  { metadata: { name: 'subteam2.team2', labels: { team: 'team2' } } },
];

let uid = 0;
const ep = (nodeName: string, labels: Record<string, string>, aff?: Obj, namespace?: string) => pod(`e${++uid}`, nodeName, labels, { affinity: aff, namespace });

interface ScoreCase {
  name: string;
  incoming: Obj;
  pods: Obj[];
  nodes: Obj[];
  want: Record<string, number> | 'Skip';
  args?: InterPodAffinityArgs;
}

const scoreCases: ScoreCase[] = [
  {
    name: 'all nodes are same priority as Affinity is nil',
    incoming: pod('p', undefined, S1),
    pods: [],
    nodes: [node('node1', rgChina), node('node2', rgIndia), node('node3', azAz1)],
    want: 'Skip',
  },
  {
    name: 'Affinity: pod that matches topology key & pods in nodes will get high score',
    incoming: pod('p', undefined, S1, { affinity: stayWithS1InRegion }),
    pods: [ep('node1', S1), ep('node2', S2), ep('node3', S1)],
    nodes: [node('node1', rgChina), node('node2', rgIndia), node('node3', azAz1)],
    want: { node1: 100, node2: 0, node3: 0 },
  },
  {
    name: 'All the nodes that have the same topology key & label value with one of them has an existing pod that match the affinity rules, have the same score',
    incoming: pod('p', undefined, {}, { affinity: stayWithS1InRegion }),
    pods: [ep('node1', S1)],
    nodes: [node('node1', rgChina), node('node2', rgChinaAzAz1), node('node3', rgIndia)],
    want: { node1: 100, node2: 100, node3: 0 },
  },
  {
    name: 'Affinity: nodes in one region has more matching pods comparing to other region',
    incoming: pod('p', undefined, S1, { affinity: stayWithS2InRegion }),
    pods: [ep('node1', S2), ep('node1', S2), ep('node2', S2), ep('node3', S2), ep('node4', S2), ep('node5', S2)],
    nodes: [node('node1', rgChina), node('node2', rgIndia), node('node3', rgChina), node('node4', rgChina), node('node5', rgIndia)],
    want: { node1: 100, node2: 0, node3: 100, node4: 100, node5: 0 },
  },
  {
    name: 'Affinity: different Label operators and values for pod affinity scheduling preference, including some match failures',
    incoming: pod('p', undefined, S1, { affinity: affinity3 }),
    pods: [ep('node1', S1), ep('node2', S2), ep('node3', S1)],
    nodes: [node('node1', rgChina), node('node2', rgIndia), node('node3', azAz1)],
    want: { node1: 20, node2: 100, node3: 0 },
  },
  {
    name: 'Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry',
    incoming: pod('p', undefined, S2),
    pods: [ep('node1', S1, stayWithS1InRegion), ep('node2', S2, stayWithS2InRegion)],
    nodes: [node('node1', rgChina), node('node2', rgIndia), node('node3', azAz1)],
    want: { node1: 0, node2: 100, node3: 0 },
  },
  {
    name: 'Affinity symmetry with namespace selector',
    incoming: pod('p', undefined, S1, { namespace: 'subteam1.team1' }),
    pods: [ep('node1', S1, affinityNamespaceSelector), ep('node2', S2, stayWithS2InRegion)],
    nodes: [node('node1', rgChina), node('node2', rgIndia), node('node3', azAz1)],
    want: { node1: 100, node2: 0, node3: 0 },
  },
  {
    name: 'AntiAffinity symmetry with namespace selector',
    incoming: pod('p', undefined, S1, { namespace: 'subteam1.team1' }),
    pods: [ep('node1', S1, antiAffinityNamespaceSelector), ep('node2', S2, stayWithS2InRegion)],
    nodes: [node('node1', rgChina), node('node2', rgIndia), node('node3', azAz1)],
    want: { node1: 0, node2: 100, node3: 100 },
  },
  {
    name: 'Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry',
    incoming: pod('p', undefined, S1),
    pods: [ep('node1', S1, hardAffinity), ep('node2', S2, hardAffinity)],
    nodes: [node('node1', rgChina), node('node2', rgIndia), node('node3', azAz1)],
    want: { node1: 100, node2: 100, node3: 0 },
  },
  {
    name: 'Anti Affinity: pod that does not match existing pods in node will get high score',
    incoming: pod('p', undefined, S1, { affinity: awayFromS1InAz }),
    pods: [ep('node1', S1), ep('node2', S2)],
    nodes: [node('node1', azAz1), node('node2', rgChina)],
    want: { node1: 0, node2: 100 },
  },
  {
    name: 'Anti Affinity: one node has more matching pods comparing to other node',
    incoming: pod('p', undefined, S1, { affinity: awayFromS1InAz }),
    pods: [ep('node1', S1), ep('node1', S1), ep('node2', S2)],
    nodes: [node('node1', azAz1), node('node2', rgIndia)],
    want: { node1: 0, node2: 100 },
  },
  {
    name: 'Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score',
    incoming: pod('p', undefined, S2),
    pods: [ep('node1', S1, awayFromS2InAz), ep('node2', S2, awayFromS1InAz)],
    nodes: [node('node1', azAz1), node('node2', azAz2)],
    want: { node1: 0, node2: 100 },
  },
  {
    name: 'Affinity and Anti Affinity: considering both, the pod to schedule and existing pods have the same labels',
    incoming: pod('p', undefined, S1, { affinity: stayWithS1InRegionAwayFromS2InAz }),
    pods: [ep('node1', S1), ep('node1', S1), ep('node2', S1), ep('node3', S1), ep('node3', S1), ep('node4', S1), ep('node5', S1)],
    nodes: [node('node1', rgChinaAzAz1), node('node2', rgIndia), node('node3', rgChina), node('node4', rgChina), node('node5', rgIndia)],
    want: { node1: 100, node2: 0, node3: 100, node4: 100, node5: 0 },
  },
  {
    name: 'Affinity and Anti Affinity and symmetry',
    incoming: pod('p', undefined, S1, { affinity: stayWithS1InRegionAwayFromS2InAz }),
    pods: [ep('node1', S1), ep('node2', S2), ep('node3', {}, stayWithS1InRegionAwayFromS2InAz), ep('node4', {}, awayFromS1InAz)],
    nodes: [node('node1', rgChina), node('node2', azAz1), node('node3', rgIndia), node('node4', azAz2)],
    want: { node1: 100, node2: 0, node3: 100, node4: 0 },
  },
  {
    name: 'Avoid panic when partial nodes in a topology do not have pods with affinity',
    incoming: pod('p', undefined, S1),
    pods: [ep('node1', S1), ep('node2', {}, stayWithS1InRegionAwayFromS2InAz)],
    nodes: [node('node1', rgChina), node('node2', rgChina)],
    want: { node1: 0, node2: 0 },
  },
  {
    name: 'Affinity with pods matching NamespaceSelector',
    incoming: pod('p', undefined, S1, { namespace: 'subteam1.team1', affinity: affinityNamespaceSelector }),
    pods: [ep('node1', S1, undefined, 'subteam1.team1'), ep('node1', S1, undefined, 'subteam1.team1'), ep('node1', S1, undefined, 'subteam1.team2'), ep('node2', S1, undefined, 'subteam2.team1')],
    nodes: [node('node1', rgChina), node('node2', rgIndia)],
    want: { node1: 100, node2: 0 },
  },
  {
    name: 'Affinity with pods matching both NamespaceSelector and Namespaces fields',
    incoming: pod('p', undefined, S1, { namespace: 'subteam1.team1', affinity: affinityNamespaceSelector }),
    pods: [ep('node1', S1, undefined, 'subteam1.team1'), ep('node1', S1, undefined, 'subteam1.team1'), ep('node1', S1, undefined, 'subteam2.team2'), ep('node2', S1, undefined, 'subteam2.team1')],
    nodes: [node('node1', rgChina), node('node2', rgIndia)],
    want: { node1: 100, node2: 0 },
  },
  {
    name: 'ignorePreferredTermsOfExistingPods skips when the pod has no preferences',
    incoming: pod('p', undefined, S1),
    pods: [ep('node1', S1, affinity3)],
    nodes: [node('node1', rgChina), node('node2', rgIndia)],
    args: { ignorePreferredTermsOfExistingPods: true },
    want: 'Skip',
  },
  {
    name: 'hardPodAffinityWeight 0 ignores existing required affinity terms',
    incoming: pod('p', undefined, S1),
    pods: [ep('node1', S1, hardAffinity)],
    nodes: [node('node1', rgChina), node('node2', rgIndia)],
    args: { hardPodAffinityWeight: 0 },
    want: 'Skip',
  },
];

describe('InterPodAffinity score', () => {
  for (const tc of scoreCases) {
    test(tc.name, () => {
      const { snap, pl } = setup(tc.nodes, tc.pods, teamNamespaces, tc.args);
      const pi = new PodInfo(tc.incoming);
      const state = new CycleState();
      const nodes = snap.list();
      const pre = pl.preScore(state, pi);
      if (tc.want === 'Skip') {
        assert.equal(pre?.code, Code.Skip);
        return;
      }
      assert.equal(pre, null);
      const scores = Float64Array.from(nodes.map((n) => pl.score(state, pi, n) as number));
      assert.equal(pl.normalizeScore(state, pi, scores), null);
      assert.deepEqual(Object.fromEntries(nodes.map((n, i) => [n.name, scores[i]])), tc.want);
    });
  }

  test('raw scores are the summed weights of the node topology pairs', () => {
    const { snap, pl } = setup([node('node1', rgChina), node('node2', rgIndia), node('node3', azAz1)], [ep('node1', S1), ep('node2', S2), ep('node3', S1)]);
    const pi = new PodInfo(pod('p', undefined, S1, { affinity: affinity3 }));
    const state = new CycleState();
    pl.preScore(state, pi);
    // node1: the S1 pod in China matches the weight-2 term; node2: S2 in India matches both (8+2).
    assert.deepEqual(
      snap.list().map((n) => pl.score(state, pi, n)),
      [2, 10, 0],
    );
  });
});

describe('InterPodAffinity queueing hints', () => {
  const { pl } = setup([], []);
  const [podHint, nodeHint] = pl.eventsToRegister().map((e) => e.hint!);
  const wantsS1 = new PodInfo(pod('p', undefined, {}, { affinity: { ...affinity(term({ matchLabels: S1 }, 'region')), ...antiAffinity(term({ matchLabels: S2 }, 'zone')) } }));

  test('pods', () => {
    assert.equal(podHint!(wantsS1, undefined, pod('a', 'n1', S1)), 1);
    assert.equal(podHint!(wantsS1, undefined, pod('a', 'n1', S2)), 0);
    // Unscheduled pods help nobody.
    assert.equal(podHint!(wantsS1, undefined, pod('a', undefined, S1)), 0);
    assert.equal(podHint!(wantsS1, pod('a', 'n1', S2), undefined), 1);
    assert.equal(podHint!(wantsS1, pod('a', 'n1', S1), undefined), 0);
    assert.equal(podHint!(wantsS1, pod('a', 'n1', {}), pod('a', 'n1', S1)), 1);
    assert.equal(podHint!(wantsS1, pod('a', 'n1', S2), pod('a', 'n1', {})), 1);
    assert.equal(podHint!(wantsS1, pod('a', 'n1', {}), pod('a', 'n1', { x: '1' })), 0);
  });

  test('nodes', () => {
    assert.equal(nodeHint!(wantsS1, undefined, node('n', { region: 'r' })), 1);
    assert.equal(nodeHint!(wantsS1, undefined, node('n', { zone: 'z' })), 1);
    assert.equal(nodeHint!(wantsS1, undefined, node('n', { other: 'x' })), 0);
  });
});
