import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CycleState } from '../framework/cycle_state.ts';
import { Code, type Status } from '../framework/status.ts';
import { NodeInfo, PodInfo } from '../framework/types.ts';
import { makeNode, makePod, type NodeSpecLite, type PodSpecLite } from '../testing.ts';
import { NodeResourcesFit, type NodeResourcesFitArgs } from './node_resources_fit.ts';

function nodeInfo(node: NodeSpecLite, pods: PodSpecLite[] = []): NodeInfo {
  return new NodeInfo(
    makeNode(node),
    pods.map((p, i) => new PodInfo(makePod({ ...p, name: `${p.name}-${i}`, nodeName: node.name }))),
  );
}

function runFilter(pl: NodeResourcesFit, pod: PodSpecLite, ni: NodeInfo): Status | null | undefined {
  const state = new CycleState();
  const pi = new PodInfo(makePod(pod));
  assert.equal(pl.preFilter(state, pi), null);
  return pl.filter(state, pi, ni);
}

describe('NodeResourcesFit filter', () => {
  const cases: { name: string; pod: PodSpecLite; node: NodeSpecLite; existing?: PodSpecLite[]; args?: NodeResourcesFitArgs; reasons: string[] }[] = [
    { name: 'no requests fit an empty node', pod: { name: 'p' }, node: { name: 'n', alloc: { cpu: '1', memory: '1Gi' } }, reasons: [] },
    {
      name: 'cpu above what is left',
      pod: { name: 'p', req: { cpu: '1' } },
      node: { name: 'n', alloc: { cpu: '2', memory: '1Gi' } },
      existing: [{ name: 'e', req: { cpu: '1500m' } }],
      reasons: ['Insufficient cpu'],
    },
    {
      name: 'exactly what is left fits',
      pod: { name: 'p', req: { cpu: '500m', memory: '512Mi' } },
      node: { name: 'n', alloc: { cpu: '2', memory: '1Gi' } },
      existing: [{ name: 'e', req: { cpu: '1500m', memory: '512Mi' } }],
      reasons: [],
    },
    {
      name: 'cpu and memory both reported, in upstream order',
      pod: { name: 'p', req: { memory: '2Gi', cpu: '3' } },
      node: { name: 'n', alloc: { cpu: '2', memory: '1Gi' } },
      reasons: ['Insufficient cpu', 'Insufficient memory'],
    },
    {
      name: 'pod count counts even without requests',
      pod: { name: 'p' },
      node: { name: 'n', alloc: { cpu: '2', memory: '1Gi', pods: '1' } },
      existing: [{ name: 'e' }],
      reasons: ['Too many pods'],
    },
    {
      name: 'extended resource',
      pod: { name: 'p', req: { 'example.com/gpu': '2' } },
      node: { name: 'n', alloc: { cpu: '2', 'example.com/gpu': '1' } },
      reasons: ['Insufficient example.com/gpu'],
    },
    {
      name: 'ignored extended resource',
      pod: { name: 'p', req: { 'example.com/gpu': '2' } },
      node: { name: 'n', alloc: { cpu: '2' } },
      args: { ignoredResources: ['example.com/gpu'] },
      reasons: [],
    },
    {
      name: 'ignored resource group',
      pod: { name: 'p', req: { 'example.com/gpu': '2', 'other.io/fpga': '1' } },
      node: { name: 'n', alloc: { cpu: '2' } },
      args: { ignoredResourceGroups: ['example.com'] },
      reasons: ['Insufficient other.io/fpga'],
    },
    {
      name: 'an init container larger than the containers sets the request',
      pod: { name: 'p', req: { cpu: '1' }, initContainers: [{ cpu: '3' }] },
      node: { name: 'n', alloc: { cpu: '2' } },
      reasons: ['Insufficient cpu'],
    },
    {
      name: 'a sidecar adds to the containers',
      pod: { name: 'p', req: { cpu: '1500m' }, initContainers: [{ cpu: '1', restartPolicy: 'Always' }] },
      node: { name: 'n', alloc: { cpu: '2' } },
      reasons: ['Insufficient cpu'],
    },
    {
      name: 'pod overhead is added',
      pod: { name: 'p', req: { memory: '900Mi' }, overhead: { memory: '200Mi' } },
      node: { name: 'n', alloc: { memory: '1Gi' } },
      reasons: ['Insufficient memory'],
    },
    {
      name: 'ephemeral storage',
      pod: { name: 'p', req: { 'ephemeral-storage': '10Gi' } },
      node: { name: 'n', alloc: { 'ephemeral-storage': '5Gi' } },
      reasons: ['Insufficient ephemeral-storage'],
    },
    {
      name: 'hugepages',
      pod: { name: 'p', req: { 'hugepages-2Mi': '4Mi' } },
      node: { name: 'n', alloc: { 'hugepages-2Mi': '2Mi' } },
      reasons: ['Insufficient hugepages-2Mi'],
    },
  ];
  for (const tc of cases) {
    test(tc.name, () => {
      const s = runFilter(new NodeResourcesFit(tc.args), tc.pod, nodeInfo(tc.node, tc.existing));
      if (tc.reasons.length === 0) assert.equal(s ?? null, null);
      else {
        assert.equal(s?.code, Code.Unschedulable);
        assert.deepEqual([...s!.reasons], tc.reasons);
        assert.equal(s!.plugin, 'NodeResourcesFit');
      }
    });
  }
});

