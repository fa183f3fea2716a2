// HorizontalPodAutoscaler conversion between autoscaling/v2 (the stored shape)
// and autoscaling/v1, following kube-apiserver's
// pkg/apis/autoscaling/v1/conversion.go (v1.35). v1 can only express a CPU
// utilization target, so everything else v2 carries travels in the
// `autoscaling.alpha.kubernetes.io/*` annotations, encoded the way upstream
// encodes them, so objects written by either server read back the same.
//
// The functions are pure: the input is never mutated.

type Obj = Record<string, any>;

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const TOLERANCE_SCALE_DOWN_ANNOTATION = 'autoscaling.alpha.kubernetes.io/scale-down-tolerance';
export const TOLERANCE_SCALE_UP_ANNOTATION = 'autoscaling.alpha.kubernetes.io/scale-up-tolerance';
/** Upstream's `autoscaling.DefaultCPUUtilization`, applied by v1 conversion when no metric survives. */
export const DEFAULT_CPU_UTILIZATION = 80;

const V1 = 'autoscaling/v1';
const V2 = 'autoscaling/v2';

// Upstream's DropRoundTripHorizontalPodAutoscalerAnnotations set: stale copies
// must never leak into a version that has real fields for them.
const ROUND_TRIP_ANNOTATIONS = [
  METRIC_SPECS_ANNOTATION,
  BEHAVIOR_SPECS_ANNOTATION,
  TOLERANCE_SCALE_DOWN_ANNOTATION,
  TOLERANCE_SCALE_UP_ANNOTATION,
  METRIC_STATUSES_ANNOTATION,
  CONDITIONS_ANNOTATION,
];

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Go pointers and omitempty fields: absent and null both mean "unset". */
function has(o: unknown, k: string): boolean {
  return isObj(o) && o[k] !== undefined && o[k] !== null;
}

function clone<T>(v: T): T {
  try {
    return structuredClone(v);
  } catch {
    return JSON.parse(JSON.stringify(v)) as T;
  }
}

/** Go's json.Marshal escapes these; matching it keeps annotation bytes identical to upstream's. */
function goJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function parseJson(s: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof s !== 'string') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(s) };
  } catch {
    return { ok: false };
  }
}

/** A JSON list of structs as Go would accept it: null is an empty list, null items zero structs. */
function parseStructList(s: unknown): Obj[] | undefined {
  const p = parseJson(s);
  if (!p.ok) return undefined;
  if (p.value === null) return [];
  if (!Array.isArray(p.value)) return undefined;
  const out: Obj[] = [];
  for (const item of p.value) {
    if (item === null) out.push({});
    else if (isObj(item)) out.push(item);
    else return undefined;
  }
  return out;
}

function setIf(out: Obj, key: string, src: unknown, srcKey: string): void {
  if (has(src, srcKey)) out[key] = (src as Obj)[srcKey];
}

/** Go's omitempty on strings drops the empty string too. */
function setIfNonEmpty(out: Obj, key: string, src: unknown, srcKey: string): void {
  if (has(src, srcKey) && (src as Obj)[srcKey] !== '') out[key] = (src as Obj)[srcKey];
}

function str(o: unknown, k: string): any {
  return has(o, k) ? (o as Obj)[k] : '';
}

/** Non-pointer resource.Quantity fields: the zero quantity serialises as "0". */
function qty(o: unknown, k: string): any {
  return has(o, k) ? (o as Obj)[k] : '0';
}

function sub(o: unknown, k: string): Obj {
  return isObj(o) && isObj(o[k]) ? o[k] : {};
}

function crossVersionRef(r: unknown): Obj {
  const out: Obj = { kind: str(r, 'kind'), name: str(r, 'name') };
  setIfNonEmpty(out, 'apiVersion', r, 'apiVersion');
  return out;
}

