import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { EventRecorder, SharedInformerFactory, resources, type Client } from '../../client/index.ts';
import { startEnv, type TestEnv } from '../../client/test-env.ts';
import { rfc3339 } from '../../client/timing.ts';
import { ManualClock } from '../../util/clock.ts';
import { eventually } from '../testing.ts';
import { HorizontalController, type MetricsClient, type PodMetricsSample } from './index.ts';
import { RestMetricsClient, getResourceMetric, milliValue, parseDurationMs, type PodMetric } from './metrics.ts';
import { limitWithBehavior, resourceReplicas, scaleDownLimitWithRules, scaleUpLimitWithRules, SCALE_UP_DEFAULT, type CalculatorOptions } from './replicas.ts';

type Obj = Record<string, any>;

/** What metrics-server would answer: CPU usage per pod, set by the test. */
class FakeMetrics implements MetricsClient {
  usage = new Map<string, string>();
  constructor(private readonly clock: ManualClock) {}
  selectors: string[] = [];
  async podMetrics(_ns: string, selector: string): Promise<{ pods: Map<string, PodMetricsSample> }> {
    this.selectors.push(selector);
    const pods = new Map<string, PodMetricsSample>();
    // Every target here selects `app=<name>` and its pods are `<name>-<i>`.
    const prefix = `${selector.replace(/^app=/, '')}-`;
    for (const [name, cpu] of this.usage) if (name.startsWith(prefix)) pods.set(name, { timestamp: rfc3339(this.clock.now()), window: '30s', containers: [{ name: 'c', usage: { cpu, memory: '1Mi' } }] });
    return { pods };
  }
}

