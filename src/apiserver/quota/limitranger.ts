// The LimitRanger admission plugin: defaults container requests/limits from LimitRanges of type
// Container (mutating phase), then enforces min, max and maxLimitRequestRatio for the Container,
// Pod and PersistentVolumeClaim types (validating phase), with upstream's messages.
import type { Obj } from '../rest.ts';
import type { Quantity } from '../../api/validation/quantity.ts';
import { podLimits, podRequests } from './pods.ts';
import { type ResourceList, ZERO, arr, isObj, toList } from './resources.ts';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

const MAX_MILLI_VALUE = ((1n << 63n) - 1n) / 1000n;

interface Item {
  type: string;
  min: ResourceList;
  max: ResourceList;
  default: ResourceList;
  defaultRequest: ResourceList;
  maxLimitRequestRatio: ResourceList;
}

/** The items of a LimitRange with SetDefaults_LimitRangeItem applied (idempotent on stored ones). */
function items(lr: Obj): Item[] {
  return arr(lr.spec?.limits).map((raw) => {
    const item: Item = {
      type: typeof raw.type === 'string' ? raw.type : '',
      min: toList(raw.min),
      max: toList(raw.max),
      default: toList(raw.default),
      defaultRequest: toList(raw.defaultRequest),
      maxLimitRequestRatio: toList(raw.maxLimitRequestRatio),
    };
    if (item.type === 'Container') {
      for (const [k, v] of item.max) if (!item.default.has(k)) item.default.set(k, v);
      for (const [k, v] of item.default) if (!item.defaultRequest.has(k)) item.defaultRequest.set(k, v);
      for (const [k, v] of item.min) if (!item.defaultRequest.has(k)) item.defaultRequest.set(k, v);
    }
    return item;
  });
}

function containersOf(pod: Obj, list: 'containers' | 'initContainers'): Obj[] {
  return arr(pod.spec?.[list]);
}

/** SetDefaults_Pod's `request = limit` for resources with only a limit (already done on decode). */
function defaultRequestsFromLimits(pod: Obj): void {
  for (const list of ['containers', 'initContainers'] as const) {
    for (const c of containersOf(pod, list)) {
      const res = c.resources;
      if (!isObj(res) || !isObj(res.limits)) continue;
      for (const [k, v] of Object.entries(res.limits)) {
        if (!isObj(res.requests)) res.requests = {};
        if (!(k in res.requests)) res.requests[k] = v;
      }
    }
  }
}

function mergeDefaults(pod: Obj, lr: Obj): void {
  const limits: ResourceList = new Map();
  const requests: ResourceList = new Map();
  for (const item of items(lr)) {
    if (item.type !== 'Container') continue;
    for (const [k, v] of item.defaultRequest) requests.set(k, v);
    for (const [k, v] of item.default) limits.set(k, v);
  }
  const notes: string[] = [];
  const merge = (c: Obj, prefix: string) => {
    const setLimits: string[] = [];
    const setRequests: string[] = [];
    const fill = (field: 'limits' | 'requests', defaults: ResourceList, set: string[]) => {
      for (const [k, v] of defaults) {
        const res: Obj = isObj(c.resources) ? c.resources : (c.resources = {});
        const cur: Obj = isObj(res[field]) ? res[field] : (res[field] = {});
        if (k in cur) continue;
        cur[k] = v.toString();
        set.push(k);
      }
    };
    fill('limits', limits, setLimits);
    fill('requests', requests, setRequests);
    if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name ?? ''}`);
    if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name ?? ''}`);
  };
  for (const c of containersOf(pod, 'containers')) merge(c, 'container');
  for (const c of containersOf(pod, 'initContainers')) merge(c, 'init container');
  if (notes.length > 0) {
    // Each LimitRange writes the annotation afresh, so with several the last one that set
    // something is what the pod carries (as upstream).
    const meta: Obj = isObj(pod.metadata) ? pod.metadata : (pod.metadata = {});
    if (!isObj(meta.annotations)) meta.annotations = {};
    meta.annotations[LIMIT_RANGER_ANNOTATION] = `LimitRanger plugin set: ${notes.join('; ')}`;
  }
}

/**
 * Upstream compares in thousandths when nothing overflows an int64 of them, else in units;
 * both rounded up.
 */
function comparable(req: Quantity, lim: Quantity, enforced: Quantity): [bigint, bigint, bigint] {
  const units: [bigint, bigint, bigint] = [req.value(), lim.value(), enforced.value()];
  if (units.every((v) => v <= MAX_MILLI_VALUE)) return [req.milliValue(), lim.milliValue(), enforced.milliValue()];
  return units;
}

function minConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = comparable(req ?? ZERO, lim ?? ZERO, enforced);
  if (req === undefined) return `minimum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  if (lim !== undefined && l < e) return `minimum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = comparable(req ?? ZERO, lim ?? ZERO, enforced);
  if (lim === undefined) return `maximum ${name} usage per ${type} is ${enforced}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  if (req !== undefined && r > e) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

/** The max for a type whose limits are not user input (PersistentVolumeClaim). */
function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const req = requests.get(name);
  const [r, , e] = comparable(req ?? ZERO, ZERO, enforced);
  if (req === undefined) return `maximum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l] = comparable(req ?? ZERO, lim ?? ZERO, enforced);
  if (req === undefined || r === 0n) {
    return `${name} max limit to request ratio per ${type} is ${enforced}, but no request is specified or request is 0`;
  }
  if (lim === undefined || l === 0n) {
    return `${name} max limit to request ratio per ${type} is ${enforced}, but no limit is specified or limit is 0`;
  }
  // float64 arithmetic, as upstream, including the %f rendering of the observed ratio.
  const ratio = Number(l) / Number(r);
  let observed = ratio;
  let allowed = Number(enforced.value());
  if (enforced.value() <= MAX_MILLI_VALUE) {
    observed = ratio * 1000;
    allowed = Number(enforced.milliValue());
  }
  if (observed > allowed) {
    return `${name} max limit to request ratio per ${type} is ${enforced}, but provided ratio is ${ratio.toFixed(6)}`;
  }
  return undefined;
}

function sorted(list: ResourceList): [string, Quantity][] {
  return [...list.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** min, max and ratio of one item against one set of requests/limits. */
function checkAll(item: Item, requests: ResourceList, limits: ResourceList): string[] {
  const errs: string[] = [];
  const push = (m: string | undefined) => {
    if (m !== undefined) errs.push(m);
  };
  // Upstream walks Go maps here (random order); keys in sorted order make the output stable.
  for (const [k, v] of sorted(item.min)) push(minConstraint(item.type, k, v, requests, limits));
  for (const [k, v] of sorted(item.max)) push(maxConstraint(item.type, k, v, requests, limits));
  for (const [k, v] of sorted(item.maxLimitRequestRatio)) push(ratioConstraint(item.type, k, v, requests, limits));
  return errs;
}

function validatePod(lr: Obj, pod: Obj): string[] {
  const errs: string[] = [];
  for (const item of items(lr)) {
    if (item.type === 'Container') {
      for (const list of ['containers', 'initContainers'] as const) {
        for (const c of containersOf(pod, list)) {
          errs.push(...checkAll(item, toList(c.resources?.requests), toList(c.resources?.limits)));
        }
      }
    }
    if (item.type === 'Pod') {
      const opts = { useStatus: false, includeOverhead: false };
      errs.push(...checkAll(item, podRequests(pod, opts), podLimits(pod, opts)));
    }
  }
  return errs;
}

/**
 * LimitRanger on a Pod write. On CREATE (and on an UPDATE of the `resize` subresource) it fills
 * default requests/limits of containers and init containers from every LimitRange, records what
 * it set in the `kubernetes.io/limit-ranger` annotation, then checks the Container and Pod items.
 * Plain pod UPDATEs are left alone, as upstream (container resources are immutable there).
 * Returns the messages of the first LimitRange the pod violates (empty = admitted); join them
 * with aggregateErrors.
 */
export function limitRangePod(pod: Obj, limitRanges: Obj[], operation: 'CREATE' | 'UPDATE', subresource = ''): string[] {
  if (operation === 'UPDATE' ? subresource !== 'resize' : subresource !== '') return [];
  defaultRequestsFromLimits(pod);
  for (const lr of limitRanges) mergeDefaults(pod, lr);
  for (const lr of limitRanges) {
    const errs = validatePod(lr, pod);
    if (errs.length > 0) return errs;
  }
  return [];
}

/**
 * LimitRanger on a PersistentVolumeClaim CREATE/UPDATE: min/max of spec.resources.requests for
 * items of type PersistentVolumeClaim. Claims are never defaulted.
 */
export function limitRangeClaim(pvc: Obj, limitRanges: Obj[]): string[] {
  const requests = toList(pvc.spec?.resources?.requests);
  for (const lr of limitRanges) {
    const errs: string[] = [];
    for (const item of items(lr)) {
      if (item.type !== 'PersistentVolumeClaim') continue;
      for (const [k, v] of sorted(item.min)) {
        const m = minConstraint(item.type, k, v, requests, new Map());
        if (m !== undefined) errs.push(m);
      }
      for (const [k, v] of sorted(item.max)) {
        const m = maxRequestConstraint(item.type, k, v, requests);
        if (m !== undefined) errs.push(m);
      }
    }
    if (errs.length > 0) return errs;
  }
  return [];
}