function isCpuUtilizationMetric(m: unknown): boolean {
  if (!isObj(m) || m.type !== 'Resource' || !isObj(m.resource) || m.resource.name !== 'cpu') return false;
  return has(m.resource.target, 'averageUtilization');
}

// ---- metric specs -------------------------------------------------------

function metricSpecToV1(m: Obj): Obj {
  const out: Obj = { type: str(m, 'type') };
  if (isObj(m.object)) {
    const o = m.object;
    const metric = sub(o, 'metric');
    const target = sub(o, 'target');
    const v: Obj = {
      target: crossVersionRef(o.describedObject),
      metricName: str(metric, 'name'),
      targetValue: qty(target, 'value'),
    };
    setIf(v, 'selector', metric, 'selector');
    setIf(v, 'averageValue', target, 'averageValue');
    out.object = v;
  }
  if (isObj(m.pods)) {
    const metric = sub(m.pods, 'metric');
    const v: Obj = { metricName: str(metric, 'name'), targetAverageValue: qty(sub(m.pods, 'target'), 'averageValue') };
    setIf(v, 'selector', metric, 'selector');
    out.pods = v;
  }
  for (const key of ['resource', 'containerResource'] as const) {
    if (!isObj(m[key])) continue;
    const r = m[key];
    const target = sub(r, 'target');
    const v: Obj = { name: str(r, 'name') };
    setIf(v, 'targetAverageUtilization', target, 'averageUtilization');
    setIf(v, 'targetAverageValue', target, 'averageValue');
    if (key === 'containerResource') v.container = str(r, 'container');
    out[key] = v;
  }
  if (isObj(m.external)) {
    const metric = sub(m.external, 'metric');
    const target = sub(m.external, 'target');
    const v: Obj = { metricName: str(metric, 'name') };
    setIf(v, 'metricSelector', metric, 'selector');
    setIf(v, 'targetValue', target, 'value');
    setIf(v, 'targetAverageValue', target, 'averageValue');
    out.external = v;
  }
  return out;
}

function metricIdentifier(src: Obj, selectorKey: string): Obj {
  const id: Obj = { name: str(src, 'metricName') };
  setIf(id, 'selector', src, selectorKey);
  return id;
}

function metricSpecToV2(m: Obj): Obj {
  const out: Obj = { type: str(m, 'type') };
  if (isObj(m.object)) {
    const o = m.object;
    const target: Obj = { type: has(o, 'averageValue') ? 'AverageValue' : 'Value', value: qty(o, 'targetValue') };
    setIf(target, 'averageValue', o, 'averageValue');
    out.object = { describedObject: crossVersionRef(o.target), target, metric: metricIdentifier(o, 'selector') };
  }
  if (isObj(m.pods)) {
    out.pods = {
      metric: metricIdentifier(m.pods, 'selector'),
      target: { type: 'AverageValue', averageValue: qty(m.pods, 'targetAverageValue') },
    };
  }
  for (const key of ['resource', 'containerResource'] as const) {
    if (!isObj(m[key])) continue;
    const r = m[key];
    const target: Obj = { type: has(r, 'targetAverageUtilization') ? 'Utilization' : 'AverageValue' };
    setIf(target, 'averageValue', r, 'targetAverageValue');
    setIf(target, 'averageUtilization', r, 'targetAverageUtilization');
    const v: Obj = { name: str(r, 'name'), target };
    if (key === 'containerResource') v.container = str(r, 'container');
    out[key] = v;
  }
  if (isObj(m.external)) {
    const e = m.external;
    const target: Obj = { type: has(e, 'targetValue') ? 'Value' : 'AverageValue' };
    setIf(target, 'value', e, 'targetValue');
    setIf(target, 'averageValue', e, 'targetAverageValue');
    out.external = { metric: metricIdentifier(e, 'metricSelector'), target };
  }
  return out;
}

// ---- metric statuses ----------------------------------------------------

