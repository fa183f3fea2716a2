import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../apiserver/rest.ts';
import { ManualClock } from '../util/clock.ts';
import { formatFitError, newDiagnosis } from './framework/fit_error.ts';
import type { PostFilterPlugin } from './framework/interfaces.ts';
import { Status } from './framework/status.ts';
import { inTreeRegistry } from './plugins/registry.ts';
import { Scheduler, type SchedulerOptions } from './scheduler.ts';
import { FakeCluster, makeNode, makePod, type NodeSpecLite, type PodSpecLite } from './testing.ts';

const T0 = 1_700_000_000_000;

function setup(opts: Partial<SchedulerOptions> = {}, nodes: NodeSpecLite[] = []) {
  const cluster = new FakeCluster();
  const clock = new ManualClock(T0);
  // Always keep the first of equally scored nodes: choices are stable and readable.
  const sched = new Scheduler({ cluster, clock, random: () => 0.999, ...opts });
  for (const n of nodes) sched.onNodeAdd(makeNode(n));
  // Play the API server: a binding shows up as the pod's informer update.
  const pods = new Map<string, Obj>();
  cluster.onBind = (b) => {
    const old = pods.get(b.uid)!;
    const bound = { ...old, metadata: { ...old.metadata, resourceVersion: String(Number(old.metadata.resourceVersion) + 1) }, spec: { ...old.spec, nodeName: b.nodeName } };
    pods.set(b.uid, bound);
    sched.onPodUpdate(old, bound);
  };
  const addPod = (p: PodSpecLite) => {
    const pod = makePod(p);
    pods.set(pod.metadata.uid, pod);
    sched.onPodAdd(pod);
    return pod;
  };
  return { cluster, clock, sched, addPod, pods };
}

const threeNodes: NodeSpecLite[] = [
  { name: 'n1', alloc: { cpu: '1', memory: '4Gi' } },
  { name: 'n2', alloc: { cpu: '8', memory: '4Gi' }, taints: [{ key: 'key', value: 'value', effect: 'NoSchedule' }] },
  { name: 'n3', alloc: { cpu: '8', memory: '4Gi' }, taints: [{ key: 'key', value: 'value', effect: 'NoSchedule' }] },
];

/** A stand-in for DefaultPreemption that finds no victims anywhere, with its message. */
const noPreemption: PostFilterPlugin = {
  name: 'DefaultPreemption',
  postFilter: () => ({ status: Status.unschedulable('preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.') }),
};

