import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { EventRecorder, SharedInformerFactory, isConflict, isNotFound, resources, type Client } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { ManualClock } from '../../util/clock.ts';
import { eventually, sleep } from '../testing.ts';
import { PersistentVolumeController, defaultStorageClass, findBestMatch } from './index.ts';

type Obj = Record<string, any>;

const pv = (name: string, size: string, extra: Obj = {}, meta: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, ...meta },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/data/${name}` }, ...extra },
});

const pvc = (name: string, size: string, extra: Obj = {}, meta: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default', ...meta },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: '', ...extra },
});

const sc = (name: string, extra: Obj = {}): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'kubelite.dev/hostpath', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', ...extra });

describe('PersistentVolume binder against an API server', () => {
  let env: TestEnv;
  let client: Client;
  let factory: SharedInformerFactory;
  let recorder: EventRecorder;
  let root: string;
  const ac = new AbortController();
  const errors: unknown[] = [];
  let running: Promise<void>;

  before(async () => {
    env = await startEnv({ builtinControllers: false });
    client = env.client;
    root = await mkdtemp(join(tmpdir(), 'kubelite-pv-'));
    const clock = new ManualClock(Date.now());
    factory = new SharedInformerFactory(env.newClient('controller-manager'), { clock });
    recorder = new EventRecorder(client, { component: 'persistentvolume-controller', clock });
    const c = new PersistentVolumeController({ client, factory, clock, recorder, root, createDirs: true, onError: (_k, e) => errors.push(e) });
    factory.start();
    assert.equal(await factory.waitForCacheSync(ac.signal), true);
    running = c.run(2, ac.signal);
  });
  after(async () => {
    // A sync on a stale cache loses the write race and retries; nothing else may fail.
    assert.deepEqual(errors.filter((e) => !isConflict(e)).map(String), []);
    ac.abort();
    await running;
    await factory.shutdown();
    await recorder.shutdown();
    await env.close();
    await rm(root, { recursive: true, force: true });
  });

  const getPv = (n: string) => client.get(resources.persistentvolumes, undefined, n);
  const getPvc = (n: string) => client.get(resources.persistentvolumeclaims, 'default', n);
  const boundClaim = (n: string) => eventually(`${n} Bound`, async () => { const c = await getPvc(n); return c.status?.phase === 'Bound' && c; });
  const eventFor = (name: string, reason: string) =>
    eventually(`${reason} event for ${name}`, async () => (await client.list(resources.events, 'default')).items.find((e) => e.involvedObject?.name === name && e.reason === reason));

  it('binds a claim to the smallest available volume that fits, writing both sides', async () => {
    for (const [n, s] of [['big', '10Gi'], ['mid', '5Gi'], ['small', '2Gi'], ['tiny', '500Mi']] as const) await client.create(resources.persistentvolumes, undefined, pv(n, s));
    await eventually('volumes Available', async () => (await getPv('tiny')).status?.phase === 'Available' && (await getPv('big')).status?.phase === 'Available');
    const created = await client.create(resources.persistentvolumeclaims, 'default', pvc('data', '1Gi'));
    const claim = await boundClaim('data');
    assert.equal(claim.spec.volumeName, 'small');
    assert.deepEqual(claim.status.capacity, { storage: '2Gi' });
    assert.deepEqual(claim.status.accessModes, ['ReadWriteOnce']);
    assert.equal(claim.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(claim.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    const vol = await eventually('small Bound', async () => { const v = await getPv('small'); return v.status?.phase === 'Bound' && v; });
    assert.equal(vol.spec.claimRef.uid, created.metadata.uid);
    assert.equal(vol.spec.claimRef.name, 'data');
    assert.equal(vol.spec.claimRef.kind, 'PersistentVolumeClaim');
    assert.match(vol.spec.claimRef.resourceVersion, /^\d+$/);
    assert.equal(vol.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.equal((await getPv('mid')).status.phase, 'Available');
  });

  it('reports FailedBinding without a match or class, then binds once a volume appears', async () => {
    await client.create(resources.persistentvolumeclaims, 'default', pvc('later', '50Gi'));
    const ev = await eventFor('later', 'FailedBinding');
    assert.equal(ev.message, 'no persistent volumes available for this claim and no storage class is set');
    assert.equal(ev.source?.component ?? ev.reportingComponent, 'persistentvolume-controller');
    assert.equal((await getPvc('later')).status.phase, 'Pending');
    await client.create(resources.persistentvolumes, undefined, pv('huge', '60Gi'));
    assert.equal((await boundClaim('later')).spec.volumeName, 'huge');
  });

  it('honours a claim naming its volume and a volume naming its claim', async () => {
    await client.create(resources.persistentvolumes, undefined, pv('named', '1Gi'));
    await client.create(resources.persistentvolumes, undefined, pv('tiny-twin', '1Gi'));
    await client.create(resources.persistentvolumeclaims, 'default', pvc('wants-named', '1Gi', { volumeName: 'named' }));
    const c = await boundClaim('wants-named');
    assert.equal(c.spec.volumeName, 'named');
    assert.equal(c.metadata.annotations['pv.kubernetes.io/bound-by-controller'], undefined, 'the user bound it');

    await client.create(resources.persistentvolumes, undefined, pv('reserved', '20Gi', { claimRef: { namespace: 'default', name: 'reserver' } }));
    await client.create(resources.persistentvolumeclaims, 'default', pvc('reserver', '1Gi'));
    const r = await boundClaim('reserver');
    assert.equal(r.spec.volumeName, 'reserved', 'the pre-bound volume wins over smaller free ones');
    assert.equal(r.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    const v = await getPv('reserved');
    assert.equal(v.spec.claimRef.uid, r.metadata.uid);
    assert.equal(v.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
  });

  it('marks a Retain volume Released when its claim goes, and keeps it', async () => {
    await client.create(resources.persistentvolumes, undefined, pv('keep', '3Gi', { persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'manual' }));
    await client.create(resources.persistentvolumeclaims, 'default', pvc('keeper', '3Gi', { storageClassName: 'manual' }));
    await boundClaim('keeper');
    await client.delete(resources.persistentvolumeclaims, 'default', 'keeper');
    await eventually('Released', async () => (await getPv('keep')).status?.phase === 'Released');
    await sleep(150);
    assert.equal((await getPv('keep')).status.phase, 'Released');
  });

  it('fails a Delete volume no plugin of ours made, rather than deleting it', async () => {
    await client.create(resources.persistentvolumes, undefined, pv('manual-del', '3Gi', { persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'manual-del' }));
    await client.create(resources.persistentvolumeclaims, 'default', pvc('manual-claim', '3Gi', { storageClassName: 'manual-del' }));
    await boundClaim('manual-claim');
    await client.delete(resources.persistentvolumeclaims, 'default', 'manual-claim');
    const v = await eventually('Failed', async () => { const x = await getPv('manual-del'); return x.status?.phase === 'Failed' && x; });
    assert.equal(v.status.message, 'error getting deleter volume plugin for volume "manual-del": no deletable volume plugin matched');
    const ev = await eventually('VolumeFailedDelete', async () => (await client.list(resources.events, 'default')).items.find((e) => e.involvedObject?.name === 'manual-del' && e.reason === 'VolumeFailedDelete'));
    assert.equal(ev.type, 'Warning');
  });

  it('provisions a hostPath volume for an Immediate class and deletes it with its claim', async () => {
    await client.create(resources.storageclasses, undefined, sc('fast'));
    const created = await client.create(resources.persistentvolumeclaims, 'default', pvc('dyn', '1Gi', { storageClassName: 'fast' }));
    const claim = await boundClaim('dyn');
    const name = `pvc-${created.metadata.uid}`;
    assert.equal(claim.spec.volumeName, name);
    assert.equal(claim.metadata.annotations['volume.kubernetes.io/storage-provisioner'], 'kubelite.dev/hostpath');
    assert.equal(claim.metadata.annotations['volume.beta.kubernetes.io/storage-provisioner'], 'kubelite.dev/hostpath');
    const vol = await getPv(name);
    const path = join(root, `default_dyn_${name}`);
    assert.equal(vol.spec.hostPath.path, path);
    assert.equal(vol.spec.storageClassName, 'fast');
    assert.equal(vol.spec.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(vol.spec.nodeAffinity, undefined);
    assert.equal(vol.metadata.annotations['pv.kubernetes.io/provisioned-by'], 'kubelite.dev/hostpath');
    assert.equal(existsSync(path), true);
    const ev = await eventFor('dyn', 'ProvisioningSucceeded');
    assert.equal(ev.message, `Successfully provisioned volume ${name} using kubelite.dev/hostpath`);

    await client.delete(resources.persistentvolumeclaims, 'default', 'dyn');
    await eventually('volume deleted', async () => {
      try {
        await getPv(name);
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
    assert.equal(existsSync(path), false);
  });

  it('waits for the first consumer, then provisions on the selected node', async () => {
    await client.create(resources.storageclasses, undefined, { ...defaultStorageClass(), metadata: { name: 'wffc' } });
    const created = await client.create(resources.persistentvolumeclaims, 'default', pvc('lazy', '1Gi', { storageClassName: 'wffc' }));
    const ev = await eventFor('lazy', 'WaitForFirstConsumer');
    assert.equal(ev.message, 'waiting for first consumer to be created before binding');
    await sleep(100);
    assert.equal((await client.list(resources.persistentvolumes, undefined)).items.some((v) => v.metadata.name === `pvc-${created.metadata.uid}`), false);
    const cur = await getPvc('lazy');
    await client.update(resources.persistentvolumeclaims, 'default', { ...cur, metadata: { ...cur.metadata, annotations: { 'volume.kubernetes.io/selected-node': 'node-a' } } });
    const claim = await boundClaim('lazy');
    const vol = await getPv(claim.spec.volumeName);
    assert.deepEqual(vol.spec.nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }] } });
  });

  it('leaves other provisioners to themselves', async () => {
    await client.create(resources.storageclasses, undefined, sc('ext', { provisioner: 'example.com/nfs' }));
    await client.create(resources.persistentvolumeclaims, 'default', pvc('ext-claim', '1Gi', { storageClassName: 'ext' }));
    const ev = await eventFor('ext-claim', 'ExternalProvisioning');
    assert.match(ev.message, /^Waiting for a volume to be created either by the external provisioner 'example\.com\/nfs' or manually/);
    const c = await getPvc('ext-claim');
    assert.equal(c.metadata.annotations['volume.kubernetes.io/storage-provisioner'], 'example.com/nfs');
    assert.equal(c.status.phase, 'Pending');
  });
});

test('findBestMatch prefers volumes with fewer access modes, then the smallest', () => {
  const v = (name: string, size: string, modes: string[]): Obj => ({ metadata: { name }, spec: { capacity: { storage: size }, accessModes: modes }, status: { phase: 'Available' } });
  const claim = pvc('c', '1Gi');
  const vols = [v('rwx-small', '1Gi', ['ReadWriteOnce', 'ReadWriteMany']), v('rwo-big', '8Gi', ['ReadWriteOnce']), v('rwo-mid', '4Gi', ['ReadWriteOnce']), v('rwo-tiny', '512Mi', ['ReadWriteOnce'])];
  assert.equal(findBestMatch(claim, vols, false)?.metadata.name, 'rwo-mid');
  assert.equal(findBestMatch(pvc('c', '1Gi', { accessModes: ['ReadWriteMany'] }), vols, false)?.metadata.name, 'rwx-small');
  assert.equal(findBestMatch(pvc('c', '1Gi', { volumeMode: 'Block' }), vols, false), undefined);
  assert.equal(findBestMatch(claim, vols, true), undefined, 'delayed binding leaves free volumes to the scheduler');
  const labelled = [{ ...v('lab', '9Gi', ['ReadWriteOnce']), metadata: { name: 'lab', labels: { tier: 'gold' } } }, ...vols];
  assert.equal(findBestMatch(pvc('c', '1Gi', { selector: { matchLabels: { tier: 'gold' } } }), labelled, false)?.metadata.name, 'lab');
});

test('defaultStorageClass is kind-like: default, hostpath, Delete, WaitForFirstConsumer', () => {
  const s = defaultStorageClass();
  assert.equal(s.metadata.name, 'standard');
  assert.equal(s.metadata.annotations['storageclass.kubernetes.io/is-default-class'], 'true');
  assert.equal(s.provisioner, 'kubelite.dev/hostpath');
  assert.equal(s.reclaimPolicy, 'Delete');
  assert.equal(s.volumeBindingMode, 'WaitForFirstConsumer');
});
