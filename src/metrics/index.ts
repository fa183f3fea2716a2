// The resource metrics API (metrics.k8s.io/v1beta1), as metrics-server serves it: the latest
// usage each node reported, answered as NodeMetrics and PodMetrics for `kubectl top` and the
// HPA. metrics-server scrapes kubelets; kubelite's nodes push a NodeReport instead (see
// parseNodeReport), so the store only keeps each node's latest report.
import { StatusError } from '../api/errors.ts';
import { matchesLabels, parseFieldSelector, parseLabelSelector, type FieldRequirement } from '../api/selectors.ts';
import { parseQuantity, Quantity } from '../api/validation/quantity.ts';
import { rfc3339 } from '../util/time.ts';
import { realClock, type Clock } from '../util/clock.ts';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const GV = `${METRICS_GROUP}/${METRICS_VERSION}`;
const PREFIX = `/apis/${GV}`;

export interface Usage {
  cpu: string;
  memory: string;
}

/**
 * What a node pushes, as JSON:
 *
 *   { "timestamp": "2026-01-01T00:00:15Z",   // when the usage was sampled (RFC 3339)
 *     "windowSeconds": 15,                    // the interval the cpu rate covers (> 0)
 *     "labels": { ... },                      // optional: the node's labels (for labelSelector)
 *     "usage": { "cpu": "250m", "memory": "512Mi" },   // the node's total, as quantities
 *     "pods": [ { "namespace": "ns", "name": "p", "labels": { ... },
 *                 "containers": [ { "name": "c", "usage": { "cpu": "100m", "memory": "64Mi" } } ] } ] }
 *
 * Each report replaces the node's previous one, pods included.
 */
export interface NodeReport {
  timestamp: string;
  windowSeconds: number;
  labels?: Record<string, string>;
  usage: Usage;
  pods: { namespace: string; name: string; labels?: Record<string, string>; containers: { name: string; usage: Usage }[] }[];
}

function isMap(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function checkLabels(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isMap(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new Error(`${where}: must be a map of strings`);
  return v as Record<string, string>;
}

function checkUsage(v: unknown, where: string): Usage {
  if (!isMap(v)) throw new Error(`${where}: must be an object with cpu and memory`);
  const out: Record<string, string> = {};
  for (const r of ['cpu', 'memory'] as const) {
    const q = v[r];
    if (typeof q !== 'string' && typeof q !== 'number') throw new Error(`${where}.${r}: required quantity`);
    let parsed: Quantity;
    try {
      parsed = parseQuantity(q);
    } catch (e) {
      throw new Error(`${where}.${r}: ${(e as Error).message}`);
    }
    if (parsed.sign() < 0) throw new Error(`${where}.${r}: must not be negative`);
    out[r] = String(q);
  }
  return out as unknown as Usage;
}

/** Validates a pushed report (parsed JSON); errors name the offending field. */
export function parseNodeReport(body: unknown): NodeReport {
  if (!isMap(body)) throw new Error('node report: expected an object');
  const ts = body.timestamp;
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) throw new Error('node report: timestamp: required RFC 3339 time');
  const w = body.windowSeconds;
  if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) throw new Error('node report: windowSeconds: required positive number');
  const labels = checkLabels(body.labels, 'node report: labels');
  const usage = checkUsage(body.usage, 'node report: usage');
  const rawPods = body.pods ?? [];
  if (!Array.isArray(rawPods)) throw new Error('node report: pods: must be a list');
  const pods = rawPods.map((p: unknown, i) => {
    const at = `node report: pods[${i}]`;
    if (!isMap(p)) throw new Error(`${at}: expected an object`);
    if (typeof p.namespace !== 'string' || !p.namespace) throw new Error(`${at}.namespace: required`);
    if (typeof p.name !== 'string' || !p.name) throw new Error(`${at}.name: required`);
    if (!Array.isArray(p.containers)) throw new Error(`${at}.containers: must be a list`);
    const containers = p.containers.map((c: unknown, j) => {
      if (!isMap(c) || typeof c.name !== 'string' || !c.name) throw new Error(`${at}.containers[${j}].name: required`);
      return { name: c.name, usage: checkUsage(c.usage, `${at}.containers[${j}].usage`) };
    });
    const l = checkLabels(p.labels, `${at}.labels`);
    return { namespace: p.namespace, name: p.name, ...(l ? { labels: l } : {}), containers };
  });
  return { timestamp: ts, windowSeconds: w, ...(labels ? { labels } : {}), usage, pods };
}

/**
 * metrics-server replaces its data on every scrape (15 s, --metric-resolution) and a node whose
 * scrape fails is gone from the next batch. Reports are pushed here, so a node is dropped once
 * it has missed two reports' worth of time.
 */
