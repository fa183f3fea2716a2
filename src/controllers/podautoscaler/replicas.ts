// Upstream's ReplicaCalculator and the HPA's rate rules (pkg/controller/podautoscaler
// replica_calculator.go, horizontal.go), as functions of their inputs and `now`.
import { parseTime } from '../util.ts';
import type { PodMetric } from './metrics.ts';

type Obj = Record<string, any>;

export interface Tolerances {
  scaleDown: number;
  scaleUp: number;
}

export const isWithin = (t: Tolerances, ratio: number): boolean => 1 - t.scaleDown <= ratio && ratio <= 1 + t.scaleUp;

export interface CalculatorOptions {
  now: number;
  tolerances: Tolerances;
  cpuInitializationPeriodMs: number;
  delayOfInitialReadinessStatusMs: number;
}

interface Groups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** Sorts pods into counted, unready (not to be trusted yet), missing a sample, and ignored. */
export function groupPods(pods: Obj[], metrics: Map<string, PodMetric>, resource: string, o: CalculatorOptions): Groups {
  const g: Groups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name: string = pod.metadata.name;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = (pod.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
      const start = parseTime(pod.status?.startTime);
      let unready: boolean;
      if (!cond || Number.isNaN(start)) {
        unready = true;
      } else {
        const transition = parseTime(cond.lastTransitionTime);
        if (start + o.cpuInitializationPeriodMs > o.now) {
          // Still starting: a sample counts only once a full window was collected after becoming ready.
          unready = cond.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // Past start-up: ignore only a pod that has never been ready.
          unready = cond.status === 'False' && start + o.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Sum of the pods' requests for `resource`, in milli-units, per pod. */
export function podRequests(pods: Obj[], resource: string, container = '', milli: (q: string) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    const podLevel = pod.spec?.resources?.requests?.[resource];
    if (!container && podLevel !== undefined) {
      out.set(pod.metadata.name, milli(podLevel));
      continue;
    }
    const containers: Obj[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c: Obj) => c.restartPolicy === 'Always')];
    let sum = 0;
    for (const c of containers) {
      if (container && c.name !== container) continue;
      const req = c.resources?.requests?.[resource];
      if (req === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += milli(req);
    }
    out.set(pod.metadata.name, sum);
  }
  return out;
}

export function utilizationRatio(metrics: Map<string, PodMetric>, requests: Map<string, number>, target: number): { ratio: number; utilization: number; rawAverage: number } {
  let usage = 0;
  let requested = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    usage += m.value;
    requested += r;
    n++;
  }
  if (requested === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((usage * 100) / requested);
  return { ratio: utilization / target, utilization, rawAverage: Math.trunc(usage / n) };
}

export function usageRatio(metrics: Map<string, PodMetric>, target: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / target, usage };
}

function prepare(pods: Obj[], metrics: Map<string, PodMetric>, resource: string, o: CalculatorOptions): Groups {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, metrics, resource, o);
  for (const n of g.ignored) metrics.delete(n);
  for (const n of g.unready) metrics.delete(n);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  return g;
}

/**
 * The second pass once pods were missing samples or unready: assume the least helpful usage for
 * them and keep the current count when that changes the direction or lands within tolerance.
 */
function secondPass(currentReplicas: number, first: number, g: Groups, metrics: Map<string, PodMetric>, missingValue: (pod: string) => number, ratioOf: () => number, o: CalculatorOptions): number {
  const scaleUpWithUnready = g.unready.size > 0 && first > 1;
  if (g.missing.size > 0) {
    for (const p of g.missing) metrics.set(p, { timestamp: 0, windowMs: 0, value: first < 1 ? missingValue(p) : 0 });
    if (first === 1) for (const p of g.missing) metrics.delete(p);
  }
  if (scaleUpWithUnready) for (const p of g.unready) metrics.set(p, { timestamp: 0, windowMs: 0, value: 0 });
  const next = ratioOf();
  if (isWithin(o.tolerances, next) || (first < 1 && next > 1) || (first > 1 && next < 1)) return currentReplicas;
  const proposed = Math.ceil(next * metrics.size);
  if ((next < 1 && proposed > currentReplicas) || (next > 1 && proposed < currentReplicas)) return currentReplicas;
  return proposed;
}

