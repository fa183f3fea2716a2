// Where the HPA controller gets pod usage (upstream pkg/controller/podautoscaler/metrics): the
// resource metrics API (metrics.k8s.io/v1beta1 PodMetrics), summed per pod in milli-units.
import type { Client } from '../../client/index.ts';
import { parseQuantity } from '../../api/validation/quantity.ts';

type Obj = Record<string, any>;

export interface ContainerUsage {
  name: string;
  usage: { cpu?: string; memory?: string; [resource: string]: string | undefined };
}

export interface PodMetricsSample {
  /** RFC 3339, as PodMetrics.timestamp. */
  timestamp: string;
  /** A duration as PodMetrics.window (`30s`, `1m0s`, `15.5s`). */
  window: string;
  containers: ContainerUsage[];
}

export interface MetricsClient {
  podMetrics(namespace: string, selector: string): Promise<{ pods: Map<string, PodMetricsSample> }>;
}

/** Reads `/apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods?labelSelector=...`. */
export class RestMetricsClient implements MetricsClient {
  constructor(private readonly client: Client) {}

  async podMetrics(namespace: string, selector: string): Promise<{ pods: Map<string, PodMetricsSample> }> {
    let path = `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`;
    if (selector) path += `?labelSelector=${encodeURIComponent(selector)}`;
    const list = (await this.client.request('GET', path)) as Obj | undefined;
    const pods = new Map<string, PodMetricsSample>();
    for (const item of list?.items ?? []) {
      const name = item?.metadata?.name;
      if (typeof name !== 'string') continue;
      pods.set(name, { timestamp: item.timestamp ?? '', window: item.window ?? '0s', containers: Array.isArray(item.containers) ? item.containers : [] });
    }
    return { pods };
  }
}

/** Quantity.MilliValue(): the value in thousandths, rounded up. */
export function milliValue(q: string | number): number {
  const p = parseQuantity(q);
  const e = p.scale + 3;
  if (e >= 0) return Number(p.unscaled * 10n ** BigInt(e));
  const d = 10n ** BigInt(-e);
  const whole = p.unscaled / d;
  return Number(whole * d === p.unscaled || p.unscaled < 0n ? whole : whole + 1n);
}

/** A Go duration string (`30s`, `1m0.5s`, `250ms`) in milliseconds; NaN when unreadable. */
export function parseDurationMs(s: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s === '0') return 0;
  return matched === s.length && matched > 0 ? total : NaN;
}

export interface PodMetric {
  timestamp: number;
  windowMs: number;
  /** Milli-units of the resource, summed over the pod's containers. */
  value: number;
}

/**
 * Upstream's GetResourceMetric: fails when the API returns nothing, drops pods whose containers
 * do not all report the resource, and stamps the result with the first item's timestamp.
 */
export async function getResourceMetric(client: MetricsClient, resource: string, namespace: string, selector: string, container = ''): Promise<{ metrics: Map<string, PodMetric>; timestamp: number }> {
  let raw: Map<string, PodMetricsSample>;
  try {
    raw = (await client.podMetrics(namespace, selector)).pods;
  } catch (err) {
    throw new Error(`unable to fetch metrics from resource metrics API: ${(err as Error)?.message ?? String(err)}`);
  }
  if (raw.size === 0) throw new Error('no metrics returned from resource metrics API');
  const metrics = new Map<string, PodMetric>();
  for (const [name, m] of raw) {
    const base = { timestamp: Date.parse(m.timestamp), windowMs: parseDurationMs(m.window) || 0 };
    if (container) {
      const c = m.containers.find((x) => x.name === container);
      if (!c) throw new Error(`failed to get container metrics: container ${container} not present in metrics for pod ${namespace}/${name}`);
      const v = c.usage[resource];
      if (v !== undefined) metrics.set(name, { ...base, value: milliValue(v) });
      continue;
    }
    let sum = 0;
    let missing = m.containers.length === 0;
    for (const c of m.containers) {
      const v = c.usage[resource];
      if (v === undefined) {
        missing = true;
        break;
      }
      sum += milliValue(v);
    }
    if (!missing) metrics.set(name, { ...base, value: sum });
  }
  const first = raw.values().next().value as PodMetricsSample;
  return { metrics, timestamp: Date.parse(first.timestamp) };
}
