import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../util/clock.ts';
import { Snapshot } from './cache.ts';
import { parseSchedulerConfig } from './framework/config.ts';
import { EVENTS, nodeSchedulingPropertiesChange, podSchedulingPropertiesChange } from './framework/events.ts';
import { Framework } from './framework/runtime.ts';
import { PodInfo } from './framework/types.ts';
import { inTreeRegistry } from './plugins/registry.ts';
import { KeyedHeap, SchedulingQueue, type QueueOptions } from './queue.ts';
import { FakeCluster, makeNode, makePod, type PodSpecLite } from './testing.ts';

const T0 = 1_700_000_000_000;

function setup(opts: Partial<QueueOptions> = {}) {
  const clock = new ManualClock(T0);
  const fwk = new Framework({
    profile: parseSchedulerConfig().profiles[0]!,
    registry: inTreeRegistry(),
    clock,
    cluster: new FakeCluster(),
    snapshot: new Snapshot(),
    nominator: { nominatedPodsForNode: () => [] },
  });
  const q = new SchedulingQueue({
    clock,
    less: fwk.queueSortLess(),
    preEnqueuePlugins: new Map([['default-scheduler', fwk.preEnqueuePlugins]]),
    events: new Map([['default-scheduler', fwk.eventsToRegister()]]),
    ...opts,
  });
  return { clock, q };
}

/** Pops `name` and hands it back as rejected by `plugins` (or as an error when none). */
function fail(q: SchedulingQueue, name: string, plugins: string[] = ['NodeResourcesFit']) {
  const qpi = q.pop();
  assert.equal(qpi?.podInfo.name, name);
  qpi!.unschedulablePlugins = new Set(plugins);
  return q.addUnschedulableIfNotPresent(qpi!);
}

const pod = (p: PodSpecLite) => makePod(p);

describe('activeQ order', () => {
  test('higher priority first, then FIFO', () => {
    const { clock, q } = setup();
    q.add(pod({ name: 'low', priority: 1 }));
    clock.advance(1);
    q.add(pod({ name: 'high', priority: 10 }));
    q.add(pod({ name: 'mid-1', priority: 5 }));
    clock.advance(1);
    q.add(pod({ name: 'mid-2', priority: 5 }));
    q.add(pod({ name: 'mid-3', priority: 5 }));
    assert.deepEqual(q.pendingPods().active, ['default/high', 'default/mid-1', 'default/mid-2', 'default/mid-3', 'default/low']);
    const order: string[] = [];
    for (let x = q.pop(); x; x = q.pop()) order.push(x.podInfo.name);
    assert.deepEqual(order, ['high', 'mid-1', 'mid-2', 'mid-3', 'low']);
  });

  test('pop counts attempts and the scheduling cycle', () => {
    const { q } = setup();
    q.add(pod({ name: 'a' }));
    const a = q.pop()!;
    assert.equal(a.attempts, 1);
    assert.equal(q.schedulingCycle(), 1);
    assert.equal(q.where(a.podInfo.uid), 'inFlight');
    assert.equal(q.pop(), undefined);
  });
});