describe('HPA controller against an API server', () => {
  let env: TestEnv;
  let client: Client;
  let clock: ManualClock;
  let factory: SharedInformerFactory;
  let recorder: EventRecorder;
  let metrics: FakeMetrics;
  let hpac: HorizontalController;
  const errors: unknown[] = [];

  before(async () => {
    env = await startEnv({ builtinControllers: false });
    client = env.client;
    // Nothing creates the namespace's default ServiceAccount here, and pod admission needs it.
    await client.create(resources.serviceaccounts, 'default', { metadata: { name: 'default' } });
    clock = new ManualClock(Date.now());
    factory = new SharedInformerFactory(env.newClient(), { clock });
    recorder = new EventRecorder(client, { component: 'horizontal-pod-autoscaler', clock });
    metrics = new FakeMetrics(clock);
    hpac = new HorizontalController({ client, factory, clock, recorder, metrics, onError: (_k, e) => errors.push(e) });
    factory.start();
    await factory.waitForCacheSync();
  });
  after(async () => {
    await recorder?.shutdown();
    await factory?.shutdown();
    await env?.close();
  });

  /** A Deployment (no controller runs) with `pods` ready pods requesting 100m CPU each. */
  const target = async (app: string, replicas: number, pods = replicas) => {
    await client.create(resources.deployments, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app },
      spec: { replicas, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const long = rfc3339(clock.now() - 600_000);
    for (let i = 0; i < pods; i++) {
      const name = `${app}-${i}`;
      await client.create(resources.pods, 'default', { metadata: { name, labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100m' } } }] } });
      await client.patch(resources.pods, 'default', name, 'merge', { status: { phase: 'Running', startTime: long, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: long }] } }, { subresource: 'status' });
    }
    await eventually('pods cached', async () => factory.forResource(resources.pods).list().filter((p) => p.metadata.labels?.app === app && p.status?.phase === 'Running').length === pods);
  };
  const hpa = async (name: string, spec: Obj = {}) => {
    await client.create(resources.horizontalpodautoscalers, 'default', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        ...spec,
      },
    });
  };
  const setUsage = (app: string, n: number, cpu: string) => {
    for (const k of [...metrics.usage.keys()]) if (k.startsWith(`${app}-`)) metrics.usage.delete(k);
    for (let i = 0; i < n; i++) metrics.usage.set(`${app}-${i}`, cpu);
  };
  /** One sync, once the informer holds what the server holds (as a resync would see it). */
  const sync = async (name: string) => {
    const fresh = await client.get(resources.horizontalpodautoscalers, 'default', name);
    await eventually('hpa cached', async () => factory.forResource(resources.horizontalpodautoscalers).get(`default/${name}`)?.metadata.resourceVersion === fresh.metadata.resourceVersion);
    await hpac.reconcile(`default/${name}`);
    return client.get(resources.horizontalpodautoscalers, 'default', name);
  };
  const replicas = async (name: string) => (await client.get(resources.deployments, 'default', name)).spec.replicas;
  const cond = (h: Obj, type: string) => h.status.conditions.find((c: Obj) => c.type === type);
  const events = async (name: string) => {
    await recorder.flush();
    const list = await client.list(resources.events, 'default');
    return list.items.filter((e) => e.involvedObject.name === name && e.involvedObject.kind === 'HorizontalPodAutoscaler');
  };

  it('scales up on high CPU, capped at max(2*current, 4) without behavior, and reports it', async () => {
    await target('up', 2);
    await hpa('up');
    setUsage('up', 2, '500m');
    const h = await sync('up');
    assert.equal(await replicas('up'), 4, '1000% of target would want 20; the scale-up limit is 4');
    assert.equal(h.status.currentReplicas, 2);
    assert.equal(h.status.desiredReplicas, 4);
    assert.ok(h.status.lastScaleTime);
    assert.deepEqual(h.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 500, averageValue: '500m' } } }]);
    assert.deepEqual([cond(h, 'AbleToScale').status, cond(h, 'AbleToScale').reason, cond(h, 'AbleToScale').message], ['True', 'SucceededRescale', 'the HPA controller was able to update the target scale to 4']);
    assert.deepEqual([cond(h, 'ScalingActive').reason, cond(h, 'ScalingActive').message], ['ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)']);
    assert.deepEqual([cond(h, 'ScalingLimited').status, cond(h, 'ScalingLimited').reason], ['True', 'ScaleUpLimit']);
    const ev = (await events('up')).find((e) => e.reason === 'SuccessfulRescale');
    assert.equal(ev?.message, 'New size: 4; reason: cpu resource utilization (percentage of request) above target');
    assert.equal(ev?.type, 'Normal');
    assert.ok(metrics.selectors.includes('app=up'), 'metrics are asked for by the scale selector');
  });

  it('never goes above maxReplicas (TooManyReplicas)', async () => {
    await target('cap', 2);
    await hpa('cap', { maxReplicas: 3 });
    setUsage('cap', 2, '500m');
    const h = await sync('cap');
    assert.equal(await replicas('cap'), 3);
    assert.deepEqual([cond(h, 'ScalingLimited').status, cond(h, 'ScalingLimited').reason, cond(h, 'ScalingLimited').message], ['True', 'TooManyReplicas', 'the desired replica count is more than the maximum replica count']);
  });

  it('stays put within the 10% tolerance', async () => {
    await target('tol', 2);
    await hpa('tol');
    setUsage('tol', 2, '54m');
    const h = await sync('tol');
    assert.equal(await replicas('tol'), 2);
    assert.equal(h.status.desiredReplicas, 2);
    assert.equal(h.status.lastScaleTime, undefined);
    assert.deepEqual([cond(h, 'AbleToScale').reason, cond(h, 'AbleToScale').message], ['ReadyForNewScale', 'recommended size matches current size']);
    assert.equal(cond(h, 'ScalingLimited').reason, 'DesiredWithinRange');
  });

  it('scales down only once the 300 s stabilization window has passed', async () => {
    await target('down', 4);
    await hpa('down');
    setUsage('down', 4, '10m');
    let h = await sync('down');
    assert.equal(await replicas('down'), 4);
    assert.deepEqual([cond(h, 'AbleToScale').reason, cond(h, 'AbleToScale').message], ['ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation']);
    clock.advance(150_000);
    await sync('down');
    assert.equal(await replicas('down'), 4, 'still within the window');
    clock.advance(151_000);
    h = await sync('down');
    assert.equal(await replicas('down'), 1);
    assert.equal(h.status.desiredReplicas, 1);
    const ev = (await events('down')).find((e) => e.reason === 'SuccessfulRescale');
    assert.equal(ev?.message, 'New size: 1; reason: All metrics below target');
  });

  it('reports missing metrics and leaves the target alone', async () => {
    await target('nom', 2);
    await hpa('nom');
    const h = await sync('nom');
    assert.equal(await replicas('nom'), 2);
    const c = cond(h, 'ScalingActive');
    assert.deepEqual(
      [c.status, c.reason, c.message],
      ['False', 'FailedGetResourceMetric', 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API'],
    );
    assert.equal(h.status.currentReplicas, 2);
    const ev = await events('nom');
    assert.ok(ev.some((e) => e.type === 'Warning' && e.reason === 'FailedGetResourceMetric'));
    assert.equal(
      ev.find((e) => e.reason === 'FailedComputeMetricsReplicas')?.message,
      'invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    );
  });

  it('follows custom scale-up policies over their period', async () => {
    await target('pol', 2);
    await hpa('pol', { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } });
    setUsage('pol', 2, '500m');
    let h = await sync('pol');
    assert.equal(await replicas('pol'), 3);
    assert.equal(cond(h, 'ScalingLimited').reason, 'ScaleUpLimit');
    clock.advance(15_000);
    await sync('pol');
    assert.equal(await replicas('pol'), 3, 'one pod per 60 s');
    clock.advance(46_000);
    h = await sync('pol');
    assert.equal(await replicas('pol'), 4);
    assert.equal(h.status.desiredReplicas, 4);
  });

  it('a disabled scale-down policy keeps the replicas', async () => {
    await target('nodown', 3);
    await hpa('nodown', { behavior: { scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Disabled' } } });
    setUsage('nodown', 3, '5m');
    const h = await sync('nodown');
    assert.equal(await replicas('nodown'), 3);
    assert.deepEqual([cond(h, 'ScalingLimited').status, cond(h, 'ScalingLimited').reason], ['True', 'ScaleDownLimit']);
  });

  it('reports a target it cannot read (FailedGetScale)', async () => {
    await hpa('ghost');
    const h = await sync('ghost');
    const c = cond(h, 'AbleToScale');
    assert.deepEqual([c.status, c.reason], ['False', 'FailedGetScale']);
    assert.match(c.message, /^the HPA controller was unable to get the target's current scale: .*not found/);
    assert.ok((await events('ghost')).some((e) => e.reason === 'FailedGetScale' && e.type === 'Warning'));
  });

  it('an autoscaling/v1 HPA scales on its targetCPUUtilizationPercentage', async () => {
    await target('old', 2);
    await client.request('POST', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers', {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'old' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'old' }, maxReplicas: 10, targetCPUUtilizationPercentage: 100 },
    });
    setUsage('old', 2, '150m');
    const h = await sync('old');
    assert.equal(await replicas('old'), 3, 'ceil(2 * 150/100)');
    assert.equal(h.status.desiredReplicas, 3);
  });

  it('syncs every 15 s on the clock when running', async () => {
    await target('loop', 2);
    await hpa('loop');
    setUsage('loop', 2, '100m');
    const ac = new AbortController();
    const running = hpac.run(1, ac.signal);
    try {
      await eventually('hpa cached', async () => factory.forResource(resources.horizontalpodautoscalers).get('default/loop'));
      assert.equal(await replicas('loop'), 2, 'new HPAs wait one sync period');
      clock.advance(15_000);
      await eventually('scaled', async () => (await replicas('loop')) === 4);
    } finally {
      ac.abort();
      await running;
    }
  });
});

const opts = (now: number): CalculatorOptions => ({ now, tolerances: { scaleUp: 0.1, scaleDown: 0.1 }, cpuInitializationPeriodMs: 300_000, delayOfInitialReadinessStatusMs: 30_000 });
const pod = (name: string, o: { phase?: string; ready?: boolean; start?: number; transition?: number } = {}) => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] },
  status: {
    phase: o.phase ?? 'Running',
    startTime: rfc3339(o.start ?? 0),
    conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: rfc3339(o.transition ?? 0) }],
  },
});
const m = (value: number, timestamp = 1_000_000): PodMetric => ({ value, timestamp, windowMs: 30_000 });

