// Helpers the workload controllers share (upstream pkg/controller/controller_utils.go and
// controller_ref_manager.go): pod state, controller references, adoption, expectations.
import { fromLabelSelectorObject, matchesLabels, type LabelSelector } from '../api/selectors.ts';
import { isNotFound, type Client, type Resource } from '../client/index.ts';
import type { Clock } from '../util/clock.ts';

type Obj = Record<string, any>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export const parseTime = (t: unknown): number => (typeof t === 'string' ? Date.parse(t) : NaN);

export function controllerRefOf(obj: Obj): OwnerReference | undefined {
  return (obj.metadata?.ownerReferences ?? []).find((r: OwnerReference) => r.controller === true);
}

export function newControllerRef(owner: Obj, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** Neither finished nor being deleted: the pods a workload counts. */
export function isPodActive(pod: Obj): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function readyCondition(pod: Obj): Obj | undefined {
  return (pod.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
}

export function isPodReady(pod: Obj): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds at `now` (ms). */
export function isPodAvailable(pod: Obj, minReadySeconds: number, now: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = parseTime(c.lastTransitionTime);
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now;
}

export function selectorOf(obj: Obj): LabelSelector | undefined {
  const sel = obj.spec?.selector;
  if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) return undefined;
  return fromLabelSelectorObject(sel);
}

export { matchesLabels };

export const stableJson = (v: unknown): string => JSON.stringify(sortKeys(v));

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Obj)[k]);
    return out;
  }
  return v;
}

/**
 * Adopts matching orphans and releases owned objects that no longer match, as upstream's
 * ClaimObjects: returns the objects the owner controls afterwards. Writes are merge patches
 * carrying the resourceVersion read, so a concurrent change fails with Conflict (and requeues)
 * instead of clobbering someone else's ownerReferences.
 */
export async function claim(o: {
  client: Client;
  resource: Resource;
  owner: Obj;
  ownerApiVersion: string;
  ownerKind: string;
  selector: LabelSelector;
  candidates: Obj[];
}): Promise<Obj[]> {
  const { owner } = o;
  const claimed: Obj[] = [];
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  for (const obj of o.candidates) {
    const ref = controllerRefOf(obj);
    const matches = matchesLabels(o.selector, obj.metadata.labels);
    const refs: OwnerReference[] = obj.metadata.ownerReferences ?? [];
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      await patchOwners(o, obj, refs.filter((r) => r.uid !== owner.metadata.uid));
      continue;
    }
    if (!matches || ownerDeleting || obj.metadata.deletionTimestamp) continue;
    const updated = await patchOwners(o, obj, [...refs, newControllerRef(owner, o.ownerApiVersion, o.ownerKind)]);
    if (updated) claimed.push(updated);
  }
  return claimed;
}

async function patchOwners(o: { client: Client; resource: Resource }, obj: Obj, refs: OwnerReference[]): Promise<Obj | undefined> {
  try {
    return await o.client.patch(o.resource, obj.metadata.namespace, obj.metadata.name, 'merge', {
      metadata: { ownerReferences: refs, resourceVersion: obj.metadata.resourceVersion, uid: obj.metadata.uid },
    });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** After this long unobserved, expectations are given up on (upstream's ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  /** Keys of pods whose deletion is awaited (upstream's UID-tracking expectations). */
  deletes: Set<string>;
  at: number;
}

/**
 * What a controller has asked the API server for and not yet seen in its informer, so that a
 * sync running before the cache catches up does not create or delete again.
 */
export class Expectations {
  private readonly map = new Map<string, Expectation>();
  constructor(private readonly clock: Clock) {}

  satisfied(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.deletes.size === 0) return true;
    return this.clock.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, n: number): void {
    this.map.set(key, { add: n, deletes: new Set(), at: this.clock.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.map.set(key, { add: 0, deletes: new Set(podKeys), at: this.clock.now() });
  }

  creationObserved(key: string, n = 1): void {
    const e = this.map.get(key);
    if (e) e.add -= n;
  }

  deletionObserved(key: string, podKey: string): void {
    this.map.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
