import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Obj } from '../apiserver/rest.ts';
import { ManualClock } from '../util/clock.ts';
import { Client, type WatchEvent } from './client.ts';
import { SharedInformerFactory, Informer } from './informer.ts';
import { resources as R } from './resources.ts';
import { NAMESPACE_INDEX, Tombstone, keyOf } from './store.ts';
import { startEnv, until, type TestEnv } from './test-env.ts';

const cm = (ns: string, name: string, v = '1') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { v } });

/** Records what handlers see, as short strings. */
function recorder(inf: Informer) {
  const log: string[] = [];
  const deleted: Array<Obj | Tombstone> = [];
  inf.addEventHandler({
    onAdd: (o, initial) => log.push(`add ${o.metadata.name}${initial ? ' (initial)' : ''}`),
    onUpdate: (o, n) => log.push(o.metadata.resourceVersion === n.metadata.resourceVersion ? `same ${n.metadata.name}` : `update ${n.metadata.name} ${n.data?.v}`),
    onDelete: (o) => {
      deleted.push(o);
      log.push(o instanceof Tombstone ? `tombstone ${o.key}` : `delete ${o.metadata.name}`);
    },
  });
  return { log, deleted };
}

describe('Informer', () => {
  let env: TestEnv;
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    await env.close();
  });

  const namespace = async (name: string) => {
    await env.client.create(R.namespaces, undefined, { metadata: { name } });
  };

  test('lists in pages, then delivers live adds, updates and deletes', async () => {
    const c = env.client;
    await namespace('inf1');
    for (const n of ['a', 'b', 'c']) await c.create(R.configmaps, 'inf1', cm('inf1', n));
    const inf = new Informer(c, R.configmaps, { namespace: 'inf1', pageSize: 2 });
    const { log } = recorder(inf);
    assert.equal(inf.hasSynced(), false);
    inf.start();
    try {
      assert.equal(await inf.waitForSync(), true);
      assert.equal(inf.hasSynced(), true);
      const initial = log.filter((l) => l !== 'add kube-root-ca.crt (initial)');
      assert.deepEqual(initial, ['add a (initial)', 'add b (initial)', 'add c (initial)']);
      assert.equal(inf.get('inf1/a')?.data.v, '1');
      assert.equal(inf.get('inf1/a')?.kind, 'ConfigMap');
      log.length = 0;

      const d = await c.create(R.configmaps, 'inf1', cm('inf1', 'd'));
      await c.update(R.configmaps, 'inf1', { ...d, data: { v: '2' } });
      await c.delete(R.configmaps, 'inf1', 'a');
      await until('the delete', () => log.includes('delete a'));
      assert.deepEqual(log, ['add d', 'update d 2', 'delete a']);
      assert.equal(inf.get('inf1/a'), undefined);
      assert.equal(inf.get('inf1/d')?.data.v, '2');
      assert.deepEqual(inf.byIndex(NAMESPACE_INDEX, 'inf1').map(keyOf).sort(), ['inf1/b', 'inf1/c', 'inf1/d', 'inf1/kube-root-ca.crt']);
      assert.ok(Number(inf.lastSyncResourceVersion) > 0);

      // A handler added late is told about every cached object first.
      const late: string[] = [];
      inf.addEventHandler({ onAdd: (o, initial) => late.push(`${o.metadata.name} ${initial}`) });
      assert.deepEqual(late.sort(), ['b true', 'c true', 'd true', 'kube-root-ca.crt true']);
    } finally {
      await inf.stop();
    }
  });

  test('custom indexes: pods by node, kept current as pods move', async () => {
    const c = env.client;
    await namespace('inf2');
    const pod = (name: string, nodeName?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'inf2' },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] },
    });
    await c.create(R.pods, 'inf2', pod('p1', 'n1'));
    await c.create(R.pods, 'inf2', pod('p2', 'n2'));
    const inf = new Informer(c, R.pods, { namespace: 'inf2', indexers: { byNode: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) } });
    inf.start();
    try {
      await inf.waitForSync();
      assert.deepEqual(inf.byIndex('byNode', 'n1').map((p) => p.metadata.name), ['p1']);
      // An index added after the start is built over what is cached.
      inf.addIndexers({ byName: (p) => [p.metadata.name] });
      assert.equal(inf.byIndex('byName', 'p2')[0]?.spec.nodeName, 'n2');
      await c.create(R.pods, 'inf2', pod('p3', 'n1'));
      await c.delete(R.pods, 'inf2', 'p1', { gracePeriodSeconds: 0 });
      await until('p3 indexed and p1 gone', () => inf.byIndex('byNode', 'n1').map((p) => p.metadata.name).join() === 'p3');
      assert.deepEqual(inf.byIndex('byNode', 'n2').map((p) => p.metadata.name), ['p2']);
      assert.deepEqual(inf.byIndex('byNode', 'nowhere'), []);
      assert.throws(() => inf.byIndex('missing', 'x'), /Index with name missing does not exist/);
    } finally {
      await inf.stop();
    }
  });

  test('a dropped watch resumes from the last resourceVersion without listing again', async () => {
    const c = env.client;
    await namespace('inf3');
    await c.create(R.configmaps, 'inf3', cm('inf3', 'x'));
    const errors: unknown[] = [];
    const inf = new Informer(c, R.configmaps, { namespace: 'inf3', onError: (e) => errors.push(e), backoff: { initialMs: 50 } });
    const { log } = recorder(inf);
    inf.start();
    try {
      await inf.waitForSync();
      log.length = 0;
      // Written while the server is down: the resumed watch replays it from the store's history.
      await env.restart(async () => {
        await env.api.rest.create(env.api.registry.get('', 'v1', 'configmaps')!, 'inf3', cm('inf3', 'while-down'));
      });
      await c.create(R.configmaps, 'inf3', cm('inf3', 'after'));
      await until('the event after the restart', () => log.includes('add after'));
      assert.deepEqual(log, ['add while-down', 'add after'], 'no re-list (it would report every object again)');
      assert.ok(errors.length >= 1, 'the dropped watch was noticed');
    } finally {
      await inf.stop();
    }
  });

  test('410 Gone after a compaction: re-list, with tombstones for what was deleted meanwhile', async () => {
    const c = env.client;
    await namespace('inf4');
    for (const n of ['keep', 'gone', 'changed']) await c.create(R.configmaps, 'inf4', cm('inf4', n));
    const errors: unknown[] = [];
    const inf = new Informer(c, R.configmaps, { namespace: 'inf4', onError: (e) => errors.push(e), backoff: { initialMs: 50 } });
    const { log, deleted } = recorder(inf);
    inf.start();
    try {
      await inf.waitForSync();
      const before = inf.get('inf4/gone')!;
      log.length = 0;
      await env.restart(async () => {
        const info = env.api.registry.get('', 'v1', 'configmaps')!;
        await env.api.rest.delete(info, 'inf4', 'gone');
        const changed = await env.api.rest.get(info, 'inf4', 'changed');
        await env.api.rest.update(info, 'inf4', 'changed', { ...changed, data: { v: '2' } });
        await env.api.rest.create(info, 'inf4', cm('inf4', 'new'));
        // History before now is gone: the informer's resourceVersion is too old.
        await env.store.compact((await env.store.status()).revision);
      });
      await until('the re-list', () => log.includes('tombstone inf4/gone'));
      assert.ok(errors.some((e) => (e as { code?: number }).code === 410), 'a 410 was seen');
      assert.deepEqual(log.filter((l) => !l.includes('kube-root-ca.crt')).sort(), ['add new', 'same keep', 'tombstone inf4/gone', 'update changed 2']);
      const tomb = deleted.find((d) => d instanceof Tombstone) as Tombstone;
      assert.equal(tomb.key, 'inf4/gone');
      assert.equal(tomb.obj, before, 'the tombstone holds the last known state');
      assert.deepEqual(inf.list().map(keyOf).sort(), ['inf4/changed', 'inf4/keep', 'inf4/kube-root-ca.crt', 'inf4/new']);

      // And it watches again after the re-list.
      await c.delete(R.configmaps, 'inf4', 'keep');
      await until('a live delete after the re-list', () => log.includes('delete keep'));
    } finally {
      await inf.stop();
    }
  });

  test('resync replays every cached object as an update on the clock', async () => {
    const c = env.client;
    await namespace('inf5');
    await c.create(R.configmaps, 'inf5', cm('inf5', 'r'));
    const clock = new ManualClock();
    const inf = new Informer(c, R.configmaps, { namespace: 'inf5', clock, resyncPeriodMs: 30_000 });
    const { log } = recorder(inf);
    inf.start();
    try {
      await inf.waitForSync();
      log.length = 0;
      clock.advance(29_999);
      assert.deepEqual(log, []);
      clock.advance(1);
      assert.deepEqual(log.sort(), ['same kube-root-ca.crt', 'same r']);
      clock.advance(30_000);
      assert.equal(log.length, 4);
    } finally {
      await inf.stop();
    }
  });

  test('a shared factory makes one informer and one watch per resource', async () => {
    await namespace('inf6');
    const client = new CountingClient({ server: env.api.url, ca: env.pki.ca.cert, cert: env.pki.admin.cert, key: env.pki.admin.key });
    const factory = new SharedInformerFactory(client, { namespace: 'inf6' });
    const pods1 = factory.forResource(R.pods);
    const pods2 = factory.forResource(R.pods);
    const cms = factory.forResource(R.configmaps);
    assert.equal(pods1, pods2);
    let adds = 0;
    pods1.addEventHandler({ onAdd: () => adds++ });
    pods2.addEventHandler({ onAdd: () => adds++ });
    factory.start();
    try {
      assert.equal(await factory.waitForCacheSync(), true);
      await until('two watches', () => client.watches === 2);
      await env.client.create(R.pods, 'inf6', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
      await until('both handlers', () => adds === 2);
      assert.equal(cms.hasSynced(), true);
      assert.ok(cms.get('inf6/kube-root-ca.crt'));
      assert.equal(client.watches, 2);
    } finally {
      await factory.shutdown();
      client.close();
    }
    assert.equal(pods1.hasSynced(), true);
    assert.equal(await new Informer(env.client, R.pods).waitForSync(AbortSignal.abort()), false);
  });

  test('stop ends the watch and a stopped informer reports no sync', async () => {
    const inf = new Informer(env.client, R.configmaps, { namespace: 'default' });
    const waiting = inf.waitForSync();
    await inf.stop();
    assert.equal(await waiting, false);
    inf.start();
    assert.equal(inf.started, false, 'a stopped informer does not start again');
  });
});

class CountingClient extends Client {
  watches = 0;
  override watch<T extends Obj = Obj>(...args: Parameters<Client['watch']>): AsyncGenerator<WatchEvent<T>> {
    this.watches++;
    return super.watch<T>(...args);
  }
}
