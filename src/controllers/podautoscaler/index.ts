// The HorizontalPodAutoscaler controller (upstream pkg/controller/podautoscaler): every sync
// period each HPA reads its target's scale subresource, the pods behind the scale's selector and
// their resource metrics, computes a replica count per metric, stabilises and rate-limits it,
// writes the scale and reports status conditions.
import { parseLabelSelector, matchesLabels, type LabelSelector } from '../../api/selectors.ts';
import { EventRecorder, NAMESPACE_INDEX, resources, splitKey, type Client, type Resource, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { stableJson } from '../util.ts';
import { canonicalQuantity } from '../../api/validation/quantity.ts';
import { getResourceMetric, milliValue, RestMetricsClient, type MetricsClient } from './metrics.ts';
import {
  limitWithBehavior,
  limitWithoutBehavior,
  plainReplicas,
  resourceReplicas,
  SCALE_DOWN_DEFAULT_POLICIES,
  SCALE_UP_DEFAULT,
  type CalculatorOptions,
  type ScaleEvent,
  type ScalingRules,
  type Tolerances,
} from './replicas.ts';

export { RestMetricsClient, type MetricsClient, type PodMetricsSample, type ContainerUsage } from './metrics.ts';

type Obj = Record<string, any>;

/** --horizontal-pod-autoscaler-sync-period */
export const SYNC_PERIOD_MS = 15_000;
/** --horizontal-pod-autoscaler-downscale-stabilization */
export const DOWNSCALE_STABILIZATION_MS = 300_000;
/** --horizontal-pod-autoscaler-tolerance */
export const TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period */
export const CPU_INITIALIZATION_PERIOD_MS = 300_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay */
export const INITIAL_READINESS_DELAY_MS = 30_000;

/** The scalable kinds kubelite serves, by `group/Kind`. */
const SCALABLE: Record<string, Resource> = {
  'apps/Deployment': resources.deployments,
  'apps/ReplicaSet': resources.replicasets,
  'apps/StatefulSet': resources.statefulsets,
  '/ReplicationController': resources.replicationcontrollers,
  'extensions/Deployment': resources.deployments,
  'extensions/ReplicaSet': resources.replicasets,
};

export interface HorizontalControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  /** Defaults to the resource metrics API through `client`. */
  metrics?: MetricsClient;
  syncPeriodMs?: number;
  downscaleStabilizationMs?: number;
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
  onError?: (key: string, err: unknown) => void;
}

interface Recommendation {
  replicas: number;
  timestamp: number;
}

type MetricStatus = Obj;

/** An error whose condition has already been recorded on the HPA. */
class MetricError extends Error {
  constructor(
    message: string,
    readonly condition: { type: string; status: string; reason: string; message: string },
  ) {
    super(message);
  }
}

