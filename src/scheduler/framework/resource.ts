// Resource arithmetic for the scheduler: quantities are parsed once per pod or node (cpu in
// millicores, everything else in units, as upstream's MilliValue()/Value()) into plain numbers,
// and requests are aggregated as k8s.io/component-helpers/resource PodRequests does (sum of
// containers, max with init containers and sidecars, pod-level requests, overhead).

import { parseQuantity } from '../../api/validation/quantity.ts';
import type { Obj } from '../../apiserver/rest.ts';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** Upstream's non-zero defaults used for scoring pods that request nothing. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** name -> amount (cpu in millicores). */
export type ResourceList = Map<string, number>;

// Many pods carry the same few strings ("100m", "128Mi"); parsing once per distinct string keeps
// PodInfo construction cheap. The cache is bounded so that arbitrary input cannot grow it.
const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();
const CACHE_LIMIT = 4096;

function cached(cache: Map<string, number>, raw: unknown, milli: boolean): number {
  const key = typeof raw === 'number' ? `#${raw}` : String(raw);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let v = 0;
  try {
    const q = parseQuantity(typeof raw === 'number' ? raw : String(raw));
    v = Number(milli ? q.milliValue() : q.value());
  } catch {
    // Invalid quantities were rejected by API validation; count them as zero rather than fail a cycle.
    v = 0;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, v);
  return v;
}

/** The amount of `name` in `raw` as the scheduler counts it (cpu in millicores). */
export function quantityFor(name: string, raw: unknown): number {
  return name === CPU ? cached(milliCache, raw, true) : cached(valueCache, raw, false);
}

export function parseResourceList(obj: Obj | undefined | null): ResourceList {
  const out: ResourceList = new Map();
  if (!obj || typeof obj !== 'object') return out;
  for (const name of Object.keys(obj)) out.set(name, quantityFor(name, obj[name]));
  return out;
}

/** Upstream IsScalarResourceName: extended, hugepages, prefixed native and attachable-volume resources. */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return true;
  if (name.includes('kubernetes.io/')) return true;
  return isExtendedResourceName(name);
}

/** Upstream IsExtendedResourceName: a domain-qualified name outside kubernetes.io, not a quota name. */
export function isExtendedResourceName(name: string): boolean {
  if (!name.includes('/') || name.includes('kubernetes.io/')) return false;
  return !name.startsWith('requests.');
}

export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Extended, hugepages and other scalar resources; undefined until one is seen. */
  scalar: Map<string, number> | undefined;

  static fromList(list: ResourceList): Resource {
    const r = new Resource();
    r.addList(list);
    return r;
  }

  addList(list: ResourceList, sign = 1): void {
    for (const [name, v] of list) {
      switch (name) {
        case CPU:
          this.milliCPU += sign * v;
          break;
        case MEMORY:
          this.memory += sign * v;
          break;
        case PODS:
          this.allowedPodNumber += sign * v;
          break;
        case EPHEMERAL_STORAGE:
          this.ephemeralStorage += sign * v;
          break;
        default:
          if (isScalarResourceName(name)) this.setScalar(name, this.getScalar(name) + sign * v);
      }
    }
  }

  add(o: Resource, sign = 1): void {
    this.milliCPU += sign * o.milliCPU;
    this.memory += sign * o.memory;
    this.ephemeralStorage += sign * o.ephemeralStorage;
    this.allowedPodNumber += sign * o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.setScalar(k, this.getScalar(k) + sign * v);
  }

  getScalar(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }

  setScalar(name: string, v: number): void {
    (this.scalar ??= new Map()).set(name, v);
  }

  /** The amount of one named resource. */
  get(name: string): number {
    switch (name) {
      case CPU:
        return this.milliCPU;
      case MEMORY:
        return this.memory;
      case EPHEMERAL_STORAGE:
        return this.ephemeralStorage;
      case PODS:
        return this.allowedPodNumber;
      default:
        return this.getScalar(name);
    }
  }

  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalar) r.scalar = new Map(this.scalar);
    return r;
  }

  isZero(): boolean {
    return this.milliCPU === 0 && this.memory === 0 && this.ephemeralStorage === 0 && (this.scalar?.size ?? 0) === 0;
  }
}

function addInto(into: ResourceList, add: ResourceList): void {
  for (const [k, v] of add) into.set(k, (into.get(k) ?? 0) + v);
}

function maxInto(into: ResourceList, other: ResourceList): void {
  for (const [k, v] of other) {
    const cur = into.get(k);
    if (cur === undefined || v > cur) into.set(k, v);
  }
}

/** Upstream applyNonMissing: defaults for resources the container does not mention at all. */
function withDefaults(reqs: ResourceList, defaults: ResourceList | undefined): ResourceList {
  if (!defaults || defaults.size === 0) return reqs;
  let out: ResourceList | undefined;
  for (const [k, v] of defaults) {
    if (!reqs.has(k)) {
      out ??= new Map(reqs);
      out.set(k, v);
    }
  }
  return out ?? reqs;
}

type ContainerReqs = (c: Obj, status: Obj | undefined) => ResourceList | undefined;

