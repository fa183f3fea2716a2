import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { resources } from '../../client/index.ts';
import { ManualClock } from '../../util/clock.ts';
import { activePods, eventually, markAllReady, markReady, podTemplate, sleep, startControllerTestEnv, type ControllerTestEnv } from '../testing.ts';
import { Expectations } from '../util.ts';
import { ReplicaSetController, podsToDelete, slowStartBatch } from './index.ts';

type Obj = Record<string, any>;

const rs = (name: string, replicas: number, extra: Obj = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }), ...extra },
});

const getRs = (t: ControllerTestEnv, name: string) => t.client.get(resources.replicasets, 'default', name);

describe('ReplicaSet controller against an API server', () => {
  let t: ControllerTestEnv;
  before(async () => {
    t = await startControllerTestEnv(['replicaset']);
  });
  after(async () => {
    await t?.close();
  });

  it('creates pods from the template with a controller reference, then reports them ready', async () => {
    const created = await t.client.create(resources.replicasets, 'default', rs('up', 3));
    const pods = await eventually('3 pods', async () => {
      const p = await activePods(t.client, 'app=up');
      return p.length === 3 && p;
    });
    for (const p of pods) {
      assert.match(p.metadata.name, /^up-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'up', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    await eventually('status replicas 3', async () => (await getRs(t, 'up')).status?.replicas === 3);
    await markAllReady(t.client, 'app=up', t.clock.now());
    const s = await eventually('ready', async () => {
      const r = await getRs(t, 'up');
      return r.status?.readyReplicas === 3 && r.status;
    });
    assert.deepEqual(s, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    // Level-triggered: with nothing to do, the count stays put.
    await sleep(200);
    assert.equal((await activePods(t.client, 'app=up')).length, 3);
  });

  it('scales down deleting not-ready pods before ready ones', async () => {
    await t.client.create(resources.replicasets, 'default', rs('down', 3));
    const pods = await eventually('3 pods', async () => {
      const p = await activePods(t.client, 'app=down');
      return p.length === 3 && p;
    });
    await markReady(t.client, pods[1]!, t.clock.now());
    await eventually('1 ready', async () => (await getRs(t, 'down')).status?.readyReplicas === 1);
    await t.client.scale(resources.replicasets, 'default', 'down', 1);
    const left = await eventually('1 pod left', async () => {
      const p = await activePods(t.client, 'app=down');
      return p.length === 1 && p;
    });
    assert.equal(left[0]!.metadata.name, pods[1]!.metadata.name);
  });

  it('adopts a matching orphan and releases a pod whose labels stop matching', async () => {
    const orphan = await t.client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', labels: { app: 'adopt' } }, spec: podTemplate({}).spec });
    const owner = await t.client.create(resources.replicasets, 'default', rs('adopt', 2));
    await eventually('2 pods', async () => (await activePods(t.client, 'app=adopt')).length === 2);
    await sleep(150);
    const pods = await activePods(t.client, 'app=adopt');
    assert.equal(pods.length, 2, 'the orphan counts: only one pod created');
    const adopted = pods.find((p) => p.metadata.uid === orphan.metadata.uid);
    assert.equal(adopted?.metadata.ownerReferences?.[0]?.uid, owner.metadata.uid);
    assert.equal(adopted?.metadata.ownerReferences?.[0]?.controller, true);

    await t.client.patch(resources.pods, 'default', 'orphan', 'merge', { metadata: { labels: { app: 'elsewhere' } } });
    const released = await eventually('released', async () => {
      const p = await t.client.get(resources.pods, 'default', 'orphan');
      return (p.metadata.ownerReferences ?? []).length === 0 && p;
    });
    assert.equal(released.metadata.labels.app, 'elsewhere');
    await eventually('replacement', async () => (await activePods(t.client, 'app=adopt')).length === 2);
  });

  it('does not count terminal pods and replaces them', async () => {
    await t.client.create(resources.replicasets, 'default', rs('term', 2));
    const pods = await eventually('2 pods', async () => {
      const p = await activePods(t.client, 'app=term');
      return p.length === 2 && p;
    });
    await t.client.patch(resources.pods, 'default', pods[0]!.metadata.name, 'merge', { status: { phase: 'Failed' } }, { subresource: 'status' });
    await eventually('replacement', async () => {
      const all = (await t.client.list(resources.pods, 'default', { labelSelector: 'app=term' })).items;
      return all.length === 3 && (await activePods(t.client, 'app=term')).length === 2;
    });
  });

  it('creates exactly the missing pods while its informer catches up (expectations)', async () => {
    await t.client.create(resources.replicasets, 'default', rs('burst', 12));
    await eventually('12 pods', async () => (await activePods(t.client, 'app=burst')).length >= 12);
    // Status and pod events keep resyncing the key; none may create extra pods.
    await markAllReady(t.client, 'app=burst', t.clock.now());
    await sleep(300);
    assert.equal((await activePods(t.client, 'app=burst')).length, 12);
  });

  it('counts pods available only after minReadySeconds on the clock', async () => {
    await t.client.create(resources.replicasets, 'default', rs('minready', 2, { minReadySeconds: 30 }));
    await eventually('2 pods', async () => (await activePods(t.client, 'app=minready')).length === 2);
    await markAllReady(t.client, 'app=minready', t.clock.now());
    const s = await eventually('ready', async () => {
      const r = await getRs(t, 'minready');
      return r.status?.readyReplicas === 2 && r.status;
    });
    assert.equal(s.availableReplicas, 0);
    t.clock.advance(31_000);
    await eventually('available', async () => (await getRs(t, 'minready')).status?.availableReplicas === 2);
  });
});

test('podsToDelete ranks unscheduled, pending, not-ready, then newer pods first', () => {
  const p = (name: string, o: Obj): Obj => ({ metadata: { name, creationTimestamp: o.created ?? '2024-01-01T00:00:00Z' }, spec: { nodeName: o.node }, status: o.status ?? {} });
  const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] };
  const pods = [
    p('ready-old', { node: 'a', status: ready }),
    p('ready-new', { node: 'b', status: ready, created: '2024-01-02T00:00:00Z' }),
    p('running-notready', { node: 'c', status: { phase: 'Running' } }),
    p('pending', { node: 'd', status: { phase: 'Pending' } }),
    p('unscheduled', { status: { phase: 'Running' } }),
  ];
  assert.deepEqual(
    podsToDelete(pods, 5).map((x) => x.metadata.name),
    ['unscheduled', 'pending', 'running-notready', 'ready-new', 'ready-old'],
  );
  // Two pods doubled up on one node go before a lone one of equal standing.
  const doubled = [p('lone', { node: 'a', status: ready }), p('pair1', { node: 'b', status: ready }), p('pair2', { node: 'b', status: ready })];
  assert.notEqual(podsToDelete(doubled, 1)[0]!.metadata.name, 'lone');
});

test('slowStartBatch grows 1, 2, 4 and stops after the first failing batch', async () => {
  let calls = 0;
  const ok = await slowStartBatch(10, 1, async () => void calls++);
  assert.deepEqual(ok, { succeeded: 10 });
  assert.equal(calls, 10);
  calls = 0;
  const failing = await slowStartBatch(100, 1, async () => {
    calls++;
    if (calls > 4) throw new Error('quota');
  });
  // Batches 1, 2, 4: the fifth call (in the batch of 4) fails, so 7 calls and no more.
  assert.equal(calls, 7);
  assert.equal(failing.succeeded, 4);
  assert.equal((failing.error as Error).message, 'quota');
});

test('expectations hold a sync back until observed or expired', () => {
  const clock = new ManualClock(0);
  const e = new Expectations(clock);
  assert.equal(e.satisfied('ns/a'), true);
  e.expectCreations('ns/a', 2);
  assert.equal(e.satisfied('ns/a'), false);
  e.creationObserved('ns/a');
  assert.equal(e.satisfied('ns/a'), false);
  e.creationObserved('ns/a');
  assert.equal(e.satisfied('ns/a'), true);
  e.expectDeletions('ns/a', ['ns/p1']);
  assert.equal(e.satisfied('ns/a'), false);
  clock.advance(5 * 60 * 1000 + 1);
  assert.equal(e.satisfied('ns/a'), true, 'expired');
});

test('a failed creation sets the ReplicaFailure condition', async () => {
  // calculateStatus needs no cluster: a controller on an unstarted factory.
  const { SharedInformerFactory, Client } = await import('../../client/index.ts');
  const client = new Client({ server: 'https://127.0.0.1:1' });
  const c = new ReplicaSetController({ client, factory: new SharedInformerFactory(client), clock: new ManualClock(0) });
  const set = { metadata: { generation: 2 }, spec: { replicas: 2, template: { metadata: { labels: { a: 'b' } } } } };
  const s = c.calculateStatus(set, [], new Error('pods "x" is forbidden: exceeded quota'));
  assert.equal(s.conditions.length, 1);
  assert.equal(s.conditions[0].type, 'ReplicaFailure');
  assert.equal(s.conditions[0].reason, 'FailedCreate');
  assert.equal(s.conditions[0].message, 'pods "x" is forbidden: exceeded quota');
  assert.equal(c.calculateStatus({ ...set, status: s }, [], undefined).conditions, undefined, 'cleared once creation works');
  client.close();
});
