// The garbage collector (upstream pkg/controller/garbagecollector): a dependency graph of every
// object that can be listed, watched and deleted, fed by informers, and two queues.
// attemptToDelete deletes objects whose owners are all gone (checked live: the graph may lag),
// drops dangling references of objects that keep a live owner, and finishes foreground
// deletions; attemptToOrphan strips references to an owner deleted with the orphan finalizer.
import type { OwnerReference } from '../util.ts';
import {
  ApiError,
  RateLimitingQueue,
  defaultControllerRateLimiter,
  isConflict,
  isNotFound,
  objectOf,
  type Client,
  type EventRecorder,
  type HandlerRegistration,
  type Informer,
  type Resource,
  type SharedInformerFactory,
  type Tombstone,
} from '../../client/index.ts';
import { realClock, type Clock, type Timer } from '../../util/clock.ts';
import type { Controller } from '../controller.ts';
import { discover, gvString, preferredWith, resourceId, type DiscoveredResource } from './discovery.ts';

type Obj = Record<string, any>;

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/** Upstream's default --garbage-collector ignored resources: events never own anything worth a watch. */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

/** How often discovery is read again so new resources (CRDs) get monitors (upstream: 30 s). */
export const DISCOVERY_RESYNC_MS = 30_000;

type OwnerRef = OwnerReference;

/** One object in the graph: only the metadata the collector needs. */
export interface GraphNode {
  uid: string;
  apiVersion: string;
  kind: string;
  name: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  resource: Resource;
  owners: OwnerRef[];
  beingDeleted: boolean;
  finalizers: string[];
}

export interface GarbageCollectorOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
  discoveryResyncMs?: number;
}

/** A cluster-scoped object naming a namespaced owner: retrying cannot fix it. */
class NamespacedOwnerOfClusterScopedObject extends Error {}

const deletingDependents = (n: GraphNode) => n.beingDeleted && n.finalizers.includes(FOREGROUND_FINALIZER);

function refsOf(obj: Obj): OwnerRef[] {
  const refs = obj?.metadata?.ownerReferences;
  return Array.isArray(refs) ? refs.filter((r: Obj) => r && typeof r.uid === 'string') : [];
}