export class HorizontalController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly metricsClient: MetricsClient;
  private readonly hpaInformer;
  private readonly podInformer;
  private readonly syncPeriodMs: number;
  private readonly downscaleStabilizationMs: number;
  private readonly tolerance: number;
  private readonly cpuInitializationPeriodMs: number;
  private readonly initialReadinessDelayMs: number;
  private readonly reportError: ((key: string, err: unknown) => void) | undefined;
  /** Per HPA key: recent unstabilised recommendations, and recent scale changes (behavior only). */
  readonly recommendations = new Map<string, Recommendation[]>();
  readonly scaleUpEvents = new Map<string, ScaleEvent[]>();
  readonly scaleDownEvents = new Map<string, ScaleEvent[]>();
  /** The selector each HPA last resolved, for spotting pods claimed by two HPAs. */
  private readonly selectors = new Map<string, LabelSelector>();

  constructor(o: HorizontalControllerOptions) {
    const clock = o.clock ?? realClock;
    const hpaInformer = o.factory.forResource(resources.horizontalpodautoscalers);
    const podInformer = o.factory.forResource(resources.pods);
    super({ name: 'horizontalpodautoscaling', informers: [hpaInformer, podInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.metricsClient = o.metrics ?? new RestMetricsClient(o.client);
    this.hpaInformer = hpaInformer;
    this.podInformer = podInformer;
    this.syncPeriodMs = o.syncPeriodMs ?? SYNC_PERIOD_MS;
    this.downscaleStabilizationMs = o.downscaleStabilizationMs ?? DOWNSCALE_STABILIZATION_MS;
    this.tolerance = o.tolerance ?? TOLERANCE;
    this.cpuInitializationPeriodMs = o.cpuInitializationPeriodMs ?? CPU_INITIALIZATION_PERIOD_MS;
    this.initialReadinessDelayMs = o.initialReadinessDelayMs ?? INITIAL_READINESS_DELAY_MS;
    this.reportError = o.onError;
    // As upstream, every key waits one sync period in the queue, new HPAs included; a key
    // already waiting keeps its earlier time.
    hpaInformer.addEventHandler({
      onAdd: (h) => this.enqueueAfter(this.keyFor(h), this.syncPeriodMs),
      onUpdate: (_o, h) => this.enqueueAfter(this.keyFor(h), this.syncPeriodMs),
      onDelete: (h) => {
        const obj = (h as Obj).obj ?? h;
        if (obj?.metadata) this.selectors.delete(this.keyFor(obj));
      },
    });
  }

  private keyFor(h: Obj): string {
    return `${h.metadata.namespace}/${h.metadata.name}`;
  }

  /** One sync of the HPA; errors are reported, never retried early: the next sync period retries. */
  async reconcile(key: string): Promise<void> {
    const hpa = this.hpaInformer.get(key);
    if (!hpa) {
      this.recommendations.delete(key);
      this.scaleUpEvents.delete(key);
      this.scaleDownEvents.delete(key);
      this.selectors.delete(key);
      return;
    }
    this.enqueueAfter(key, this.syncPeriodMs);
    try {
      await this.reconcileAutoscaler(structuredClone(hpa), key);
    } catch (err) {
      this.reportError?.(key, err);
    }
  }

  private event(hpa: Obj, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorder?.event(hpa, type, reason, message);
  }

  private setCondition(hpa: Obj, type: string, status: string, reason: string, message: string): void {
    const status_ = (hpa.status ??= {});
    const list: Obj[] = (status_.conditions ??= []);
    let c = list.find((x) => x.type === type);
    if (!c) {
      c = { type };
      list.push(c);
    }
    if (c.status !== status) c.lastTransitionTime = rfc3339(this.clock.now());
    c.status = status;
    c.reason = reason;
    c.message = message;
  }

  private async reconcileAutoscaler(hpa: Obj, key: string): Promise<void> {
    const original = structuredClone(hpa.status ?? {});
    const spec = hpa.spec ?? {};
    const ref = spec.scaleTargetRef ?? {};
    const reference = `${ref.kind}/${hpa.metadata.namespace}/${ref.name}`;

    const failGetScale = async (err: string, wrapped: string) => {
      this.event(hpa, 'Warning', 'FailedGetScale', err);
      this.setCondition(hpa, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${err}`);
      await this.updateStatusIfNeeded(original, hpa);
      throw new Error(wrapped);
    };

    const apiVersion = String(ref.apiVersion ?? '');
    const parts = apiVersion.split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) {
      const err = `unexpected GroupVersion string: ${apiVersion}`;
      return failGetScale(err, `invalid API version in scale target reference: ${err}`);
    }
    const group = parts.length === 2 ? parts[0]! : '';
    const res = SCALABLE[`${group}/${ref.kind}`];
    if (!res) {
      const err = `no matches for kind "${ref.kind}" in group "${group}"`;
      return failGetScale(err, `unable to determine resource for scale target reference: ${err}`);
    }
    let scale: Obj;
    try {
      scale = await this.client.getScale(res, hpa.metadata.namespace, ref.name);
    } catch (e) {
      const err = (e as Error).message;
      return failGetScale(err, `failed to query scale subresource for ${reference}: ${err}`);
    }
    this.setCondition(hpa, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const currentReplicas: number = scale.spec?.replicas ?? 0;
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: currentReplicas, timestamp: this.clock.now() }]);

    const minReplicas: number = spec.minReplicas ?? 1;
    const maxReplicas: number = spec.maxReplicas;
    let desired = 0;
    let rescaleReason = '';
    let rescale = true;
    let metricStatuses: MetricStatus[] = [];
    let partialError: Error | undefined;

    if (currentReplicas === 0 && minReplicas !== 0) {
      desired = 0;
      rescale = false;
      this.setCondition(hpa, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const computed = await this.computeReplicasForMetrics(hpa, key, scale, metricsOf(spec));
      metricStatuses = computed.statuses;
      if (computed.replicas === -1) {
        this.setStatus(hpa, currentReplicas, hpa.status?.desiredReplicas ?? 0, metricStatuses, false);
        await this.updateStatusIfNeeded(original, hpa).catch((e) => this.reportError?.(key, e));
        const msg = computed.error?.message ?? 'unknown error';
        this.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', msg);
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${msg}`);
      }
      partialError = computed.error;
      let rescaleMetric = '';
      if (computed.replicas > desired) {
        desired = computed.replicas;
        rescaleMetric = computed.metric;
      }
      if (desired > currentReplicas) rescaleReason = `${rescaleMetric} above target`;
      if (desired < currentReplicas) rescaleReason = 'All metrics below target';
      desired = spec.behavior ? this.normalizeWithBehaviors(hpa, key, currentReplicas, desired, minReplicas) : this.normalize(hpa, key, currentReplicas, desired, minReplicas);
      rescale = desired !== currentReplicas;
    }

    if (rescale) {
      try {
        await this.client.update(res, hpa.metadata.namespace, { ...scale, spec: { ...scale.spec, replicas: desired } }, { subresource: 'scale' });
      } catch (e) {
        const err = (e as Error).message;
        this.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${err}`);
        this.setCondition(hpa, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${err}`);
        this.setStatus(hpa, currentReplicas, hpa.status?.desiredReplicas ?? 0, metricStatuses, false);
        await this.updateStatusIfNeeded(original, hpa).catch((x) => this.reportError?.(key, x));
        throw new Error(`failed to rescale ${reference}: ${err}`);
      }
      this.setCondition(hpa, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      this.storeScaleEvent(spec.behavior, key, currentReplicas, desired);
    } else {
      desired = currentReplicas;
    }
    this.setStatus(hpa, currentReplicas, desired, metricStatuses, rescale);
    await this.updateStatusIfNeeded(original, hpa);
    if (partialError) throw partialError;
  }

  private setStatus(hpa: Obj, current: number, desired: number, metrics: MetricStatus[], rescale: boolean): void {
    const prev = hpa.status ?? {};
    const status: Obj = { currentReplicas: current, desiredReplicas: desired };
    if (prev.lastScaleTime) status.lastScaleTime = prev.lastScaleTime;
    if (rescale) status.lastScaleTime = rfc3339(this.clock.now());
    if (metrics.length) status.currentMetrics = metrics;
    if (prev.conditions) status.conditions = prev.conditions;
    hpa.status = status;
  }

  private async updateStatusIfNeeded(original: Obj, hpa: Obj): Promise<void> {
    if (stableJson(original) === stableJson(hpa.status ?? {})) return;
    try {
      await this.client.update(resources.horizontalpodautoscalers, hpa.metadata.namespace, hpa, { subresource: 'status' });
    } catch (e) {
      this.event(hpa, 'Warning', 'FailedUpdateStatus', (e as Error).message);
      throw new Error(`failed to update status for ${hpa.metadata.name}: ${(e as Error).message}`);
    }
  }

  private calcOptions(spec: Obj): CalculatorOptions {
    const tol = (r: Obj | undefined) => (r?.tolerance !== undefined ? milliValue(r.tolerance) / 1000 : this.tolerance);
    const tolerances: Tolerances = { scaleUp: tol(spec.behavior?.scaleUp), scaleDown: tol(spec.behavior?.scaleDown) };
    return { now: this.clock.now(), tolerances, cpuInitializationPeriodMs: this.cpuInitializationPeriodMs, delayOfInitialReadinessStatusMs: this.initialReadinessDelayMs };
  }

  private async computeReplicasForMetrics(hpa: Obj, key: string, scale: Obj, specs: Obj[]): Promise<{ replicas: number; metric: string; statuses: MetricStatus[]; error?: Error }> {
    const selectorString: string = scale.status?.selector ?? '';
    let pods: Obj[];
    try {
      pods = this.validateSelector(hpa, key, selectorString);
    } catch (e) {
      return { replicas: -1, metric: '', statuses: [], error: e as Error };
    }
    const specReplicas: number = scale.spec?.replicas ?? 0;
    const statuses: MetricStatus[] = specs.map(() => ({}));
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let firstError: MetricError | undefined;
    for (let i = 0; i < specs.length; i++) {
      try {
        const r = await this.computeReplicasForMetric(hpa, specs[i]!, specReplicas, selectorString, pods, statuses, i);
        if (replicas === 0 || r.replicas > replicas) {
          replicas = r.replicas;
          metric = r.metric;
        }
      } catch (e) {
        if (invalid === 0) firstError = e as MetricError;
        invalid++;
      }
    }
    let error: Error | undefined;
    if (firstError) error = new Error(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}`);
    if (invalid >= specs.length || (invalid > 0 && replicas < specReplicas)) {
      const c = firstError!.condition;
      this.setCondition(hpa, c.type, c.status, c.reason, c.message);
      return { replicas: -1, metric: '', statuses, ...(error ? { error } : {}) };
    }
    this.setCondition(hpa, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metric}`);
    return { replicas, metric, statuses, ...(error ? { error } : {}) };
  }

  private validateSelector(hpa: Obj, key: string, s: string): Obj[] {
    if (!s) {
      const msg = 'selector is required';
      this.event(hpa, 'Warning', 'SelectorRequired', msg);
      this.setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
      throw new Error(msg);
    }
    let selector: LabelSelector;
    try {
      selector = parseLabelSelector(s);
    } catch (e) {
      const msg = `couldn't convert selector into a corresponding internal selector object: ${(e as Error).message}`;
      this.event(hpa, 'Warning', 'InvalidSelector', msg);
      this.setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', msg);
      throw new Error(msg);
    }
    this.selectors.set(key, selector);
    const pods = this.podInformer.byIndex(NAMESPACE_INDEX, hpa.metadata.namespace).filter((p) => matchesLabels(selector, p.metadata?.labels));
    const owners = new Set<string>();
    for (const [k, sel] of this.selectors) {
      if (splitKey(k).namespace !== hpa.metadata.namespace) continue;
      if (!this.hpaInformer.get(k)) continue;
      if (pods.some((p) => matchesLabels(sel, p.metadata?.labels))) owners.add(k);
    }
    if (owners.size > 1) {
      const msg = `pods by selector ${s} are controlled by multiple HPAs: [${[...owners].sort().join(' ')}]`;
      this.event(hpa, 'Warning', 'AmbiguousSelector', msg);
      this.setCondition(hpa, 'ScalingActive', 'False', 'AmbiguousSelector', msg);
      throw new Error(msg);
    }
    return pods;
  }

  private unableCondition(hpa: Obj, reason: string, err: string) {
    this.event(hpa, 'Warning', reason, err);
    return { type: 'ScalingActive', status: 'False', reason, message: `the HPA was unable to compute the replica count: ${err}` };
  }

  private async computeReplicasForMetric(hpa: Obj, m: Obj, specReplicas: number, selector: string, pods: Obj[], statuses: MetricStatus[], i: number): Promise<{ replicas: number; metric: string }> {
    if (m.type === 'Resource' || m.type === 'ContainerResource') {
      const container = m.type === 'ContainerResource';
      const src: Obj = (container ? m.containerResource : m.resource) ?? {};
      const name: string = src.name;
      try {
        const r = await this.resourceMetric(hpa, specReplicas, src, selector, pods, container ? String(src.container ?? '') : '');
        statuses[i] = container
          ? { type: 'ContainerResource', containerResource: { name, container: src.container, current: r.current } }
          : { type: 'Resource', resource: { name, current: r.current } };
        return { replicas: r.replicas, metric: r.metric };
      } catch (e) {
        const err = (e as Error).message;
        const condition = this.unableCondition(hpa, container ? 'FailedGetContainerResourceMetric' : 'FailedGetResourceMetric', err);
        throw new MetricError(container ? `failed to get ${name} container metric value: ${err}` : `failed to get ${name} resource metric value: ${err}`, condition);
      }
    }
    const err = `unknown metric source type "${m.type}"`;
    const condition = this.unableCondition(hpa, 'InvalidMetricSourceType', err);
    throw new MetricError(err, condition);
  }

  private async resourceMetric(hpa: Obj, current: number, src: Obj, selector: string, pods: Obj[], container: string): Promise<{ replicas: number; metric: string; current: Obj }> {
    const name: string = src.name;
    const target: Obj = src.target ?? {};
    const o = this.calcOptions(hpa.spec);
    const fetch = async () => {
      try {
        return await getResourceMetric(this.metricsClient, name, hpa.metadata.namespace, selector, container);
      } catch (e) {
        throw new Error(`unable to get metrics for resource ${name}: ${(e as Error).message}`);
      }
    };
    if (target.averageValue !== undefined) {
      let r;
      try {
        const { metrics } = await fetch();
        r = plainReplicas(current, milliValue(target.averageValue), name, pods, metrics, o);
      } catch (e) {
        throw new Error(`failed to get ${name} usage: ${(e as Error).message}`);
      }
      return { replicas: r.replicas, metric: `${name} resource`, current: { averageValue: milliQuantity(r.usage) } };
    }
    if (target.averageUtilization === undefined) {
      throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    }
    let r;
    try {
      const { metrics } = await fetch();
      r = resourceReplicas(current, target.averageUtilization, name, pods, metrics, milliValue, o, container);
    } catch (e) {
      throw new Error(`failed to get ${name} utilization: ${(e as Error).message}`);
    }
    const metric = container ? `${name} container resource utilization (percentage of request)` : `${name} resource utilization (percentage of request)`;
    return { replicas: r.replicas, metric, current: { averageUtilization: r.utilization, averageValue: milliQuantity(r.rawAverage) } };
  }

  /** Without behavior: the highest recommendation of the downscale stabilisation window, then min/max and the fixed rate. */
  private normalize(hpa: Obj, key: string, current: number, prenormalized: number, minReplicas: number): number {
    const now = this.clock.now();
    const cutoff = now - this.downscaleStabilizationMs;
    const recs = this.recommendations.get(key) ?? [];
    let stabilized = prenormalized;
    let oldIndex = -1;
    recs.forEach((r, i) => {
      if (r.timestamp < cutoff) oldIndex = i;
      else if (r.replicas > stabilized) stabilized = r.replicas;
    });
    if (oldIndex >= 0) recs[oldIndex] = { replicas: prenormalized, timestamp: now };
    else recs.push({ replicas: prenormalized, timestamp: now });
    this.recommendations.set(key, recs);
    if (stabilized !== prenormalized) {
      this.setCondition(hpa, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation');
    } else {
      this.setCondition(hpa, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
    }
    const l = limitWithoutBehavior(current, stabilized, minReplicas, hpa.spec.maxReplicas);
    this.setCondition(hpa, 'ScalingLimited', l.replicas === stabilized ? 'False' : 'True', l.reason, l.message);
    return l.replicas;
  }

  private rules(hpa: Obj): { up: ScalingRules; down: ScalingRules } {
    const b = hpa.spec.behavior ?? {};
    const up: ScalingRules = { ...SCALE_UP_DEFAULT, ...(b.scaleUp ?? {}) };
    const down: ScalingRules = { selectPolicy: 'Max', policies: [...SCALE_DOWN_DEFAULT_POLICIES], ...(b.scaleDown ?? {}) };
    up.stabilizationWindowSeconds ??= 0;
    down.stabilizationWindowSeconds ??= Math.trunc(this.downscaleStabilizationMs / 1000);
    return { up, down };
  }

  private normalizeWithBehaviors(hpa: Obj, key: string, current: number, prenormalized: number, minReplicas: number): number {
    const { up, down } = this.rules(hpa);
    const now = this.clock.now();
    const upCutoff = now - up.stabilizationWindowSeconds! * 1000;
    const downCutoff = now - down.stabilizationWindowSeconds! * 1000;
    let upRec = prenormalized;
    let downRec = prenormalized;
    let oldIndex = -1;
    const recs = this.recommendations.get(key) ?? [];
    recs.forEach((r, i) => {
      if (r.timestamp > upCutoff) upRec = Math.min(r.replicas, upRec);
      if (r.timestamp > downCutoff) downRec = Math.max(r.replicas, downRec);
      if (r.timestamp < upCutoff && r.timestamp < downCutoff) oldIndex = i;
    });
    let stabilized = current;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;
    if (oldIndex >= 0) recs[oldIndex] = { replicas: prenormalized, timestamp: now };
    else recs.push({ replicas: prenormalized, timestamp: now });
    this.recommendations.set(key, recs);
    if (stabilized !== prenormalized) {
      if (prenormalized >= current) this.setCondition(hpa, 'AbleToScale', 'True', 'ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation');
      else this.setCondition(hpa, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation');
    } else {
      this.setCondition(hpa, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
    }
    const l = limitWithBehavior(current, stabilized, minReplicas, hpa.spec.maxReplicas, up, down, this.scaleUpEvents.get(key) ?? [], this.scaleDownEvents.get(key) ?? [], now);
    this.setCondition(hpa, 'ScalingLimited', l.replicas === stabilized ? 'False' : 'True', l.reason, l.message);
    return l.replicas;
  }

  private storeScaleEvent(behavior: Obj | undefined, key: string, prev: number, next: number): void {
    // Without behavior no rate rule reads the history.
    if (!behavior) return;
    const { up, down } = this.rules({ spec: { behavior } });
    const isUp = next > prev;
    const map = isUp ? this.scaleUpEvents : this.scaleDownEvents;
    const longest = Math.max(0, ...((isUp ? up : down).policies ?? []).map((p) => p.periodSeconds));
    const now = this.clock.now();
    const events = map.get(key) ?? [];
    let oldIndex = -1;
    events.forEach((e, i) => {
      if (e.timestamp < now - longest * 1000) e.outdated = true;
      if (e.outdated) oldIndex = i;
    });
    const entry: ScaleEvent = { replicaChange: Math.abs(next - prev), timestamp: now, outdated: false };
    if (oldIndex >= 0) events[oldIndex] = entry;
    else events.push(entry);
    map.set(key, events);
  }
}

/** The v2 metrics; an autoscaling/v1 object's single CPU target, or the 80 % CPU default. */
function metricsOf(spec: Obj): Obj[] {
  if (Array.isArray(spec.metrics) && spec.metrics.length) return spec.metrics;
  const target = spec.targetCPUUtilizationPercentage ?? 80;
  return [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } }];
}

/** resource.NewMilliQuantity(v, DecimalSI).String() */
function milliQuantity(v: number): string {
  return canonicalQuantity(`${v}m`);
}
