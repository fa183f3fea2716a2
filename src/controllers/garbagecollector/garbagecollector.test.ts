import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventRecorder, isNotFound, resources, type Client } from '../../client/index.ts';
import { discover, preferredWith } from './discovery.ts';
import { GarbageCollector } from './index.ts';
import { createWidgetCrd, eventually, ownerRef, sleep, startGcEnv, widgets, type Env } from './test-support.ts';

type Obj = Record<string, any>;

const gone = async (c: Client, res: Parameters<Client['get']>[0], ns: string, name: string) => {
  try {
    await c.get(res, ns, name);
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
};

const cm = (name: string, owners: Obj[] = [], extra: Obj = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(owners.length ? { ownerReferences: owners } : {}), ...extra } });
const pod = (name: string, owners: Obj[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ownerReferences: owners }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

describe('garbage collector against an API server without background work', () => {
  let t: Env;
  let gc: GarbageCollector;
  let recorder: EventRecorder;
  const ac = new AbortController();
  let running: Promise<void>;
  before(async () => {
    t = await startGcEnv();
    recorder = new EventRecorder(t.client, { component: 'garbage-collector-controller', clock: t.clock });
    gc = new GarbageCollector({ client: t.client, factory: t.factory, clock: t.clock, recorder, onError: (_k, e) => t.errors.push(e) });
    running = gc.run(2, ac.signal);
    await eventually('monitors synced', async () => gc.informers.length > 10 && gc.informers.every((i) => i.hasSynced()));
  });
  after(async () => {
    ac.abort();
    await running;
    await recorder.shutdown();
    await t.close();
  });

  it('discovery lists top-level resources with their verbs; the collector watches the deletable ones but events', async () => {
    const { all, failed } = await discover(t.client);
    assert.equal(failed.size, 0);
    const pods = all.find((r) => r.group === '' && r.resource === 'pods');
    assert.deepEqual({ ...pods, verbs: [...(pods?.verbs ?? [])].sort() }, {
      group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, preferred: true,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    });
    assert.equal(all.some((r) => r.resource.includes('/')), false, 'no subresources');
    const watchable = preferredWith(all, ['delete', 'list', 'watch']);
    assert.ok(watchable.some((r) => r.group === 'apps' && r.resource === 'deployments'));
    assert.equal(new Set(watchable.map((r) => `${r.group}/${r.resource}`)).size, watchable.length, 'one version per resource');
    const watched = gc.informers.map((i) => `${i.resource.group}/${i.resource.resource}`);
    assert.ok(watched.includes('/configmaps') && watched.includes('apps/replicasets'));
    assert.ok(!watched.includes('/events') && !watched.includes('events.k8s.io/events'));
  });

  it('deletes a Deployment -> ReplicaSet -> Pod chain in the background', async () => {
    const c = t.client;
    const d = await c.create(resources.deployments, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const rs = await c.create(resources.replicasets, 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', ownerReferences: [ownerRef(d, { controller: true, blockOwnerDeletion: true })] },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    await c.create(resources.pods, 'default', pod('web-1-a', [ownerRef(rs, { controller: true, blockOwnerDeletion: true })]));
    await sleep(100);
    assert.equal(await gone(c, resources.pods, 'default', 'web-1-a'), false, 'a pod with a live owner stays');
    await c.delete(resources.deployments, 'default', 'web', { propagationPolicy: 'Background' });
    await eventually('replicaset gone', () => gone(c, resources.replicasets, 'default', 'web-1'));
    await eventually('pod gone', () => gone(c, resources.pods, 'default', 'web-1-a'));
  });

  it('foreground: the owner waits for blocking dependents, including one held by its own finalizer', async () => {
    const c = t.client;
    const owner = await c.create(resources.configmaps, 'default', cm('fg-owner'));
    const held = await c.create(resources.configmaps, 'default', cm('fg-held', [ownerRef(owner, { blockOwnerDeletion: true })], { finalizers: ['example.com/hold'] }));
    await c.create(resources.configmaps, 'default', cm('fg-grandchild', [ownerRef(held, { blockOwnerDeletion: true })]));
    await c.create(resources.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'fg-free', ownerReferences: [ownerRef(owner)] } });
    await c.delete(resources.configmaps, 'default', 'fg-owner', { propagationPolicy: 'Foreground' });
    await eventually('grandchild gone', () => gone(c, resources.configmaps, 'default', 'fg-grandchild'));
    await eventually('non-blocking dependent gone too', () => gone(c, resources.secrets, 'default', 'fg-free'));
    const h = await eventually('held dependent being deleted', async () => {
      const x = await c.get(resources.configmaps, 'default', 'fg-held');
      return x.metadata.deletionTimestamp && x;
    });
    assert.deepEqual(h.metadata.finalizers, ['example.com/hold'], 'its own foreground finalizer is gone once its dependents are');
    await sleep(300);
    const o = await c.get(resources.configmaps, 'default', 'fg-owner');
    assert.ok(o.metadata.deletionTimestamp);
    assert.deepEqual(o.metadata.finalizers, ['foregroundDeletion'], 'the owner waits on the held dependent');
    await c.patch(resources.configmaps, 'default', 'fg-held', 'merge', { metadata: { finalizers: null } });
    await eventually('held gone', () => gone(c, resources.configmaps, 'default', 'fg-held'));
    await eventually('owner gone', () => gone(c, resources.configmaps, 'default', 'fg-owner'));
  });

  it('orphan: dependents lose the reference and stay, then the owner goes', async () => {
    const c = t.client;
    const owner = await c.create(resources.configmaps, 'default', cm('or-owner'));
    const keep = await c.create(resources.configmaps, 'default', cm('or-other'));
    await c.create(resources.configmaps, 'default', cm('or-dep', [ownerRef(owner), ownerRef(keep)]));
    await c.create(resources.configmaps, 'default', cm('or-dep2', [ownerRef(owner, { blockOwnerDeletion: true })]));
    await c.delete(resources.configmaps, 'default', 'or-owner', { propagationPolicy: 'Orphan' });
    await eventually('owner gone', () => gone(c, resources.configmaps, 'default', 'or-owner'));
    const dep = await c.get(resources.configmaps, 'default', 'or-dep');
    assert.deepEqual(dep.metadata.ownerReferences, [ownerRef(keep)]);
    const dep2 = await c.get(resources.configmaps, 'default', 'or-dep2');
    assert.equal(dep2.metadata.ownerReferences, undefined);
    await sleep(200);
    assert.equal(await gone(c, resources.configmaps, 'default', 'or-dep2'), false, 'an orphan is not collected');
  });

  it('a dependent with two owners keeps the live one and goes with the last', async () => {
    const c = t.client;
    const a = await c.create(resources.configmaps, 'default', cm('two-a'));
    const b = await c.create(resources.configmaps, 'default', cm('two-b'));
    await c.create(resources.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'two-dep', ownerReferences: [ownerRef(a), ownerRef(b)] } });
    await c.delete(resources.configmaps, 'default', 'two-a');
    const dep = await eventually('dangling reference dropped', async () => {
      const s = await c.get(resources.secrets, 'default', 'two-dep');
      return s.metadata.ownerReferences?.length === 1 && s;
    });
    assert.equal(dep.metadata.ownerReferences[0].uid, b.metadata.uid);
    await c.delete(resources.configmaps, 'default', 'two-b');
    await eventually('dependent gone', () => gone(c, resources.secrets, 'default', 'two-dep'));
  });

  it('a re-created owner (same name, new uid) does not save the old one\'s dependents', async () => {
    const c = t.client;
    const old = await c.create(resources.configmaps, 'default', cm('again'));
    await c.delete(resources.configmaps, 'default', 'again');
    const fresh = await c.create(resources.configmaps, 'default', cm('again'));
    assert.notEqual(fresh.metadata.uid, old.metadata.uid);
    await c.create(resources.configmaps, 'default', cm('again-dep', [ownerRef(old)]));
    await c.create(resources.configmaps, 'default', cm('again-dep-new', [ownerRef(fresh)]));
    await eventually('old dependent gone', () => gone(c, resources.configmaps, 'default', 'again-dep'));
    assert.equal(await gone(c, resources.configmaps, 'default', 'again-dep-new'), false);
    assert.equal(await gone(c, resources.configmaps, 'default', 'again'), false);
  });

  it('a namespaced owner named from another namespace: OwnerRefInvalidNamespace, and the dependent is collected', async () => {
    const c = t.client;
    await c.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } });
    const owner = await c.create(resources.configmaps, 'default', cm('ns-owner'));
    await sleep(100);
    const dep = await c.create(resources.configmaps, 'elsewhere', cm('ns-dep', [ownerRef(owner)]));
    await eventually('dependent gone', () => gone(c, resources.configmaps, 'elsewhere', 'ns-dep'));
    const ev = await eventually('event', async () => {
      const list = await c.list(resources.events, 'elsewhere');
      return list.items.find((e) => e.reason === 'OwnerRefInvalidNamespace');
    });
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.involvedObject.uid, dep.metadata.uid);
    assert.equal(ev.message, `ownerRef [v1/ConfigMap, namespace: elsewhere, name: ns-owner, uid: ${owner.metadata.uid}] does not exist in namespace "elsewhere"`);
    assert.equal(await gone(c, resources.configmaps, 'default', 'ns-owner'), false);
  });

  it('a cluster-scoped dependent of a namespaced owner is reported and left alone', async () => {
    const c = t.client;
    const clusterroles = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false };
    const owner = await c.create(resources.configmaps, 'default', cm('cr-owner'));
    await sleep(100);
    const dep = await c.create(clusterroles, undefined, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'gc-test-dep', ownerReferences: [ownerRef(owner)] }, rules: [] });
    const ev = await eventually('event', async () => {
      const list = await c.list(resources.events, 'default');
      return list.items.find((e) => e.reason === 'OwnerRefInvalidNamespace' && e.involvedObject.uid === dep.metadata.uid);
    });
    assert.equal(ev.message, `ownerRef [v1/ConfigMap, namespace: , name: cr-owner, uid: ${owner.metadata.uid}] does not exist in namespace ""`);
    await c.delete(resources.configmaps, 'default', 'cr-owner');
    await sleep(300);
    assert.equal(await gone(c, clusterroles, '', 'gc-test-dep'), false, 'never deleted for a reference that cannot be resolved');
  });

  it('picks up a CRD added later: custom resources are collected, as owners and as dependents', async () => {
    const c = t.client;
    await createWidgetCrd(c);
    await eventually('widgets monitored', async () => gc.informers.some((i) => i.resource.resource === 'widgets' && i.hasSynced()));
    const owner = await c.create(resources.configmaps, 'default', cm('w-owner'));
    const w = await c.create(widgets, 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', ownerReferences: [ownerRef(owner)] } });
    await c.create(resources.configmaps, 'default', cm('w-dep', [ownerRef(w)]));
    await c.delete(resources.configmaps, 'default', 'w-owner');
    await eventually('widget gone', () => gone(c, widgets, 'default', 'w1'));
    await eventually('widget dependent gone', () => gone(c, resources.configmaps, 'default', 'w-dep'));
  });
});
