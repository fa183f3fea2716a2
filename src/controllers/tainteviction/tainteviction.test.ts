import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventRecorder, SharedInformerFactory, isNotFound, resources, type Client } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { rfc3339 } from '../../client/timing.ts';
import { ManualClock } from '../../util/clock.ts';
import { eventually, sleep } from '../testing.ts';
import { TaintEvictionController, matchingTolerations, minTolerationMs, toleratesTaint } from './index.ts';

type Obj = Record<string, any>;

describe('toleration matching', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  it('matches as core/v1 ToleratesTaint', () => {
    assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }, taint), true);
    assert.equal(toleratesTaint({ key: 'k', value: 'v' }, taint), true, 'operator defaults to Equal, empty effect matches all');
    assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'w' }, taint), false);
    assert.equal(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, taint), false);
    assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true);
    assert.equal(toleratesTaint({ key: 'other', operator: 'Exists' }, taint), false);
  });
  it('needs every taint tolerated and takes the first toleration for each', () => {
    const a = { key: 'a', effect: 'NoExecute' };
    const b = { key: 'b', effect: 'NoExecute' };
    const ta = { key: 'a', operator: 'Exists', tolerationSeconds: 30 };
    const tb = { key: 'b', operator: 'Exists' };
    assert.deepEqual(matchingTolerations([a, b], [ta, tb]), { all: true, used: [ta, tb] });
    assert.deepEqual(matchingTolerations([a, b], [ta]), { all: false, used: [] });
  });
  it('takes the shortest bounded toleration, -1 when all are forever', () => {
    assert.equal(minTolerationMs([{ tolerationSeconds: 30 }, { tolerationSeconds: 10 }, {}]), 10_000);
    assert.equal(minTolerationMs([{}, {}]), -1);
    assert.equal(minTolerationMs([{ tolerationSeconds: -5 }]), 0);
    assert.equal(minTolerationMs([]), 0);
  });
});

describe('TaintEvictionController against an API server', () => {
  let env: TestEnv;
  let client: Client;
  let clock: ManualClock;
  let factory: SharedInformerFactory;
  let recorder: EventRecorder;
  let tec: TaintEvictionController;
  const errors: unknown[] = [];
  const ac = new AbortController();
  let running: Promise<void>;

  before(async () => {
    env = await startEnv({ builtinControllers: false });
    client = env.client;
    // No controller manager here makes the default ServiceAccount pods need.
    await client.create(resources.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    clock = new ManualClock(Math.ceil(Date.now() / 1000) * 1000);
    factory = new SharedInformerFactory(client, { clock });
    recorder = new EventRecorder(client, { component: 'taint-eviction-controller', clock });
    tec = new TaintEvictionController({ client, factory, clock, recorder, onError: (_k, e) => errors.push(e) });
    factory.start();
    assert.ok(await factory.waitForCacheSync());
    running = tec.run(2, ac.signal);
  });
  after(async () => {
    ac.abort();
    await running;
    await factory.shutdown();
    await recorder.shutdown();
    await env.close();
  });

  const node = (name: string) => client.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
  const pod = (name: string, nodeName: string, tolerations: Obj[] = [], extra: Obj = {}) =>
    client.create(resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, ...extra },
      spec: { nodeName, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'x' }], tolerations },
    });
  const taint = async (name: string, taints: Obj[]) => {
    const n = await client.get(resources.nodes, undefined, name);
    n.spec = { ...n.spec, taints };
    await client.update(resources.nodes, undefined, n);
  };
  const exists = async (name: string) => {
    try {
      const p = await client.get(resources.pods, 'default', name);
      return !p.metadata.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };
  const events = async (reason: string) => (await client.list(resources.events, 'default')).items.filter((e: Obj) => e.reason === reason).map((e: Obj) => e.message as string);
  const unreachable = () => ({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(clock.now()) });
  const tol = (seconds?: number) => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) });

  it('deletes intolerant pods at once (with a DisruptionTarget condition), bounded ones when their time runs out, keeps forever ones', async () => {
    await node('n1');
    // Admission gives every pod the unreachable toleration (300 s): 'none' meets a taint of
    // another key, which the others tolerate.
    const broken = { key: 'example.com/broken', effect: 'NoExecute' };
    const tolBroken = { key: 'example.com/broken', operator: 'Exists', effect: 'NoExecute' };
    await pod('none', 'n1', [], { finalizers: ['example.com/hold'] });
    await pod('sixty', 'n1', [tol(60), tol(120), tolBroken]);
    await pod('forever', 'n1', [tol(), tolBroken]);
    await pod('elsewhere', 'n2');
    await sleep(100);
    await taint('n1', [unreachable(), broken]);

    const held = await eventually('intolerant pod deleted', async () => {
      const p = await client.get(resources.pods, 'default', 'none');
      return p.metadata.deletionTimestamp && p;
    });
    assert.deepEqual(
      held.status.conditions.filter((c: Obj) => c.type === 'DisruptionTarget').map(({ lastTransitionTime, ...c }: Obj) => c),
      [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }],
    );
    assert.ok(await eventually('event', async () => (await events('TaintManagerEviction')).includes('Marking for deletion Pod default/none')));

    await eventually('sixty scheduled', async () => tec.scheduledDeletion('default/sixty') !== undefined);
    clock.advance(59_000);
    await sleep(200);
    assert.equal(await exists('sixty'), true, 'not before the shortest tolerationSeconds');
    clock.advance(1_000);
    await eventually('sixty deleted', async () => !(await exists('sixty')));
    clock.advance(3600_000);
    await sleep(200);
    assert.equal(await exists('forever'), true);
    assert.equal(await exists('elsewhere'), true);
    assert.deepEqual(errors, []);
  });

  it('cancels a pending deletion when the taint is removed', async () => {
    await node('n3');
    await pod('patient', 'n3', [tol(30)]);
    await sleep(100);
    await taint('n3', [unreachable()]);
    await eventually('scheduled', async () => tec.scheduledDeletion('default/patient') !== undefined);
    clock.advance(20_000);
    await taint('n3', []);
    await eventually('cancelled', async () => tec.scheduledDeletion('default/patient') === undefined);
    assert.ok(await eventually('cancel event', async () => (await events('TaintManagerEviction')).includes('Cancelling deletion of Pod default/patient')));
    clock.advance(60_000);
    await sleep(200);
    assert.equal(await exists('patient'), true);
  });

  it('reacts to a pod arriving on an already tainted node', async () => {
    await node('n4');
    await taint('n4', [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }]);
    await sleep(100);
    await pod('late', 'n4');
    await pod('welcome', 'n4', [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoExecute' }]);
    await eventually('late deleted', async () => !(await exists('late')));
    await sleep(100);
    assert.equal(await exists('welcome'), true);
  });
});