function metricStatusToV1(m: Obj): Obj {
  const out: Obj = { type: str(m, 'type') };
  if (isObj(m.object)) {
    const o = m.object;
    const metric = sub(o, 'metric');
    const current = sub(o, 'current');
    const v: Obj = {
      target: crossVersionRef(o.describedObject),
      metricName: str(metric, 'name'),
      currentValue: qty(current, 'value'),
    };
    setIf(v, 'selector', metric, 'selector');
    setIf(v, 'averageValue', current, 'averageValue');
    out.object = v;
  }
  if (isObj(m.pods)) {
    const metric = sub(m.pods, 'metric');
    const v: Obj = { metricName: str(metric, 'name'), currentAverageValue: qty(sub(m.pods, 'current'), 'averageValue') };
    setIf(v, 'selector', metric, 'selector');
    out.pods = v;
  }
  for (const key of ['resource', 'containerResource'] as const) {
    if (!isObj(m[key])) continue;
    const r = m[key];
    const current = sub(r, 'current');
    const v: Obj = { name: str(r, 'name') };
    setIf(v, 'currentAverageUtilization', current, 'averageUtilization');
    v.currentAverageValue = qty(current, 'averageValue');
    if (key === 'containerResource') v.container = str(r, 'container');
    out[key] = v;
  }
  if (isObj(m.external)) {
    const metric = sub(m.external, 'metric');
    const current = sub(m.external, 'current');
    const v: Obj = { metricName: str(metric, 'name') };
    setIf(v, 'metricSelector', metric, 'selector');
    v.currentValue = qty(current, 'value');
    setIf(v, 'currentAverageValue', current, 'averageValue');
    out.external = v;
  }
  return out;
}

function metricStatusToV2(m: Obj): Obj {
  const out: Obj = { type: str(m, 'type') };
  if (isObj(m.object)) {
    const o = m.object;
    const current: Obj = { value: qty(o, 'currentValue') };
    setIf(current, 'averageValue', o, 'averageValue');
    out.object = { metric: metricIdentifier(o, 'selector'), current, describedObject: crossVersionRef(o.target) };
  }
  if (isObj(m.pods)) {
    out.pods = {
      metric: metricIdentifier(m.pods, 'selector'),
      current: { averageValue: qty(m.pods, 'currentAverageValue') },
    };
  }
  for (const key of ['resource', 'containerResource'] as const) {
    if (!isObj(m[key])) continue;
    const r = m[key];
    const current: Obj = { averageValue: qty(r, 'currentAverageValue') };
    setIf(current, 'averageUtilization', r, 'currentAverageUtilization');
    const v: Obj = { name: str(r, 'name') };
    if (key === 'containerResource') v.container = str(r, 'container');
    v.current = current;
    out[key] = v;
  }
  if (isObj(m.external)) {
    const e = m.external;
    const current: Obj = { value: qty(e, 'currentValue') };
    setIf(current, 'averageValue', e, 'currentAverageValue');
    out.external = { metric: metricIdentifier(e, 'metricSelector'), current };
  }
  return out;
}

// ---- conditions ---------------------------------------------------------

function condition(c: Obj): Obj {
  const out: Obj = { type: str(c, 'type'), status: str(c, 'status') };
  setIf(out, 'lastTransitionTime', c, 'lastTransitionTime');
  setIfNonEmpty(out, 'reason', c, 'reason');
  setIfNonEmpty(out, 'message', c, 'message');
  return out;
}

// ---- behavior -----------------------------------------------------------
// Upstream marshals its *internal* HorizontalPodAutoscalerBehavior, which has
// no json tags, so the annotation holds Go field names with nil pointers and
// slices as null. Decoding goes through the same internal type, whose field
// matching is case-insensitive.

