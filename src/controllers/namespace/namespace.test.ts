import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isNotFound, resources, type Client } from '../../client/index.ts';
import { createWidgetCrd, eventually, sleep, startGcEnv, widgets, type Env } from '../garbagecollector/test-support.ts';
import { NamespaceController } from './index.ts';

type Obj = Record<string, any>;

const nsGone = async (c: Client, name: string) => {
  try {
    await c.get(resources.namespaces, undefined, name);
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
};

const condition = (ns: Obj, type: string) => (ns.status?.conditions ?? []).find((c: Obj) => c.type === type);
const brief = (c: Obj | undefined) => c && { status: c.status, reason: c.reason, message: c.message };

async function fill(c: Client, ns: string): Promise<void> {
  await c.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await c.create(resources.serviceaccounts, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  await c.create(resources.configmaps, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
  await c.create(resources.secrets, ns, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } });
  await c.create(resources.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  await c.create(widgets, ns, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
}

describe('namespace controller against an API server without background work', () => {
  let t: Env;
  const ac = new AbortController();
  let running: Promise<void>;
  before(async () => {
    t = await startGcEnv();
    await createWidgetCrd(t.client);
    const nc = new NamespaceController({ client: t.client, factory: t.factory, clock: t.clock, onError: (_k, e) => t.errors.push(e) });
    t.factory.start();
    assert.ok(await t.factory.waitForCacheSync());
    running = nc.run(2, ac.signal);
  });
  after(async () => {
    ac.abort();
    await running;
    await t.close();
  });

  it('empties a namespace (configmaps, secrets, pods, custom resources) and reports what holds it', async () => {
    const c = t.client;
    await fill(c, 'doomed');
    await c.create(resources.configmaps, 'doomed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await c.delete(resources.namespaces, undefined, 'doomed');
    const ns = await eventually('conditions', async () => {
      const n = await c.get(resources.namespaces, undefined, 'doomed');
      return condition(n, 'NamespaceContentRemaining')?.status === 'True' && n;
    });
    assert.equal(ns.status.phase, 'Terminating');
    assert.deepEqual(
      ns.status.conditions.map((x: Obj) => x.type),
      ['NamespaceDeletionDiscoveryFailure', 'NamespaceDeletionGroupVersionParsingFailure', 'NamespaceDeletionContentFailure', 'NamespaceContentRemaining', 'NamespaceFinalizersRemaining'],
    );
    assert.deepEqual(brief(condition(ns, 'NamespaceDeletionDiscoveryFailure')), { status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' });
    assert.deepEqual(brief(condition(ns, 'NamespaceDeletionGroupVersionParsingFailure')), { status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' });
    assert.deepEqual(brief(condition(ns, 'NamespaceDeletionContentFailure')), { status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' });
    assert.deepEqual(brief(condition(ns, 'NamespaceContentRemaining')), { status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 1 resource instances' });
    assert.deepEqual(brief(condition(ns, 'NamespaceFinalizersRemaining')), {
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
    for (const [res, name] of [[resources.configmaps, 'cm'], [resources.secrets, 's'], [resources.pods, 'p'], [widgets, 'w'], [resources.serviceaccounts, 'default']] as const) {
      assert.equal((await c.list(res, 'doomed')).items.some((i) => i.metadata.name === name), false, `${res.resource} ${name} deleted`);
    }
    await c.patch(resources.configmaps, 'doomed', 'held', 'merge', { metadata: { finalizers: null } });
    await eventually('namespace gone', () => nsGone(c, 'doomed'));
  });

  it('waits out the grace period of terminating pods, then reports the ones that did not go', async () => {
    const c = t.client;
    await c.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'slow' } });
    await c.create(resources.serviceaccounts, 'slow', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    // Bound to a node, so deleting it is graceful: it stays until a kubelet (here: the test) finishes it.
    await c.create(resources.pods, 'slow', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } });
    await c.delete(resources.namespaces, undefined, 'slow');
    const first = await eventually('pods remaining', async () => {
      const n = await c.get(resources.namespaces, undefined, 'slow');
      return condition(n, 'NamespaceContentRemaining')?.status === 'True' && n;
    });
    assert.equal(condition(first, 'NamespaceContentRemaining').message, 'Some resources are remaining: pods. has 1 resource instances');
    assert.equal(condition(first, 'NamespaceDeletionContentFailure').status, 'False', 'within the grace period remaining pods are expected');
    const pod = await c.get(resources.pods, 'slow', 'bound');
    assert.ok(pod.metadata.deletionTimestamp, 'the pod was deleted gracefully');
    // Past the 30 s grace period (the clock runs ahead) a pod still there is a content failure.
    const late = await eventually('content failure', async () => {
      const n = await c.get(resources.namespaces, undefined, 'slow');
      return condition(n, 'NamespaceDeletionContentFailure')?.status === 'True' && n;
    }, 20_000);
    assert.deepEqual(brief(condition(late, 'NamespaceDeletionContentFailure')), {
      status: 'True',
      reason: 'ContentDeletionFailed',
      message: 'Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: slow for gvr: /v1, Resource=pods',
    });
    await c.delete(resources.pods, 'slow', 'bound', { gracePeriodSeconds: 0 });
    await eventually('namespace gone', () => nsGone(c, 'slow'), 20_000);
    await sleep(10);
  });
});
