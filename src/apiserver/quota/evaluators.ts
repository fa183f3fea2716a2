// Upstream's quota evaluators (pkg/quota/v1/evaluator/core and the generic object-count one):
// what an object uses, which quota resource names each kind answers for, and which scopes a
// pod falls in.
import type { Obj } from '../rest.ts';
import { Quantity } from '../../api/validation/quantity.ts';
import { isPodLevelResourcesSet, podLimits, podRequests } from './pods.ts';
import { type ResourceList, ZERO, addInto, arr, isObj, toList } from './resources.ts';

const ONE = Quantity.fromInt(1);
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const DEVICE_CLASS_PREFIX = 'deviceclass.resource.kubernetes.io/';

/** Object counts that predate `count/<resource>` and are still charged under their old names. */
const LEGACY_COUNT_ALIASES: Record<string, string> = {
  configmaps: 'configmaps',
  resourcequotas: 'resourcequotas',
  replicationcontrollers: 'replicationcontrollers',
  secrets: 'secrets',
};

const POD_RESOURCES = new Set([
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
]);
const SERVICE_RESOURCES = new Set(['count/services', 'services', 'services.nodeports', 'services.loadbalancers']);
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];

/** Resources the quota system never tracks (upstream's DefaultIgnoredResources). */
function ignored(group: string, resource: string): boolean {
  return group === '' && resource === 'events';
}

export function objectCountName(group: string, resource: string): string {
  return group === '' ? `count/${resource}` : `count/${resource}.${group}`;
}

type Kind = 'pods' | 'services' | 'pvcs' | 'generic';

export function kindOf(group: string, resource: string): Kind {
  if (group !== '') return 'generic';
  if (resource === 'pods') return 'pods';
  if (resource === 'services') return 'services';
  if (resource === 'persistentvolumeclaims') return 'pvcs';
  return 'generic';
}

function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** An extended resource a container may request (`nvidia.com/gpu`, or a DRA device class). */
function isExtendedResourceName(name: string): boolean {
  if (name.startsWith(DEVICE_CLASS_PREFIX)) return true;
  return !isNativeResource(name) && !name.startsWith('requests.');
}

/** `requests.<extended>`: the only quota form extended resources have (no overcommit). */
function isExtendedResourceNameForQuota(name: string): boolean {
  if (!name.startsWith('requests.')) return false;
  return !isNativeResource(name) || name.startsWith(`requests.${DEVICE_CLASS_PREFIX}`);
}

/** The quota resource names (from a quota's hard list) that objects of this kind count toward. */
export function matchingResources(group: string, resource: string, names: string[]): string[] {
  if (ignored(group, resource)) return [];
  switch (kindOf(group, resource)) {
    case 'pods':
      return names.filter(
        (n) => POD_RESOURCES.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || isExtendedResourceNameForQuota(n),
      );
    case 'services':
      return names.filter((n) => SERVICE_RESOURCES.has(n));
    case 'pvcs':
      return names.filter(
        (n) =>
          n === 'count/persistentvolumeclaims' ||
          PVC_RESOURCES.includes(n) ||
          PVC_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r)),
      );
    case 'generic': {
      const own = new Set([objectCountName(group, resource)]);
      const alias = group === '' ? LEGACY_COUNT_ALIASES[resource] : undefined;
      if (alias) own.add(alias);
      return names.filter((n) => own.has(n));
    }
  }
}

/** Whether some evaluator answers for this quota resource name (else the controller omits it). */
export function isKnownQuotaResource(name: string): boolean {
  return (
    name.startsWith('count/') ||
    name in LEGACY_COUNT_ALIASES ||
    matchingResources('', 'pods', [name]).length > 0 ||
    matchingResources('', 'services', [name]).length > 0 ||
    matchingResources('', 'persistentvolumeclaims', [name]).length > 0
  );
}

/** podComputeUsageHelper: the quota names a set of requests and limits accounts for. */
export function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', ONE]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req !== undefined) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim !== undefined) out.set(`limits.${r}`, lim);
  }
  for (const [name, req] of requests) {
    if (name.startsWith('hugepages-')) {
      out.set(name, req);
      out.set(`requests.${name}`, req);
    }
    if (isExtendedResourceName(name)) out.set(`requests.${name}`, req);
  }
  return out;
}

