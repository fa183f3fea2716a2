// The namespace controller (upstream pkg/controller/namespace): for a namespace being deleted,
// delete everything in it (deletecollection where served, else list and delete each), report
// progress in status.conditions, and once nothing is left remove the "kubernetes" finalizer
// through the finalize subresource, which lets the API server remove the namespace.
import { ItemExponentialFailureRateLimiter, isConflict, isNotFound, resources, type Client, type Resource, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import type { Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { discover, gvString, preferredWith, type DiscoveredResource } from '../garbagecollector/discovery.ts';

type Obj = Record<string, any>;

export const FINALIZER_KUBERNETES = 'kubernetes';

/** Time given to other API servers and caches to see a deletion before content is removed (upstream: 5 s). */
export const NAMESPACE_DELETION_GRACE_MS = 5_000;

/** When items with finalizers remain and nothing better is known, how long to expect (upstream: 15 s). */
const FINALIZER_ESTIMATE_SECONDS = 15;

/** The condition types this controller owns, in upstream's order. */
export const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;
type ConditionType = (typeof CONDITION_TYPES)[number];

const OK: Record<ConditionType, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

interface Condition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** Content is left that should go by itself: retry after about half the estimate. */
export class ResourcesRemainingError extends Error {
  constructor(readonly estimate: number) {
    super(`some content remains in the namespace, estimate ${estimate} seconds before it is removed`);
  }
}

/** Upstream's GroupVersionResource String(). */
const gvrString = (r: Resource) => `${r.group}/${r.version}, Resource=${r.resource}`;

export interface NamespaceControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  onError?: (key: string, err: unknown) => void;
}

interface GvrResult {
  estimate: number;
  remaining: number;
  finalizers: Map<string, number>;
}

export class NamespaceController extends KeyedController {
  private readonly client: Client;

  constructor(o: NamespaceControllerOptions) {
    const informer = o.factory.forResource(resources.namespaces);
    super({
      name: 'namespace',
      informers: [informer],
      ...(o.clock ? { clock: o.clock } : {}),
      rateLimiter: new ItemExponentialFailureRateLimiter<string>(5, 60_000),
      ...(o.onError ? { onError: o.onError } : {}),
    });
    this.client = o.client;
    const enqueue = (ns: Obj) => {
      if (ns?.metadata?.deletionTimestamp) this.queue.addAfter(ns.metadata.name, NAMESPACE_DELETION_GRACE_MS);
    };
    informer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
  }

  async reconcile(name: string): Promise<void> {
    try {
      await this.deleteNamespace(name);
    } catch (err) {
      if (!(err instanceof ResourcesRemainingError)) throw err;
      this.queue.addAfter(name, (Math.floor(err.estimate / 2) + 1) * 1000);
    }
  }

  private async deleteNamespace(name: string): Promise<void> {
    let ns = await this.getNamespace(name);
    if (!ns?.metadata?.deletionTimestamp) return;
    if (ns.status?.phase !== 'Terminating') {
      ns = await this.retryOnConflict(ns, (cur) => this.client.updateStatus(resources.namespaces, undefined, { ...cur, status: { ...(cur.status ?? {}), phase: 'Terminating' } }));
      if (!ns?.metadata?.deletionTimestamp) return;
    }
    if ((ns.spec?.finalizers ?? []).length === 0) return;
    const estimate = await this.deleteAllContent(ns);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);
    await this.retryOnConflict(ns, (cur) => {
      const rest = [...new Set<string>((cur.spec?.finalizers ?? []).filter((f: string) => f !== FINALIZER_KUBERNETES))].sort();
      return this.client.update(resources.namespaces, undefined, { ...cur, spec: { ...(cur.spec ?? {}), finalizers: rest } }, { subresource: 'finalize' });
    });
  }

  private async getNamespace(name: string): Promise<Obj | undefined> {
    try {
      return await this.client.get(resources.namespaces, undefined, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Retries `fn` on the newest namespace after a conflict; gone is done, a new uid is an error. */
  private async retryOnConflict(ns: Obj, fn: (cur: Obj) => Promise<Obj>): Promise<Obj | undefined> {
    let cur = ns;
    for (;;) {
      try {
        return await fn(cur);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err)) throw err;
      }
      const next = await this.getNamespace(cur.metadata.name);
      if (!next) return undefined;
      if (next.metadata.uid !== cur.metadata.uid) throw new Error('namespace uid has changed across retries');
      cur = next;
    }
  }

  /** Deletes every namespaced resource's content; the longest estimate of what remains (s). */
  private async deleteAllContent(ns: Obj): Promise<number> {
    const name: string = ns.metadata.name;
    const deletedAt = Date.parse(ns.metadata.deletionTimestamp);
    const errs: unknown[] = [];
    const failures = new Map<ConditionType, { reason: string; message: string }>();
    let found: DiscoveredResource[] = [];
    try {
      const d = await discover(this.client);
      found = d.all;
      if (d.failed.size > 0) {
        const groups = [...d.failed].map(([gv, e]) => `${gv}: ${e instanceof Error ? e.message : String(e)}`).sort();
        const msg = `unable to retrieve the complete list of server APIs: ${groups.join(', ')}`;
        errs.push(new Error(msg));
        failures.set('NamespaceDeletionDiscoveryFailure', { reason: 'DiscoveryFailed', message: `Discovery failed for some groups, ${d.failed.size} failing: ${msg}` });
      }
    } catch (err) {
      errs.push(err);
      failures.set('NamespaceDeletionDiscoveryFailure', { reason: 'DiscoveryFailed', message: err instanceof Error ? err.message : String(err) });
    }
    const deletable = preferredWith(found, ['delete']).filter((r) => r.namespaced);
    let estimate = 0;
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    const contentErrors: string[] = [];
    for (const r of deletable) {
      let res: GvrResult = { estimate: 0, remaining: 0, finalizers: new Map() };
      try {
        res = await this.deleteAllOf(r, name, deletedAt);
      } catch (err) {
        errs.push(err);
        contentErrors.push(err instanceof Error ? err.message : String(err));
        if (err instanceof ContentError) res = err.result;
      }
      estimate = Math.max(estimate, res.estimate);
      if (res.remaining > 0) {
        remaining.set(`${r.resource}.${r.group} has ${res.remaining} resource instances`, res.remaining);
        for (const [f, n] of res.finalizers) finalizers.set(f, (finalizers.get(f) ?? 0) + n);
      }
    }
    if (remaining.size > 0) {
      failures.set('NamespaceContentRemaining', { reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${[...remaining.keys()].sort().join(', ')}` });
    }
    if (finalizers.size > 0) {
      const parts = [...finalizers].map(([f, n]) => `${f} in ${n} resource instances`).sort();
      failures.set('NamespaceFinalizersRemaining', { reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${parts.join(', ')}` });
    }
    if (contentErrors.length > 0) {
      failures.set('NamespaceDeletionContentFailure', {
        reason: 'ContentDeletionFailed',
        message: `Failed to delete all resource types, ${contentErrors.length} remaining: ${[...contentErrors].sort().join(', ')}`,
      });
    }
    await this.updateConditions(ns, failures);
    if (errs.length > 0) throw errs.length === 1 ? errs[0] : new AggregateError(errs, errs.map((e) => (e instanceof Error ? e.message : String(e))).join(', '));
    return estimate;
  }

  /** Always written when it changed: a failure that cleared must show as cleared. */
  private async updateConditions(ns: Obj, failures: Map<ConditionType, { reason: string; message: string }>): Promise<void> {
    const now = rfc3339(this.clock.now());
    const conditions: Condition[] = structuredClone(ns.status?.conditions ?? []);
    let changed = false;
    for (const type of CONDITION_TYPES) {
      const f = failures.get(type);
      const want = { status: (f ? 'True' : 'False') as 'True' | 'False', ...(f ?? OK[type]) };
      const old = conditions.find((c) => c.type === type);
      if (!old) {
        conditions.push({ type, status: want.status, lastTransitionTime: now, reason: want.reason, message: want.message });
        changed = true;
      } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
        if (old.status !== want.status) old.lastTransitionTime = now;
        old.status = want.status;
        old.reason = want.reason;
        old.message = want.message;
        changed = true;
      }
    }
    if (!changed) return;
    // A lost write is redone on the next pass; upstream only logs it too.
    await this.client.updateStatus(resources.namespaces, undefined, { ...ns, status: { ...(ns.status ?? {}), conditions } }).catch(() => undefined);
  }

  private async deleteAllOf(r: DiscoveredResource, ns: string, deletedAt: number): Promise<GvrResult> {
    const res: Resource = { group: r.group, version: r.version, resource: r.resource, kind: r.kind, namespaced: true };
    const estimate = await this.estimate(res, ns, deletedAt);
    let collected = false;
    if (r.verbs.includes('deletecollection')) {
      try {
        await this.client.request('DELETE', collectionPath(res, ns), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
        collected = true;
      } catch (err) {
        if (!isNotFound(err) && !isMethodNotSupported(err)) throw new ContentError(String(err instanceof Error ? err.message : err), { estimate, remaining: 0, finalizers: new Map() });
      }
    }
    if (!r.verbs.includes('list')) return { estimate, remaining: 0, finalizers: new Map() };
    if (!collected) {
      for (const item of (await this.client.list(res, ns)).items) {
        await this.client.delete(res, ns, item.metadata.name, { propagationPolicy: 'Background' }).catch((err) => {
          if (!isNotFound(err) && !isMethodNotSupported(err)) throw err;
        });
      }
    }
    const left = (await this.client.list(res, ns)).items;
    if (left.length === 0) return { estimate: 0, remaining: 0, finalizers: new Map() };
    const finalizers = new Map<string, number>();
    for (const item of left) for (const f of item.metadata?.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
    if (estimate !== 0) return { estimate, remaining: left.length, finalizers };
    if (finalizers.size > 0) return { estimate: FINALIZER_ESTIMATE_SECONDS, remaining: left.length, finalizers };
    throw new ContentError(`unexpected items still remain in namespace: ${ns} for gvr: ${gvrString(res)}`, { estimate, remaining: left.length, finalizers });
  }

  /** Pods get their grace period to terminate, counted from the namespace's deletion. */
  private async estimate(res: Resource, ns: string, deletedAt: number): Promise<number> {
    if (res.group !== '' || res.resource !== 'pods') return 0;
    let estimate = 0;
    for (const pod of (await this.client.list(resources.pods, ns)).items) {
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const grace = pod.spec?.terminationGracePeriodSeconds;
      if (typeof grace === 'number' && grace > estimate) estimate = grace;
    }
    return this.clock.now() - deletedAt >= estimate * 1000 ? 0 : estimate;
  }
}

/** A resource type whose content could not be cleared, with what was learned about it. */
class ContentError extends Error {
  constructor(
    message: string,
    readonly result: GvrResult,
  ) {
    super(message);
  }
}

function isMethodNotSupported(err: unknown): boolean {
  return (err as { code?: number })?.code === 405;
}

function collectionPath(r: Resource, ns: string): string {
  const base = r.group ? `/apis/${gvString(r.group, r.version)}` : `/api/${r.version}`;
  return `${base}/namespaces/${encodeURIComponent(ns)}/${r.resource}`;
}