describe('FailedScheduling', () => {
  test('3 nodes, 1 with too little cpu, 2 with an untolerated taint', async () => {
    const { cluster, sched, addPod } = setup({}, threeNodes);
    addPod({ name: 'p', req: { cpu: '2' } });
    const r = sched.scheduleOne()!;
    // DefaultPreemption finds nothing to evict on n1 and cannot help on the tainted nodes.
    const msg =
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {key: value}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.';
    assert.equal(r.outcome, 'Unschedulable');
    assert.equal(r.message, msg);
    assert.deepEqual(
      cluster.events.map((e) => [e.type, e.reason, e.action, e.note, e.regarding.name, e.reportingInstance]),
      [['Warning', 'FailedScheduling', 'Scheduling', msg, 'p', 'default-scheduler']],
    );
    assert.deepEqual(cluster.statusUpdates, [
      { pod: 'default/p', update: { condition: { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg } } },
    ]);
    assert.equal(sched.queue.where('uid-default-p'), 'unschedulable');
    assert.deepEqual([...sched.queue.get('uid-default-p')!.unschedulablePlugins].sort(), ['NodeResourcesFit', 'TaintToleration']);
  });

  test('with a PostFilter message appended, as upstream', () => {
    const registry = inTreeRegistry();
    registry.unregister('DefaultPreemption');
    registry.register('DefaultPreemption', () => noPreemption);
    const { cluster, sched, addPod } = setup({ registry }, threeNodes);
    addPod({ name: 'p', req: { cpu: '2' } });
    sched.scheduleOne();
    assert.equal(
      cluster.events[0]!.note,
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {key: value}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });

  test('reasons are sorted as strings, so 10 comes before 2', () => {
    const d = newDiagnosis();
    for (let i = 0; i < 10; i++) d.nodeToStatus.set(`a${i}`, Status.unschedulable('Insufficient memory'));
    for (let i = 0; i < 2; i++) d.nodeToStatus.set(`b${i}`, Status.unschedulable('Insufficient cpu', 'Insufficient memory'));
    assert.equal(formatFitError(12, d), '0/12 nodes are available: 12 Insufficient memory, 2 Insufficient cpu.');
  });

  test('a PreFilter restriction names the plugin for the nodes it left out', () => {
    const { cluster, sched, addPod } = setup({}, threeNodes);
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } };
    addPod({ name: 'p', req: { cpu: '2' }, affinity });
    sched.scheduleOne();
    assert.equal(
      cluster.events[0]!.note,
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
    );
  });

  test('a PreFilter rejection is reported once, not per node', () => {
    const { cluster, sched, addPod } = setup({}, threeNodes);
    const conflict = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }, { key: 'metadata.name', operator: 'In', values: ['n2'] }] }],
        },
      },
    };
    addPod({ name: 'p', affinity: conflict });
    sched.scheduleOne();
    assert.equal(cluster.events[0]!.note, '0/3 nodes are available: pod affinity terms conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
  });

  test('no nodes at all', () => {
    const { cluster, sched, addPod } = setup();
    addPod({ name: 'p' });
    assert.equal(sched.scheduleOne()!.outcome, 'Unschedulable');
    assert.equal(cluster.events[0]!.note, 'no nodes available to schedule pods');
  });

  test('the same failure again does not rewrite the pod status', () => {
    const { cluster, sched, addPod, pods, clock } = setup({}, threeNodes);
    const p = addPod({ name: 'p', req: { cpu: '2' } });
    sched.scheduleOne();
    // The status write came back through the informer.
    const updated = { ...p, metadata: { ...p.metadata, resourceVersion: '2' }, status: { ...p.status, conditions: [{ type: 'PodScheduled', ...cluster.statusUpdates[0]!.update.condition }] } };
    pods.set(p.metadata.uid, updated);
    sched.onPodUpdate(p, updated);
    clock.advance(301_000);
    sched.queue.flushUnschedulablePodsLeftover();
    sched.queue.flushBackoffQCompleted();
    sched.scheduleOne();
    assert.equal(cluster.events.length, 2);
    assert.equal(cluster.statusUpdates.length, 1);
  });
});

describe('scheduling and binding', () => {
  test('binds, records Scheduled, and the informer update confirms the assumed pod', async () => {
    const { cluster, sched, addPod } = setup({}, [{ name: 'n1', alloc: { cpu: '4', memory: '8Gi' } }]);
    addPod({ name: 'p', req: { cpu: '1' } });
    const r = sched.scheduleOne()!;
    assert.equal(r.outcome, 'Scheduled');
    assert.equal(r.node, 'n1');
    await r.binding;
    assert.deepEqual(cluster.bindings, [{ namespace: 'default', name: 'p', uid: 'uid-default-p', nodeName: 'n1' }]);
    assert.deepEqual(cluster.events.map((e) => [e.reason, e.note]), [['Scheduled', 'Successfully assigned default/p to n1']]);
    assert.equal(sched.cache.isAssumedPod('uid-default-p'), false);
    assert.equal(sched.cache.nodeInfo('n1')!.requested.milliCPU, 1000);
    assert.equal(sched.explain('uid-default-p')!.outcome, 'Bound');
  });

  test('a failed binding forgets the assumed pod and retries it after backoff', async () => {
    const { cluster, sched, addPod } = setup({ popFromBackoffQ: false }, [{ name: 'n1', alloc: { cpu: '4', memory: '8Gi' } }]);
    cluster.bindErrors.push(new Error('etcd is down'));
    addPod({ name: 'p', req: { cpu: '1' } });
    await sched.scheduleOne()!.binding;
    assert.equal(sched.cache.nodeInfo('n1')!.requested.milliCPU, 0);
    assert.equal(cluster.events[0]!.note, 'running Bind plugin "DefaultBinder": etcd is down');
    assert.equal(cluster.statusUpdates[0]!.update.condition!.reason, 'SchedulerError');
    assert.equal(sched.queue.where('uid-default-p'), 'backoff');
    assert.equal(sched.explain('uid-default-p')!.outcome, 'BindingFailed');
  });

  test('pods spread over equal nodes, and assumed pods count at once', async () => {
    const { sched, addPod } = setup({}, [
      { name: 'n1', alloc: { cpu: '4', memory: '8Gi' } },
      { name: 'n2', alloc: { cpu: '4', memory: '8Gi' } },
    ]);
    for (const name of ['a', 'b', 'c', 'd']) addPod({ name, req: { cpu: '1', memory: '1Gi' } });
    const placed: string[] = [];
    for (let r = sched.scheduleOne(); r; r = sched.scheduleOne()) placed.push(`${r.pod.name}->${r.node}`);
    assert.deepEqual(placed, ['a->n1', 'b->n2', 'c->n1', 'd->n2']);
    await sched.waitForBindings();
  });

  test('the random source breaks ties', () => {
    const { sched, addPod } = setup({ random: () => 0 }, [
      { name: 'n1', alloc: { cpu: '4' } },
      { name: 'n2', alloc: { cpu: '4' } },
      { name: 'n3', alloc: { cpu: '4' } },
    ]);
    addPod({ name: 'p' });
    // random() = 0 replaces the pick at every tie: the last of the equal nodes wins.
    assert.equal(sched.scheduleOne()!.node, 'n3');
  });

  test('a nominated node is tried first', () => {
    const { sched, addPod } = setup({}, [
      { name: 'n1', alloc: { cpu: '4' } },
      { name: 'n2', alloc: { cpu: '4' } },
    ]);
    addPod({ name: 'p', nominatedNodeName: 'n2' });
    const r = sched.scheduleOne()!;
    assert.equal(r.node, 'n2');
    assert.deepEqual(sched.explain('uid-default-p')!.filters.map((f) => f.node), ['n2']);
  });

  test('pods being deleted are skipped, pods of other schedulers ignored', () => {
    const { cluster, sched, addPod } = setup({}, [{ name: 'n1' }]);
    const p = makePod({ name: 'gone' });
    p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
    sched.onPodAdd(p);
    addPod({ name: 'other', schedulerName: 'someone-else' });
    assert.equal(sched.scheduleOne()!.outcome, 'Skipped');
    assert.equal(cluster.events[0]!.note, 'skip schedule deleting pod: default/gone');
    assert.equal(sched.scheduleOne(), undefined);
  });
});

