import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { resources, type Client } from '../../client/index.ts';
import type { TestEnv } from '../../client/test-env.ts';
import { ManualClock } from '../../util/clock.ts';
import { activePods, eventually, markReady, podTemplate, sleep, startControllerTestEnv, type ControllerTestEnv } from '../testing.ts';
import { CONTROLLER_REVISION_HASH, controllerRevisions } from './history.ts';
import { daemonTolerations, nodeShouldRunDaemonPod, pinToNode, targetNode, updateBudget } from './index.ts';

type Obj = Record<string, any>;

const ds = (name: string, extra: Obj = {}, tmpl: Obj = podTemplate({ app: name })) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: 'default' },
  spec: { selector: { matchLabels: { app: name } }, template: tmpl, ...extra },
});

const node = (name: string, o: Obj = {}) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: o.labels ?? {} }, spec: o.taints ? { taints: o.taints } : {} });

describe('DaemonSet controller against an API server', () => {
  // The controller as the manager runs it, on a ManualClock, against a real API server.
  let t: ControllerTestEnv;
  let env: TestEnv;
  let client: Client;
  let clock: ManualClock;
  let errors: unknown[];
  before(async () => {
    t = await startControllerTestEnv(['daemonset']);
    ({ env, client, clock, errors } = t);
  });
  after(async () => {
    await t.close();
  });

  const nodesOf = async (sel: string) => (await activePods(client, sel)).map((p) => targetNode(p)).sort();
  const getDs = (name: string) => client.get(resources.daemonsets, 'default', name);

  it('runs one pod on each of 3 nodes, follows a 4th and a removed node, skips a tainted one', async () => {
    for (const n of ['n1', 'n2', 'n3']) await client.create(resources.nodes, undefined, node(n));
    const created = await client.create(resources.daemonsets, 'default', ds('agent'));
    await eventually('3 pods', async () => JSON.stringify(await nodesOf('app=agent')) === '["n1","n2","n3"]');
    const [pod] = await activePods(client, 'app=agent');
    assert.match(pod!.metadata.name, /^agent-[a-z0-9]{5}$/);
    assert.equal(pod!.metadata.ownerReferences[0].uid, created.metadata.uid);
    assert.equal(pod!.spec.nodeName, undefined, 'left to the scheduler');
    assert.deepEqual(pod!.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: [targetNode(pod!)] }] },
    ]);
    assert.ok(pod!.spec.tolerations.some((t: Obj) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'));
    const revs = (await client.list(controllerRevisions, 'default')).items.filter((r) => r.metadata.ownerReferences?.[0]?.uid === created.metadata.uid);
    assert.equal(revs.length, 1);
    assert.equal(pod!.metadata.labels[CONTROLLER_REVISION_HASH], revs[0]!.metadata.labels[CONTROLLER_REVISION_HASH]);
    assert.equal(revs[0]!.revision, 1);

    await client.create(resources.nodes, undefined, node('n4'));
    await eventually('4th node', async () => (await nodesOf('app=agent')).length === 4);
    await client.create(resources.nodes, undefined, node('tainted', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }));
    await client.delete(resources.nodes, undefined, 'n2');
    await eventually('n2 gone', async () => JSON.stringify(await nodesOf('app=agent')) === '["n1","n3","n4"]');
    await sleep(150);
    assert.deepEqual(await nodesOf('app=agent'), ['n1', 'n3', 'n4'], 'nothing on the tainted node');

    for (const p of await activePods(client, 'app=agent')) await markReady(client, p, clock.now());
    const s = await eventually('status', async () => {
      const d = await getDs('agent');
      return d.status?.numberReady === 3 && d.status;
    });
    assert.deepEqual(s, {
      currentNumberScheduled: 3, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 3,
      observedGeneration: 1, updatedNumberScheduled: 3, numberAvailable: 3,
    }, 'numberUnavailable 0 is omitted, as upstream');
    await client.delete(resources.nodes, undefined, 'tainted');
    await client.delete(resources.nodes, undefined, 'n4');
    await eventually('n4 gone', async () => (await nodesOf('app=agent')).length === 2);
  });

  it('rolls out a new template one node at a time (maxUnavailable 1)', async () => {
    // n1 and n3 remain from the previous test.
    await client.create(resources.daemonsets, 'default', ds('roll'));
    await eventually('2 pods', async () => (await activePods(client, 'app=roll')).length === 2);
    for (const p of await activePods(client, 'app=roll')) await markReady(client, p, clock.now());
    await eventually('ready', async () => (await getDs('roll')).status?.numberAvailable === 2);
    const oldHash = (await activePods(client, 'app=roll'))[0]!.metadata.labels[CONTROLLER_REVISION_HASH];

    await client.patch(resources.daemonsets, 'default', 'roll', 'merge', { spec: { template: podTemplate({ app: 'roll' }, 'nginx:1.27') } });
    // One old pod goes; its replacement appears; the other old pod stays until it is ready.
    const first = await eventually('one new pod', async () => {
      const pods = await activePods(client, 'app=roll');
      const fresh = pods.filter((p) => p.metadata.labels[CONTROLLER_REVISION_HASH] !== oldHash);
      return pods.length === 2 && fresh.length === 1 && fresh[0];
    });
    assert.equal(first.spec.containers[0].image, 'nginx:1.27');
    await sleep(200);
    assert.equal((await activePods(client, 'app=roll')).filter((p) => p.metadata.labels[CONTROLLER_REVISION_HASH] === oldHash).length, 1, 'held by maxUnavailable');
    await markReady(client, first, clock.now());
    const second = await eventually('second new pod', async () => {
      const pods = await activePods(client, 'app=roll');
      const fresh = pods.filter((p) => p.metadata.labels[CONTROLLER_REVISION_HASH] !== oldHash && p.metadata.uid !== first.metadata.uid);
      return pods.length === 2 && fresh.length === 1 && fresh[0];
    });
    await markReady(client, second, clock.now());
    const s = await eventually('rolled', async () => {
      const d = await getDs('roll');
      return d.status?.updatedNumberScheduled === 2 && d.status?.numberAvailable === 2 && d.status;
    });
    assert.equal(s.observedGeneration, 2);
    const revs = (await client.list(controllerRevisions, 'default')).items.filter((r) => r.metadata.name.startsWith('roll-'));
    assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
    assert.deepEqual(errors.filter((e) => (e as { code?: number }).code !== 409), []);
  });

  it('surges a new pod beside the old one, removing the old once the new is ready (maxSurge 1)', async () => {
    await client.create(resources.daemonsets, 'default', ds('surge', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await eventually('2 pods', async () => (await activePods(client, 'app=surge')).length === 2);
    for (const p of await activePods(client, 'app=surge')) await markReady(client, p, clock.now());
    await eventually('available', async () => (await getDs('surge')).status?.numberAvailable === 2);
    const old = await activePods(client, 'app=surge');
    await client.patch(resources.daemonsets, 'default', 'surge', 'merge', { spec: { template: podTemplate({ app: 'surge' }, 'nginx:1.27') } });
    const fresh = await eventually('surge pod', async () => {
      const pods = await activePods(client, 'app=surge');
      return pods.length === 3 && pods.find((p) => !old.some((o) => o.metadata.uid === p.metadata.uid));
    });
    await sleep(200);
    assert.equal((await activePods(client, 'app=surge')).length, 3, 'old pods stay while the new one is not ready');
    await markReady(client, fresh, clock.now());
    // The old pod on that node goes; the other node gets its surge pod.
    await eventually('first node done', async () => {
      const pods = await activePods(client, 'app=surge');
      const olds = pods.filter((p) => old.some((o) => o.metadata.uid === p.metadata.uid));
      return olds.length === 1 && targetNode(olds[0]!) !== targetNode(fresh) && pods.length === 3;
    });
    for (const p of await activePods(client, 'app=surge')) if (p.status?.phase !== 'Running') await markReady(client, p, clock.now());
    await eventually('all new', async () => {
      const pods = await activePods(client, 'app=surge');
      return pods.length === 2 && pods.every((p) => p.spec.containers[0].image === 'nginx:1.27');
    });
  });
});

