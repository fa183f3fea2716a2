// The DaemonSet controller (upstream pkg/controller/daemon): one pod per node the daemon may run
// on, pinned there by required node affinity on metadata.name (so the scheduler places it),
// rolled out by RollingUpdate (maxUnavailable / maxSurge) or OnDelete, with ControllerRevision
// history and the controller-revision-hash label.
import { EventRecorder, NAMESPACE_INDEX, isNotFound, objectOf, resources, type Client, type SharedInformerFactory } from '../../client/index.ts';
import { RequiredNodeAffinity, findUntoleratedTaint, isNoScheduleOrNoExecute, parseTaints, parseTolerations } from '../../scheduler/framework/helpers.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { EXPECTATIONS_TIMEOUT_MS, claim, controllerRefOf, isPodAvailable, isPodReady, parseTime, selectorOf } from '../util.ts';
import { CONTROLLER_REVISION_HASH, controllerRevisions, ensureRevision, ownedRevisions, truncateHistory } from './history.ts';

type Obj = Record<string, any>;

export const POD_TEMPLATE_GENERATION = 'pod-template-generation';

export interface DaemonSetControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

/** Upstream's AddOrUpdateDaemonPodTolerations: daemons survive node conditions that evict others. */
export function daemonTolerations(spec: Obj): Obj[] {
  const out: Obj[] = [...(spec.tolerations ?? [])];
  const add = (key: string, effect: string) => {
    if (!out.some((t) => t.key === key && (t.operator ?? 'Equal') === 'Exists' && t.effect === effect)) out.push({ key, operator: 'Exists', effect });
  };
  add('node.kubernetes.io/not-ready', 'NoExecute');
  add('node.kubernetes.io/unreachable', 'NoExecute');
  add('node.kubernetes.io/disk-pressure', 'NoSchedule');
  add('node.kubernetes.io/memory-pressure', 'NoSchedule');
  add('node.kubernetes.io/pid-pressure', 'NoSchedule');
  add('node.kubernetes.io/unschedulable', 'NoSchedule');
  if (spec.hostNetwork) add('node.kubernetes.io/network-unavailable', 'NoSchedule');
  return out;
}

/** Upstream's ReplaceDaemonSetPodNodeNameNodeAffinity: required affinity becomes "this node". */
export function pinToNode(affinity: Obj | undefined, nodeName: string): Obj {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const a = structuredClone(affinity ?? {});
  a.nodeAffinity = { ...(a.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } };
  return a;
}

/** The node a daemon pod is bound or pinned to (upstream GetTargetNodeName). */
export function targetNode(pod: Obj): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const t of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/**
 * Upstream's NodeShouldRunDaemonPod: whether a daemon pod should be placed on the node, and
 * whether one already there may stay (a NoSchedule taint keeps new pods off but evicts none).
 */