describe('backoff', () => {
  test('doubles from 1s to a 10s cap', () => {
    const { clock, q } = setup({ popFromBackoffQ: false });
    q.add(pod({ name: 'p' }));
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      const qpi = q.pop()!;
      qpi.unschedulablePlugins = new Set(['NodeResourcesFit']);
      q.addUnschedulableIfNotPresent(qpi);
      durations.push(q.backoffTime(qpi) - qpi.timestamp);
      q.activate([qpi.podInfo.pod]);
      clock.advance(60_000);
    }
    assert.deepEqual(durations, [1000, 2000, 4000, 8000, 10000, 10000]);
  });

  test('a pod moved by an event waits out its backoff in backoffQ', () => {
    const { clock, q } = setup({ popFromBackoffQ: false });
    q.add(pod({ name: 'p', req: { cpu: '1' } }));
    assert.equal(fail(q, 'p'), 'unschedulable');
    clock.advance(200);
    q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd, undefined, makeNode({ name: 'big', alloc: { cpu: '4' } }));
    assert.equal(q.where('uid-default-p'), 'backoff');
    assert.equal(q.pop(), undefined);
    clock.advance(800); // exactly 1s after the failure: still backing off
    q.flushBackoffQCompleted();
    assert.equal(q.where('uid-default-p'), 'backoff');
    clock.advance(1);
    q.flushBackoffQCompleted();
    assert.equal(q.where('uid-default-p'), 'active');
    assert.equal(q.pop()?.attempts, 2);
  });

  test('an event after the backoff moves the pod straight to activeQ', () => {
    const { clock, q } = setup({ popFromBackoffQ: false });
    q.add(pod({ name: 'p', req: { cpu: '1' } }));
    fail(q, 'p');
    clock.advance(5000);
    q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd, undefined, makeNode({ name: 'big', alloc: { cpu: '4' } }));
    assert.equal(q.where('uid-default-p'), 'active');
  });

  test('with SchedulerPopFromBackoffQ, backoff ends on whole-second windows and an idle queue pops backing-off pods', () => {
    const { clock, q } = setup();
    clock.advance(500); // fail in the middle of a second
    q.add(pod({ name: 'p', req: { cpu: '1' } }));
    fail(q, 'p');
    q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd, undefined, makeNode({ name: 'big', alloc: { cpu: '4' } }));
    const qpi = q.get('uid-default-p')!;
    assert.equal(q.backoffTime(qpi), T0 + 1000); // (T0+500+1000) truncated to the second
    clock.advance(1000); // T0+1500: the expiry's window is the current one
    q.flushBackoffQCompleted();
    assert.equal(q.where('uid-default-p'), 'backoff');
    // Nothing else to do: the pod is popped from backoffQ anyway.
    assert.equal(q.pop()?.podInfo.name, 'p');
  });

  test('errors back off in their own queue', () => {
    const { q } = setup({ popFromBackoffQ: false });
    q.add(pod({ name: 'p' }));
    assert.equal(fail(q, 'p', []), 'backoff');
    const qpi = q.get('uid-default-p')!;
    assert.equal(qpi.consecutiveErrorsCount, 1);
    assert.equal(qpi.unschedulableCount, 0);
  });
});

describe('requeueing unschedulable pods', () => {
  test('a node add moves a pod only if the rejecting plugin says it may help', () => {
    const { clock, q } = setup({ popFromBackoffQ: false });
    q.add(pod({ name: 'cpu', req: { cpu: '3' } }));
    q.add(pod({ name: 'taint', tolerations: [] }));
    fail(q, 'cpu', ['NodeResourcesFit']);
    fail(q, 'taint', ['TaintToleration']);
    clock.advance(10_000);
    q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd, undefined, makeNode({ name: 'small', alloc: { cpu: '2' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }));
    assert.deepEqual(q.pendingPods().unschedulable.sort(), ['default/cpu', 'default/taint']);
    q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd, undefined, makeNode({ name: 'big', alloc: { cpu: '4' } }));
    assert.deepEqual(q.pendingPods().active.sort(), ['default/cpu', 'default/taint']);
  });

  test('a node update moves pods only for the changes their plugins registered', () => {
    const { clock, q } = setup({ popFromBackoffQ: false });
    q.add(pod({ name: 'p', nodeSelector: { disk: 'ssd' } }));
    fail(q, 'p', ['NodeAffinity']);
    clock.advance(10_000);
    const before = makeNode({ name: 'n', alloc: { cpu: '2' } });
    const tainted = makeNode({ name: 'n', alloc: { cpu: '2' }, taints: [{ key: 'k', effect: 'NoSchedule' }] });
    for (const e of nodeSchedulingPropertiesChange(tainted, before)) q.moveAllToActiveOrBackoffQueue(e, before, tainted);
    assert.equal(q.where('uid-default-p'), 'unschedulable');
    const labelled = makeNode({ name: 'n', alloc: { cpu: '2' }, labels: { disk: 'ssd' } });
    for (const e of nodeSchedulingPropertiesChange(labelled, before)) q.moveAllToActiveOrBackoffQueue(e, before, labelled);
    assert.equal(q.where('uid-default-p'), 'active');
  });

  test('an event during the attempt sends the pod to backoffQ instead of unschedulablePods', () => {
    const { q } = setup({ popFromBackoffQ: false });
    q.add(pod({ name: 'p', req: { cpu: '3' } }));
    const qpi = q.pop()!;
    q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd, undefined, makeNode({ name: 'big', alloc: { cpu: '4' } }));
    qpi.unschedulablePlugins = new Set(['NodeResourcesFit']);
    assert.equal(q.addUnschedulableIfNotPresent(qpi), 'backoff');
    q.add(pod({ name: 'r', req: { cpu: '3' } }));
    // Events from before this attempt do not count.
    assert.equal(fail(q, 'r'), 'unschedulable');
  });

  test('unschedulable pods are flushed after 5 minutes', () => {
    const { clock, q } = setup();
    q.run();
    q.add(pod({ name: 'p' }));
    fail(q, 'p', ['NodeResourcesFit']);
    clock.advance(300_000);
    assert.equal(q.where('uid-default-p'), 'unschedulable');
    clock.advance(30_000);
    assert.equal(q.where('uid-default-p'), 'active');
    q.stop();
  });
});