/** GetResourceReplicas: a target utilization, percent of the pods' requests. */
export function resourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  pods: Obj[],
  metricsIn: Map<string, PodMetric>,
  milli: (q: string) => number,
  o: CalculatorOptions,
  container = '',
): { replicas: number; utilization: number; rawAverage: number } {
  const metrics = new Map(metricsIn);
  const g = prepare(pods, metrics, resource, o);
  const requests = podRequests(pods, resource, container, milli);
  const { ratio, utilization, rawAverage } = utilizationRatio(metrics, requests, targetUtilization);
  if (!(g.unready.size > 0 && ratio > 1) && g.missing.size === 0) {
    if (isWithin(o.tolerances, ratio)) return { replicas: currentReplicas, utilization, rawAverage };
    return { replicas: Math.ceil(ratio * g.readyPodCount), utilization, rawAverage };
  }
  // Missing pods on a scale-down count as using their whole request (or the target when above 100%).
  const fallback = Math.max(100, targetUtilization);
  const replicas = secondPass(currentReplicas, ratio, g, metrics, (p) => Math.trunc(((requests.get(p) ?? 0) * fallback) / 100), () => utilizationRatio(metrics, requests, targetUtilization).ratio, o);
  return { replicas, utilization, rawAverage };
}

/** GetRawResourceReplicas / calcPlainMetricReplicas: a target average value per pod. */
export function plainReplicas(currentReplicas: number, targetUsage: number, resource: string, pods: Obj[], metricsIn: Map<string, PodMetric>, o: CalculatorOptions): { replicas: number; usage: number } {
  const metrics = new Map(metricsIn);
  const g = prepare(pods, metrics, resource, o);
  const { ratio, usage } = usageRatio(metrics, targetUsage);
  if (!(g.unready.size > 0 && ratio > 1) && g.missing.size === 0) {
    if (isWithin(o.tolerances, ratio)) return { replicas: currentReplicas, usage };
    return { replicas: Math.ceil(ratio * g.readyPodCount), usage };
  }
  const replicas = secondPass(currentReplicas, ratio, g, metrics, () => targetUsage, () => usageRatio(metrics, targetUsage).ratio, o);
  return { replicas, usage };
}

// ---- behavior ----

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: ScalingPolicy[];
  tolerance?: string | number;
}

export interface ScaleEvent {
  replicaChange: number;
  timestamp: number;
  outdated: boolean;
}

export const SCALE_UP_DEFAULT: Readonly<Required<Omit<ScalingRules, 'tolerance'>>> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
export const SCALE_DOWN_DEFAULT_POLICIES: readonly ScalingPolicy[] = [{ type: 'Percent', value: 100, periodSeconds: 15 }];

/** Replicas added (or removed) by events within the last `periodSeconds`. */
export function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let n = 0;
  for (const e of events) if (e.timestamp > cutoff) n += e.replicaChange;
  return n;
}

export function scaleUpLimitWithRules(current: number, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? 2 ** 31 - 1 : -(2 ** 31);
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, ups, now) + changeInPeriod(p.periodSeconds, downs, now);
    // Rounded up, or a small percentage of few pods would never add one.
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

export function scaleDownLimitWithRules(current: number, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // The smallest change ('Min') leaves the most replicas.
  const pickMax = rules.selectPolicy === 'Min';
  let result = pickMax ? -(2 ** 31) : 2 ** 31 - 1;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, ups, now) + changeInPeriod(p.periodSeconds, downs, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pickMax ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** Without behavior: never more than double (and at least 4) in one step. */
export const scaleUpLimit = (current: number): number => Math.trunc(Math.max(2 * current, 4));

export interface Limited {
  replicas: number;
  reason: string;
  message: string;
}

const WITHIN: Omit<Limited, 'replicas'> = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_FEW = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const TOO_MANY = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const UP_LIMIT = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const DOWN_LIMIT = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

/** convertDesiredReplicasWithRules: min/max and the fixed scale-up limit. */
export function limitWithoutBehavior(current: number, desired: number, min: number, max: number): Limited {
  const limit = scaleUpLimit(current);
  const upper = max > limit ? { replicas: limit, ...UP_LIMIT } : { replicas: max, ...TOO_MANY };
  if (desired < min) return { replicas: min, ...TOO_FEW };
  if (desired > upper.replicas) return upper;
  return { replicas: desired, ...WITHIN };
}

/** convertDesiredReplicasWithBehaviorRate. */
export function limitWithBehavior(current: number, desired: number, min: number, max: number, up: ScalingRules, down: ScalingRules, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], now: number): Limited {
  if (desired > current) {
    const limit = Math.max(scaleUpLimitWithRules(current, ups, downs, up, now), current);
    const upper = max > limit ? { replicas: limit, ...UP_LIMIT } : { replicas: max, ...TOO_MANY };
    if (desired > upper.replicas) return upper;
  } else if (desired < current) {
    const limit = Math.min(scaleDownLimitWithRules(current, ups, downs, down, now), current);
    const lower = min < limit ? { replicas: limit, ...DOWN_LIMIT } : { replicas: min, ...TOO_FEW };
    if (desired < lower.replicas) return lower;
  }
  return { replicas: desired, ...WITHIN };
}
