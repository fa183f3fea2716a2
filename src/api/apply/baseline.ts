// The shape of an empty object of a built-in kind, as kube-apiserver sees it when it compares
// two versions of an object to record who changed what.
//
// Upstream compares Go objects converted to JSON, and a Go object always has its non-pointer
// struct fields (`spec`, `spec.template`, `spec.template.metadata`...) and its lists without
// `omitempty` (`containers: null`), even when empty. Whether a map "appears" in an update (and
// so gets `".": {}` in the updater's fieldsV1) depends on that: creating a Deployment records
// `f:spec: {f:replicas: {}}` but `f:rollingUpdate: {".": {}, ...}` (a pointer). Our objects are
// plain JSON, so comparisons fill in this baseline on both sides first. Custom resources have
// none (upstream compares unstructured objects there, so `f:spec` gets `".": {}`).

import { isMap, put, type JsonMap } from './value.ts';

const POD_TEMPLATE = { metadata: {}, spec: { containers: null } };

/** `apiVersion/Kind` → the fields a zero Go object has besides `metadata`, `spec` and `status`. */
const NESTED: Readonly<Record<string, JsonMap>> = {
  'v1/Pod': { spec: { containers: null } },
  'v1/PodTemplate': { template: POD_TEMPLATE },
  'v1/PersistentVolumeClaim': { spec: { resources: {} } },
  'apps/v1/Deployment': { spec: { template: POD_TEMPLATE, strategy: {} } },
  'apps/v1/ReplicaSet': { spec: { template: POD_TEMPLATE } },
  'apps/v1/StatefulSet': { spec: { template: POD_TEMPLATE, updateStrategy: {} } },
  'apps/v1/DaemonSet': { spec: { template: POD_TEMPLATE, updateStrategy: {} } },
  'batch/v1/Job': { spec: { template: POD_TEMPLATE } },
  'batch/v1/CronJob': { spec: { jobTemplate: { metadata: {}, spec: { template: POD_TEMPLATE } } } },
  'networking.k8s.io/v1/NetworkPolicy': { spec: { podSelector: {} } },
  'autoscaling/v1/HorizontalPodAutoscaler': { spec: { scaleTargetRef: {} } },
  'autoscaling/v2/HorizontalPodAutoscaler': { spec: { scaleTargetRef: {} } },
};

/**
 * The baseline of a kind: `metadata` always; for built-in kinds (`hasSpecStatus` says which of
 * `spec` / `status` the type has), those too, plus the nested table above.
 */
export function baselineFor(apiVersion: string, kind: string, has: { spec: boolean; status: boolean }): JsonMap {
  const out: JsonMap = { metadata: {} };
  if (has.spec) out.spec = {};
  if (has.status) out.status = {};
  const nested = NESTED[`${apiVersion}/${kind}`];
  return nested ? fillAbsent(out, nested) : out;
}

/** `obj` with the members of `base` it lacks (recursively into maps both have). A new value. */
export function fillAbsent(obj: JsonMap, base: JsonMap): JsonMap {
  const out: JsonMap = { ...obj };
  for (const k of Object.keys(base)) {
    const b = base[k];
    if (!Object.hasOwn(out, k)) put(out, k, structuredClone(b));
    else if (isMap(b) && isMap(out[k])) put(out, k, fillAbsent(out[k] as JsonMap, b));
  }
  return out;
}
