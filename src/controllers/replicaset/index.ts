// The ReplicaSet controller (upstream pkg/controller/replicaset): keeps spec.replicas active pods
// matching the selector, adopting orphans and releasing pods that stopped matching, creating in
// slow-start batches, deleting the least valuable pods first, and reporting status.
import { EventRecorder, NAMESPACE_INDEX, isNotFound, objectOf, resources, type Client, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { Expectations, claim, controllerRefOf, isPodActive, isPodAvailable, isPodReady, matchesLabels, parseTime, selectorOf } from '../util.ts';

type Obj = Record<string, any>;

/** Upstream's BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

export interface ReplicaSetControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Upstream's ActivePodsWithRanks ordering: the pod to delete first sorts first. `ranks` holds how
 * many of the set's pods share each pod's node (doubled-up pods go first).
 */
export function compareForDeletion(a: Obj, b: Obj, ranks: Map<Obj, number>): number {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (!na !== !nb) return !na ? -1 : 1;
  const pa = PHASE_RANK[a.status?.phase] ?? 0;
  const pb = PHASE_RANK[b.status?.phase] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = Number(a.metadata?.annotations?.[POD_DELETION_COST] ?? 0) || 0;
  const cb = Number(b.metadata?.annotations?.[POD_DELETION_COST] ?? 0) || 0;
  if (ca !== cb) return ca - cb;
  const ka = ranks.get(a) ?? 0;
  const kb = ranks.get(b) ?? 0;
  if (ka !== kb) return kb - ka;
  if (ra && rb) {
    const ta = parseTime(readyTime(a));
    const tb = parseTime(readyTime(b));
    if (ta !== tb) return tb - ta;
  }
  const restarts = (p: Obj) => (p.status?.containerStatuses ?? []).reduce((n: number, c: Obj) => Math.max(n, c.restartCount ?? 0), 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const cta = parseTime(a.metadata?.creationTimestamp);
  const ctb = parseTime(b.metadata?.creationTimestamp);
  if (cta !== ctb) return (Number.isNaN(ctb) ? 0 : ctb) - (Number.isNaN(cta) ? 0 : cta);
  return 0;
}

const readyTime = (p: Obj) => (p.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready')?.lastTransitionTime;

/** The `n` pods to delete, most expendable first. */
export function podsToDelete(pods: Obj[], n: number): Obj[] {
  const perNode = new Map<string, number>();
  for (const p of pods) if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const ranks = new Map<Obj, number>(pods.map((p) => [p, p.spec?.nodeName ? perNode.get(p.spec.nodeName)! : 0]));
  return [...pods].sort((a, b) => compareForDeletion(a, b, ranks)).slice(0, n);
}

export class ReplicaSetController extends KeyedController {
  readonly expectations: Expectations;
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly rsInformer;
  private readonly podInformer;

  constructor(o: ReplicaSetControllerOptions) {
    const clock = o.clock ?? realClock;
    const rsInformer = o.factory.forResource(resources.replicasets);
    const podInformer = o.factory.forResource(resources.pods);
    super({ name: 'replicaset', informers: [rsInformer, podInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.rsInformer = rsInformer;
    this.podInformer = podInformer;
    this.expectations = new Expectations(clock);

    rsInformer.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (rs) => {
        const key = `${objectOf(rs).metadata.namespace}/${objectOf(rs).metadata.name}`;
        this.expectations.delete(key);
        this.queue.add(key);
      },
    });
    podInformer.addEventHandler({
      onAdd: (pod) => {
        if (pod.metadata.deletionTimestamp) return this.onPodDeleted(pod);
        const ref = controllerRefOf(pod);
        if (ref) {
          const key = this.ownerKey(pod, ref);
          if (!key) return;
          this.expectations.creationObserved(key);
          this.queue.add(key);
          return;
        }
        for (const rs of this.matchingSets(pod)) this.enqueue(rs);
      },
      onUpdate: (old, pod) => {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.onPodDeleted(pod);
        const oldRef = controllerRefOf(old);
        const ref = controllerRefOf(pod);
        if (oldRef && oldRef.uid !== ref?.uid) {
          const k = this.ownerKey(old, oldRef);
          if (k) this.queue.add(k);
        }
        if (ref) {
          const k = this.ownerKey(pod, ref);
          if (k) this.queue.add(k);
          return;
        }
        for (const rs of this.matchingSets(pod)) this.enqueue(rs);
      },
      onDelete: (p) => this.onPodDeleted(objectOf(p)),
    });
  }

  private onPodDeleted(pod: Obj): void {
    const ref = controllerRefOf(pod);
    if (!ref) return;
    const key = this.ownerKey(pod, ref);
    if (!key) return;
    this.expectations.deletionObserved(key, `${pod.metadata.namespace}/${pod.metadata.name}`);
    this.queue.add(key);
  }

  private ownerKey(pod: Obj, ref: { kind: string; name: string; uid: string }): string | undefined {
    if (ref.kind !== 'ReplicaSet') return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    const rs = this.rsInformer.get(key);
    return rs && rs.metadata.uid === ref.uid ? key : undefined;
  }

  private matchingSets(pod: Obj): Obj[] {
    return this.rsInformer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace).filter((rs) => {
      const sel = selectorOf(rs);
      return sel !== undefined && matchesLabels(sel, pod.metadata.labels);
    });
  }

  async reconcile(key: string): Promise<void> {
    const rs = this.rsInformer.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const selector = selectorOf(rs);
    if (!selector) return;
    const needsSync = this.expectations.satisfied(key) && !rs.metadata.deletionTimestamp;
    const candidates = this.podInformer.byIndex(NAMESPACE_INDEX, rs.metadata.namespace).filter(isPodActive);
    const pods = await claim({ client: this.client, resource: resources.pods, owner: rs, ownerApiVersion: 'apps/v1', ownerKind: 'ReplicaSet', selector, candidates });
    let manageErr: unknown;
    if (needsSync) {
      try {
        await this.manageReplicas(key, pods, rs);
      } catch (err) {
        manageErr = err;
      }
    }
    const status = this.calculateStatus(rs, pods, manageErr);
    const updated = await this.updateStatus(rs, status);
    const minReady = rs.spec.minReadySeconds ?? 0;
    // Pods become available by the passage of time alone: look again when they will have.
    if (manageErr === undefined && updated && minReady > 0 && status.readyReplicas === rs.spec.replicas && status.availableReplicas !== rs.spec.replicas) {
      this.enqueueAfter(key, minReady * 1000);
    }
    if (manageErr !== undefined) throw manageErr;
  }

  private async manageReplicas(key: string, pods: Obj[], rs: Obj): Promise<void> {
    const diff = pods.length - (rs.spec.replicas ?? 1);
    if (diff < 0) {
      const want = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, want);
      const { succeeded, error } = await slowStartBatch(want, 1, () => this.createPod(rs));
      // Creations that failed or never started will not show up in the informer.
      if (want - succeeded > 0) this.expectations.creationObserved(key, want - succeeded);
      if (error) throw error;
      return;
    }
    if (diff > 0) {
      const victims = podsToDelete(pods, Math.min(diff, BURST_REPLICAS));
      const victimKeys = victims.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
      this.expectations.expectDeletions(key, victimKeys);
      const results = await Promise.allSettled(
        victims.map(async (p) => {
          try {
            await this.client.delete(resources.pods, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
            this.recorder?.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
          } catch (err) {
            this.expectations.deletionObserved(key, `${p.metadata.namespace}/${p.metadata.name}`);
            if (isNotFound(err)) return;
            this.recorder?.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  private async createPod(rs: Obj): Promise<void> {
    const t = rs.spec.template ?? {};
    const meta: Obj = {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }],
    };
    if (t.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
    if (t.metadata?.finalizers) meta.finalizers = [...t.metadata.finalizers];
    try {
      const pod = await this.client.create(resources.pods, rs.metadata.namespace, { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: structuredClone(t.spec ?? {}) });
      this.recorder?.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    } catch (err) {
      this.recorder?.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  calculateStatus(rs: Obj, pods: Obj[], manageErr: unknown): Obj {
    const now = this.clock.now();
    const templateLabels: Record<string, string> = rs.spec.template?.metadata?.labels ?? {};
    const minReady = rs.spec.minReadySeconds ?? 0;
    const fully = pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length;
    const status: Obj = {
      replicas: pods.length,
      fullyLabeledReplicas: fully,
      readyReplicas: pods.filter(isPodReady).length,
      availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation ?? 0,
    };
    let conditions: Obj[] = (rs.status?.conditions ?? []).filter((c: Obj) => c.type !== 'ReplicaFailure');
    const failure = (rs.status?.conditions ?? []).find((c: Obj) => c.type === 'ReplicaFailure');
    if (manageErr !== undefined && pods.length < (rs.spec.replicas ?? 1)) {
      const message = (manageErr as Error)?.message ?? String(manageErr);
      conditions = [...conditions, failure ?? { type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(now), reason: 'FailedCreate', message }];
    } else if (manageErr !== undefined && failure) {
      conditions = [...conditions, failure];
    }
    if (conditions.length) status.conditions = conditions;
    return status;
  }

  /** Writes status when it differs; true when the cached status already matched or was written. */
  private async updateStatus(rs: Obj, status: Obj): Promise<boolean> {
    const cur = rs.status ?? {};
    const same =
      ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'].every((f) => (cur[f] ?? 0) === status[f]) &&
      JSON.stringify(cur.conditions ?? []) === JSON.stringify(status.conditions ?? []);
    if (same) return true;
    try {
      await this.client.updateStatus(resources.replicasets, rs.metadata.namespace, { ...rs, status });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

/**
 * Calls `fn` `count` times in batches of 1, 2, 4, ... so that a failing call (quota, admission)
 * fails once rather than hundreds of times; stops after the first batch with an error.
 */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<void>): Promise<{ succeeded: number; error?: unknown }> {
  let remaining = count;
  let succeeded = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    succeeded += batch - errors.length;
    if (errors.length) return { succeeded, error: errors[0]!.reason };
    remaining -= batch;
  }
  return { succeeded };
}