/** A pod still charged for compute: not terminal, and not stuck past its deletion grace period. */
function podCharged(pod: Obj, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (typeof ts === 'string' && typeof grace === 'number') {
    const deleted = Date.parse(ts);
    if (!Number.isNaN(deleted) && now > deleted + grace * 1000) return false;
  }
  return true;
}

function podUsage(pod: Obj, now: number): ResourceList {
  // count/pods tracks every stored pod; "pods" and compute only pods that are still alive.
  const out: ResourceList = new Map([['count/pods', ONE]]);
  if (!podCharged(pod, now)) return out;
  const opts = { useStatus: true, includeOverhead: true };
  addInto(out, computeUsage(podRequests(pod, opts), podLimits(pod, opts)));
  return out;
}

function serviceUsage(svc: Obj): ResourceList {
  const ports = Quantity.fromInt(arr(svc.spec?.ports).length);
  const out: ResourceList = new Map([
    ['count/services', ONE],
    ['services', ONE],
    ['services.loadbalancers', ZERO],
    ['services.nodeports', ZERO],
  ]);
  const type = svc.spec?.type;
  if (type === 'NodePort') out.set('services.nodeports', ports);
  if (type === 'LoadBalancer') {
    out.set('services.nodeports', ports);
    out.set('services.loadbalancers', ONE);
  }
  return out;
}

export function storageClassOf(pvc: Obj): string {
  const ann = pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (typeof ann === 'string') return ann;
  const cls = pvc.spec?.storageClassName;
  return typeof cls === 'string' ? cls : '';
}

function pvcUsage(pvc: Obj): ResourceList {
  const out: ResourceList = new Map([
    ['persistentvolumeclaims', ONE],
    ['count/persistentvolumeclaims', ONE],
  ]);
  const cls = storageClassOf(pvc);
  if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE);
  // Whole bytes only (upstream rounds up fractional requests); a larger allocation after a failed
  // expansion is what counts (RecoverVolumeExpansionFailure).
  let storage = toList(pvc.spec?.resources?.requests).get('storage');
  if (storage !== undefined) {
    storage = storage.roundUp(0);
    const allocated = toList(pvc.status?.allocatedResources).get('storage');
    if (allocated !== undefined && allocated.cmp(storage) > 0) storage = allocated.roundUp(0);
    out.set('requests.storage', storage);
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
  }
  return out;
}

export function usageList(group: string, resource: string, obj: Obj, now = Date.now()): ResourceList {
  if (ignored(group, resource)) return new Map();
  switch (kindOf(group, resource)) {
    case 'pods':
      return podUsage(obj, now);
    case 'services':
      return serviceUsage(obj);
    case 'pvcs':
      return pvcUsage(obj);
    case 'generic': {
      const out: ResourceList = new Map([[objectCountName(group, resource), ONE]]);
      const alias = group === '' ? LEGACY_COUNT_ALIASES[resource] : undefined;
      if (alias) out.set(alias, ONE);
      return out;
    }
  }
}

// ---- scopes ----------------------------------------------------------------------------------

export interface ScopeSelector {
  scopeName: string;
  operator: string;
  values?: string[];
}

/** spec.scopes (as Exists) followed by spec.scopeSelector.matchExpressions. */
export function scopeSelectors(quota: Obj): ScopeSelector[] {
  const out: ScopeSelector[] = [];
  for (const s of Array.isArray(quota.spec?.scopes) ? quota.spec.scopes : []) {
    if (typeof s === 'string') out.push({ scopeName: s, operator: 'Exists' });
  }
  for (const e of arr(quota.spec?.scopeSelector?.matchExpressions)) {
    out.push({
      scopeName: String(e.scopeName ?? ''),
      operator: String(e.operator ?? ''),
      values: Array.isArray(e.values) ? e.values.map(String) : [],
    });
  }
  return out;
}

