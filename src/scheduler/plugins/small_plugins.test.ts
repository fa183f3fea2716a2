// NodeName, NodeUnschedulable, ImageLocality, PrioritySort, SchedulingGates, DefaultBinder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Obj } from '../../apiserver/rest.ts';
import { CycleState } from '../framework/cycle_state.ts';
import type { QueuedPodInfo, SharedLister } from '../framework/interfaces.ts';
import { Code } from '../framework/status.ts';
import { NodeInfo, PodInfo } from '../framework/types.ts';
import { FakeCluster, makeNode, makePod } from '../testing.ts';
import { DefaultBinder } from './default_binder.ts';
import { ImageLocality, calculatePriority } from './image_locality.ts';
import { NodeName } from './node_name.ts';
import { NodeUnschedulable } from './node_unschedulable.ts';
import { PrioritySort } from './priority_sort.ts';
import { SchedulingGates } from './scheduling_gates.ts';

for (const tc of [
  { name: 'no nodeName fits anywhere', nodeName: undefined, fits: true },
  { name: 'the named node', nodeName: 'n1', fits: true },
  { name: 'another node', nodeName: 'n2', fits: false },
]) {
  test(`NodeName: ${tc.name}`, () => {
    const s = new NodeName().filter(new CycleState(), new PodInfo(makePod({ name: 'p', nodeName: tc.nodeName })), new NodeInfo(makeNode({ name: 'n1' })));
    if (tc.fits) assert.equal(s, null);
    else {
      assert.equal(s?.code, Code.UnschedulableAndUnresolvable);
      assert.deepEqual([...s!.reasons], ["node(s) didn't match the requested node name"]);
    }
  });
}

for (const tc of [
  { name: 'schedulable node', unschedulable: false, tolerations: undefined, fits: true },
  { name: 'cordoned node', unschedulable: true, tolerations: undefined, fits: false },
  { name: 'cordoned node, tolerated', unschedulable: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }], fits: true },
  { name: 'cordoned node, wrong effect tolerated', unschedulable: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }], fits: false },
] as { name: string; unschedulable: boolean; tolerations?: Obj[]; fits: boolean }[]) {
  test(`NodeUnschedulable: ${tc.name}`, () => {
    const s = new NodeUnschedulable().filter(
      new CycleState(),
      new PodInfo(makePod({ name: 'p', tolerations: tc.tolerations })),
      new NodeInfo(makeNode({ name: 'n', unschedulable: tc.unschedulable })),
    );
    if (tc.fits) assert.equal(s, null);
    else {
      assert.equal(s?.code, Code.UnschedulableAndUnresolvable);
      assert.deepEqual([...s!.reasons], ['node(s) were unschedulable']);
    }
  });
}

const MB = 1024 * 1024;
for (const tc of [
  // 500MB on one of two nodes: 250MB counted; 100*(250-23)/(1000-23) = 23
  { name: 'an image on half the nodes', images: [{ names: ['nginx:1.25'], sizeBytes: 500 * MB }], podImage: 'nginx:1.25', total: 2, score: 23 },
  { name: 'an untagged image is :latest', images: [{ names: ['nginx:latest'], sizeBytes: 500 * MB }], podImage: 'nginx', total: 1, score: 48 },
  { name: 'small images score nothing', images: [{ names: ['tiny:1'], sizeBytes: 10 * MB }], podImage: 'tiny:1', total: 1, score: 0 },
  { name: 'missing image', images: [], podImage: 'nginx:1.25', total: 1, score: 0 },
  { name: 'huge images are capped', images: [{ names: ['big:1'], sizeBytes: 5000 * MB }], podImage: 'big:1', total: 1, score: 100 },
]) {
  test(`ImageLocality: ${tc.name}`, () => {
    const ni = new NodeInfo(makeNode({ name: 'n' }));
    for (const img of tc.images) for (const name of img.names) ni.imageStates.set(name, { size: img.sizeBytes, nodes: new Set(['n']) });
    const lister = { numNodes: () => tc.total } as unknown as SharedLister;
    const pl = new ImageLocality({ snapshotSharedLister: () => lister });
    assert.equal(pl.score(new CycleState(), new PodInfo(makePod({ name: 'p', images: [tc.podImage] })), ni), tc.score);
  });
}

test('ImageLocality: calculatePriority scales between the thresholds', () => {
  assert.equal(calculatePriority(0, 1), 0);
  assert.equal(calculatePriority(1000 * MB, 1), 100);
  assert.equal(calculatePriority(1000 * MB, 2), 49);
});

test('PrioritySort: priority first, then the longest wait', () => {
  const q = (name: string, priority: number, timestamp: number) => ({ podInfo: new PodInfo(makePod({ name, priority })), timestamp }) as QueuedPodInfo;
  const pl = new PrioritySort();
  assert.equal(pl.less(q('hi', 10, 5), q('lo', 1, 1)), true);
  assert.equal(pl.less(q('lo', 1, 1), q('hi', 10, 5)), false);
  assert.equal(pl.less(q('old', 1, 1), q('new', 1, 2)), true);
  assert.equal(pl.less(q('new', 1, 2), q('old', 1, 1)), false);
  assert.equal(pl.less(q('a', 1, 1), q('b', 1, 1)), false);
});

test('SchedulingGates: gated pods wait, and only their own update releases them', () => {
  const pl = new SchedulingGates();
  assert.equal(pl.preEnqueue(new PodInfo(makePod({ name: 'p' }))), null);
  const gated = new PodInfo(makePod({ name: 'p', gates: ['a', 'b'] }));
  const s = pl.preEnqueue(gated);
  assert.equal(s?.code, Code.UnschedulableAndUnresolvable);
  assert.equal(s!.message(), 'waiting for scheduling gates: [a b]');
  const hint = pl.eventsToRegister()[0]!.hint!;
  assert.equal(hint(gated, gated.pod, makePod({ name: 'p' })), 1);
  assert.equal(hint(gated, undefined, makePod({ name: 'other' })), 0);
});

test('DefaultBinder: binds through the cluster, errors become Error statuses', async () => {
  const cluster = new FakeCluster();
  const pl = new DefaultBinder({ cluster });
  const pi = new PodInfo(makePod({ name: 'p', namespace: 'ns' }));
  assert.equal(await pl.bind(new CycleState(), pi, 'n1'), null);
  assert.deepEqual(cluster.bindings, [{ namespace: 'ns', name: 'p', uid: 'uid-ns-p', nodeName: 'n1' }]);
  cluster.bindErrors.push(new Error('etcd is down'));
  const s = await pl.bind(new CycleState(), pi, 'n1');
  assert.equal(s?.code, Code.Error);
  assert.equal(s!.message(), 'etcd is down');
});
