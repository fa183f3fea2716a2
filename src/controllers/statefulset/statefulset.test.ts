import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { resources, type Client } from '../../client/index.ts';
import type { TestEnv } from '../../client/test-env.ts';
import { ManualClock } from '../../util/clock.ts';
import { CONTROLLER_REVISION_HASH } from '../daemonset/history.ts';
import { activePods, eventually, markReady, podTemplate, sleep, startControllerTestEnv, type ControllerTestEnv } from '../testing.ts';
import { POD_INDEX_LABEL, POD_NAME_LABEL, claimOwnerRefs, newPod, ordinalOf } from './index.ts';

type Obj = Record<string, any>;

const sts = (name: string, replicas: number, extra: Obj = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: 'default' },
  spec: { replicas, serviceName: name, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }), ...extra },
});

const claimTemplate = { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };

describe('StatefulSet controller against an API server', () => {
  // The controller as the manager runs it, on a ManualClock, against a real API server.
  let t: ControllerTestEnv;
  let env: TestEnv;
  let client: Client;
  let clock: ManualClock;
  let errors: unknown[];
  before(async () => {
    t = await startControllerTestEnv(['statefulset']);
    ({ env, client, clock, errors } = t);
  });
  after(async () => {
    await t.close();
  });

  const names = async (sel: string) => (await activePods(client, sel)).map((p) => p.metadata.name).sort();
  const getSet = (name: string) => client.get(resources.statefulsets, 'default', name);
  /** Waits for exactly `want` pods, then checks nothing more appears while they are not ready. */
  const expectPods = async (sel: string, want: string[]) => {
    await eventually(want.join(','), async () => JSON.stringify(await names(sel)) === JSON.stringify(want));
    await sleep(150);
    assert.deepEqual(await names(sel), want);
  };
  const readyAll = async (sel: string) => {
    for (const p of await activePods(client, sel)) if (p.status?.phase !== 'Running') await markReady(client, p, clock.now());
  };

  it('scales 0→3 in order with claims, then down in reverse', async () => {
    // A finalizer keeps deleted pods terminating, so the order of deletions can be watched.
    const template = podTemplate({ app: 'web' }) as Obj;
    template.metadata.finalizers = ['example.com/hold'];
    await client.create(resources.statefulsets, 'default', sts('web', 0, { volumeClaimTemplates: [claimTemplate], template }));
    await eventually('status', async () => (await getSet('web')).status?.observedGeneration === 1);
    await client.scale(resources.statefulsets, 'default', 'web', 3);
    // OrderedReady: each pod waits for its predecessor to be running and ready.
    await expectPods('app=web', ['web-0']);
    await readyAll('app=web');
    await expectPods('app=web', ['web-0', 'web-1']);
    await readyAll('app=web');
    await expectPods('app=web', ['web-0', 'web-1', 'web-2']);
    await readyAll('app=web');

    const pvcs = (await client.list(resources.persistentvolumeclaims, 'default')).items.map((c) => c.metadata.name).sort();
    assert.deepEqual(pvcs, ['www-web-0', 'www-web-1', 'www-web-2']);
    const p1 = await client.get(resources.pods, 'default', 'web-1');
    assert.deepEqual(p1.spec.volumes.find((v: Obj) => v.name === 'www'), { name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } });
    assert.equal(p1.spec.hostname, 'web-1');
    assert.equal(p1.spec.subdomain, 'web');
    assert.equal(p1.metadata.labels[POD_NAME_LABEL], 'web-1');
    assert.equal(p1.metadata.labels[POD_INDEX_LABEL], '1');
    const s = await eventually('ready 3', async () => {
      const x = await getSet('web');
      return x.status?.readyReplicas === 3 && x.status;
    });
    assert.equal(s.replicas, 3);
    assert.equal(s.currentReplicas, 3);
    assert.equal(s.updatedReplicas, 3);
    assert.equal(s.availableReplicas, 3);
    assert.equal(s.currentRevision, s.updateRevision);
    assert.equal(p1.metadata.labels[CONTROLLER_REVISION_HASH], s.updateRevision);
    assert.match(s.updateRevision, /^web-[a-z0-9]+$/);

    await client.scale(resources.statefulsets, 'default', 'web', 1);
    const release = (n: string) => client.patch(resources.pods, 'default', n, 'merge', { metadata: { finalizers: null } });
    await expectPods('app=web', ['web-0', 'web-1']);
    assert.ok((await client.get(resources.pods, 'default', 'web-2')).metadata.deletionTimestamp, 'highest ordinal goes first');
    await sleep(150);
    assert.equal((await client.get(resources.pods, 'default', 'web-1')).metadata.deletionTimestamp, undefined, 'web-1 waits until web-2 is gone');
    await release('web-2');
    await expectPods('app=web', ['web-0']);
    await release('web-1');
    await eventually('web-1 gone', async () => (await client.list(resources.pods, 'default', { labelSelector: 'app=web' })).items.length === 1);
    assert.equal((await client.list(resources.persistentvolumeclaims, 'default')).items.length, 3, 'claims are retained by default');
  });

  it('updates only ordinals at or above the partition, highest first', async () => {
    await client.create(resources.statefulsets, 'default', sts('db', 3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    for (let i = 0; i < 3; i++) {
      await eventually(`db-${i}`, async () => (await names('app=db')).length === i + 1);
      await readyAll('app=db');
    }
    const before = await eventually('ready', async () => {
      const x = await getSet('db');
      return x.status?.readyReplicas === 3 && x.status;
    });
    await client.patch(resources.statefulsets, 'default', 'db', 'merge', { spec: { template: podTemplate({ app: 'db' }, 'nginx:1.27') } });
    const image = async (n: string) => {
      const p = await client.get(resources.pods, 'default', n);
      return !p.metadata.deletionTimestamp && p.spec.containers[0].image;
    };
    await eventually('db-2 updated', async () => (await image('db-2')) === 'nginx:1.27');
    assert.equal(await image('db-1'), 'nginx:1.25', 'db-1 waits for db-2 to be ready');
    await readyAll('app=db');
    await eventually('db-1 updated', async () => (await image('db-1')) === 'nginx:1.27');
    await readyAll('app=db');
    const s = await eventually('status', async () => {
      const x = await getSet('db');
      return x.status?.updatedReplicas === 2 && x.status?.readyReplicas === 3 && x.status;
    });
    await sleep(150);
    assert.equal(await image('db-0'), 'nginx:1.25', 'below the partition');
    assert.equal(s.currentRevision, before.currentRevision);
    assert.notEqual(s.updateRevision, before.updateRevision);
    assert.equal(s.currentReplicas, 1);
    assert.equal((await client.get(resources.pods, 'default', 'db-0')).metadata.labels[CONTROLLER_REVISION_HASH], s.currentRevision);

    // Lowering the partition to 0 finishes the rollout and makes the update current.
    await client.patch(resources.statefulsets, 'default', 'db', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    await eventually('db-0 updated', async () => (await image('db-0')) === 'nginx:1.27');
    await readyAll('app=db');
    const done = await eventually('complete', async () => {
      const x = await getSet('db');
      return x.status?.currentRevision === x.status?.updateRevision && x.status?.currentReplicas === 3 && x.status;
    });
    assert.equal(done.updatedReplicas, 3);
  });

  it('persistentVolumeClaimRetentionPolicy: the set owns claims, a scaled-down pod takes its own', async () => {
    const policy = { whenDeleted: 'Delete', whenScaled: 'Delete' };
    const template = podTemplate({ app: 'ret' }) as Obj;
    template.metadata.finalizers = ['example.com/hold'];
    const set = await client.create(resources.statefulsets, 'default', sts('ret', 2, { podManagementPolicy: 'Parallel', volumeClaimTemplates: [claimTemplate], persistentVolumeClaimRetentionPolicy: policy, template }));
    await expectPods('app=ret', ['ret-0', 'ret-1']);
    await readyAll('app=ret');
    const owner = async (n: string) => (await client.get(resources.persistentvolumeclaims, 'default', n)).metadata.ownerReferences ?? [];
    await eventually('set owns claims', async () => (await owner('www-ret-1'))[0]?.uid === set.metadata.uid);
    assert.deepEqual(await owner('www-ret-0'), [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ret', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const pod1 = await client.get(resources.pods, 'default', 'ret-1');
    await client.scale(resources.statefulsets, 'default', 'ret', 1);
    await expectPods('app=ret', ['ret-0']);
    assert.deepEqual(await owner('www-ret-1'), [{ apiVersion: 'v1', kind: 'Pod', name: 'ret-1', uid: pod1.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal((await owner('www-ret-0'))[0]?.uid, set.metadata.uid);
    // Once the pod is really gone, the garbage collector takes its claim.
    await client.patch(resources.pods, 'default', 'ret-1', 'merge', { metadata: { finalizers: null } });
    await eventually('claim collected', async () => !(await client.list(resources.persistentvolumeclaims, 'default')).items.some((c) => c.metadata.name === 'www-ret-1'));
    assert.ok(await client.get(resources.persistentvolumeclaims, 'default', 'www-ret-0'));
  });

  it('Parallel creates all pods at once', async () => {
    await client.create(resources.statefulsets, 'default', sts('par', 3, { podManagementPolicy: 'Parallel' }));
    await expectPods('app=par', ['par-0', 'par-1', 'par-2']);
    assert.deepEqual(errors.filter((e) => (e as { code?: number }).code !== 409), []);
  });
});

test('ordinalOf accepts only `<set>-<n>` names', () => {
  const set = { metadata: { name: 'web' } };
  assert.equal(ordinalOf(set, { metadata: { name: 'web-12' } }), 12);
  assert.equal(ordinalOf(set, { metadata: { name: 'web-01' } }), -1);
  assert.equal(ordinalOf(set, { metadata: { name: 'web-x' } }), -1);
  assert.equal(ordinalOf(set, { metadata: { name: 'webs-1' } }), -1);
});

test('newPod replaces a template volume of the claim name with the claim', () => {
  const set = { metadata: { name: 'web', namespace: 'ns', uid: 'u' }, spec: { volumeClaimTemplates: [claimTemplate] } };
  const p = newPod(set, { spec: { volumes: [{ name: 'www', emptyDir: {} }, { name: 'other', emptyDir: {} }] } }, 'web-abc', 4);
  assert.deepEqual(p.spec.volumes, [{ name: 'other', emptyDir: {} }, { name: 'www', persistentVolumeClaim: { claimName: 'www-web-4' } }]);
  assert.equal(p.metadata.name, 'web-4');
  assert.equal(p.spec.subdomain, undefined);
  assert.equal(p.metadata.ownerReferences[0].controller, true);
});

test('claimOwnerRefs follows the retention policy and leaves foreign controllers alone', () => {
  const set = (p?: Obj) => ({ metadata: { name: 's', uid: 'su' }, spec: p ? { persistentVolumeClaimRetentionPolicy: p } : {} });
  const pod = { metadata: { name: 's-1', uid: 'pu' } };
  const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 's', uid: 'su', controller: true, blockOwnerDeletion: true };
  assert.equal(claimOwnerRefs(set(), pod, true, []), undefined, 'Retain/Retain: nothing');
  assert.deepEqual(claimOwnerRefs(set(), pod, true, [setRef]), [], 'a stale policy ref is removed');
  assert.deepEqual(claimOwnerRefs(set({ whenDeleted: 'Delete' }), pod, false, []), [setRef]);
  assert.equal(claimOwnerRefs(set({ whenScaled: 'Delete' }), pod, true, []), undefined);
  assert.deepEqual(claimOwnerRefs(set({ whenScaled: 'Delete', whenDeleted: 'Delete' }), pod, false, [setRef])?.map((r) => r.kind), ['Pod']);
  const foreign = { apiVersion: 'v1', kind: 'Thing', name: 'x', uid: 'x', controller: true };
  assert.equal(claimOwnerRefs(set({ whenDeleted: 'Delete' }), pod, true, [foreign]), undefined);
  const stale = { ...setRef, uid: 'old' };
  assert.equal(claimOwnerRefs(set({ whenDeleted: 'Delete' }), pod, true, [stale]), undefined, "a predecessor's claim is untouched");
});