export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;

interface Stored {
  receivedAt: number;
  report: NodeReport;
}

export class MetricsStore {
  private readonly nodes = new Map<string, Stored>();
  private readonly clock: Clock;
  readonly staleAfterMs: number;

  constructor(o: { clock?: Clock; staleAfterMs?: number } = {}) {
    this.clock = o.clock ?? realClock;
    this.staleAfterMs = o.staleAfterMs ?? 2 * DEFAULT_METRIC_RESOLUTION_MS;
  }

  report(node: string, r: NodeReport): void {
    this.nodes.set(node, { receivedAt: this.clock.now(), report: r });
  }

  /** Forgets a node at once (deleted). */
  forget(node: string): void {
    this.nodes.delete(node);
  }

  /** Fresh reports by node name, sorted by name; stale ones are dropped on the way. */
  reports(): [string, NodeReport][] {
    const now = this.clock.now();
    const out: [string, NodeReport][] = [];
    for (const [name, s] of this.nodes) {
      if (now - s.receivedAt > this.staleAfterMs) this.nodes.delete(name);
      else out.push([name, s.report]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  now(): number {
    return this.clock.now();
  }
}

/** CPU as metrics-server emits it: nanocores, canonical quantity form ("123456789n", "250m"). */
function cpuOut(q: string): string {
  const nanos = parseQuantity(q).asScale(-9).value;
  return new Quantity(nanos, -9, 'DecimalSI').toString();
}

/** Memory as metrics-server emits it: bytes in binary SI ("1468196Ki", "64Mi", "1000"). */
function memoryOut(q: string): string {
  return new Quantity(parseQuantity(q).value(), 0, 'BinarySI').toString();
}

function usageOut(u: Usage): Usage {
  return { cpu: cpuOut(u.cpu), memory: memoryOut(u.memory) };
}

/** A duration as Go's time.Duration.String() writes it (metav1.Duration's JSON form). */
export function goDuration(seconds: number): string {
  let ns = Math.round(seconds * 1e9);
  if (ns === 0) return '0s';
  const neg = ns < 0;
  if (neg) ns = -ns;
  const frac = (n: number, digits: number): string => {
    const s = String(n).padStart(digits, '0').replace(/0+$/, '');
    return s ? `.${s}` : '';
  };
  let out: string;
  if (ns < 1000) out = `${ns}ns`;
  else if (ns < 1e6) out = `${Math.floor(ns / 1e3)}${frac(ns % 1e3, 3)}µs`;
  else if (ns < 1e9) out = `${Math.floor(ns / 1e6)}${frac(ns % 1e6, 6)}ms`;
  else {
    const h = Math.floor(ns / 3.6e12);
    const m = Math.floor((ns % 3.6e12) / 6e10);
    const s = `${Math.floor((ns % 6e10) / 1e9)}${frac(ns % 1e9, 9)}s`;
    out = h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function secondsTime(t: string): string {
  // metav1.Time serializes at whole seconds.
  return rfc3339(Math.floor(Date.parse(t) / 1000) * 1000);
}

function nodeMetrics(name: string, r: NodeReport, created: string): Record<string, unknown> {
  return {
    metadata: { name, creationTimestamp: created, ...(r.labels && Object.keys(r.labels).length ? { labels: r.labels } : {}) },
    timestamp: secondsTime(r.timestamp),
    window: goDuration(r.windowSeconds),
    usage: usageOut(r.usage),
  };
}

function podMetrics(r: NodeReport, p: NodeReport['pods'][number], created: string): Record<string, unknown> {
  return {
    metadata: { name: p.name, namespace: p.namespace, creationTimestamp: created, ...(p.labels && Object.keys(p.labels).length ? { labels: p.labels } : {}) },
    timestamp: secondsTime(r.timestamp),
    window: goDuration(r.windowSeconds),
    containers: p.containers.map((c) => ({ name: c.name, usage: usageOut(c.usage) })),
  };
}

/** The group's entry in /apis and its /apis/metrics.k8s.io document. */
export function metricsAPIGroup(): Record<string, unknown> {
  const v = { groupVersion: GV, version: METRICS_VERSION };
  return { kind: 'APIGroup', apiVersion: 'v1', name: METRICS_GROUP, versions: [v], preferredVersion: v };
}

/** /apis/metrics.k8s.io/v1beta1: metrics-server registers no singular names and only get, list. */
export function metricsAPIResourceList(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GV,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  };
}

/** The group's item in the aggregated (apidiscovery.k8s.io/v2) /apis document. */
export function metricsAggregatedDiscovery(): Record<string, unknown> {
  const res = (resource: string, kind: string, scope: string) => ({
    resource,
    responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind },
    scope,
    singularResource: '',
    verbs: ['get', 'list'],
  });
  return {
    metadata: { name: METRICS_GROUP, creationTimestamp: null },
    versions: [{ version: METRICS_VERSION, resources: [res('nodes', 'NodeMetrics', 'Cluster'), res('pods', 'PodMetrics', 'Namespaced')], freshness: 'Current' }],
  };
}

function notFound(resource: 'nodemetrics' | 'podmetrics', name: string): StatusError {
  return new StatusError(404, 'NotFound', `${resource}.${METRICS_GROUP} "${name}" not found`, { name, group: METRICS_GROUP, kind: resource });
}

function fieldsMatch(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => {
    const v = fields[r.field];
    if (v === undefined) throw new StatusError(400, 'BadRequest', `field label not supported: ${r.field}`);
    return r.op === '=' ? v === r.value : v !== r.value;
  });
}

const list = (kind: string, items: unknown[]) => ({ kind, apiVersion: GV, metadata: {}, items });
const item = (kind: string, obj: Record<string, unknown>) => ({ kind, apiVersion: GV, ...obj });

/**
 * Answers a request under /apis/metrics.k8s.io/v1beta1 (path without the query string), or
 * undefined when the path is not the metrics API's. Errors come back as Status bodies.
 */
export function handleMetricsRequest(store: MetricsStore, method: string, path: string, query: URLSearchParams | Record<string, string | undefined>): { code: number; body: unknown } | undefined {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed !== PREFIX && !trimmed.startsWith(PREFIX + '/')) return undefined;
  const q = (k: string): string | undefined => (query instanceof URLSearchParams ? (query.get(k) ?? undefined) : query[k]);
  try {
    const parts = trimmed.slice(PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent);
    if (method !== 'GET' && method !== 'HEAD') {
      if (parts.length === 0) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const res = parts[0] === 'namespaces' ? parts[2] : parts[0];
      throw new StatusError(405, 'MethodNotAllowed', `${res === 'pods' ? 'podmetrics' : 'nodemetrics'}.${METRICS_GROUP} is forbidden: method ${method} not supported`);
    }
    if (parts.length === 0) return { code: 200, body: metricsAPIResourceList() };
    const created = rfc3339(Math.floor(store.now() / 1000) * 1000);
    const labelSel = parseLabelSelector(q('labelSelector'));
    const fieldSel = parseFieldSelector(q('fieldSelector'));
    const reports = store.reports();
    if (parts[0] === 'nodes' && parts.length <= 2) {
      if (parts.length === 2) {
        const found = reports.find(([n]) => n === parts[1]);
        if (!found) throw notFound('nodemetrics', parts[1]!);
        return { code: 200, body: item('NodeMetrics', nodeMetrics(found[0], found[1], created)) };
      }
      const items = reports.filter(([n, r]) => matchesLabels(labelSel, r.labels) && fieldsMatch(fieldSel, { 'metadata.name': n })).map(([n, r]) => item('NodeMetrics', nodeMetrics(n, r, created)));
      return { code: 200, body: list('NodeMetricsList', items) };
    }
    let ns: string | undefined;
    let rest = parts;
    if (parts[0] === 'namespaces' && parts.length >= 3 && parts[2] === 'pods') {
      ns = parts[1];
      rest = parts.slice(2);
    }
    if (rest[0] === 'pods' && rest.length <= 2 && (rest.length === 1 || ns !== undefined)) {
      const pods = reports
        .flatMap(([, r]) => r.pods.map((p) => ({ r, p })))
        .filter(({ p }) => ns === undefined || p.namespace === ns)
        .sort((a, b) => (a.p.namespace + '/' + a.p.name < b.p.namespace + '/' + b.p.name ? -1 : 1));
      if (rest.length === 2) {
        const found = pods.find(({ p }) => p.name === rest[1]);
        if (!found) throw notFound('podmetrics', `${ns}/${rest[1]}`);
        return { code: 200, body: item('PodMetrics', podMetrics(found.r, found.p, created)) };
      }
      const items = pods
        .filter(({ p }) => matchesLabels(labelSel, p.labels) && fieldsMatch(fieldSel, { 'metadata.name': p.name, 'metadata.namespace': p.namespace }))
        .map(({ r, p }) => item('PodMetrics', podMetrics(r, p, created)));
      return { code: 200, body: list('PodMetricsList', items) };
    }
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  } catch (e) {
    if (e instanceof StatusError) return { code: e.code, body: e.toStatus() };
    throw e;
  }
}
