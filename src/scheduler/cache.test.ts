import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../util/clock.ts';
import { Cache, CacheError, NodeTree, Snapshot } from './cache.ts';
import { PodInfo } from './framework/types.ts';
import { makeNode, makePod } from './testing.ts';

const zoned = (name: string, zone: string) => makeNode({ name, labels: { 'topology.kubernetes.io/zone': zone } });

describe('NodeTree', () => {
  test('lists nodes round-robin across zones, in insertion order within a zone', () => {
    const t = new NodeTree();
    for (const [n, z] of [['a1', 'a'], ['a2', 'a'], ['b1', 'b'], ['a3', 'a'], ['c1', 'c'], ['b2', 'b']]) t.addNode(zoned(n!, z!));
    assert.deepEqual(t.list(), ['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    t.removeNode(zoned('b1', 'b'));
    assert.deepEqual(t.list(), ['a1', 'b2', 'c1', 'a2', 'a3']);
    assert.equal(t.updateNode(zoned('a2', 'a'), zoned('a2', 'c')), true);
    assert.deepEqual(t.list(), ['a1', 'b2', 'c1', 'a3', 'a2']);
  });
});

describe('Cache', () => {
  test('assumed pods count until confirmed or forgotten', () => {
    const cache = new Cache();
    cache.addNode(makeNode({ name: 'n1', alloc: { cpu: '4' } }));
    const pi = new PodInfo(makePod({ name: 'p', req: { cpu: '1' } })).withNodeName('n1');
    cache.assumePod(pi);
    assert.equal(cache.nodeInfo('n1')!.requested.milliCPU, 1000);
    assert.ok(cache.isAssumedPod(pi.uid));
    assert.throws(() => cache.assumePod(pi), CacheError);
    // The informer's Add confirms it.
    cache.addPod(makePod({ name: 'p', req: { cpu: '1' }, nodeName: 'n1' }));
    assert.equal(cache.isAssumedPod(pi.uid), false);
    assert.equal(cache.nodeInfo('n1')!.requested.milliCPU, 1000);
    assert.throws(() => cache.forgetPod(pi), /wasn't assumed so cannot be forgotten/);

    const q = new PodInfo(makePod({ name: 'q', req: { cpu: '2' } })).withNodeName('n1');
    cache.assumePod(q);
    cache.forgetPod(q);
    assert.equal(cache.nodeInfo('n1')!.requested.milliCPU, 1000);
    assert.equal(cache.podCount(), 1);
  });

  test('an assumed pod expires a TTL after its binding finished, not before', () => {
    const clock = new ManualClock(0);
    const cache = new Cache({ clock, assumedPodTTL: 30_000 });
    cache.addNode(makeNode({ name: 'n1' }));
    const pi = new PodInfo(makePod({ name: 'p' })).withNodeName('n1');
    cache.assumePod(pi);
    clock.advance(60_000);
    assert.deepEqual(cache.cleanupAssumedPods(), []);
    cache.finishBinding(pi);
    clock.advance(30_000);
    assert.deepEqual(cache.cleanupAssumedPods(), []);
    clock.advance(1);
    assert.deepEqual(cache.cleanupAssumedPods().map((p) => p.name), ['p']);
    assert.equal(cache.podCount(), 0);
    assert.equal(cache.nodeInfo('n1')!.pods.length, 0);
  });

  test('with TTL 0 (upstream) assumed pods never expire', () => {
    const clock = new ManualClock(0);
    const cache = new Cache({ clock });
    cache.addNode(makeNode({ name: 'n1' }));
    const pi = new PodInfo(makePod({ name: 'p' })).withNodeName('n1');
    cache.assumePod(pi);
    cache.finishBinding(pi);
    clock.advance(3_600_000);
    assert.deepEqual(cache.cleanupAssumedPods(), []);
  });

  test('pods of a node not yet known are kept and show up with the node', () => {
    const cache = new Cache();
    cache.addPod(makePod({ name: 'early', nodeName: 'late', req: { cpu: '500m' } }));
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    assert.equal(snap.numNodes(), 0);
    cache.addNode(makeNode({ name: 'late' }));
    cache.updateSnapshot(snap);
    assert.equal(snap.get('late')!.requested.milliCPU, 500);
  });

  test('the snapshot copies only nodes changed since the last update, keeping their identity', () => {
    const cache = new Cache();
    for (const n of ['n1', 'n2', 'n3']) cache.addNode(makeNode({ name: n }));
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    const [s1, s2] = [snap.get('n1')!, snap.get('n2')!];
    const genBefore = s2.generation;
    cache.addPod(makePod({ name: 'p', nodeName: 'n1', req: { cpu: '1' } }));
    // The live cache changed, the snapshot did not.
    assert.equal(snap.get('n1')!.pods.length, 0);
    cache.updateSnapshot(snap);
    assert.equal(snap.get('n1'), s1);
    assert.equal(s1.pods.length, 1);
    assert.equal(s2.generation, genBefore);
    assert.deepEqual(snap.list().map((n) => n.name), ['n1', 'n2', 'n3']);
  });

  test('removed nodes leave the snapshot; their pods wait for their own deletes', () => {
    const cache = new Cache();
    cache.addNode(makeNode({ name: 'n1' }));
    cache.addNode(makeNode({ name: 'n2' }));
    cache.addPod(makePod({ name: 'p', nodeName: 'n1' }));
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    cache.removeNode(makeNode({ name: 'n1' }));
    cache.updateSnapshot(snap);
    assert.deepEqual(snap.list().map((n) => n.name), ['n2']);
    assert.equal(snap.get('n1'), undefined);
    assert.equal(cache.nodeInfo('n1')!.pods.length, 1);
    cache.removePod(makePod({ name: 'p', nodeName: 'n1' }));
    assert.equal(cache.nodeInfo('n1'), undefined);
  });

  test('nodes with pods with affinity and used claims are tracked', () => {
    const cache = new Cache();
    cache.addNode(makeNode({ name: 'n1' }));
    cache.addNode(makeNode({ name: 'n2' }));
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }] } };
    cache.addPod(makePod({ name: 'a', nodeName: 'n2', affinity }));
    const withClaim = makePod({ name: 'c', nodeName: 'n1' });
    withClaim.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data-0' } }];
    cache.addPod(withClaim);
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    assert.deepEqual(snap.havePodsWithAffinityList().map((n) => n.name), ['n2']);
    assert.deepEqual(snap.havePodsWithRequiredAntiAffinityList().map((n) => n.name), ['n2']);
    assert.ok(snap.isPVCUsedByPods('default/data-0'));
    assert.equal(snap.get('n2')!.pods[0]!.requiredAntiAffinityTerms[0]!.topologyKey, 'kubernetes.io/hostname');
    cache.removePod(withClaim);
    cache.updateSnapshot(snap);
    assert.equal(snap.isPVCUsedByPods('default/data-0'), false);
  });

  test('image states count the nodes that have an image', () => {
    const cache = new Cache();
    const img = [{ names: ['nginx:1.25'], sizeBytes: 100 }];
    cache.addNode(makeNode({ name: 'n1', images: img }));
    cache.addNode(makeNode({ name: 'n2', images: img }));
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    assert.equal(snap.get('n1')!.imageStates.get('nginx:1.25')!.nodes.size, 2);
    cache.removeNode(makeNode({ name: 'n2' }));
    assert.equal(cache.nodeInfo('n1')!.imageStates.get('nginx:1.25')!.nodes.size, 1);
  });
});