function behaviorToGoJson(b: Obj): Obj {
  const rules = (r: unknown): Obj | null => {
    if (!isObj(r)) return null;
    return {
      StabilizationWindowSeconds: has(r, 'stabilizationWindowSeconds') ? r.stabilizationWindowSeconds : null,
      SelectPolicy: has(r, 'selectPolicy') ? r.selectPolicy : null,
      Policies: Array.isArray(r.policies)
        ? r.policies.map((p: unknown) => ({
            Type: str(p, 'type'),
            Value: has(p, 'value') ? (p as Obj).value : 0,
            PeriodSeconds: has(p, 'periodSeconds') ? (p as Obj).periodSeconds : 0,
          }))
        : null,
      Tolerance: has(r, 'tolerance') ? r.tolerance : null,
    };
  };
  return { ScaleUp: rules(b.scaleUp), ScaleDown: rules(b.scaleDown) };
}

/** encoding/json's key matching: the exact name first, else any case-insensitive match. */
function goField(o: Obj, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function behaviorFromGoJson(raw: unknown): Obj | undefined {
  const p = parseJson(raw);
  if (!p.ok || !isObj(p.value)) return undefined;
  const rules = (r: unknown): Obj | undefined => {
    if (!isObj(r)) return undefined;
    const out: Obj = {};
    const window = goField(r, 'StabilizationWindowSeconds');
    if (window !== undefined && window !== null) out.stabilizationWindowSeconds = window;
    const select = goField(r, 'SelectPolicy');
    if (select !== undefined && select !== null) out.selectPolicy = select;
    const policies = goField(r, 'Policies');
    if (Array.isArray(policies) && policies.length > 0) {
      out.policies = policies.map((pol) => {
        const q = isObj(pol) ? pol : {};
        const type = goField(q, 'Type');
        const value = goField(q, 'Value');
        const period = goField(q, 'PeriodSeconds');
        return { type: type ?? '', value: value ?? 0, periodSeconds: period ?? 0 };
      });
    }
    const tolerance = goField(r, 'Tolerance');
    if (tolerance !== undefined && tolerance !== null) out.tolerance = tolerance;
    return out;
  };
  const out: Obj = {};
  const up = rules(goField(p.value, 'ScaleUp'));
  const down = rules(goField(p.value, 'ScaleDown'));
  if (up) out.scaleUp = up;
  if (down) out.scaleDown = down;
  // Upstream keeps only a non-zero behavior: both directions nil means none.
  return up || down ? out : undefined;
}

// ---- shape guard --------------------------------------------------------

function listOfObjects(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.every(isObj));
}

/** Shapes no stored object has; such input is relabelled and otherwise left alone. */
function wellFormed(obj: Obj): boolean {
  if (obj.metadata !== undefined && !isObj(obj.metadata)) return false;
  const ann = obj.metadata?.annotations;
  if (ann !== undefined && ann !== null && !isObj(ann)) return false;
  if (obj.spec !== undefined && obj.spec !== null && !isObj(obj.spec)) return false;
  if (obj.status !== undefined && obj.status !== null && !isObj(obj.status)) return false;
  if (!listOfObjects(obj.spec?.metrics)) return false;
  if (!listOfObjects(obj.status?.currentMetrics)) return false;
  if (!listOfObjects(obj.status?.conditions)) return false;
  return true;
}

function relabel(obj: unknown, apiVersion: string): any {
  if (!isObj(obj)) return obj;
  return { ...obj, apiVersion };
}

function dropRoundTripAnnotations(out: Obj): void {
  const ann = out.metadata?.annotations;
  if (!isObj(ann)) return;
  if (!ROUND_TRIP_ANNOTATIONS.some((k) => k in ann)) return;
  for (const k of ROUND_TRIP_ANNOTATIONS) delete ann[k];
  // Go's omitempty: an emptied map is not serialised at all.
  if (Object.keys(ann).length === 0) delete out.metadata.annotations;
}

function setAnnotation(out: Obj, key: string, value: string): void {
  if (!isObj(out.metadata)) out.metadata = {};
  if (!isObj(out.metadata.annotations)) out.metadata.annotations = {};
  out.metadata.annotations[key] = value;
}