export function nodeShouldRunDaemonPod(node: Obj, ds: Obj): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template?.spec ?? {};
  const name = node.metadata.name;
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!new RequiredNodeAffinity({ spec }).match(node.metadata.labels ?? {}, name)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = parseTaints(node.spec?.taints);
  const tolerations = parseTolerations(daemonTolerations(spec));
  if (findUntoleratedTaint(taints.filter(isNoScheduleOrNoExecute), tolerations)) {
    const evicting = findUntoleratedTaint(taints.filter((t) => t.effect === 'NoExecute'), tolerations);
    return { shouldRun: false, shouldContinueRunning: !evicting };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** An IntOrString (`2` or `"25%"`) against `total`; percentages round up or down as upstream. */
export function scaledValue(v: unknown, total: number, roundUp: boolean, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** Upstream's surge/unavailable rule: both zero means one may be unavailable. */
export function updateBudget(ds: Obj, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
  const maxSurge = scaledValue(ru.maxSurge, desired, true, 0);
  let maxUnavailable = scaledValue(ru.maxUnavailable, desired, false, 1);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** Creations and deletions awaited together: a daemon sync often does both (util's Expectations holds one kind). */
export class DaemonExpectations {
  private readonly map = new Map<string, { add: number; deletes: Set<string>; at: number }>();
  constructor(private readonly clock: Clock) {}

  expect(key: string, add: number, deletes: string[]): void {
    this.map.set(key, { add, deletes: new Set(deletes), at: this.clock.now() });
  }

  satisfied(key: string): boolean {
    const e = this.map.get(key);
    return !e || (e.add <= 0 && e.deletes.size === 0) || this.clock.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.map.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

export class DaemonSetController extends KeyedController {
  readonly expectations: DaemonExpectations;
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly dsInformer;
  private readonly podInformer;
  private readonly nodeInformer;
  private readonly revInformer;

  constructor(o: DaemonSetControllerOptions) {
    const clock = o.clock ?? realClock;
    const dsInformer = o.factory.forResource(resources.daemonsets);
    const podInformer = o.factory.forResource(resources.pods);
    const nodeInformer = o.factory.forResource(resources.nodes);
    const revInformer = o.factory.forResource(controllerRevisions);
    super({ name: 'daemonset', informers: [dsInformer, podInformer, nodeInformer, revInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.dsInformer = dsInformer;
    this.podInformer = podInformer;
    this.nodeInformer = nodeInformer;
    this.revInformer = revInformer;
    this.expectations = new DaemonExpectations(clock);

    dsInformer.addEventHandler({
      onAdd: (ds) => this.enqueue(ds),
      onUpdate: (_o, ds) => this.enqueue(ds),
      onDelete: (ds) => {
        const key = `${objectOf(ds).metadata.namespace}/${objectOf(ds).metadata.name}`;
        this.expectations.delete(key);
        this.queue.add(key);
      },
    });
    const podKey = (pod: Obj) => `${pod.metadata.namespace}/${pod.metadata.name}`;
    podInformer.addEventHandler({
      onAdd: (pod) => {
        const k = this.ownerKey(pod);
        if (!k) return this.enqueueMatching(pod);
        if (pod.metadata.deletionTimestamp) this.expectations.deletionObserved(k, podKey(pod));
        else this.expectations.creationObserved(k);
        this.queue.add(k);
      },
      onUpdate: (old, pod) => {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const k = this.ownerKey(pod);
        const ok = this.ownerKey(old);
        if (ok && ok !== k) this.queue.add(ok);
        if (!k) return this.enqueueMatching(pod);
        if (pod.metadata.deletionTimestamp) this.expectations.deletionObserved(k, podKey(pod));
        this.queue.add(k);
      },
      onDelete: (p) => {
        const pod = objectOf(p);
        const k = this.ownerKey(pod);
        if (!k) return;
        this.expectations.deletionObserved(k, podKey(pod));
        this.queue.add(k);
      },
    });
    // Any node change may change where daemons belong: every DaemonSet looks again.
    const all = () => {
      for (const ds of this.dsInformer.list()) this.enqueue(ds);
    };
    nodeInformer.addEventHandler({ onAdd: all, onUpdate: (old, n) => old.metadata.resourceVersion !== n.metadata.resourceVersion && all(), onDelete: all });
  }

  private ownerKey(obj: Obj): string | undefined {
    const ref = controllerRefOf(obj);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const key = `${obj.metadata.namespace}/${ref.name}`;
    return this.dsInformer.get(key)?.metadata.uid === ref.uid ? key : undefined;
  }

  private enqueueMatching(pod: Obj): void {
    for (const ds of this.dsInformer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace)) {
      const sel = selectorOf(ds);
      if (sel && Object.entries(ds.spec.selector.matchLabels ?? {}).every(([k, v]) => pod.metadata.labels?.[k] === v)) this.enqueue(ds);
    }
  }

  async reconcile(key: string): Promise<void> {
    const ds = this.dsInformer.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const selector = selectorOf(ds);
    if (!selector || ds.metadata.deletionTimestamp) return;
    const ns = ds.metadata.namespace;

    const revs = ownedRevisions(this.revInformer.byIndex(NAMESPACE_INDEX, ns), ds);
    const { revision: cur, collisionCount } = await ensureRevision({
      client: this.client, owner: ds, kind: 'DaemonSet', revisions: revs, collisionCount: ds.status?.collisionCount ?? 0, labels: ds.spec.template?.metadata?.labels ?? {},
    });
    const hash: string = cur.metadata.labels[CONTROLLER_REVISION_HASH];

    const candidates = this.podInformer.byIndex(NAMESPACE_INDEX, ns);
    const pods = await claim({ client: this.client, resource: resources.pods, owner: ds, ownerApiVersion: 'apps/v1', ownerKind: 'DaemonSet', selector, candidates });
    const byNode = new Map<string, Obj[]>();
    const orphaned: Obj[] = [];
    for (const p of pods) {
      const n = targetNode(p);
      if (n === undefined) {
        orphaned.push(p);
        continue;
      }
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const nodes = this.nodeInformer.list();

    if (this.expectations.satisfied(key)) {
      const { create, remove } = this.plan(ds, nodes, byNode, hash);
      for (const [n, list] of byNode) if (!nodes.some((x) => x.metadata.name === n)) remove.push(...list.filter((p) => !p.metadata.deletionTimestamp));
      remove.push(...orphaned.filter((p) => !p.metadata.deletionTimestamp));
      await this.apply(key, ds, hash, create, remove);
    }

    // Revisions no pod uses and that are not current are history, kept up to the limit.
    const live = new Set<string>([cur.metadata.name]);
    for (const p of pods) {
      const r = revs.find((x) => x.metadata.labels?.[CONTROLLER_REVISION_HASH] === p.metadata.labels?.[CONTROLLER_REVISION_HASH]);
      if (r) live.add(r.metadata.name);
    }
    await truncateHistory(this.client, ownedRevisions(this.revInformer.byIndex(NAMESPACE_INDEX, ns), ds), live, ds.spec.revisionHistoryLimit ?? 10);

    await this.updateStatus(ds, nodes, byNode, hash, collisionCount);
  }

  /** What to create (node names) and delete: upstream's manage plus the rolling update. */
  private plan(ds: Obj, nodes: Obj[], byNode: Map<string, Obj[]>, hash: string): { create: string[]; remove: Obj[] } {
    const create: string[] = [];
    const remove: Obj[] = [];
    const now = this.clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    const rolling = (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    let desired = 0;
    for (const n of nodes) if (nodeShouldRunDaemonPod(n, ds).shouldRun) desired++;
    const { maxSurge, maxUnavailable } = updateBudget(ds, desired);
    const isNew = (p: Obj) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;
    const available = (p: Obj) => isPodAvailable(p, minReady, now);

    // Nodes that only run old pods, split by whether that pod is available.
    const oldAvailable: Obj[] = [];
    const surging: { node: string; old: Obj; fresh: Obj }[] = [];
    let unavailable = 0;
    const wantSurge: string[] = [];
    for (const node of nodes) {
      const name = node.metadata.name;
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const all = byNode.get(name) ?? [];
      const live = all.filter((p) => !p.metadata.deletionTimestamp);
      // Failed pods are deleted and replaced (the kubelet will not restart them).
      const failed = live.filter((p) => p.status?.phase === 'Failed');
      remove.push(...failed);
      const running = live.filter((p) => p.status?.phase !== 'Failed');
      if (!shouldContinueRunning) {
        remove.push(...running);
        continue;
      }
      if (!shouldRun && running.length === 0) continue;
      if (running.length === 0) {
        if (all.length === live.length || failed.length) create.push(name);
        if (shouldRun) unavailable++;
        continue;
      }
      // Doubled-up pods: keep the oldest (and, mid-surge, one old and one new).
      running.sort((a, b) => parseTime(a.metadata.creationTimestamp) - parseTime(b.metadata.creationTimestamp));
      const olds = running.filter((p) => !isNew(p));
      const news = running.filter(isNew);
      if (!rolling || (olds.length && !news.length) || (!olds.length && news.length)) {
        remove.push(...running.slice(1));
        const keep = running[0]!;
        if (!available(keep)) unavailable++;
        if (rolling && !isNew(keep)) {
          if (available(keep)) oldAvailable.push(keep);
          else if (maxSurge === 0) remove.push(keep);
          else wantSurge.push(name);
        }
        continue;
      }
      remove.push(...olds.slice(1), ...news.slice(1));
      surging.push({ node: name, old: olds[0]!, fresh: news[0]! });
    }
    if (!rolling) return { create, remove };

    if (maxSurge === 0) {
      // Unavailable old pods were deleted above for free; the rest go within the budget.
      for (const p of oldAvailable) {
        if (unavailable >= maxUnavailable) break;
        remove.push(p);
        unavailable++;
      }
      return { create, remove };
    }
    // Surge: a new pod joins each old one; the old leaves once the new is available.
    let inFlight = 0;
    for (const s of surging) {
      if (available(s.fresh)) remove.push(s.old);
      else inFlight++;
    }
    // An unavailable old pod is replaced at once, outside the surge budget (as upstream).
    create.push(...wantSurge);
    for (const name of oldAvailable.map(targetNode)) {
      if (inFlight >= maxSurge) break;
      create.push(name!);
      inFlight++;
    }
    return { create, remove };
  }

  private async apply(key: string, ds: Obj, hash: string, create: string[], remove: Obj[]): Promise<void> {
    const uniq = [...new Map(remove.map((p) => [p.metadata.uid, p])).values()];
    this.expectations.expect(key, create.length, uniq.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    const results = await Promise.allSettled([
      ...create.map((n) => this.createPod(ds, n, hash).catch((err) => {
        this.expectations.creationObserved(key);
        throw err;
      })),
      ...uniq.map(async (p) => {
        try {
          await this.client.delete(resources.pods, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
          this.recorder?.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, `${p.metadata.namespace}/${p.metadata.name}`);
          if (isNotFound(err)) return;
          this.recorder?.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          throw err;
        }
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async createPod(ds: Obj, node: string, hash: string): Promise<void> {
    const t = ds.spec.template ?? {};
    const spec = structuredClone(t.spec ?? {});
    spec.tolerations = daemonTolerations(spec);
    spec.affinity = pinToNode(spec.affinity, node);
    const meta: Obj = {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash, [POD_TEMPLATE_GENERATION]: String(ds.metadata.generation ?? 1) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name, uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }],
    };
    if (t.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
    try {
      const pod = await this.client.create(resources.pods, ds.metadata.namespace, { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec });
      this.recorder?.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    } catch (err) {
      this.recorder?.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  calculateStatus(ds: Obj, nodes: Obj[], byNode: Map<string, Obj[]>, hash: string): Obj {
    const now = this.clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    let desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = (byNode.get(node.metadata.name) ?? []).filter((p) => !p.metadata.deletionTimestamp);
      if (shouldRun) {
        desired++;
        if (!pods.length) continue;
        current++;
        // The oldest pod stands for the node, as upstream.
        const p = [...pods].sort((a, b) => parseTime(a.metadata.creationTimestamp) - parseTime(b.metadata.creationTimestamp))[0]!;
        if (isPodReady(p)) {
          ready++;
          if (isPodAvailable(p, minReady, now)) available++;
        }
        if (pods.some((x) => x.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash)) updated++;
      } else if (pods.length) misscheduled++;
    }
    return {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 0,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
    };
  }

  private async updateStatus(ds: Obj, nodes: Obj[], byNode: Map<string, Obj[]>, hash: string, collisionCount: number): Promise<void> {
    const status: Obj = { ...this.calculateStatus(ds, nodes, byNode, hash) };
    if (collisionCount || ds.status?.collisionCount !== undefined) status.collisionCount = collisionCount;
    if (ds.status?.conditions) status.conditions = ds.status.conditions;
    // Zero omitempty fields are absent on the wire, as in upstream's Go types.
    for (const f of ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'observedGeneration']) if (status[f] === 0) delete status[f];
    const cur = ds.status ?? {};
    const same = Object.keys(status).every((k) => JSON.stringify(cur[k] ?? 0) === JSON.stringify(status[k] ?? 0));
    if (!same) {
      try {
        await this.client.updateStatus(resources.daemonsets, ds.metadata.namespace, { ...ds, status });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const minReady = ds.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.numberReady !== status.numberAvailable) this.enqueueAfter(`${ds.metadata.namespace}/${ds.metadata.name}`, minReady * 1000);
  }
}