describe('profiles', () => {
  test('each schedulerName gets its profile; MostAllocated packs, LeastAllocated spreads', async () => {
    const config = {
      profiles: [
        { schedulerName: 'default-scheduler' },
        {
          schedulerName: 'bin-packing',
          plugins: { score: { disabled: [{ name: 'NodeResourcesBalancedAllocation' }] } },
          pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }],
        },
      ],
    };
    const { sched, addPod } = setup({ config }, [
      { name: 'n1', alloc: { cpu: '4', memory: '8Gi' } },
      { name: 'n2', alloc: { cpu: '4', memory: '8Gi' } },
    ]);
    addPod({ name: 'seed', req: { cpu: '2', memory: '4Gi' } });
    assert.equal(sched.scheduleOne()!.node, 'n1');
    addPod({ name: 'packed', schedulerName: 'bin-packing', req: { cpu: '1', memory: '1Gi' } });
    addPod({ name: 'spread', req: { cpu: '1', memory: '1Gi' } });
    const placed = [sched.scheduleOne()!, sched.scheduleOne()!].map((r) => `${r.pod.name}->${r.node}`);
    assert.deepEqual(placed, ['packed->n1', 'spread->n2']);
    assert.equal(sched.explain('uid-default-packed')!.profile, 'bin-packing');
    await sched.waitForBindings();
  });
});

