import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventRecorder, SharedInformerFactory, isNotFound, resources, type Client } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { rfc3339, rfc3339Micro } from '../../client/timing.ts';
import { ManualClock } from '../../util/clock.ts';
import { eventually, sleep } from '../testing.ts';
import { TaintEvictionController } from '../tainteviction/index.ts';
import { NodeLifecycleController, zoneKey } from './index.ts';

type Obj = Record<string, any>;

/** A real API server with both controllers on one manual clock, and what kubelets would do. */
class Cluster {
  env!: TestEnv;
  client!: Client;
  clock = new ManualClock(Math.ceil(Date.now() / 1000) * 1000);
  factory!: SharedInformerFactory;
  recorders: EventRecorder[] = [];
  nlc!: NodeLifecycleController;
  errors: unknown[] = [];
  /** Nodes whose kubelet keeps renewing its Lease as time moves. */
  alive = new Set<string>();
  private ac = new AbortController();
  private runs: Promise<void>[] = [];

  async start(): Promise<void> {
    this.env = await startEnv({ builtinControllers: false });
    this.client = this.env.client;
    await this.client.create(resources.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    await this.client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-node-lease' } }).catch(() => {});
    this.factory = new SharedInformerFactory(this.client, { clock: this.clock });
    const rec = (component: string) => {
      const r = new EventRecorder(this.client, { component, clock: this.clock });
      this.recorders.push(r);
      return r;
    };
    const onError = (_k: string, e: unknown) => this.errors.push(e);
    this.nlc = new NodeLifecycleController({ client: this.client, factory: this.factory, clock: this.clock, recorder: rec('node-controller'), onError });
    const tec = new TaintEvictionController({ client: this.client, factory: this.factory, clock: this.clock, recorder: rec('taint-eviction-controller'), onError });
    this.factory.start();
    assert.ok(await this.factory.waitForCacheSync());
    this.runs = [this.nlc.run(1, this.ac.signal), tec.run(1, this.ac.signal)];
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await Promise.all(this.runs);
    await this.factory.shutdown();
    await Promise.all(this.recorders.map((r) => r.shutdown()));
    await this.env.close();
  }

  async addNode(name: string, zone?: string, conditions = true): Promise<void> {
    await this.client.create(resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} } });
    if (conditions) await this.postStatus(name, 'True');
    await this.client.create(resources.leases, 'kube-node-lease', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: rfc3339Micro(this.clock.now()) },
    });
    this.alive.add(name);
  }

  async postStatus(name: string, ready: string): Promise<void> {
    const t = rfc3339(this.clock.now());
    const cond = (type: string, status: string) => ({ type, status, reason: 'Kubelet', message: '', lastHeartbeatTime: t, lastTransitionTime: t });
    await this.client.patch(resources.nodes, undefined, name, 'merge', { status: { conditions: [cond('MemoryPressure', 'False'), cond('Ready', ready)] } }, { subresource: 'status' });
  }

  async renew(name: string): Promise<void> {
    const l = await this.client.get(resources.leases, 'kube-node-lease', name);
    l.spec.renewTime = rfc3339Micro(this.clock.now());
    await this.client.update(resources.leases, 'kube-node-lease', l);
  }

  async addPod(name: string, nodeName: string, tolerations: Obj[] = []): Promise<void> {
    await this.client.create(resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { nodeName, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'x' }], tolerations },
    });
    const t = rfc3339(this.clock.now());
    await this.client.patch(resources.pods, 'default', name, 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }] } }, { subresource: 'status' });
  }

  /** Moves time by `ms` in steps the live kubelets keep up with, letting the controllers catch up. */
  async advance(ms: number, step = 5_000): Promise<void> {
    for (let done = 0; done < ms; done += step) {
      await Promise.all([...this.alive].map((n) => this.renew(n)));
      await sleep(30);
      this.clock.advance(Math.min(step, ms - done));
      await this.settle();
    }
  }

  async settle(): Promise<void> {
    await sleep(60);
    await this.nlc.idle();
    await sleep(60);
  }

  node = (name: string) => this.client.get(resources.nodes, undefined, name);
  ready = async (name: string) => (await this.node(name)).status?.conditions?.find((c: Obj) => c.type === 'Ready');
  taints = async (name: string) => ((await this.node(name)).spec?.taints ?? []) as Obj[];
  noExecute = async (name: string) => (await this.taints(name)).filter((t) => t.effect === 'NoExecute').map((t) => t.key);
  podExists = async (name: string) => {
    try {
      return !(await this.client.get(resources.pods, 'default', name)).metadata.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };
  podReady = async (name: string) => (await this.client.get(resources.pods, 'default', name)).status.conditions.find((c: Obj) => c.type === 'Ready')?.status;
  events = async (reason: string) => (await this.client.list(resources.events, 'default')).items.filter((e: Obj) => e.reason === reason);
}

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];
// Every pod gets the 300 s defaults at admission; a pod that will not wait says 0 itself.
const AT_ONCE = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }];
const FOREVER = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }];