describe('gated pods', () => {
  test('wait in unschedulablePods until their gates are removed', () => {
    const { clock, q } = setup();
    const gated = pod({ name: 'g', gates: ['wait'] });
    q.add(gated);
    assert.equal(q.where('uid-default-g'), 'unschedulable');
    assert.equal(q.get('uid-default-g')!.gatingPlugin, 'SchedulingGates');
    q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd, undefined, makeNode({ name: 'n' }));
    q.flushUnschedulablePodsLeftover();
    clock.advance(600_000);
    q.flushUnschedulablePodsLeftover();
    assert.equal(q.where('uid-default-g'), 'unschedulable');
    const open = { ...gated, metadata: { ...gated.metadata, resourceVersion: '2' }, spec: { ...gated.spec, schedulingGates: [] } };
    q.update(gated, open, podSchedulingPropertiesChange(open, gated));
    assert.equal(q.where('uid-default-g'), 'active');
  });
});

describe('updates, deletes, nominations', () => {
  test('delete removes the pod from whichever queue holds it', () => {
    const { q } = setup();
    q.add(pod({ name: 'a' }));
    q.add(pod({ name: 'b' }));
    fail(q, 'a');
    q.delete(pod({ name: 'a' }));
    q.delete(pod({ name: 'b' }));
    assert.equal(q.length, 0);
  });

  test('an update of a queued pod replaces its PodInfo in place', () => {
    const { q } = setup();
    const a = pod({ name: 'a', priority: 1 });
    q.add(a);
    q.add(pod({ name: 'b', priority: 5 }));
    const a2 = makePod({ name: 'a', priority: 9, resourceVersion: '2' });
    q.update(a, a2, podSchedulingPropertiesChange(a2, a));
    assert.equal(q.pop()?.podInfo.name, 'a');
  });

  test('nominations by node, kept across an update without one', () => {
    const { q } = setup();
    const p = new PodInfo(makePod({ name: 'p' }));
    q.addNominatedPod(p, { mode: 'Override', nominatedNodeName: 'n1' });
    assert.deepEqual(q.nominatedPodsForNode('n1').map((x) => x.name), ['p']);
    q.updateNominatedPod(p.pod, new PodInfo(makePod({ name: 'p', resourceVersion: '2' })));
    assert.equal(q.nominatedNodeFor(p.uid), 'n1');
    q.addNominatedPod(p, { mode: 'Override', nominatedNodeName: '' });
    assert.deepEqual(q.nominatedPodsForNode('n1'), []);
    const withStatus = new PodInfo(makePod({ name: 'p', nominatedNodeName: 'n2' }));
    q.addNominatedPod(withStatus, undefined);
    assert.equal(q.nominatedNodeFor(p.uid), 'n2');
  });
});

test('KeyedHeap: delete and update keep the order', () => {
  const h = new KeyedHeap<{ k: string; v: number }>((x) => x.k, (a, b) => a.v < b.v);
  for (const [k, v] of [['a', 5], ['b', 3], ['c', 8], ['d', 1], ['e', 4]] as [string, number][]) h.addOrUpdate({ k, v });
  h.delete('d');
  h.addOrUpdate({ k: 'c', v: 0 });
  const out: string[] = [];
  for (let x = h.pop(); x; x = h.pop()) out.push(x.k);
  assert.deepEqual(out, ['c', 'b', 'e', 'a']);
});