test('missing pods count as idle on a scale-up and as fully used on a scale-down', () => {
  const now = 1_000_000;
  // One pod at 100 % of a 50 % target, one without a sample: 0 for it gives exactly the target.
  let r = resourceReplicas(2, 50, 'cpu', [pod('a'), pod('b')], new Map([['a', m(100)]]), milliValue, opts(now));
  assert.equal(r.replicas, 2);
  assert.equal(r.utilization, 100);
  // Three pods, two idle, one missing: the missing one counts as 100 % of its request.
  r = resourceReplicas(3, 50, 'cpu', [pod('a'), pod('b'), pod('c')], new Map([['a', m(0)], ['b', m(0)]]), milliValue, opts(now));
  assert.equal(r.replicas, 2, 'ceil(3 * (100/3)/50)');
  // With a sample for every pod the idle set would want 0 (minReplicas applies later).
  assert.equal(resourceReplicas(3, 50, 'cpu', [pod('a'), pod('b'), pod('c')], new Map([['a', m(0)], ['b', m(0)], ['c', m(0)]]), milliValue, opts(now)).replicas, 0);
});

test('unready and still-starting pods do not drive a CPU scale-up', () => {
  const now = 1_000_000;
  const pods = [pod('a'), pod('b', { phase: 'Pending' })];
  // a alone is at 200 % (ratio 4, which would want 8 for 2 pods); the pending pod counts as idle.
  const r = resourceReplicas(2, 50, 'cpu', pods, new Map([['a', m(200)], ['b', m(200)]]), milliValue, opts(now));
  assert.equal(r.replicas, 4, 'ratio (200+0)/200/0.5 = 2 over two pods');
  assert.equal(r.utilization, 200, 'reported utilization ignores the unready pod');
  // A pod that started 1 min ago and became ready 10 s ago has no full window since: ignored.
  const fresh = pod('f', { start: now - 60_000, transition: now - 10_000 });
  const r2 = resourceReplicas(2, 50, 'cpu', [pod('a'), fresh], new Map([['a', m(50)], ['f', m(500, now)]]), milliValue, opts(now));
  assert.equal(r2.replicas, 2, 'only pod a counts: at target');
});