export function isTerminating(pod: Obj): boolean {
  const ads = pod.spec?.activeDeadlineSeconds;
  return typeof ads === 'number' && ads >= 0;
}

function positiveCpuOrMemory(list: ResourceList): boolean {
  for (const r of ['cpu', 'memory']) {
    const q = list.get(r);
    if (q !== undefined && q.sign() > 0) return true;
  }
  return false;
}

/** The BestEffort QoS class: status.qosClass when set, else no positive cpu/memory anywhere. */
export function isBestEffort(pod: Obj): boolean {
  const qos = pod.status?.qosClass;
  if (typeof qos === 'string' && qos !== '') return qos === 'BestEffort';
  if (isPodLevelResourcesSet(pod)) {
    return !positiveCpuOrMemory(toList(pod.spec?.resources?.requests)) && !positiveCpuOrMemory(toList(pod.spec?.resources?.limits));
  }
  for (const list of ['containers', 'initContainers']) {
    for (const c of arr(pod.spec?.[list])) {
      if (positiveCpuOrMemory(toList(c.resources?.requests)) || positiveCpuOrMemory(toList(c.resources?.limits))) return false;
    }
  }
  return true;
}

function crossNamespaceTerm(term: unknown): boolean {
  if (!isObj(term)) return false;
  return (Array.isArray(term.namespaces) && term.namespaces.length > 0) || (term.namespaceSelector !== undefined && term.namespaceSelector !== null);
}

export function usesCrossNamespacePodAffinity(pod: Obj): boolean {
  const affinity = pod.spec?.affinity;
  if (!isObj(affinity)) return false;
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = affinity[kind];
    if (!isObj(a)) continue;
    if (arr(a.requiredDuringSchedulingIgnoredDuringExecution).some(crossNamespaceTerm)) return true;
    if (arr(a.preferredDuringSchedulingIgnoredDuringExecution).some((w) => crossNamespaceTerm(w.podAffinityTerm))) return true;
  }
  return false;
}

/** PriorityClass selectors work as a label selector over {PriorityClass: <name>}. */
function priorityClassMatches(pod: Obj, sel: ScopeSelector): boolean {
  const name = typeof pod.spec?.priorityClassName === 'string' ? pod.spec.priorityClassName : '';
  const values = sel.values ?? [];
  switch (sel.operator) {
    case 'Exists':
      return name !== '';
    case 'DoesNotExist':
      return name === '';
    case 'In':
      return name !== '' && values.includes(name);
    case 'NotIn':
      return name === '' || !values.includes(name);
    default:
      return false;
  }
}

export function podMatchesScope(pod: Obj, sel: ScopeSelector): boolean {
  switch (sel.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass':
      return priorityClassMatches(pod, sel);
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
    default:
      return false;
  }
}

/** Every scope of the quota selects the object; only pods can be selected by any scope. */
export function scopesMatch(quota: Obj, group: string, resource: string, obj: Obj): boolean {
  const selectors = scopeSelectors(quota);
  if (selectors.length === 0) return true;
  if (kindOf(group, resource) !== 'pods') return false;
  return selectors.every((s) => podMatchesScope(obj, s));
}

// ---- constraints -----------------------------------------------------------------------------

/** Quota names for which every container must state a value (an old mistake, kept upstream). */
const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/**
 * The pod evaluator's Constraints: when a quota tracks cpu or memory, each container and init
 * container must specify it (unless pod-level resources are set). Returns the message or undefined.
 */
export function podConstraints(required: string[], pod: Obj): string | undefined {
  if (isPodLevelResourcesSet(pod)) return undefined;
  const requiredSet = VALIDATION_SET.filter((r) => required.includes(r));
  if (requiredSet.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const list of ['containers', 'initContainers']) {
    for (const c of arr(pod.spec?.[list])) {
      const have = computeUsage(toList(c.resources?.requests), toList(c.resources?.limits));
      for (const r of requiredSet) {
        if (have.has(r)) continue;
        if (!missing.has(r)) missing.set(r, new Set());
        missing.get(r)?.add(String(c.name ?? ''));
      }
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...(missing.get(r) ?? [])].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}
