// A pod's aggregate requests and limits, as upstream's component-helpers PodRequests/PodLimits
// compute them: containers summed, each init container taken at its peak (plus the restartable
// "sidecar" init containers started before it), pod-level resources overriding cpu/memory/
// hugepages, and optionally pod overhead and the resources the kubelet reports in status.
import type { Obj } from '../rest.ts';
import { type ResourceList, addInto, arr, isObj, maxInto, toList } from './resources.ts';

export interface PodResourceOptions {
  /** Also take the allocated/actuated resources in status (InPlacePodVerticalScaling, GA). */
  useStatus: boolean;
  /** Add spec.overhead (requests always; limits only where a non-zero limit is set). */
  includeOverhead: boolean;
}

type Getter = (c: Obj, status: Obj | undefined, infeasible: boolean) => ResourceList;

export function isSupportedPodLevelResource(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name.startsWith('hugepages-');
}

function podLevel(pod: Obj, field: 'requests' | 'limits'): ResourceList | undefined {
  const res = pod.spec?.resources;
  if (!isObj(res) || !isObj(res[field])) return undefined;
  const list = toList(res[field]);
  return [...list.keys()].some(isSupportedPodLevelResource) ? list : undefined;
}

/** Pod-level requests or limits are set for a supported resource (IsPodLevelResourcesSet). */
export function isPodLevelResourcesSet(pod: Obj): boolean {
  return podLevel(pod, 'requests') !== undefined || podLevel(pod, 'limits') !== undefined;
}

function containerStatus(pod: Obj, name: unknown): Obj | undefined {
  const status = isObj(pod.status) ? pod.status : {};
  for (const list of ['containerStatuses', 'initContainerStatuses']) {
    const found = arr(status[list]).find((s) => s.name === name);
    if (found) return found;
  }
  return undefined;
}

function resizeInfeasible(pod: Obj): boolean {
  const cond = arr(pod.status?.conditions).find((c) => c.type === 'PodResizePending');
  return cond?.reason === 'Infeasible';
}

function aggregate(pod: Obj, useStatus: boolean, get: Getter): ResourceList {
  const infeasible = useStatus && resizeInfeasible(pod);
  const statusOf = (c: Obj) => (useStatus ? containerStatus(pod, c.name) : undefined);
  const result: ResourceList = new Map();
  for (const c of arr(pod.spec?.containers)) addInto(result, get(c, statusOf(c), infeasible));
  const sidecars: ResourceList = new Map();
  const initPeak: ResourceList = new Map();
  for (const c of arr(pod.spec?.initContainers)) {
    const own = get(c, statusOf(c), infeasible);
    let during: ResourceList;
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running: it adds to the pod total and to every later init container's peak.
      addInto(result, own);
      addInto(sidecars, own);
      during = new Map(sidecars);
    } else {
      during = new Map(own);
      addInto(during, sidecars);
    }
    maxInto(initPeak, during);
  }
  maxInto(result, initPeak);
  return result;
}

function maxOf(...lists: ResourceList[]): ResourceList {
  const out: ResourceList = new Map(lists[0]);
  for (const l of lists.slice(1)) maxInto(out, l);
  return out;
}

const specRequests: Getter = (c) => toList(c.resources?.requests);
const specLimits: Getter = (c) => toList(c.resources?.limits);

export function podRequests(pod: Obj, opts: PodResourceOptions): ResourceList {
  let reqs: ResourceList;
  const spec = aggregate(pod, false, specRequests);
  if (!opts.useStatus) {
    reqs = spec;
  } else {
    const empty: ResourceList = new Map();
    const allocated = aggregate(pod, true, (c, cs, inf) =>
      isObj(cs?.allocatedResources) ? toList(cs.allocatedResources) : inf ? empty : specRequests(c, cs, inf),
    );
    const actuated = aggregate(pod, true, (c, cs, inf) => {
      if (isObj(cs?.resources?.requests)) return toList(cs.resources.requests);
      if (isObj(cs?.allocatedResources)) return toList(cs.allocatedResources);
      return inf ? empty : specRequests(c, cs, inf);
    });
    reqs = resizeInfeasible(pod) ? maxOf(actuated, allocated) : maxOf(spec, actuated, allocated);
  }
  const level = podLevel(pod, 'requests');
  if (level) for (const [k, v] of level) if (isSupportedPodLevelResource(k)) reqs.set(k, v);
  if (opts.includeOverhead) addInto(reqs, toList(pod.spec?.overhead));
  return reqs;
}

export function podLimits(pod: Obj, opts: PodResourceOptions): ResourceList {
  let limits: ResourceList;
  const spec = aggregate(pod, false, specLimits);
  if (!opts.useStatus) {
    limits = spec;
  } else {
    const empty: ResourceList = new Map();
    const actuated = aggregate(pod, true, (c, cs, inf) =>
      isObj(cs?.resources?.limits) ? toList(cs.resources.limits) : inf ? empty : specLimits(c, cs, inf),
    );
    limits = resizeInfeasible(pod) ? actuated : maxOf(spec, actuated);
  }
  if (isPodLevelResourcesSet(pod)) {
    for (const [k, v] of toList(pod.spec?.resources?.limits)) if (isSupportedPodLevelResource(k)) limits.set(k, v);
  }
  if (opts.includeOverhead) {
    for (const [k, v] of toList(pod.spec?.overhead)) {
      const cur = limits.get(k);
      if (cur !== undefined && !cur.isZero()) limits.set(k, cur.add(v));
    }
  }
  return limits;
}
