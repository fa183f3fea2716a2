// The ResourceQuota admission check of one write and the quota controller's usage totals, as
// upstream's resourcequota admission plugin (CheckRequest) and controller compute them.
import type { Obj } from '../rest.ts';
import {
  isKnownQuotaResource,
  isTerminating,
  kindOf,
  matchingResources,
  podConstraints,
  scopesMatch,
  usageList,
} from './evaluators.ts';
import {
  type ResourceList,
  ZERO,
  add,
  isObj,
  isZero,
  mask,
  prettyPrint,
  qadd,
  subtractNonNegative,
  toList,
  toRecord,
} from './resources.ts';

/**
 * The hard limits the admission enforces. Upstream reads status.hard (what the controller last
 * synced); before the first sync we fall back to spec.hard rather than admit everything.
 */
function hardOf(quota: Obj): ResourceList {
  const status = quota.status?.hard;
  if (isObj(status) && Object.keys(status).length > 0) return toList(status);
  return toList(quota.spec?.hard);
}

function quotaName(quota: Obj): string {
  return String(quota.metadata?.name ?? '');
}

/**
 * Whether the quota applies to the object (upstream's evaluator Matches): at least one of its
 * hard resources is one this kind counts toward, and every scope (spec.scopes and
 * scopeSelector: Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass with
 * In/NotIn/Exists/DoesNotExist, CrossNamespacePodAffinity) selects it. Only pods match scopes.
 */
export function quotaMatches(quota: Obj, group: string, resource: string, obj: Obj): boolean {
  if (matchingResources(group, resource, [...hardOf(quota).keys()]).length === 0) return false;
  return scopesMatch(quota, group, resource, obj);
}

/** Whether the write is one the kind's evaluator charges (upstream's Handles). */
function handles(group: string, resource: string, obj: Obj, old: Obj | undefined, subresource: string): boolean {
  const kind = kindOf(group, resource);
  if (kind === 'pods') {
    if (subresource === 'resize') return old !== undefined;
    if (subresource !== '') return false;
    // A pod update only moves usage between scopes when activeDeadlineSeconds appears or goes.
    return old === undefined || isTerminating(old) !== isTerminating(obj);
  }
  if (subresource !== '') return false;
  if (kind === 'services' || kind === 'pvcs') return true;
  return old === undefined;
}

type Check = { error: string } | { delta: ResourceList };

function check(quota: Obj, used: Record<string, string>, group: string, resource: string, obj: Obj, old: Obj | undefined, subresource: string, now: number): Check {
  const none: Check = { delta: new Map() };
  if (!handles(group, resource, obj, old, subresource)) return none;
  if (!quotaMatches(quota, group, resource, obj)) return none;
  const name = quotaName(quota);
  const hard = hardOf(quota);
  const restricted = matchingResources(group, resource, [...hard.keys()]);
  if (kindOf(group, resource) === 'pods') {
    const err = podConstraints(restricted, obj);
    if (err !== undefined) return { error: `failed quota: ${name}: ${err}` };
  }
  const unknown = restricted.filter((r) => !(r in used));
  if (unknown.length > 0) return { error: `status unknown for quota: ${name}, resources: ${unknown.sort().join(',')}` };

  let delta = usageList(group, resource, obj, now);
  const negative = [...delta].filter(([, q]) => q.sign() < 0).map(([k]) => k);
  if (negative.length > 0) return { error: `quota usage is negative for resource(s): ${negative.sort().join(',')}` };
  // An update is charged the growth only, unless the old object was never stored ("create on
  // update" without a resourceVersion), which is charged in full.
  if (old !== undefined && typeof old.metadata?.resourceVersion === 'string' && old.metadata.resourceVersion !== '') {
    delta = subtractNonNegative(delta, usageList(group, resource, old, now));
  }
  if (isZero(delta)) return none;

  const usedList = toList(used);
  const requested = mask(delta, hard.keys());
  const newUsage = add(usedList, requested);
  const exceeded: string[] = [];
  for (const [k, limit] of hard) {
    if (!requested.has(k)) continue;
    const total = newUsage.get(k);
    if (total !== undefined && total.cmp(limit) > 0) exceeded.push(k);
  }
  if (exceeded.length > 0) {
    return {
      error:
        `exceeded quota: ${name}, requested: ${prettyPrint(mask(requested, exceeded))}, ` +
        `used: ${prettyPrint(mask(usedList, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}`,
    };
  }
  return { delta: requested };
}

/**
 * The ResourceQuota admission decision for one write against one quota: the refusal, worded
 * as upstream (in this order of checks), or what the write adds to the quota's status.used
 * (the usage delta restricted to the quota's hard resources, growth only on updates; empty when
 * the quota is not charged):
 *   failed quota: NAME: must specify limits.cpu for: a,b; memory for: a
 *   status unknown for quota: NAME, resources: pods
 *   exceeded quota: NAME, requested: pods=1, used: pods=2, limited: pods=2
 */
export function quotaCheck(
  quota: Obj,
  used: Record<string, string>,
  group: string,
  resource: string,
  obj: Obj,
  old: Obj | undefined,
  subresource = '',
  now = Date.now(),
): { error: string } | { delta: Record<string, string> } {
  const r = check(quota, used, group, resource, obj, old, subresource, now);
  return 'error' in r ? r : { delta: toRecord(r.delta) };
}

/** used + delta (quota.Add), for the admission to record in status.used before the write. */
export function addUsage(used: Record<string, string>, delta: Record<string, string>): Record<string, string> {
  return toRecord(add(toList(used), toList(delta)));
}

/** The quota resources an object uses, as canonical quantity strings. */
export function usageOf(group: string, resource: string, obj: Obj, now = Date.now()): Record<string, string> {
  return toRecord(usageList(group, resource, obj, now));
}

/**
 * What the quota controller writes to status.used: for every hard resource some evaluator
 * answers for, the sum over the objects the quota's scopes select (zero when none). Hard
 * resources nothing counts are left out, as upstream.
 */
export function totalUsage(quota: Obj, items: { group: string; resource: string; obj: Obj }[], now = Date.now()): Record<string, string> {
  const hardNames = [...toList(quota.spec?.hard).keys()];
  const total: ResourceList = new Map();
  for (const n of hardNames) if (isKnownQuotaResource(n)) total.set(n, ZERO);
  for (const { group, resource, obj } of items) {
    if (!scopesMatch(quota, group, resource, obj)) continue;
    const names = matchingResources(group, resource, hardNames);
    if (names.length === 0) continue;
    const usage = mask(usageList(group, resource, obj, now), names);
    for (const [k, v] of usage) total.set(k, qadd(total.get(k) ?? ZERO, v));
  }
  return toRecord(total);
}
