import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceRegistry } from '../api/registry.ts';
import { openStore } from '../storage/index.ts';
import { ManualClock } from '../util/clock.ts';
import { PodsByNode } from './node-graph.ts';
import { ResourceStore } from './rest.ts';

test('the pods bound to each node follow creates, binds, moves and deletes', async () => {
  const store = await openStore({});
  const rest = new ResourceStore(store, new ManualClock(1_700_000_000_000));
  const pods = new ResourceRegistry().get('', 'v1', 'pods')!;
  const pod = (name: string, nodeName?: string) => ({ metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), serviceAccountName: 'sa', containers: [{ name: 'c', image: 'x' }] } });
  await rest.create(pods, 'ns', pod('a', 'n1'));
  await rest.create(pods, 'ns', pod('pending'));
  const graph = new PodsByNode(rest, pods);
  const names = async (node: string) => (await graph.podsOnNode(node)).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();
  assert.deepEqual(await names('n1'), ['ns/a']);
  assert.deepEqual((await graph.podsOnNode('n1'))[0]!.spec.serviceAccountName, 'sa', 'what the authorizer reads is kept');
  const until = async (node: string, want: string[]) => {
    for (let i = 0; i < 200 && JSON.stringify(await names(node)) !== JSON.stringify(want); i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(await names(node), want);
  };
  await rest.guaranteedUpdate(pods, 'ns', 'pending', (p) => ({ ...p, spec: { ...p.spec, nodeName: 'n2' } }));
  await until('n2', ['ns/pending']);
  await rest.create(pods, 'ns', pod('b', 'n1'));
  await until('n1', ['ns/a', 'ns/b']);
  await rest.delete(pods, 'ns', 'a', { gracePeriodSeconds: 0 });
  await until('n1', ['ns/b']);
  graph.stop();
  await store.close();
});