export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly attemptToDelete: RateLimitingQueue<string>;
  readonly attemptToOrphan: RateLimitingQueue<string>;
  private readonly client: Client;
  private readonly factory: SharedInformerFactory;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, err: unknown) => void) | undefined;
  private readonly resyncMs: number;
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid -> dependent uids; owners may be absent from `nodes`. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly monitors = new Map<string, { informer: Informer<Obj>; reg: HandlerRegistration }>();
  /** `<apiVersion>/<kind>` -> resource, every served version. */
  private kinds = new Map<string, DiscoveredResource>();
  /** Owners a live read found absent (upstream's absentOwnerCache), by uid and namespace. */
  private readonly absent = new Set<string>();
  private readonly reported = new Set<string>();
  private timer: Timer | undefined;

  constructor(o: GarbageCollectorOptions) {
    this.client = o.client;
    this.factory = o.factory;
    this.clock = o.clock ?? realClock;
    this.recorder = o.recorder;
    this.onError = o.onError;
    this.resyncMs = o.discoveryResyncMs ?? DISCOVERY_RESYNC_MS;
    this.attemptToDelete = new RateLimitingQueue<string>({ name: 'garbage_collector_attempt_to_delete', clock: this.clock, rateLimiter: defaultControllerRateLimiter<string>(this.clock) });
    this.attemptToOrphan = new RateLimitingQueue<string>({ name: 'garbage_collector_attempt_to_orphan', clock: this.clock, rateLimiter: defaultControllerRateLimiter<string>(this.clock) });
  }

  /** The monitors' informers; they are made by run() from discovery, not up front. */
  get informers(): readonly Informer<Obj>[] {
    return [...this.monitors.values()].map((m) => m.informer);
  }

  /** The graph's view of one object (tests, debugging). */
  node(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Reads discovery, starts monitors for resources not watched yet, waits for them to sync. */
  async resyncMonitors(signal?: AbortSignal): Promise<void> {
    const { all } = await discover(this.client);
    const kinds = new Map<string, DiscoveredResource>();
    for (const r of all) kinds.set(`${gvString(r.group, r.version)}/${r.kind}`, r);
    this.kinds = kinds;
    const wanted = preferredWith(all, ['delete', 'list', 'watch']).filter((r) => !IGNORED.has(`${r.group}/${r.resource}`));
    const fresh: Informer<Obj>[] = [];
    for (const r of wanted) {
      const id = resourceId(r);
      if (this.monitors.has(id)) continue;
      const res: Resource = { group: r.group, version: r.version, resource: r.resource, kind: r.kind, namespaced: r.namespaced };
      const informer = this.factory.forResource<Obj>(res);
      const reg = informer.addEventHandler({
        onAdd: (obj) => this.observe(res, obj),
        onUpdate: (_old, obj) => this.observe(res, obj),
        onDelete: (obj) => this.removed(obj),
      });
      this.monitors.set(id, { informer, reg });
      informer.start();
      fresh.push(informer);
    }
    // Resources no longer served (a CRD deleted) lose their monitor.
    const ids = new Set(wanted.map(resourceId));
    for (const [id, m] of this.monitors) {
      if (ids.has(id)) continue;
      m.reg.remove();
      this.monitors.delete(id);
    }
    await Promise.all(fresh.map((i) => i.waitForSync(signal)));
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    for (;;) {
      try {
        await this.resyncMonitors(signal);
        break;
      } catch (err) {
        this.onError?.('discovery', err);
        if (signal.aborted) return;
        await new Promise<void>((r) => this.clock.setTimeout(r, 1000));
      }
    }
    const tick = () => {
      this.timer = this.clock.setTimeout(() => {
        if (signal.aborted) return;
        this.resyncMonitors(signal)
          .catch((err) => this.onError?.('discovery', err))
          .finally(() => !signal.aborted && tick());
      }, this.resyncMs);
    };
    tick();
    const n = Math.max(1, workers);
    const loops = [
      ...Array.from({ length: n }, () => this.loop(this.attemptToDelete, (uid) => this.attemptToDeleteItem(uid))),
      ...Array.from({ length: n }, () => this.loop(this.attemptToOrphan, (uid) => this.attemptToOrphanItem(uid))),
    ];
    // Stopping may come while discovery was still syncing, before this point.
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    this.timer?.cancel();
    await Promise.all([this.attemptToDelete.shutDownWithDrain(), this.attemptToOrphan.shutDownWithDrain()]);
    await Promise.all(loops);
    for (const m of this.monitors.values()) m.reg.remove();
  }

  private async loop(q: RateLimitingQueue<string>, work: (uid: string) => Promise<void>): Promise<void> {
    for (;;) {
      const uid = await q.get();
      if (uid === undefined) return;
      try {
        await work(uid);
        q.forget(uid);
      } catch (err) {
        if (err instanceof NamespacedOwnerOfClusterScopedObject) q.forget(uid);
        else {
          this.onError?.(uid, err);
          q.addRateLimited(uid);
        }
      } finally {
        q.done(uid);
      }
    }
  }

  // ---- the graph ----

  private observe(res: Resource, obj: Obj): void {
    const m = obj?.metadata;
    if (!m?.uid) return;
    const prev = this.nodes.get(m.uid);
    const node: GraphNode = {
      uid: m.uid,
      apiVersion: obj.apiVersion ?? gvString(res.group, res.version),
      kind: obj.kind ?? res.kind,
      name: m.name,
      namespace: m.namespace ?? '',
      resource: res,
      owners: refsOf(obj),
      beingDeleted: !!m.deletionTimestamp,
      finalizers: Array.isArray(m.finalizers) ? [...m.finalizers] : [],
    };
    this.nodes.set(node.uid, node);
    const before = new Set((prev?.owners ?? []).map((o) => o.uid));
    const after = new Set(node.owners.map((o) => o.uid));
    for (const u of before) if (!after.has(u)) this.dependents.get(u)?.delete(node.uid);
    let suspicious = false;
    for (const o of node.owners) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(node.uid);
      const owner = this.nodes.get(o.uid);
      // An owner the graph has not seen: a live read decides whether it exists.
      if (!owner) suspicious = true;
      else if (owner.namespace && owner.namespace !== node.namespace) {
        this.reportInvalidNamespace(node, o);
        suspicious = true;
      }
    }
    if (suspicious) this.attemptToDelete.add(node.uid);
    // Dependents seen before this owner may name it from the wrong namespace.
    if (!prev && node.namespace) {
      for (const d of this.dependents.get(node.uid) ?? []) {
        const dep = this.nodes.get(d);
        const ref = dep?.owners.find((o) => o.uid === node.uid);
        if (dep && ref && dep.namespace !== node.namespace) {
          this.reportInvalidNamespace(dep, ref);
          this.attemptToDelete.add(dep.uid);
        }
      }
    }
    // A change to a dependent (refs dropped, being deleted) may release an owner waiting on it.
    for (const u of new Set([...before, ...after])) {
      const owner = this.nodes.get(u);
      if (owner && deletingDependents(owner)) this.attemptToDelete.add(u);
    }
    if (node.beingDeleted) {
      if (node.finalizers.includes(ORPHAN_FINALIZER)) this.attemptToOrphan.add(node.uid);
      if (node.finalizers.includes(FOREGROUND_FINALIZER)) {
        this.attemptToDelete.add(node.uid);
        for (const d of this.dependents.get(node.uid) ?? []) this.attemptToDelete.add(d);
      }
    }
  }

  private removed(o: Obj | Tombstone<Obj>): void {
    const uid = objectOf(o)?.metadata?.uid;
    if (!uid) return;
    const node = this.nodes.get(uid);
    if (!node) return;
    this.nodes.delete(uid);
    for (const ref of node.owners) {
      this.dependents.get(ref.uid)?.delete(uid);
      const owner = this.nodes.get(ref.uid);
      if (owner && deletingDependents(owner)) this.attemptToDelete.add(owner.uid);
    }
    for (const d of this.dependents.get(uid) ?? []) this.attemptToDelete.add(d);
    if ((this.dependents.get(uid)?.size ?? 0) === 0) this.dependents.delete(uid);
  }

  private reportInvalidNamespace(n: GraphNode, ref: OwnerRef): void {
    const key = `${n.uid}/${ref.uid}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const invalid = `[${ref.apiVersion}/${ref.kind}, namespace: ${n.namespace}, name: ${ref.name}, uid: ${ref.uid}]`;
    this.recorder?.event(
      { apiVersion: n.apiVersion, kind: n.kind, name: n.name, uid: n.uid, ...(n.namespace ? { namespace: n.namespace } : {}) },
      'Warning',
      'OwnerRefInvalidNamespace',
      `ownerRef ${invalid} does not exist in namespace "${n.namespace}"`,
    );
  }

  // ---- attemptToDelete ----

  private async attemptToDeleteItem(uid: string): Promise<void> {
    const item = this.nodes.get(uid);
    if (!item) return;
    // Being deleted is a one-way trip; the final deletion brings its dependents here.
    if (item.beingDeleted && !deletingDependents(item)) return;
    const latest = await this.getLive(item.resource, item.namespace, item.name);
    if (!latest || latest.metadata?.uid !== item.uid) return;
    if (deletingDependents(item)) return this.processDeletingDependents(item);
    const refs = refsOf(latest);
    if (refs.length === 0) return;
    const solid: OwnerRef[] = [];
    const dangling: OwnerRef[] = [];
    const waiting: OwnerRef[] = [];
    for (const ref of refs) {
      const { isDangling, owner } = await this.isDangling(ref, item);
      if (isDangling) dangling.push(ref);
      else if (owner?.metadata?.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)) waiting.push(ref);
      else solid.push(ref);
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // References to owners waiting on their dependents go too, else those owners wait forever.
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await this.patchOwnerRefs(item, latest, (r) => !drop.has(r.uid));
      return;
    }
    const rv = latest.metadata.resourceVersion;
    if (waiting.length > 0 && (this.dependents.get(uid)?.size ?? 0) > 0) {
      // Two objects each waiting on the other would never finish: unblock our owners first.
      const circular = [...(this.dependents.get(uid) ?? [])].some((d) => {
        const n = this.nodes.get(d);
        return n !== undefined && deletingDependents(n);
      });
      if (circular) {
        const unblocked = refs.map((r) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
        await this.client.patch(item.resource, item.namespace || undefined, item.name, 'merge', { metadata: { ownerReferences: unblocked, resourceVersion: rv } });
        return;
      }
      await this.deleteObject(item, latest, 'Foreground');
      return;
    }
    const fin: string[] = latest.metadata.finalizers ?? [];
    const policy = fin.includes(ORPHAN_FINALIZER) ? 'Orphan' : fin.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    await this.deleteObject(item, latest, policy);
  }

  private async processDeletingDependents(item: GraphNode): Promise<void> {
    const blocking: GraphNode[] = [];
    for (const d of this.dependents.get(item.uid) ?? []) {
      const dep = this.nodes.get(d);
      if (dep?.owners.some((o) => o.uid === item.uid && o.blockOwnerDeletion === true)) blocking.push(dep);
    }
    if (blocking.length === 0) return this.removeFinalizer(item, FOREGROUND_FINALIZER);
    for (const dep of blocking) if (!deletingDependents(dep)) this.attemptToDelete.add(dep.uid);
  }

  private async isDangling(ref: OwnerRef, item: GraphNode): Promise<{ isDangling: boolean; owner?: Obj }> {
    const clusterKey = `${ref.uid}/`;
    const nsKey = `${ref.uid}/${item.namespace}`;
    if (this.absent.has(clusterKey) || this.absent.has(nsKey)) return { isDangling: true };
    const res = this.kinds.get(`${ref.apiVersion}/${ref.kind}`);
    if (!res) throw new Error(`unable to get REST mapping for ${ref.apiVersion}/${ref.kind}`);
    if (!item.namespace && res.namespaced) {
      this.reportInvalidNamespace(item, ref);
      throw new NamespacedOwnerOfClusterScopedObject(`cluster-scoped ${item.kind} ${item.name} refers to a namespaced owner`);
    }
    const owner = await this.getLive(res, res.namespaced ? item.namespace : undefined, ref.name);
    const key = res.namespaced ? nsKey : clusterKey;
    if (!owner || owner.metadata?.uid !== ref.uid) {
      this.absent.add(key);
      return { isDangling: true };
    }
    return { isDangling: false, owner };
  }

  /** Deletes at the resourceVersion judged; if only unrelated fields moved since, at the uid alone. */
  private async deleteObject(item: GraphNode, latest: Obj, policy: 'Background' | 'Foreground' | 'Orphan'): Promise<void> {
    const ns = item.namespace || undefined;
    try {
      await this.client.delete(item.resource, ns, item.name, { propagationPolicy: policy, preconditions: { uid: item.uid, resourceVersion: latest.metadata.resourceVersion } });
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      const now = await this.getLive(item.resource, item.namespace, item.name);
      if (!now || now.metadata?.uid !== item.uid) return;
      // The owners we judged changed: decide again.
      if (JSON.stringify(refsOf(now)) !== JSON.stringify(refsOf(latest))) throw err;
      await this.client.delete(item.resource, ns, item.name, { propagationPolicy: policy, preconditions: { uid: item.uid } }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
  }

  private async patchOwnerRefs(item: GraphNode, latest: Obj, keep: (r: OwnerRef) => boolean): Promise<void> {
    const refs = refsOf(latest).filter(keep);
    try {
      await this.client.patch(item.resource, item.namespace || undefined, item.name, 'merge', {
        metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: latest.metadata.resourceVersion },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async removeFinalizer(item: GraphNode, finalizer: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.getLive(item.resource, item.namespace, item.name);
      if (!cur || cur.metadata?.uid !== item.uid) return;
      const fin: string[] = cur.metadata.finalizers ?? [];
      if (!fin.includes(finalizer)) return;
      try {
        await this.client.patch(item.resource, item.namespace || undefined, item.name, 'merge', {
          metadata: { finalizers: fin.filter((f) => f !== finalizer), resourceVersion: cur.metadata.resourceVersion },
        });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }

  private async getLive(res: Resource, namespace: string | undefined, name: string): Promise<Obj | undefined> {
    try {
      return await this.client.get(res, res.namespaced ? namespace : undefined, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // ---- attemptToOrphan ----

  private async attemptToOrphanItem(uid: string): Promise<void> {
    const owner = this.nodes.get(uid);
    if (!owner) return;
    for (const d of [...(this.dependents.get(uid) ?? [])]) {
      const dep = this.nodes.get(d);
      if (!dep) continue;
      for (let attempt = 0; ; attempt++) {
        const cur = await this.getLive(dep.resource, dep.namespace, dep.name);
        if (!cur || cur.metadata?.uid !== dep.uid || !refsOf(cur).some((r) => r.uid === uid)) break;
        try {
          await this.patchOwnerRefs(dep, cur, (r) => r.uid !== uid);
          break;
        } catch (err) {
          if (!(err instanceof ApiError && isConflict(err)) || attempt >= 4) throw err;
        }
      }
    }
    await this.removeFinalizer(owner, ORPHAN_FINALIZER);
  }
}