describe('zone keys', () => {
  it('joins region and zone, empty without either', () => {
    assert.equal(zoneKey({ metadata: { labels: { 'topology.kubernetes.io/zone': 'a', 'topology.kubernetes.io/region': 'r' } } }), 'r:\x00:a');
    assert.equal(zoneKey({ metadata: { labels: { 'failure-domain.beta.kubernetes.io/zone': 'b' } } }), ':\x00:b');
    assert.equal(zoneKey({ metadata: {} }), '');
  });
});

describe('node lifecycle: a node that stops posting status', () => {
  const c = new Cluster();
  before(() => c.start());
  after(() => c.stop());

  it('goes Unknown after the grace period, is tainted, its pods marked not ready and evicted by toleration', async () => {
    await c.addNode('good');
    await c.addNode('bad');
    await c.addPod('p-default', 'bad', DEFAULT_TOLERATIONS);
    await c.addPod('p-none', 'bad', AT_ONCE);
    await c.addPod('p-forever', 'bad', FOREVER);
    await c.addPod('p-good', 'good');
    c.alive.delete('bad');
    await c.settle();

    // The controller first sees the node within one monitor period (5 s) and counts from then at the latest.
    await c.advance(50_000);
    assert.equal((await c.ready('bad')).status, 'True', 'not before nodeMonitorGracePeriod');
    assert.deepEqual(await c.noExecute('bad'), []);

    await c.advance(10_000);
    const ready = await c.ready('bad');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    const conds = (await c.node('bad')).status.conditions as Obj[];
    assert.deepEqual(conds.find((x) => x.type === 'MemoryPressure')!.reason, 'NodeStatusUnknown');
    assert.deepEqual(
      conds.filter((x) => x.type === 'DiskPressure' || x.type === 'PIDPressure').map((x) => [x.type, x.status, x.reason, x.message]),
      [
        ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.'],
        ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.'],
      ],
    );
    assert.equal((await c.ready('good')).status, 'True');
    assert.equal(await c.podReady('p-default'), 'False');
    assert.equal(await c.podReady('p-good'), 'True');
    const nodeEvents = await c.events('NodeNotReady');
    assert.ok(nodeEvents.some((e) => e.involvedObject.kind === 'Node' && e.message === 'Node bad status is now: NodeNotReady'));
    assert.ok(nodeEvents.some((e) => e.involvedObject.kind === 'Pod' && e.involvedObject.name === 'p-default' && e.message === 'Node is not ready' && e.type === 'Warning'));

    // The NoExecute taint follows on the next passes; the NoSchedule one mirrors the condition.
    await c.advance(10_000);
    const taints = await c.taints('bad');
    assert.deepEqual(taints.map((t) => `${t.key}:${t.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const ne = taints.find((t) => t.effect === 'NoExecute')!;
    assert.match(ne.timeAdded, /^\d{4}-\d\d-\d\dT/);
    const taintedAt = Date.parse(ne.timeAdded);
    assert.deepEqual(await c.noExecute('good'), []);
    await eventually('p-none deleted', async () => !(await c.podExists('p-none')));
    assert.equal(await c.podExists('p-default'), true);

    await c.advance(taintedAt + 290_000 - c.clock.now(), 10_000);
    assert.equal(await c.podExists('p-default'), true, 'not before 300 s');
    await c.advance(20_000, 10_000);
    assert.equal(await c.podExists('p-default'), false, 'deleted after its 300 s');
    assert.equal(await c.podExists('p-forever'), true);
    assert.equal(await c.podExists('p-good'), true);

    // The kubelet comes back.
    await c.postStatus('bad', 'True');
    c.alive.add('bad');
    await c.advance(5_000);
    await c.advance(5_000);
    assert.deepEqual(await c.taints('bad'), []);
    assert.deepEqual(c.errors, []);
  });
});

describe('node lifecycle: zone rate limiting', () => {
  const c = new Cluster();
  before(() => c.start());
  after(() => c.stop());

  it('taints the failed nodes of a zone one per 1/rate seconds', async () => {
    for (const n of ['h1', 'h2', 'h3', 'f1', 'f2', 'f3']) await c.addNode(n, 'z1');
    for (const n of ['f1', 'f2', 'f3']) c.alive.delete(n);
    await c.settle();
    await c.advance(60_000);
    assert.equal((await c.ready('f1')).status, 'Unknown');
    const counts: { at: number; n: number }[] = [];
    for (let i = 0; i < 12; i++) {
      await c.advance(5_000);
      let n = 0;
      for (const f of ['f1', 'f2', 'f3']) if ((await c.noExecute(f)).length) n++;
      counts.push({ at: c.clock.now(), n });
    }
    assert.equal(counts.at(-1)!.n, 3, JSON.stringify(counts));
    // Each new taint waits a token: 10 s at 0.1 nodes/s.
    const firsts = [1, 2, 3].map((k) => counts.find((x) => x.n >= k)!.at);
    assert.ok(firsts[1]! - firsts[0]! >= 10_000 && firsts[2]! - firsts[1]! >= 10_000, JSON.stringify(counts));
    assert.equal(c.nlc.zoneStates.get(zoneKey({ metadata: { labels: { 'topology.kubernetes.io/zone': 'z1' } } })), 'Normal');
    for (const h of ['h1', 'h2', 'h3']) assert.deepEqual(await c.noExecute(h), []);
  });

  it('stops tainting a small zone in partial disruption', async () => {
    for (const n of ['q1', 'q2', 'q3', 'q4']) await c.addNode(n, 'z2');
    await c.addNode('q5', 'z2');
    for (const n of ['q1', 'q2', 'q3', 'q4']) c.alive.delete(n);
    await c.advance(60_000);
    await c.advance(30_000);
    assert.equal((await c.ready('q1')).status, 'Unknown');
    assert.equal(c.nlc.zoneStates.get(':\x00:z2'), 'PartialDisruption');
    for (const n of ['q1', 'q2', 'q3', 'q4']) assert.deepEqual(await c.noExecute(n), []);
  });
});

describe('node lifecycle: full disruption', () => {
  const c = new Cluster();
  before(() => c.start());
  after(() => c.stop());

  it('neither taints NoExecute nor evicts when every node is down', async () => {
    await c.addNode('a');
    await c.addNode('b');
    await c.addPod('victim', 'a', AT_ONCE);
    c.alive.clear();
    await c.settle();
    await c.advance(80_000);
    assert.equal((await c.ready('a')).status, 'Unknown');
    assert.equal((await c.ready('b')).status, 'Unknown');
    assert.equal(c.nlc.zoneStates.get(''), 'FullDisruption');
    assert.deepEqual(await c.noExecute('a'), []);
    assert.deepEqual(await c.noExecute('b'), []);
    assert.equal(await c.podExists('victim'), true);
    assert.equal(await c.podReady('victim'), 'False');
    assert.deepEqual((await c.taints('a')).map((t) => t.key), ['node.kubernetes.io/unreachable']);
  });

  it('gives a node that never posted status the startup grace period', async () => {
    await c.addNode('fresh', undefined, false);
    c.alive.delete('fresh');
    await c.settle();
    await c.advance(55_000);
    assert.equal(await c.ready('fresh'), undefined, 'not before nodeStartupGracePeriod');
    await c.advance(15_000);
    const r = await c.ready('fresh');
    assert.deepEqual([r.status, r.reason, r.message], ['Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.']);
  });

  it('resumes tainting once a node of the cluster is back', async () => {
    await c.postStatus('b', 'True');
    c.alive.add('b');
    await c.advance(10_000);
    assert.equal(c.nlc.zoneStates.get(''), 'Normal');
    // The zone's limiter restarts empty (upstream drains it when leaving a stopped limiter), and
    // 'fresh' queues too: two tokens, 10 s apart.
    await c.advance(30_000);
    assert.deepEqual(await c.noExecute('a'), ['node.kubernetes.io/unreachable']);
    assert.deepEqual(await c.noExecute('b'), []);
    await eventually('victim deleted', async () => !(await c.podExists('victim')));
  });
});
