import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { EventRecorder, SharedInformerFactory, isConflict, resources, type Client } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { rfc3339 } from '../../client/timing.ts';
import { ManualClock } from '../../util/clock.ts';
import { eventually, markReady, podTemplate } from '../testing.ts';
import { countHealthy, DisruptionController, scaledValue } from './index.ts';

type Obj = Record<string, any>;

describe('disruption controller against an API server', () => {
  let env: TestEnv;
  let client: Client;
  let factory: SharedInformerFactory;
  let recorder: EventRecorder;
  const clock = new ManualClock(Date.now());
  const ac = new AbortController();
  const errors: unknown[] = [];
  let running: Promise<void>;

  before(async () => {
    env = await startEnv({ builtinControllers: false });
    client = env.client;
    factory = new SharedInformerFactory(env.newClient('controller-manager'), { clock });
    recorder = new EventRecorder(client, { component: 'controllermanager', clock });
    const c = new DisruptionController({ client, factory, clock, recorder, onError: (_k, e) => errors.push(e) });
    factory.start();
    // No ServiceAccount controller here: the pods' account is made by hand.
    await client.create(resources.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    assert.equal(await factory.waitForCacheSync(ac.signal), true);
    running = c.run(2, ac.signal);
  });
  after(async () => {
    ac.abort();
    await running;
    await factory.shutdown();
    await recorder.shutdown();
    await env.close();
  });

  const owner = (o: Obj, apiVersion: string, kind: string) => [{ apiVersion, kind, name: o.metadata.name, uid: o.metadata.uid, controller: true }];
  const pods = async (prefix: string, n: number, labels: Record<string, string>, ownerReferences?: Obj[], ready = n) => {
    const out: Obj[] = [];
    for (let i = 0; i < n; i++) {
      const p = await client.create(resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${prefix}-${i}`, labels, ...(ownerReferences ? { ownerReferences } : {}) }, spec: { ...podTemplate({}).spec, automountServiceAccountToken: false } });
      if (i < ready) await markReady(client, p, clock.now());
      out.push(p);
    }
    return out;
  };
  const pdb = (name: string, spec: Obj) => client.create(resources.poddisruptionbudgets, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec });
  const statusWhen = (name: string, ok: (s: Obj) => boolean) =>
    eventually(`${name} status`, async () => {
      const s = (await client.get(resources.poddisruptionbudgets, 'default', name)).status;
      return s && ok(s) && s;
    });
  const cond = (s: Obj) => s.conditions?.find((c: Obj) => c.type === 'DisruptionAllowed');

  it('counts minAvailable as a number against the matching pods', async () => {
    const ps = await pods('num', 3, { app: 'num' }, undefined, 2);
    await pdb('num', { minAvailable: 2, selector: { matchLabels: { app: 'num' } } });
    let s = await statusWhen('num', (x) => x.expectedPods === 3);
    assert.deepEqual({ ...s, conditions: undefined }, { currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 0, observedGeneration: 1, conditions: undefined });
    assert.equal(cond(s).status, 'False');
    assert.equal(cond(s).reason, 'InsufficientPods');
    assert.equal(cond(s).observedGeneration, 1);
    await markReady(client, ps[2]!, clock.now());
    s = await statusWhen('num', (x) => x.currentHealthy === 3);
    assert.equal(s.disruptionsAllowed, 1);
    assert.equal(cond(s).status, 'True');
    assert.equal(cond(s).reason, 'SufficientPods');
  });

  it('takes a percentage of the Deployment behind the pods ReplicaSet', async () => {
    const d = await client.create(resources.deployments, 'default', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: podTemplate({ app: 'web' }) } });
    const rs = await client.create(resources.replicasets, 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-abc', ownerReferences: owner(d, 'apps/v1', 'Deployment') },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: podTemplate({ app: 'web' }) },
    });
    await pods('web', 3, { app: 'web' }, owner(rs, 'apps/v1', 'ReplicaSet'));
    await pdb('web', { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } });
    const s = await statusWhen('web', (x) => x.currentHealthy === 3);
    // 50% of the Deployment's 4 (not the ReplicaSet's 3, nor the 3 pods).
    assert.equal(s.expectedPods, 4);
    assert.equal(s.desiredHealthy, 2);
    assert.equal(s.disruptionsAllowed, 1);
  });

  it('reads a lone ReplicaSet through its scale subresource', async () => {
    const rs = await client.create(resources.replicasets, 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'lone' },
      spec: { replicas: 5, selector: { matchLabels: { app: 'lone' } }, template: podTemplate({ app: 'lone' }) },
    });
    await pods('lone', 3, { app: 'lone' }, owner(rs, 'apps/v1', 'ReplicaSet'));
    await pdb('lone', { minAvailable: '30%', selector: { matchLabels: { app: 'lone' } } });
    const s = await statusWhen('lone', (x) => x.currentHealthy === 3);
    assert.deepEqual([s.expectedPods, s.desiredHealthy, s.disruptionsAllowed], [5, 2, 1]);
  });

  it('takes maxUnavailable of a StatefulSet, and a pod going unready uses up the budget', async () => {
    const sts = await client.create(resources.statefulsets, 'default', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: podTemplate({ app: 'db' }) } });
    const ps = await pods('db', 3, { app: 'db' }, owner(sts, 'apps/v1', 'StatefulSet'));
    await pdb('db', { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } });
    let s = await statusWhen('db', (x) => x.currentHealthy === 3);
    assert.deepEqual([s.expectedPods, s.desiredHealthy, s.disruptionsAllowed], [3, 2, 1]);
    await client.patch(resources.pods, 'default', ps[0]!.metadata.name, 'merge', { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: rfc3339(clock.now()) }] } }, { subresource: 'status' });
    s = await statusWhen('db', (x) => x.currentHealthy === 2);
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(cond(s).reason, 'InsufficientPods');
  });

  it('does not count recently disrupted pods until two minutes pass', async () => {
    const sts = await client.create(resources.statefulsets, 'default', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'ev' }, spec: { replicas: 2, serviceName: 'ev', selector: { matchLabels: { app: 'ev' } }, template: podTemplate({ app: 'ev' }) } });
    await pods('ev', 2, { app: 'ev' }, owner(sts, 'apps/v1', 'StatefulSet'));
    const created = await pdb('ev', { maxUnavailable: 1, selector: { matchLabels: { app: 'ev' } } });
    await statusWhen('ev', (x) => x.currentHealthy === 2);
    // What the eviction API records when it lets a pod go.
    const cur = await client.get(resources.poddisruptionbudgets, 'default', 'ev');
    await client.updateStatus(resources.poddisruptionbudgets, 'default', { ...cur, status: { ...cur.status, disruptionsAllowed: 0, disruptedPods: { 'ev-0': rfc3339(clock.now()) } } });
    let s = await statusWhen('ev', (x) => x.currentHealthy === 1 && x.disruptedPods?.['ev-0'] !== undefined && x.expectedPods === 2);
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(created.metadata.generation, s.observedGeneration);
    clock.advance(2 * 60 * 1000 + 1000);
    s = await statusWhen('ev', (x) => x.disruptedPods === undefined);
    assert.equal(s.currentHealthy, 2);
    assert.equal(s.disruptionsAllowed, 1);
  });

  it('allows nothing for a percentage over pods without a controller', async () => {
    await pods('bare', 2, { app: 'bare' });
    await pdb('bare', { minAvailable: '50%', selector: { matchLabels: { app: 'bare' } } });
    const s = await statusWhen('bare', (x) => x.currentHealthy === 2);
    assert.deepEqual([s.expectedPods, s.desiredHealthy, s.disruptionsAllowed], [0, 0, 0]);
    const ev = await eventually('UnmanagedPods event', async () => (await client.list(resources.events, 'default')).items.find((e) => e.involvedObject?.name === 'bare' && e.reason === 'UnmanagedPods'));
    assert.equal(ev.type, 'Warning');
  });

  it('fails safe with SyncFailed when a pod controller has no scale', async () => {
    const ref = [{ apiVersion: 'batch/v1', kind: 'Job', name: 'nojob', uid: '00000000-0000-0000-0000-000000000001', controller: true }];
    await pods('job', 1, { app: 'job' }, ref);
    await pdb('job', { maxUnavailable: '10%', selector: { matchLabels: { app: 'job' } } });
    const s = await statusWhen('job', (x) => cond(x)?.reason === 'SyncFailed');
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(cond(s).status, 'False');
    assert.equal(cond(s).message, 'found no controllers for pod "job-0"');
    assert.ok(errors.some((e) => (e as Error).message === 'found no controllers for pod "job-0"'));
  });

  it('made no other failed writes than lost races', () => {
    assert.deepEqual(errors.filter((e) => !isConflict(e) && !String((e as Error).message).startsWith('found no controllers')).map(String), []);
  });
});

test('scaledValue rounds percentages up as the PDB controller asks', () => {
  assert.equal(scaledValue(2, 10, true), 2);
  assert.equal(scaledValue('50%', 3, true), 2);
  assert.equal(scaledValue('10%', 3, true), 1);
  assert.equal(scaledValue('10%', 3, false), 0);
  assert.throws(() => scaledValue('x', 3, true), /invalid value/);
});

test('countHealthy skips deleting, unready and recently disrupted pods', () => {
  const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
  const p = (name: string, o: Obj = {}): Obj => ({ metadata: { name, ...o.meta }, status: o.status ?? ready });
  const now = Date.parse('2025-01-01T00:10:00Z');
  const pods = [p('a'), p('b', { meta: { deletionTimestamp: 'x' } }), p('c', { status: {} }), p('d'), p('e')];
  assert.equal(countHealthy(pods, { d: '2025-01-01T00:09:00Z', e: '2025-01-01T00:07:00Z' }, now), 2);
});
