// Validation of built-in objects, as the API server runs it on create (`validate(obj)`) and on
// update (`validate(obj, old)`), with upstream's field paths, error types and wording. Objects
// are the versioned JSON kubectl sends, after defaulting (see ../defaults). The message of a
// failed request is `formatErrors(kind, group, name, errs)`; the 422 Status's causes are
// `toStatusCauses(errs)`.

import type { FieldError } from './errors.ts';
import { asObj, asStr, type Obj } from './meta.ts';
import {
  validateConfigMap,
  validateEndpoints,
  validateLimitRange,
  validateNamespace,
  validateNode,
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePod,
  validatePodTemplate,
  validatePodUpdate,
  validateReplicationController,
  validateResourceQuota,
  validateSecret,
  validateService,
  validateServiceAccount,
} from './core.ts';
import { validateControllerRevision, validateDaemonSet, validateDeployment, validateReplicaSet, validateStatefulSet } from './apps.ts';
import { validateCronJob, validateJob } from './batch.ts';
import {
  validateEndpointSlice,
  validateGeneric,
  validateHorizontalPodAutoscaler,
  validateIngress,
  validateIngressClass,
  validateLease,
  validateNetworkPolicy,
  validatePodDisruptionBudget,
  validatePriorityClass,
  validateRole,
  validateRoleBinding,
  validateStorageClass,
} from './other.ts';
import { nameIsDNSSubdomain } from './names.ts';

export type { FieldError, FieldErrorType } from './errors.ts';
export {
  aggregateMessage,
  errorBody,
  errorString,
  formatErrors,
  goQuote,
  GoValue,
  qualifiedKind,
  toStatusCauses,
} from './errors.ts';
export { normalizeServiceSpec } from './core.ts';
export { cronParseError } from './batch.ts';
export {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from './names.ts';

type Validator = (obj: Obj, old?: Obj) => FieldError[];

/** Validators by `group/Kind` (core group: `/Kind`). */
const VALIDATORS: Record<string, Validator> = {
  '/Pod': (o, old) => (old ? validatePodUpdate(o, old) : validatePod(o)),
  '/PodTemplate': validatePodTemplate,
  '/ReplicationController': validateReplicationController,
  '/Service': validateService,
  '/ConfigMap': validateConfigMap,
  '/Secret': validateSecret,
  '/ServiceAccount': validateServiceAccount,
  '/Namespace': validateNamespace,
  '/Node': validateNode,
  '/PersistentVolume': validatePersistentVolume,
  '/PersistentVolumeClaim': validatePersistentVolumeClaim,
  '/Endpoints': validateEndpoints,
  '/LimitRange': validateLimitRange,
  '/ResourceQuota': validateResourceQuota,
  'apps/Deployment': validateDeployment,
  'apps/ReplicaSet': validateReplicaSet,
  'apps/StatefulSet': validateStatefulSet,
  'apps/DaemonSet': validateDaemonSet,
  'apps/ControllerRevision': validateControllerRevision,
  'batch/Job': validateJob,
  'batch/CronJob': validateCronJob,
  'rbac.authorization.k8s.io/Role': (o, old) => validateRole(o, old, true),
  'rbac.authorization.k8s.io/ClusterRole': (o, old) => validateRole(o, old, false),
  'rbac.authorization.k8s.io/RoleBinding': (o, old) => validateRoleBinding(o, old, true),
  'rbac.authorization.k8s.io/ClusterRoleBinding': (o, old) => validateRoleBinding(o, old, false),
  'networking.k8s.io/NetworkPolicy': validateNetworkPolicy,
  'networking.k8s.io/Ingress': validateIngress,
  'networking.k8s.io/IngressClass': validateIngressClass,
  'policy/PodDisruptionBudget': validatePodDisruptionBudget,
  'autoscaling/HorizontalPodAutoscaler': validateHorizontalPodAutoscaler,
  'storage.k8s.io/StorageClass': validateStorageClass,
  'scheduling.k8s.io/PriorityClass': validatePriorityClass,
  'discovery.k8s.io/EndpointSlice': validateEndpointSlice,
  'coordination.k8s.io/Lease': validateLease,
};

/** The API group of an apiVersion: `apps/v1` -> `apps`, `v1` -> ``. */
export function groupOf(apiVersion: unknown): string {
  const s = asStr(apiVersion);
  const i = s.indexOf('/');
  return i < 0 ? '' : s.slice(0, i);
}

/** Whether this module has kind-specific rules for the object's kind. */
export function hasValidator(apiVersion: string, kind: string): boolean {
  return `${groupOf(apiVersion)}/${kind}` in VALIDATORS;
}

/**
 * Validates a built-in object on create, or on update when `old` (the stored object) is given.
 * Returns upstream's field errors, in upstream's order; empty when the object is valid.
 * Namespace presence and scope, resourceVersion and uid handling are the server's concern.
 */
export function validate(obj: Record<string, any>, old?: Record<string, any>): FieldError[] {
  const o = asObj(obj);
  const key = `${groupOf(o.apiVersion)}/${asStr(o.kind)}`;
  const v = VALIDATORS[key];
  if (v) return v(o, old === undefined ? undefined : asObj(old));
  return validateGeneric(o, old === undefined ? undefined : asObj(old), nameIsDNSSubdomain);
}
