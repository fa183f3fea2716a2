// Node failure end to end: a simulated node stops its heartbeats, the node lifecycle controller
// marks it NotReady after the grace period and taints it, its pods are evicted once their
// (default, here shortened) tolerations run out, and the ReplicaSet recreates them elsewhere.
// The durations are shortened by the flags `kubelite up` takes; upstream's are the defaults.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resources } from '../../src/client/index.ts';
import { missingClient, startCluster, waitFor, type TestCluster } from './harness.ts';

type Obj = Record<string, any>;
const GRACE_MS = 3_000;

describe('node failure on simulated nodes', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster({
      defaultNotReadyTolerationSeconds: 2,
      defaultUnreachableTolerationSeconds: 2,
      components: { controllerConfig: { nodeMonitorPeriodMs: 500, nodeMonitorGracePeriodMs: GRACE_MS, nodeStartupGracePeriodMs: 5_000 } },
      sim: { nodes: [{ prefix: 'f', count: 3 }], heartbeatSeconds: 1, podReadyMs: 100 },
    });
  });
  after(async () => {
    await c?.stop();
  });

  const readyOf = (n: Obj) => (n.status?.conditions ?? []).find((x: Obj) => x.type === 'Ready');

  it('a node that stops heartbeating goes NotReady, its pods are evicted and recreated on the other nodes', async () => {
    await c.k('create', 'deployment', 'spread', '--image=nginx', '--replicas=6');
    assert.equal((await c.kubectl(['rollout', 'status', 'deployment/spread', '--timeout=60s'])).code, 0);
    const pods = (await c.client.list(resources.pods, 'default', { labelSelector: 'app=spread' })).items;
    const victim = pods[0]!.spec.nodeName as string;
    const onVictim = pods.filter((p: Obj) => p.spec.nodeName === victim).map((p: Obj) => p.metadata.name);
    assert.ok(onVictim.length > 0);
    const tolerations = pods[0]!.spec.tolerations.map((t: Obj) => `${t.key}:${t.tolerationSeconds}`).sort();
    assert.deepEqual(tolerations, ['node.kubernetes.io/not-ready:2', 'node.kubernetes.io/unreachable:2'], 'the shortened defaults from admission');

    const stopped = Date.now();
    c.sim!.stopHeartbeats(victim);
    await waitFor('NotReady', async () => {
      const r = await c.kubectl(['get', 'node', victim, '--no-headers']);
      return /\sNotReady\s/.test(r.stdout) ? true : undefined;
    }, 20_000);
    const took = Date.now() - stopped;
    assert.ok(took >= GRACE_MS - 1_000, `not before the grace period (${took} ms)`);
    const node = await c.client.get(resources.nodes, undefined, victim);
    assert.deepEqual([readyOf(node).status, readyOf(node).reason, readyOf(node).message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    const taints = await waitFor('the NoExecute taint', async () => {
      const t = ((await c.client.get(resources.nodes, undefined, victim)).spec.taints ?? []) as Obj[];
      return t.some((x) => x.effect === 'NoExecute') ? t : undefined;
    }, 20_000);
    assert.deepEqual(taints.map((t) => `${t.key}:${t.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);

    // Evicted after their 2 s, replaced by the ReplicaSet on the nodes still alive.
    await waitFor('the pods moved', async () => {
      const now = (await c.client.list(resources.pods, 'default', { labelSelector: 'app=spread' })).items.filter((p: Obj) => !p.metadata.deletionTimestamp);
      const running = now.filter((p: Obj) => p.status?.phase === 'Running');
      return running.length === 6 && now.every((p: Obj) => p.spec.nodeName !== victim && !onVictim.includes(p.metadata.name)) ? true : undefined;
    }, 30_000);
    const evictions = await c.k('get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].message}');
    for (const name of onVictim) assert.match(evictions, new RegExp(`Marking for deletion Pod default/${name}`));

    c.sim!.resumeHeartbeats(victim);
    await waitFor('Ready again, untainted', async () => {
      const n = await c.client.get(resources.nodes, undefined, victim);
      return readyOf(n)?.status === 'True' && !(n.spec.taints ?? []).some((t: Obj) => t.key.startsWith('node.kubernetes.io/')) ? true : undefined;
    }, 20_000);
  });
});