// ---- public API ---------------------------------------------------------

/** autoscaling/v2 HorizontalPodAutoscaler → autoscaling/v1. */
export function hpaToV1(obj: Record<string, any>): Record<string, any> {
  if (!isObj(obj) || !wellFormed(obj)) return relabel(obj, V1);
  try {
    return toV1(obj);
  } catch {
    return relabel(obj, V1);
  }
}

function toV1(obj: Obj): Obj {
  const out: Obj = clone(obj);
  out.apiVersion = V1;
  dropRoundTripAnnotations(out);

  const inSpec: Obj = isObj(obj.spec) ? obj.spec : {};
  const metrics: Obj[] = Array.isArray(inSpec.metrics) ? inSpec.metrics : [];

  const spec: Obj = {};
  if (has(inSpec, 'scaleTargetRef')) spec.scaleTargetRef = clone(inSpec.scaleTargetRef);
  setIf(spec, 'minReplicas', inSpec, 'minReplicas');
  setIf(spec, 'maxReplicas', inSpec, 'maxReplicas');
  // Since #101370 the first CPU metric *with* a utilization target wins, so a
  // preceding CPU AverageValue metric cannot hide it.
  const cpu = metrics.find(isCpuUtilizationMetric);
  if (cpu) spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  if (obj.spec !== undefined || Object.keys(spec).length > 0) out.spec = spec;

  const inStatus: Obj | undefined = isObj(obj.status) ? obj.status : undefined;
  const currentMetrics: Obj[] = Array.isArray(inStatus?.currentMetrics) ? inStatus.currentMetrics : [];
  const conditions: Obj[] = Array.isArray(inStatus?.conditions) ? inStatus.conditions : [];
  if (inStatus) {
    const status: Obj = {};
    setIf(status, 'observedGeneration', inStatus, 'observedGeneration');
    setIf(status, 'lastScaleTime', inStatus, 'lastScaleTime');
    status.currentReplicas = has(inStatus, 'currentReplicas') ? inStatus.currentReplicas : 0;
    status.desiredReplicas = has(inStatus, 'desiredReplicas') ? inStatus.desiredReplicas : 0;
    // No early exit upstream: the last CPU status with a utilization wins.
    for (const m of currentMetrics) {
      if (m.type === 'Resource' && isObj(m.resource) && m.resource.name === 'cpu' && has(m.resource.current, 'averageUtilization')) {
        status.currentCPUUtilizationPercentage = m.resource.current.averageUtilization;
      }
    }
    out.status = status;
  }

  const otherMetrics = metrics.filter((m) => !isCpuUtilizationMetric(m)).map(metricSpecToV1);
  if (otherMetrics.length > 0) setAnnotation(out, METRIC_SPECS_ANNOTATION, goJson(otherMetrics));
  // The CPU status is stored here too: the annotation keeps its raw averageValue.
  if (currentMetrics.length > 0) setAnnotation(out, METRIC_STATUSES_ANNOTATION, goJson(currentMetrics.map(metricStatusToV1)));
  if (isObj(inSpec.behavior)) setAnnotation(out, BEHAVIOR_SPECS_ANNOTATION, goJson(behaviorToGoJson(inSpec.behavior)));
  if (conditions.length > 0) setAnnotation(out, CONDITIONS_ANNOTATION, goJson(conditions.map(condition)));
  return out;
}

/** autoscaling/v1 HorizontalPodAutoscaler → autoscaling/v2, reading back the round-trip annotations. */
export function hpaToV2(obj: Record<string, any>): Record<string, any> {
  if (!isObj(obj) || !wellFormed(obj)) return relabel(obj, V2);
  try {
    return toV2(obj);
  } catch {
    return relabel(obj, V2);
  }
}