describe('NodeResourcesFit scoring strategies', () => {
  const node = (name: string, cpu: string, memory: string, existing: PodSpecLite[] = []) => nodeInfo({ name, alloc: { cpu, memory } }, existing);
  const cases: { name: string; args?: NodeResourcesFitArgs; pod: PodSpecLite; nodes: NodeInfo[]; scores: number[] }[] = [
    {
      name: 'LeastAllocated: the emptier node scores higher',
      pod: { name: 'p', req: { cpu: '1', memory: '2000' } },
      nodes: [node('n1', '4', '10000'), node('n2', '6', '10000')],
      // n1: cpu (3000*100/4000)=75, mem 80 -> 77; n2: cpu 83, mem 80 -> 81
      scores: [77, 81],
    },
    {
      name: 'LeastAllocated counts existing pods through their non-zero requests',
      pod: { name: 'p', req: { cpu: '1', memory: '2000' } },
      // The existing pod requests nothing: it counts as 100m cpu and 200Mi memory.
      nodes: [node('n1', '4', `${400 * 1024 * 1024}`, [{ name: 'e' }])],
      // cpu (4000-1100)*100/4000=72; mem (400Mi-200Mi-2000)*100/400Mi=49 -> 60
      scores: [60],
    },
    {
      name: 'LeastAllocated gives a pod without requests the 100m/200Mi defaults',
      pod: { name: 'p' },
      nodes: [node('n1', '1', '1000Mi')],
      scores: [85],
    },
    {
      name: 'MostAllocated: the fuller node scores higher',
      args: { scoringStrategy: { type: 'MostAllocated' } },
      pod: { name: 'p', req: { cpu: '1', memory: '2000' } },
      nodes: [node('n1', '4', '10000'), node('n2', '2', '4000')],
      // n1: 25, 20 -> 22; n2: 50, 50 -> 50
      scores: [22, 50],
    },
    {
      name: 'MostAllocated caps a request above capacity',
      args: { scoringStrategy: { type: 'MostAllocated' } },
      pod: { name: 'p', req: { cpu: '8', memory: '2000' } },
      nodes: [node('n1', '4', '2000')],
      scores: [100],
    },
    {
      name: 'RequestedToCapacityRatio with a bin-packing shape',
      args: { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } },
      pod: { name: 'p', req: { cpu: '1', memory: '2000' } },
      nodes: [node('n1', '4', '10000')],
      // cpu 25, mem 20, rounded mean 22.5 -> 23
      scores: [23],
    },
    {
      name: 'RequestedToCapacityRatio with resource weights',
      args: {
        scoringStrategy: {
          type: 'RequestedToCapacityRatio',
          resources: [
            { name: 'cpu', weight: 3 },
            { name: 'memory', weight: 1 },
          ],
          requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] },
        },
      },
      pod: { name: 'p', req: { cpu: '1', memory: '2000' } },
      nodes: [node('n1', '4', '10000')],
      scores: [24],
    },
    {
      name: 'RequestedToCapacityRatio with a spreading shape',
      args: { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 10 }, { utilization: 100, score: 0 }] } } },
      pod: { name: 'p', req: { cpu: '1', memory: '2000' } },
      nodes: [node('n1', '4', '10000')],
      // cpu 75, mem 80 -> 77.5 rounds to 78
      scores: [78],
    },
    {
      name: 'an extended resource only scores on nodes that have it',
      args: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'example.com/gpu', weight: 1 }] } },
      pod: { name: 'p', req: { 'example.com/gpu': '1' } },
      nodes: [nodeInfo({ name: 'n1', alloc: { 'example.com/gpu': '4' } }), nodeInfo({ name: 'n2', alloc: { cpu: '4' } })],
      scores: [75, 0],
    },
  ];
  for (const tc of cases) {
    test(tc.name, () => {
      const pl = new NodeResourcesFit(tc.args);
      const state = new CycleState();
      const pi = new PodInfo(makePod(tc.pod));
      assert.equal(pl.preScore(state, pi), null);
      assert.deepEqual(
        tc.nodes.map((n) => pl.score(state, pi, n)),
        tc.scores,
      );
    });
  }

  test('an unknown strategy is refused', () => {
    assert.throws(() => new NodeResourcesFit({ scoringStrategy: { type: 'Nope' as 'MostAllocated' } }), /not supported/);
  });
});