test('daemon pods get upstream tolerations; network-unavailable only with hostNetwork', () => {
  const keys = (spec: Obj) => daemonTolerations(spec).map((t) => `${t.key}:${t.effect}`);
  assert.deepEqual(keys({}), [
    'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
    'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule',
  ]);
  assert.ok(keys({ hostNetwork: true }).includes('node.kubernetes.io/network-unavailable:NoSchedule'));
  assert.equal(daemonTolerations({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }] }).length, 6, 'no duplicate');
});

test('nodeShouldRunDaemonPod: selector, taints, and NoSchedule keeping running pods', () => {
  const d = (spec: Obj) => ({ spec: { template: { spec } } });
  const n = (o: Obj) => ({ metadata: { name: 'n', labels: o.labels ?? {} }, spec: { taints: o.taints ?? [] } });
  assert.deepEqual(nodeShouldRunDaemonPod(n({}), d({})), { shouldRun: true, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(n({}), d({ nodeSelector: { disk: 'ssd' } })), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(nodeShouldRunDaemonPod(n({ labels: { disk: 'ssd' } }), d({ nodeSelector: { disk: 'ssd' } })).shouldRun, true);
  assert.deepEqual(nodeShouldRunDaemonPod(n({ taints: [{ key: 'x', effect: 'NoSchedule' }] }), d({})), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(n({ taints: [{ key: 'x', effect: 'NoExecute' }] }), d({})), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(nodeShouldRunDaemonPod(n({ taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), d({})).shouldRun, true, 'auto toleration');
  assert.equal(nodeShouldRunDaemonPod(n({ taints: [{ key: 'x', effect: 'NoSchedule' }] }), d({ tolerations: [{ operator: 'Exists' }] })).shouldRun, true);
  const aff = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
  assert.equal(nodeShouldRunDaemonPod(n({ labels: { zone: 'b' } }), d({ affinity: aff })).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(n({ labels: { zone: 'a' } }), d({ affinity: aff })).shouldRun, true);
  // Pinning keeps preferred terms and replaces the required ones.
  const pinned = pinToNode({ nodeAffinity: { ...aff.nodeAffinity, preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 }] } }, 'n9');
  assert.equal(targetNode({ spec: { affinity: pinned } }), 'n9');
  assert.equal(pinned.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution.length, 1);
  assert.equal(pinned.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.length, 1);
});

test('updateBudget scales percentages and never allows a zero budget', () => {
  const b = (ru: Obj, n: number) => updateBudget({ spec: { updateStrategy: { rollingUpdate: ru } } }, n);
  assert.deepEqual(b({}, 10), { maxSurge: 0, maxUnavailable: 1 });
  assert.deepEqual(b({ maxUnavailable: '25%' }, 10), { maxSurge: 0, maxUnavailable: 2 });
  assert.deepEqual(b({ maxSurge: '25%', maxUnavailable: 0 }, 10), { maxSurge: 3, maxUnavailable: 0 });
  assert.deepEqual(b({ maxSurge: 0, maxUnavailable: 0 }, 10), { maxSurge: 0, maxUnavailable: 1 });
});
