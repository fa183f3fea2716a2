// PodDisruptionBudgets and the eviction API end to end: `kubectl drain` evicts a node's pods
// one disruption at a time as the budget allows (the ReplicaSet replacing each elsewhere), and
// is refused, with upstream's words, while the budget allows none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resources } from '../../src/client/index.ts';
import { missingClient, startCluster, waitFor, type TestCluster } from './harness.ts';

type Obj = Record<string, any>;

describe('disruption budgets and kubectl drain', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster({ components: true, sim: { nodes: [{ prefix: 'd', count: 3 }], podReadyMs: 100 } });
  });
  after(async () => {
    await c?.stop();
  });

  const pdbStatus = async (name: string) => (await c.client.get(resources.poddisruptionbudgets, 'default', name)).status ?? {};

  it('the disruption controller counts healthy pods; a budget with none to spare refuses evictions', async () => {
    await c.k('create', 'deployment', 'tight', '--image=nginx', '--replicas=2');
    assert.equal((await c.kubectl(['rollout', 'status', 'deployment/tight', '--timeout=60s'])).code, 0);
    await c.k('create', 'poddisruptionbudget', 'tight', '--selector=app=tight', '--min-available=2');
    const s = await waitFor('the budget counted', async () => {
      const st = await pdbStatus('tight');
      return st.expectedPods === 2 && st.currentHealthy === 2 ? st : undefined;
    }, 20_000);
    assert.equal(s.desiredHealthy, 2);
    assert.equal(s.disruptionsAllowed, 0);
    const pod = (await c.client.list(resources.pods, 'default', { labelSelector: 'app=tight' })).items[0]!;
    const r = await c.kubectl(['drain', pod.spec.nodeName, '--ignore-daemonsets', '--pod-selector=app=tight', '--timeout=6s']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.ok(await c.client.get(resources.pods, 'default', pod.metadata.name), 'the pod is still there');
    await c.k('uncordon', pod.spec.nodeName);
  });

  it('kubectl drain evicts a node\'s pods as the budget allows and they come back elsewhere', async () => {
    await c.k('create', 'deployment', 'web', '--image=nginx', '--replicas=6');
    assert.equal((await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s'])).code, 0);
    await c.k('create', 'poddisruptionbudget', 'web', '--selector=app=web', '--max-unavailable=1');
    await waitFor('the budget allowing one', async () => ((await pdbStatus('web')).disruptionsAllowed === 1 ? true : undefined), 20_000);
    const pods = (await c.client.list(resources.pods, 'default', { labelSelector: 'app=web' })).items;
    const counts = new Map<string, number>();
    for (const p of pods) counts.set(p.spec.nodeName, (counts.get(p.spec.nodeName) ?? 0) + 1);
    const node = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const drained = await c.kubectl(['drain', node, '--ignore-daemonsets', '--pod-selector=app=web', '--timeout=90s']);
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, new RegExp(`node/${node} drained`));
    const evicted = pods.filter((p: Obj) => p.spec.nodeName === node).map((p: Obj) => p.metadata.name);
    for (const name of evicted) assert.match(drained.stdout, new RegExp(`pod/${name} evicted`));
    await waitFor('six pods running off the drained node', async () => {
      const now = (await c.client.list(resources.pods, 'default', { labelSelector: 'app=web' })).items.filter((p: Obj) => !p.metadata.deletionTimestamp);
      return now.length === 6 && now.every((p: Obj) => p.spec.nodeName !== node && p.status?.phase === 'Running') ? true : undefined;
    }, 30_000);
    assert.equal((await c.client.get(resources.nodes, undefined, node)).spec.unschedulable, true, 'drained means cordoned');
  });
});