function toV2(obj: Obj): Obj {
  const out: Obj = clone(obj);
  out.apiVersion = V2;
  const ann: Obj = isObj(obj.metadata?.annotations) ? obj.metadata.annotations : {};

  const inSpec: Obj = isObj(obj.spec) ? obj.spec : {};
  const spec: Obj = {};
  if (has(inSpec, 'scaleTargetRef')) spec.scaleTargetRef = clone(inSpec.scaleTargetRef);
  setIf(spec, 'minReplicas', inSpec, 'minReplicas');
  setIf(spec, 'maxReplicas', inSpec, 'maxReplicas');

  let metrics: Obj[] = [];
  if (has(inSpec, 'targetCPUUtilizationPercentage')) {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: inSpec.targetCPUUtilizationPercentage } },
    });
  }
  // Malformed annotations are ignored (upstream moves only well-formed data into fields).
  const others = METRIC_SPECS_ANNOTATION in ann ? parseStructList(ann[METRIC_SPECS_ANNOTATION]) : undefined;
  // The metric from targetCPUUtilizationPercentage goes after the annotation's.
  if (others) metrics = [...others.map(metricSpecToV2), ...metrics];
  // v1 once defaulted to 80% CPU in the controller; conversion makes that
  // explicit because only here is the full metric list known.
  if (metrics.length === 0) {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } },
    });
  }
  spec.metrics = metrics;
  const behavior = BEHAVIOR_SPECS_ANNOTATION in ann ? behaviorFromGoJson(ann[BEHAVIOR_SPECS_ANNOTATION]) : undefined;
  if (behavior) spec.behavior = behavior;
  out.spec = spec;

  const inStatus: Obj | undefined = isObj(obj.status) ? obj.status : undefined;
  let currentMetrics: Obj[] = [];
  if (inStatus && has(inStatus, 'currentCPUUtilizationPercentage')) {
    currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: inStatus.currentCPUUtilizationPercentage } } }];
  }
  const annotated = METRIC_STATUSES_ANNOTATION in ann ? parseStructList(ann[METRIC_STATUSES_ANNOTATION]) : undefined;
  // The annotation has more information than currentCPUUtilizationPercentage.
  if (annotated) currentMetrics = annotated.map(metricStatusToV2);
  const conditionList = CONDITIONS_ANNOTATION in ann ? parseStructList(ann[CONDITIONS_ANNOTATION]) : undefined;
  const conditions = conditionList ? conditionList.map(condition) : [];

  if (inStatus || currentMetrics.length > 0 || conditions.length > 0) {
    const src = inStatus ?? {};
    const status: Obj = {};
    setIf(status, 'observedGeneration', src, 'observedGeneration');
    setIf(status, 'lastScaleTime', src, 'lastScaleTime');
    // omitempty in v2, required in v1.
    if (has(src, 'currentReplicas') && src.currentReplicas !== 0) status.currentReplicas = src.currentReplicas;
    status.desiredReplicas = has(src, 'desiredReplicas') ? src.desiredReplicas : 0;
    if (currentMetrics.length > 0) status.currentMetrics = currentMetrics;
    if (conditions.length > 0) status.conditions = conditions;
    out.status = status;
  }

  dropRoundTripAnnotations(out);
  return out;
}

/** Converts a HorizontalPodAutoscaler to autoscaling/`toVersion`; an object already there is returned unchanged. */
export function convertHpa(obj: Record<string, any>, toVersion: 'v1' | 'v2'): Record<string, any> {
  if (!isObj(obj)) return obj;
  const target = toVersion === 'v1' ? V1 : V2;
  if (obj.apiVersion === target) return obj;
  // Anything not v1 (v2, v2beta2, unset) is treated as v2-shaped: v2beta2 has v2's layout.
  if (toVersion === 'v1') return hpaToV1(obj);
  if (obj.apiVersion === V1) return hpaToV2(obj);
  return relabel(clone(obj), V2);
}
