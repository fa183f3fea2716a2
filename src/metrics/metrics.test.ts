import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../util/clock.ts';
import { goDuration, handleMetricsRequest, MetricsStore, metricsAPIGroup, parseNodeReport, type NodeReport } from './index.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const report = (over: Partial<NodeReport> = {}): NodeReport => ({
  timestamp: '2026-01-01T00:00:00.400Z',
  windowSeconds: 15,
  labels: { zone: 'a' },
  usage: { cpu: '123456789n', memory: '1500Mi' },
  pods: [
    { namespace: 'ns', name: 'web-1', labels: { app: 'web' }, containers: [{ name: 'c', usage: { cpu: '250m', memory: '64Mi' } }] },
    { namespace: 'ns', name: 'db', labels: { app: 'db' }, containers: [{ name: 'c', usage: { cpu: '1', memory: '1000' } }] },
    { namespace: 'other', name: 'web-2', labels: { app: 'web' }, containers: [{ name: 'c', usage: { cpu: '1m', memory: '1Mi' } }] },
  ],
  ...over,
});
const setup = () => {
  const clock = new ManualClock(T0);
  const store = new MetricsStore({ clock });
  store.report('n1', report());
  store.report('n2', report({ labels: { zone: 'b' }, pods: [] }));
  const get = (path: string, query: Record<string, string> = {}) => handleMetricsRequest(store, 'GET', `/apis/metrics.k8s.io/v1beta1${path}`, query)!;
  return { clock, store, get };
};

describe('metrics API', () => {
  it('serves discovery for the group version', () => {
    const { get } = setup();
    const r = get('');
    assert.equal(r.code, 200);
    assert.deepEqual((r.body as any).resources.map((x: any) => [x.name, x.kind, x.namespaced, x.verbs.join(',')]), [
      ['nodes', 'NodeMetrics', false, 'get,list'],
      ['pods', 'PodMetrics', true, 'get,list'],
    ]);
    assert.equal((metricsAPIGroup() as any).preferredVersion.groupVersion, 'metrics.k8s.io/v1beta1');
  });

  it('answers NodeMetrics in metrics-server shapes and formats', () => {
    const { get } = setup();
    const r = get('/nodes/n1');
    assert.equal(r.code, 200);
    assert.deepEqual(r.body, {
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { zone: 'a' } },
      timestamp: '2026-01-01T00:00:00Z',
      window: '15s',
      usage: { cpu: '123456789n', memory: '1500Mi' },
    });
    const list = get('/nodes', { labelSelector: 'zone=b' }).body as any;
    assert.equal(list.kind, 'NodeMetricsList');
    assert.deepEqual(list.items.map((i: any) => i.metadata.name), ['n2']);
    assert.deepEqual((get('/nodes', { fieldSelector: 'metadata.name=n1' }).body as any).items.map((i: any) => i.metadata.name), ['n1']);
  });

  it('answers PodMetrics: all namespaces, one namespace, one pod, with selectors', () => {
    const { get } = setup();
    const all = get('/pods').body as any;
    assert.deepEqual(all.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`), ['ns/db', 'ns/web-1', 'other/web-2']);
    const web = get('/namespaces/ns/pods', { labelSelector: 'app=web' }).body as any;
    assert.deepEqual(web.items.map((i: any) => i.metadata.name), ['web-1']);
    const db = get('/namespaces/ns/pods/db').body as any;
    assert.equal(db.kind, 'PodMetrics');
    assert.deepEqual(db.containers, [{ name: 'c', usage: { cpu: '1', memory: '1k' } }]); // upstream writes BinarySI values under 1024 as DecimalSI
    assert.deepEqual((get('/namespaces/ns/pods/web-1').body as any).containers[0].usage, { cpu: '250m', memory: '64Mi' });
    assert.equal(get('/pods', { fieldSelector: 'spec.nodeName=n1' }).code, 400);
  });

  it('404s with metrics-server messages', () => {
    const { get } = setup();
    const n = get('/nodes/nope');
    assert.equal(n.code, 404);
    assert.equal((n.body as any).message, 'nodemetrics.metrics.k8s.io "nope" not found');
    assert.equal((n.body as any).reason, 'NotFound');
    const p = get('/namespaces/other/pods/db');
    assert.equal(p.code, 404);
    assert.equal((p.body as any).message, 'podmetrics.metrics.k8s.io "other/db" not found');
    assert.equal(handleMetricsRequest(new MetricsStore(), 'GET', '/apis/apps/v1', {}), undefined);
  });

  it('drops a node that stops reporting', () => {
    const { clock, store, get } = setup();
    clock.advance(20_000);
    store.report('n2', report({ pods: [] }));
    clock.advance(15_000);
    assert.deepEqual((get('/nodes').body as any).items.map((i: any) => i.metadata.name), ['n2']);
    assert.equal(get('/namespaces/ns/pods/db').code, 404);
  });

  it('validates reports with clear errors', () => {
    assert.deepEqual(parseNodeReport(JSON.parse(JSON.stringify(report()))), report());
    assert.throws(() => parseNodeReport({ ...report(), windowSeconds: 0 }), /windowSeconds/);
    assert.throws(() => parseNodeReport({ ...report(), usage: { cpu: 'lots', memory: '1Mi' } }), /usage\.cpu/);
    assert.throws(() => parseNodeReport({ ...report(), pods: [{ namespace: 'ns', name: 'p', containers: [{ usage: {} }] }] }), /pods\[0\]\.containers\[0\]\.name/);
    assert.throws(() => parseNodeReport({ ...report(), timestamp: 'yesterday' }), /timestamp/);
  });

  it('formats windows as Go durations', () => {
    assert.equal(goDuration(10.062), '10.062s');
    assert.equal(goDuration(90), '1m30s');
    assert.equal(goDuration(0.5), '500ms');
  });
});