function aggregate(pod: Obj, get: ContainerReqs, defaults: ResourceList | undefined, statuses: Map<string, Obj> | undefined): ResourceList {
  const spec = pod.spec ?? {};
  const result: ResourceList = new Map();
  for (const c of (spec.containers ?? []) as Obj[]) {
    addInto(result, withDefaults(get(c, statuses?.get(c.name)) ?? EMPTY_LIST, defaults));
  }
  // Init containers run one at a time, but sidecars (restartPolicy Always) keep running: the
  // pod needs the largest of each init step plus the sidecars started before it.
  const sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of (spec.initContainers ?? []) as Obj[]) {
    const reqs = withDefaults(get(c, statuses?.get(c.name)) ?? EMPTY_LIST, defaults);
    if (c.restartPolicy === 'Always') {
      addInto(result, reqs);
      addInto(sidecars, reqs);
      maxInto(initMax, sidecars);
    } else {
      const step: ResourceList = new Map(reqs);
      addInto(step, sidecars);
      maxInto(initMax, step);
    }
  }
  maxInto(result, initMax);
  return result;
}

const EMPTY_LIST: ResourceList = new Map();

function isPodLevelSupported(name: string): boolean {
  return name === CPU || name === MEMORY || name.startsWith('hugepages-');
}

function podLevelRequests(pod: Obj): ResourceList | undefined {
  const raw = pod.spec?.resources?.requests;
  if (!raw || typeof raw !== 'object') return undefined;
  const list = parseResourceList(raw);
  for (const k of list.keys()) if (isPodLevelSupported(k)) return list;
  return undefined;
}

const specRequests: ContainerReqs = (c) => parseResourceList(c.resources?.requests);

export interface PodRequestOptions {
  /** Replaces requests that a container does not mention (upstream NonMissingContainerRequests). */
  defaults?: ResourceList;
  /**
   * Counts what the kubelet allocated or actuated when larger than the spec (in-place resize):
   * used for pods already on a node.
   */
  useStatus?: boolean;
}

/** Upstream resourcehelper.PodRequests. */
export function podRequests(pod: Obj, opts: PodRequestOptions = {}): ResourceList {
  let reqs: ResourceList;
  const statuses = opts.useStatus ? containerStatuses(pod) : undefined;
  if (statuses && statuses.size > 0) {
    reqs = aggregate(pod, specRequests, opts.defaults, undefined);
    const allocated = aggregate(
      pod,
      (c, s) => (s?.allocatedResources ? parseResourceList(s.allocatedResources) : specRequests(c, s)),
      opts.defaults,
      statuses,
    );
    const actuated = aggregate(
      pod,
      (c, s) =>
        s?.resources?.requests
          ? parseResourceList(s.resources.requests)
          : s?.allocatedResources
            ? parseResourceList(s.allocatedResources)
            : specRequests(c, s),
      opts.defaults,
      statuses,
    );
    maxInto(reqs, allocated);
    maxInto(reqs, actuated);
  } else {
    reqs = aggregate(pod, specRequests, opts.defaults, undefined);
  }
  const podLevel = podLevelRequests(pod);
  if (podLevel) for (const [k, v] of podLevel) if (isPodLevelSupported(k)) reqs.set(k, v);
  const overhead = pod.spec?.overhead;
  if (overhead && typeof overhead === 'object') addInto(reqs, parseResourceList(overhead));
  return reqs;
}

function containerStatuses(pod: Obj): Map<string, Obj> | undefined {
  const st = pod.status;
  if (!st) return undefined;
  let out: Map<string, Obj> | undefined;
  for (const list of [st.containerStatuses, st.initContainerStatuses]) {
    if (!Array.isArray(list)) continue;
    for (const s of list as Obj[]) {
      if (s && (s.allocatedResources || s.resources?.requests)) (out ??= new Map()).set(s.name, s);
    }
  }
  return out;
}

export const NON_ZERO_DEFAULTS: ResourceList = new Map([
  [CPU, DEFAULT_MILLI_CPU_REQUEST],
  [MEMORY, DEFAULT_MEMORY_REQUEST],
]);

/** What a pod costs, computed once per PodInfo. */
export interface PodResources {
  /** What NodeResourcesFit filters on and NodeInfo.requested adds up. */
  requests: Resource;
  /** Upstream's Non0CPU/Non0Mem: requests with the 100m / 200Mi defaults for unset values. */
  non0CPU: number;
  non0Mem: number;
  /** Per-resource requests with the non-zero defaults, for the Fit scoring strategies. */
  scoring: ResourceList;
  /** Per-resource requests without defaults, for BalancedAllocation. */
  plain: ResourceList;
}

export function computePodResources(pod: Obj, useStatus: boolean): PodResources {
  const plain = podRequests(pod, { useStatus });
  const requests = new Resource();
  requests.addList(plain);
  // With pod-level requests set, upstream only defaults what neither level specifies.
  const podLevel = podLevelRequests(pod) !== undefined;
  let nodeDefaults: ResourceList = NON_ZERO_DEFAULTS;
  if (podLevel) {
    nodeDefaults = new Map();
    if (!plain.has(CPU)) nodeDefaults.set(CPU, DEFAULT_MILLI_CPU_REQUEST);
    if (!plain.has(MEMORY)) nodeDefaults.set(MEMORY, DEFAULT_MEMORY_REQUEST);
  }
  const non0 = nodeDefaults.size ? podRequests(pod, { useStatus, defaults: nodeDefaults }) : plain;
  const scoring = podLevel ? podRequests(pod, { useStatus, defaults: NON_ZERO_DEFAULTS }) : non0;
  return {
    requests,
    non0CPU: non0.get(CPU) ?? 0,
    non0Mem: non0.get(MEMORY) ?? 0,
    scoring,
    plain,
  };
}