test('scale rules: policies, periods, select policy and the default scale-up', () => {
  const now = 100_000;
  const ups = [{ replicaChange: 3, timestamp: now - 10_000, outdated: false }];
  assert.equal(scaleUpLimitWithRules(5, [], [], SCALE_UP_DEFAULT, now), 10, 'max(5+4, 5*2)');
  assert.equal(scaleUpLimitWithRules(1, [], [], SCALE_UP_DEFAULT, now), 5, 'max(1+4, 2)');
  assert.equal(scaleUpLimitWithRules(5, ups, [], { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] }, now), 4, 'the period started at 2');
  assert.equal(scaleUpLimitWithRules(5, ups, [], { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 5 }] }, now), 7, 'the event is outside a 5 s period');
  const both = [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }, { type: 'Percent' as const, value: 50, periodSeconds: 60 }];
  assert.equal(scaleDownLimitWithRules(10, [], [], { selectPolicy: 'Max', policies: both }, now), 5, 'Max: the biggest change');
  assert.equal(scaleDownLimitWithRules(10, [], [], { selectPolicy: 'Min', policies: both }, now), 9, 'Min: the smallest change');
  assert.equal(scaleDownLimitWithRules(10, [], [], { selectPolicy: 'Disabled', policies: both }, now), 10);
  const l = limitWithBehavior(10, 2, 1, 20, SCALE_UP_DEFAULT, { selectPolicy: 'Max', policies: both }, [], [], now);
  assert.deepEqual([l.replicas, l.reason], [5, 'ScaleDownLimit']);
});

test('quantities and durations from PodMetrics', () => {
  assert.equal(milliValue('250m'), 250);
  assert.equal(milliValue('123456789n'), 124, 'rounded up');
  assert.equal(milliValue('1024Ki'), 1048576000);
  assert.equal(milliValue('2'), 2000);
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('1m0.5s'), 60_500);
  assert.ok(Number.isNaN(parseDurationMs('soon')));
});

test('RestMetricsClient reads PodMetricsList; pods missing the resource in a container are dropped', async () => {
  const paths: string[] = [];
  const fakeClient = {
    request: async (method: string, path: string) => {
      paths.push(`${method} ${path}`);
      return {
        kind: 'PodMetricsList',
        items: [
          { metadata: { name: 'a' }, timestamp: '2026-01-01T00:00:00Z', window: '30s', containers: [{ name: 'c', usage: { cpu: '250m', memory: '1024Ki' } }, { name: 'd', usage: { cpu: '123456789n', memory: '1Mi' } }] },
          { metadata: { name: 'b' }, timestamp: '2026-01-01T00:00:05Z', window: '30s', containers: [{ name: 'c', usage: { memory: '1Mi' } }] },
        ],
      };
    },
  } as unknown as Client;
  const { metrics, timestamp } = await getResourceMetric(new RestMetricsClient(fakeClient), 'cpu', 'ns1', 'app=x,tier in (web)');
  assert.deepEqual(paths, ['GET /apis/metrics.k8s.io/v1beta1/namespaces/ns1/pods?labelSelector=app%3Dx%2Ctier%20in%20(web)']);
  assert.deepEqual([...metrics.keys()], ['a']);
  assert.equal(metrics.get('a')!.value, 374);
  assert.equal(metrics.get('a')!.windowMs, 30_000);
  assert.equal(timestamp, Date.parse('2026-01-01T00:00:00Z'));
  const mem = await getResourceMetric(new RestMetricsClient(fakeClient), 'memory', 'ns1', 'app=x');
  assert.equal(mem.metrics.get('b')!.value, 1048576000);
});
