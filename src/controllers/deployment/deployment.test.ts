import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { Informer, resources } from '../../client/index.ts';
import { activePods, eventually, markAllReady, podTemplate, sleep, startControllerTestEnv, type ControllerTestEnv } from '../testing.ts';
import { isPodReady } from '../util.ts';
import { POD_TEMPLATE_HASH, REVISION, REVISION_HISTORY, computeHash, equalIgnoreHash, intOrPercent, resolveFenceposts, safeEncodeString } from './util.ts';

type Obj = Record<string, any>;

const deployment = (name: string, replicas: number, spec: Obj = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }), ...spec },
});

describe('Deployment controller against an API server', () => {
  let t: ControllerTestEnv;
  before(async () => {
    t = await startControllerTestEnv();
  });
  after(async () => {
    await t?.close();
  });

  const getD = (name: string) => t.client.get(resources.deployments, 'default', name);
  const setsOf = async (name: string) => (await t.client.list(resources.replicasets, 'default', { labelSelector: `app=${name}` })).items.filter((rs) => !rs.metadata.deletionTimestamp);
  const setImage = (name: string, image: string) =>
    t.client.patch(resources.deployments, 'default', name, 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
  /** Plays the kubelet until the deployment is complete, calling `check` at every step. */
  const rollOut = async (name: string, check?: (pods: Obj[], sets: Obj[]) => void) => {
    for (let i = 0; i < 60; i++) {
      await sleep(60);
      const pods = await activePods(t.client, `app=${name}`);
      check?.(pods, await setsOf(name));
      const d = await getD(name);
      const c = (d.status?.conditions ?? []).find((x: Obj) => x.type === 'Progressing');
      if (d.status?.observedGeneration === d.metadata.generation && c?.reason === 'NewReplicaSetAvailable' && d.status.updatedReplicas === d.spec.replicas && d.status.replicas === d.spec.replicas && pods.length === d.spec.replicas) return d;
      await markAllReady(t.client, `app=${name}`, t.clock.now());
    }
    throw new Error(`deployment ${name} did not complete`);
  };

  it('creates <name>-<hash> with revision 1, its pods, and reports availability', async () => {
    const created = await t.client.create(resources.deployments, 'default', deployment('web', 3));
    const rs = await eventually('replica set', async () => (await setsOf('web'))[0]);
    const hash = rs.metadata.labels[POD_TEMPLATE_HASH];
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(hash, computeHash(created.spec.template, undefined));
    assert.equal(rs.spec.selector.matchLabels[POD_TEMPLATE_HASH], hash);
    assert.equal(rs.spec.template.metadata.labels[POD_TEMPLATE_HASH], hash);
    assert.equal(rs.metadata.annotations[REVISION], '1');
    assert.equal(rs.metadata.ownerReferences[0].uid, created.metadata.uid);
    const d = await rollOut('web');
    assert.equal(d.metadata.annotations[REVISION], '1');
    assert.deepEqual(
      { r: d.status.replicas, u: d.status.updatedReplicas, ready: d.status.readyReplicas, a: d.status.availableReplicas, un: d.status.unavailableReplicas ?? 0 },
      { r: 3, u: 3, ready: 3, a: 3, un: 0 },
    );
    const avail = d.status.conditions.find((c: Obj) => c.type === 'Available');
    assert.deepEqual([avail.status, avail.reason, avail.message], ['True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.']);
    const prog = d.status.conditions.find((c: Obj) => c.type === 'Progressing');
    assert.deepEqual([prog.status, prog.message], ['True', `ReplicaSet "${rs.metadata.name}" has successfully progressed.`]);

    await t.client.scale(resources.deployments, 'default', 'web', 5);
    await eventually('5 pods', async () => (await activePods(t.client, 'app=web')).length === 5);
    const sets = await setsOf('web');
    assert.equal(sets.length, 1, 'scaling makes no new replica set');
    assert.equal(sets[0]!.metadata.annotations['deployment.kubernetes.io/desired-replicas'], '5');
  });

  it('rolls out with maxSurge 1 / maxUnavailable 0 within its bounds at every step', async () => {
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await t.client.create(resources.deployments, 'default', deployment('roll', 3, { strategy }));
    await rollOut('roll');
    await setImage('roll', 'nginx:1.26');
    let steps = 0;
    const d = await rollOut('roll', (pods, sets) => {
      steps++;
      assert.ok(pods.length <= 3 + 1, `at most replicas + maxSurge pods, saw ${pods.length}`);
      assert.ok(pods.filter(isPodReady).length >= 3 - 0, 'at least replicas - maxUnavailable available');
      assert.ok(sets.reduce((n, rs) => n + rs.spec.replicas, 0) <= 4);
    });
    assert.ok(steps >= 3, 'one pod at a time');
    const sets = await setsOf('roll');
    assert.equal(sets.length, 2);
    const cur = sets.find((rs) => rs.spec.template.spec.containers[0].image === 'nginx:1.26')!;
    const old = sets.find((rs) => rs !== cur)!;
    assert.equal(cur.spec.replicas, 3);
    assert.equal(old.spec.replicas, 0);
    assert.equal(cur.metadata.annotations[REVISION], '2');
    assert.equal(d.metadata.annotations[REVISION], '2');
    const pods = await activePods(t.client, 'app=roll');
    assert.ok(pods.every((p) => p.spec.containers[0].image === 'nginx:1.26'));
  });

  it('Recreate removes every old pod before creating new ones', async () => {
    await t.client.create(resources.deployments, 'default', deployment('rec', 2, { strategy: { type: 'Recreate' } }));
    const first = await rollOut('rec');
    const oldHash = (await setsOf('rec'))[0]!.metadata.labels[POD_TEMPLATE_HASH];
    const watcher = new Informer(t.env.newClient(), resources.pods, { labelSelector: 'app=rec' });
    const overlaps: string[] = [];
    watcher.addEventHandler({
      onAdd: (p) => {
        if (p.metadata.labels[POD_TEMPLATE_HASH] === oldHash) return;
        const oldLeft = watcher.list().filter((x) => x.metadata.labels[POD_TEMPLATE_HASH] === oldHash);
        if (oldLeft.length) overlaps.push(p.metadata.name);
      },
    });
    watcher.start();
    await watcher.waitForSync();
    await setImage('rec', 'nginx:1.26');
    const d = await rollOut('rec');
    await watcher.stop();
    assert.deepEqual(overlaps, []);
    assert.equal(d.metadata.annotations[REVISION], '2');
    assert.notEqual(d.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.equal((await activePods(t.client, 'app=rec')).length, 2);
  });

  it('a paused deployment does not roll out until resumed', async () => {
    await t.client.create(resources.deployments, 'default', deployment('pause', 1));
    await rollOut('pause');
    await t.client.patch(resources.deployments, 'default', 'pause', 'merge', { spec: { paused: true } });
    const paused = await eventually('paused condition', async () => {
      const d = await getD('pause');
      const c = (d.status?.conditions ?? []).find((x: Obj) => x.type === 'Progressing');
      return c?.reason === 'DeploymentPaused' && c;
    });
    assert.deepEqual([paused.status, paused.message], ['Unknown', 'Deployment is paused']);
    await setImage('pause', 'nginx:1.26');
    await sleep(300);
    assert.equal((await setsOf('pause')).length, 1, 'no new replica set while paused');
    await t.client.patch(resources.deployments, 'default', 'pause', 'merge', { spec: { paused: false } });
    await eventually('new replica set', async () => (await setsOf('pause')).length === 2);
    await rollOut('pause');
  });

  it('keeps revisionHistoryLimit old replica sets and reuses one on rollback', async () => {
    await t.client.create(resources.deployments, 'default', deployment('hist', 1, { revisionHistoryLimit: 1 }));
    await rollOut('hist');
    await setImage('hist', 'nginx:2');
    await rollOut('hist');
    await setImage('hist', 'nginx:3');
    await rollOut('hist');
    const sets = await eventually('cleanup', async () => {
      const s = await setsOf('hist');
      return s.length === 2 && s;
    });
    const images = sets.map((rs) => rs.spec.template.spec.containers[0].image).sort();
    assert.deepEqual(images, ['nginx:2', 'nginx:3'], 'revision 1 deleted');
    // `kubectl rollout undo`: the template goes back; the old replica set comes back as revision 4.
    await setImage('hist', 'nginx:2');
    const d = await rollOut('hist');
    assert.equal(d.metadata.annotations[REVISION], '4');
    const reused = (await setsOf('hist')).find((rs) => rs.spec.template.spec.containers[0].image === 'nginx:2')!;
    assert.equal(reused.metadata.annotations[REVISION], '4');
    assert.equal(reused.metadata.annotations[REVISION_HISTORY], '2');
    assert.equal(reused.spec.replicas, 1);
  });

  it('reports ProgressDeadlineExceeded once progressDeadlineSeconds pass on the clock', async () => {
    await t.client.create(resources.deployments, 'default', deployment('stuck', 1, { progressDeadlineSeconds: 30 }));
    await eventually('progressing', async () => {
      const d = await getD('stuck');
      return (d.status?.conditions ?? []).some((c: Obj) => c.type === 'Progressing' && c.status === 'True');
    });
    await sleep(200);
    t.clock.advance(32_000);
    const c = await eventually('timed out', async () => {
      const d = await getD('stuck');
      const p = (d.status?.conditions ?? []).find((x: Obj) => x.type === 'Progressing');
      return p?.reason === 'ProgressDeadlineExceeded' && p;
    });
    assert.equal(c.status, 'False');
    assert.match(c.message, /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
    const d = await getD('stuck');
    const avail = d.status.conditions.find((x: Obj) => x.type === 'Available');
    assert.deepEqual([avail.status, avail.reason], ['False', 'MinimumReplicasUnavailable']);
  });
});

test('surge rounds up, unavailable rounds down, both zero resolve to one unavailable', () => {
  assert.equal(intOrPercent('25%', 10, true), 3);
  assert.equal(intOrPercent('25%', 10, false), 2);
  assert.equal(intOrPercent(4, 10, false), 4);
  assert.deepEqual(resolveFenceposts({ spec: { replicas: 3, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } }), { maxSurge: 1, maxUnavailable: 0 });
  assert.deepEqual(resolveFenceposts({ spec: { replicas: 3, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '10%' } } } }), { maxSurge: 0, maxUnavailable: 1 });
});

test('the template hash is safe-encoded FNV-32a and ignores its own label when comparing', () => {
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  const tpl = podTemplate({ app: 'x' });
  const h = computeHash(tpl);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(computeHash(structuredClone(tpl)), h, 'stable');
  assert.notEqual(computeHash(podTemplate({ app: 'x' }, 'other')), h);
  assert.notEqual(computeHash(tpl, 1), h, 'collisionCount changes the hash');
  const labelled = structuredClone(tpl) as Obj;
  labelled.metadata.labels[POD_TEMPLATE_HASH] = h;
  assert.ok(equalIgnoreHash(labelled, tpl));
  assert.ok(!equalIgnoreHash(labelled, podTemplate({ app: 'y' })));
});