describe('explanations', () => {
  test('every filter plugin on every evaluated node, and every score with its weight', async () => {
    const { sched, addPod } = setup({}, [
      { name: 'n1', alloc: { cpu: '4', memory: '8Gi' } },
      { name: 'n2', alloc: { cpu: '1', memory: '8Gi' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] },
      { name: 'n3', alloc: { cpu: '8', memory: '8Gi' } },
    ]);
    addPod({ name: 'p', req: { cpu: '2', memory: '2Gi' } });
    await sched.scheduleOne()!.binding;
    const e = sched.explain('uid-default-p')!;
    assert.equal(e.pod, 'default/p');
    assert.equal(e.attempt, 1);
    assert.equal(e.numAllNodes, 3);
    assert.deepEqual(e.skippedFilterPlugins.sort(), ['InterPodAffinity', 'NodeAffinity', 'NodePorts', 'PodTopologySpread', 'VolumeBinding']);
    assert.deepEqual(
      e.filters.map((f) => [f.node, f.feasible]),
      [
        ['n1', true],
        ['n2', false],
        ['n3', true],
      ],
    );
    // The rejected node shows each plugin: the taint and the cpu, not just the first failure.
    assert.deepEqual(
      e.filters[1]!.plugins.map((p) => [p.plugin, p.code, p.reasons.join('; ')]),
      [
        ['NodeUnschedulable', 'Success', ''],
        ['NodeName', 'Success', ''],
        ['TaintToleration', 'UnschedulableAndUnresolvable', 'node(s) had untolerated taint {gpu: true}'],
        ['NodeAffinity', 'Skip', ''],
        ['NodePorts', 'Skip', ''],
        ['NodeResourcesFit', 'Unschedulable', 'Insufficient cpu'],
        ['VolumeBinding', 'Skip', ''],
        ['PodTopologySpread', 'Skip', ''],
        ['InterPodAffinity', 'Skip', ''],
      ],
    );
    assert.deepEqual(e.skippedScorePlugins, ['NodeAffinity', 'PodTopologySpread', 'InterPodAffinity']);
    const n3 = e.scores.find((s) => s.node === 'n3')!;
    assert.deepEqual(n3.plugins, [
      { plugin: 'TaintToleration', score: 100, weight: 3, weighted: 300 },
      // cpu (8000-2000)*100/8000 = 75, memory (8Gi-2Gi)/8Gi = 75
      { plugin: 'NodeResourcesFit', score: 75, weight: 1, weighted: 75 },
      // 0.25 and 0.25
      { plugin: 'NodeResourcesBalancedAllocation', score: 100, weight: 1, weighted: 100 },
      { plugin: 'ImageLocality', score: 0, weight: 1, weighted: 0 },
    ]);
    assert.equal(n3.total, 475);
    const n1 = e.scores.find((s) => s.node === 'n1')!;
    // cpu 50, memory 75 -> 62; balanced |0.5-0.25|/2 -> 87
    assert.equal(n1.total, 300 + 62 + 87);
    assert.equal(e.selectedNode, 'n3');
    assert.equal(e.outcome, 'Bound');
  });

  test('percentageOfNodesToScore stops filtering early and the start rotates', async () => {
    const nodes = Array.from({ length: 200 }, (_, i) => ({ name: `n${String(i).padStart(3, '0')}`, alloc: { cpu: '4', memory: '8Gi' } }));
    const { sched, addPod } = setup({ config: { percentageOfNodesToScore: 50 } }, nodes);
    addPod({ name: 'a' });
    addPod({ name: 'b' });
    sched.scheduleOne();
    sched.scheduleOne();
    const a = sched.explain('uid-default-a')!;
    const b = sched.explain('uid-default-b')!;
    assert.equal(a.filters.length, 100);
    assert.equal(a.scores.length, 100);
    assert.equal(a.filters[0]!.node, 'n000');
    assert.equal(b.filters[0]!.node, 'n100');
    assert.equal(b.filters.at(-1)!.node, 'n199');
    await sched.waitForBindings();
  });

  test('the adaptive default looks at 420 of 1000 nodes', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => ({ name: `n${i}`, alloc: { cpu: '4' } }));
    const { sched, addPod } = setup({}, nodes);
    addPod({ name: 'a' });
    sched.scheduleOne();
    assert.equal(sched.explain('uid-default-a')!.filters.length, 420);
  });

  test('kept for the last attempt of each pod, bounded, and dropped with the pod', () => {
    const { sched, addPod } = setup({ explanations: { maxPods: 2 } }, [{ name: 'n1', alloc: { cpu: '1' } }]);
    for (const name of ['a', 'b', 'c']) addPod({ name, req: { cpu: '2' } });
    while (sched.scheduleOne());
    assert.equal(sched.explain('uid-default-a'), undefined);
    assert.equal(sched.explain('uid-default-c')!.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
    sched.onPodDelete(makePod({ name: 'c' }));
    assert.equal(sched.explain('uid-default-c'), undefined);
  });
});

test('run() schedules in the background as pods arrive; stop() ends it', async () => {
  const { cluster, sched, addPod } = setup({}, [{ name: 'n1', alloc: { cpu: '4' } }]);
  sched.run();
  addPod({ name: 'a' });
  addPod({ name: 'b' });
  for (let i = 0; i < 50 && cluster.bindings.length < 2; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(cluster.bindings.map((b) => b.name).sort(), ['a', 'b']);
  sched.stop();
  addPod({ name: 'c' });
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(cluster.bindings.length, 2);
  assert.equal(sched.queue.where('uid-default-c'), 'active');
});
