// The StatefulSet controller (upstream pkg/controller/statefulset): pods with stable ordinal
// names `<set>-<n>` and claims `<template>-<set>-<n>`, created in order and removed in reverse
// (OrderedReady) or all at once (Parallel), updated from the highest ordinal down to the
// partition (RollingUpdate) or only when deleted (OnDelete), with ControllerRevision history.
import { EventRecorder, NAMESPACE_INDEX, isNotFound, objectOf, resources, type Client, type SharedInformerFactory } from '../../client/index.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { CONTROLLER_REVISION_HASH, controllerRevisions, ensureRevision, ownedRevisions, truncateHistory } from '../daemonset/history.ts';
import { claim, controllerRefOf, isPodAvailable, isPodReady, selectorOf } from '../util.ts';

type Obj = Record<string, any>;

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export interface StatefulSetControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

/** The ordinal of a pod named `<set>-<n>`, or -1 when the pod is not one of the set's. */
export function ordinalOf(set: Obj, pod: Obj): number {
  const name: string = pod.metadata?.name ?? '';
  const prefix = `${set.metadata.name}-`;
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

export const claimName = (set: Obj, template: Obj, ordinal: number): string => `${template.metadata?.name}-${set.metadata.name}-${ordinal}`;

/** The template a revision recorded (its data is a `$patch: replace` of spec.template). */
export function templateOf(revision: Obj): Obj {
  const { $patch: _p, ...t } = revision.data?.spec?.template ?? {};
  return t;
}

/** Upstream's newStatefulSetPod + initIdentity + updateStorage for one ordinal. */
export function newPod(set: Obj, template: Obj, revisionName: string, ordinal: number): Obj {
  const name = `${set.metadata.name}-${ordinal}`;
  const spec = structuredClone(template.spec ?? {});
  spec.hostname = name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  const claims: Obj[] = set.spec.volumeClaimTemplates ?? [];
  if (claims.length) {
    const names = new Set(claims.map((c) => c.metadata?.name));
    spec.volumes = [
      ...(spec.volumes ?? []).filter((v: Obj) => !names.has(v.name)),
      ...claims.map((c) => ({ name: c.metadata.name, persistentVolumeClaim: { claimName: claimName(set, c, ordinal) } })),
    ];
  }
  const meta: Obj = {
    name,
    namespace: set.metadata.namespace,
    labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: revisionName, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name, uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }],
  };
  if (template.metadata?.annotations) meta.annotations = { ...template.metadata.annotations };
  if (template.metadata?.finalizers) meta.finalizers = [...template.metadata.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}

/**
 * Upstream's updateClaimOwnerRefForSetAndPod: whenDeleted Delete makes the set the claim's
 * controller; whenScaled Delete makes a scaled-down pod its controller instead. Returns the new
 * references, or undefined when they are already right. A claim controlled by anyone else is
 * left with neither.
 */
export function claimOwnerRefs(set: Obj, pod: Obj, inRange: boolean, refs: Obj[]): Obj[] | undefined {
  const policy = set.spec.persistentVolumeClaimRetentionPolicy ?? {};
  const ours = (r: Obj) => (r.kind === 'StatefulSet' && r.name === set.metadata.name) || (r.kind === 'Pod' && r.name === pod.metadata.name);
  // A reference to a same-named object of another uid is a predecessor's: not ours to touch.
  if (refs.some((r) => (r.kind === 'StatefulSet' && r.name === set.metadata.name && r.uid !== set.metadata.uid) || (r.kind === 'Pod' && r.name === pod.metadata.name && pod.metadata.uid && r.uid !== pod.metadata.uid))) return undefined;
  const others = refs.filter((r) => !ours(r));
  const out = [...others];
  if (!others.some((r) => r.controller === true)) {
    const ref = (o: Obj, apiVersion: string, kind: string) => ({ apiVersion, kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true });
    if (policy.whenScaled === 'Delete' && !inRange && pod.metadata.uid) out.push(ref(pod, 'v1', 'Pod'));
    else if (policy.whenDeleted === 'Delete') out.push(ref(set, 'apps/v1', 'StatefulSet'));
  }
  return JSON.stringify(out) === JSON.stringify(refs) ? undefined : out;
}

const isTerminating = (p: Obj) => !!p.metadata.deletionTimestamp;
const isFailed = (p: Obj) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
const revisionOf = (p: Obj) => p.metadata.labels?.[CONTROLLER_REVISION_HASH];

export class StatefulSetController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly setInformer;
  private readonly podInformer;
  private readonly pvcInformer;
  private readonly revInformer;

  constructor(o: StatefulSetControllerOptions) {
    const clock = o.clock ?? realClock;
    const setInformer = o.factory.forResource(resources.statefulsets);
    const podInformer = o.factory.forResource(resources.pods);
    const pvcInformer = o.factory.forResource(resources.persistentvolumeclaims);
    const revInformer = o.factory.forResource(controllerRevisions);
    super({ name: 'statefulset', informers: [setInformer, podInformer, pvcInformer, revInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.setInformer = setInformer;
    this.podInformer = podInformer;
    this.pvcInformer = pvcInformer;
    this.revInformer = revInformer;

    setInformer.addEventHandler({
      onAdd: (s) => this.enqueue(s),
      onUpdate: (_o, s) => this.enqueue(s),
      onDelete: (s) => this.enqueue(s),
    });
    const onPod = (pod: Obj) => {
      const k = this.ownerKey(pod);
      if (k) return this.queue.add(k);
      if (controllerRefOf(pod)) return;
      // An orphan: every set whose selector matches may adopt it.
      for (const s of this.setInformer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace)) {
        if (Object.entries(s.spec?.selector?.matchLabels ?? {}).every(([lk, v]) => pod.metadata.labels?.[lk] === v)) this.enqueue(s);
      }
    };
    podInformer.addEventHandler({
      onAdd: onPod,
      onUpdate: (old, pod) => {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const ok = this.ownerKey(old);
        if (ok) this.queue.add(ok);
        onPod(pod);
      },
      onDelete: (p) => {
        const k = this.ownerKey(objectOf(p));
        if (k) this.queue.add(k);
      },
    });
  }

  private ownerKey(obj: Obj): string | undefined {
    const ref = controllerRefOf(obj);
    if (!ref || ref.kind !== 'StatefulSet') return undefined;
    const key = `${obj.metadata.namespace}/${ref.name}`;
    return this.setInformer.get(key)?.metadata.uid === ref.uid ? key : undefined;
  }

  async reconcile(key: string): Promise<void> {
    const set = this.setInformer.get(key);
    if (!set) return;
    const selector = selectorOf(set);
    if (!selector || set.metadata.deletionTimestamp) return;
    const ns = set.metadata.namespace;

    const revs = ownedRevisions(this.revInformer.byIndex(NAMESPACE_INDEX, ns), set);
    const { revision: update, collisionCount } = await ensureRevision({
      client: this.client, owner: set, kind: 'StatefulSet', revisions: revs, collisionCount: set.status?.collisionCount ?? 0, labels: set.spec.template?.metadata?.labels ?? {},
    });
    const current = revs.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;

    const candidates = this.podInformer.byIndex(NAMESPACE_INDEX, ns);
    const pods = (await claim({ client: this.client, resource: resources.pods, owner: set, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', selector, candidates })).filter(
      (p) => ordinalOf(set, p) >= 0,
    );

    let syncErr: unknown;
    try {
      await this.sync(set, pods, current, update);
    } catch (err) {
      syncErr = err;
    }
    // History keeps the revisions pods still use, plus revisionHistoryLimit others.
    const live = new Set<string>([current.metadata.name, update.metadata.name, ...pods.map(revisionOf).filter(Boolean)]);
    await truncateHistory(this.client, ownedRevisions(this.revInformer.byIndex(NAMESPACE_INDEX, ns), set), live, set.spec.revisionHistoryLimit ?? 10);
    await this.updateStatus(set, this.podInformer.byIndex(NAMESPACE_INDEX, ns).filter((p) => controllerRefOf(p)?.uid === set.metadata.uid && ordinalOf(set, p) >= 0), current, update, collisionCount);
    if (syncErr !== undefined) throw syncErr;
  }

  private healthy(set: Obj, p: Obj): boolean {
    return p.status?.phase === 'Running' && isPodAvailable(p, set.spec.minReadySeconds ?? 0, this.clock.now()) && !isTerminating(p);
  }

  /** Upstream's updateStatefulSet: one pass, stopping where OrderedReady must wait. */
  private async sync(set: Obj, pods: Obj[], current: Obj, update: Obj): Promise<void> {
    const replicas: number = set.spec.replicas ?? 1;
    const start: number = set.spec.ordinals?.start ?? 0;
    const end = start + replicas;
    const monotonic = (set.spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const rolling = (set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const partition: number = rolling ? (set.spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
    const byOrd = new Map<number, Obj>(pods.map((p) => [ordinalOf(set, p), p]));

    // Pods below the partition are made at the current revision; under OnDelete, at the update.
    const revisionFor = (ord: number) => (rolling && ord < start + partition ? current : update);

    for (let ord = start; ord < end; ord++) {
      let pod = byOrd.get(ord);
      if (pod && isFailed(pod) && !isTerminating(pod)) {
        await this.deletePod(set, pod);
        if (monotonic) return;
        pod = undefined;
        continue;
      }
      if (!pod) {
        const rev = revisionFor(ord);
        await this.createClaims(set, ord);
        await this.createPod(set, newPod(set, templateOf(rev), rev.metadata.name, ord));
        if (monotonic) return;
        continue;
      }
      if (!isTerminating(pod)) {
        await this.createClaims(set, ord);
        await this.updateClaimOwners(set, pod, true);
      }
      if (monotonic && (isTerminating(pod) || !this.healthy(set, pod))) return;
    }

    const condemned = pods.filter((p) => {
      const o = ordinalOf(set, p);
      return o < start || o >= end;
    }).sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      // OrderedReady removes one pod at a time, and only while its predecessors are healthy.
      if (monotonic && pods.some((p) => p !== pod && ordinalOf(set, p) < ordinalOf(set, pod) && !this.healthy(set, p))) return;
      // whenScaled: Delete hands the claims to the pod first, so they go with it.
      await this.updateClaimOwners(set, pod, false);
      await this.deletePod(set, pod);
      if (monotonic) return;
    }

    if (!rolling) return;
    // From the highest ordinal down to the partition: replace one outdated pod at a time.
    for (let ord = end - 1; ord >= start + partition; ord--) {
      const pod = byOrd.get(ord);
      if (!pod) return;
      if (revisionOf(pod) !== update.metadata.name && !isTerminating(pod)) {
        await this.deletePod(set, pod);
        return;
      }
      if (!this.healthy(set, pod)) return;
    }
  }

  /** Sets the claims' owner references per persistentVolumeClaimRetentionPolicy (update, as upstream). */
  private async updateClaimOwners(set: Obj, pod: Obj, inRange: boolean): Promise<void> {
    const ord = ordinalOf(set, pod);
    for (const t of set.spec.volumeClaimTemplates ?? []) {
      const pvc = this.pvcInformer.get(`${set.metadata.namespace}/${claimName(set, t, ord)}`);
      if (!pvc) continue;
      const refs = claimOwnerRefs(set, pod, inRange, pvc.metadata.ownerReferences ?? []);
      if (refs === undefined) continue;
      try {
        await this.client.update(resources.persistentvolumeclaims, pvc.metadata.namespace, { ...pvc, metadata: { ...pvc.metadata, ownerReferences: refs } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async createClaims(set: Obj, ord: number): Promise<void> {
    for (const t of set.spec.volumeClaimTemplates ?? []) {
      const name = claimName(set, t, ord);
      if (this.pvcInformer.get(`${set.metadata.namespace}/${name}`)) continue;
      const podName = `${set.metadata.name}-${ord}`;
      const pvc: Obj = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name, namespace: set.metadata.namespace, labels: { ...(t.metadata?.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) } },
        spec: structuredClone(t.spec ?? {}),
      };
      if (t.metadata?.annotations) pvc.metadata.annotations = { ...t.metadata.annotations };
      const refs = claimOwnerRefs(set, { metadata: { name: podName } }, true, []);
      if (refs?.length) pvc.metadata.ownerReferences = refs;
      try {
        await this.client.create(resources.persistentvolumeclaims, set.metadata.namespace, pvc);
        this.recorder?.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${podName} in StatefulSet ${set.metadata.name} success`);
      } catch (err) {
        if ((err as { code?: number }).code === 409) continue;
        this.recorder?.event(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${podName} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  private async createPod(set: Obj, pod: Obj): Promise<void> {
    try {
      await this.client.create(resources.pods, set.metadata.namespace, pod);
      this.recorder?.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      // A create the informer has not shown yet: the next sync sees the pod.
      if ((err as { code?: number }).code === 409) return;
      this.recorder?.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePod(set: Obj, pod: Obj): Promise<void> {
    try {
      await this.client.delete(resources.pods, pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } });
      this.recorder?.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.recorder?.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  calculateStatus(set: Obj, pods: Obj[], current: Obj, update: Obj, collisionCount: number): Obj {
    const now = this.clock.now();
    const minReady = set.spec.minReadySeconds ?? 0;
    const s: Obj = {
      observedGeneration: set.metadata.generation ?? 0,
      replicas: 0,
      readyReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      currentRevision: current.metadata.name,
      updateRevision: update.metadata.name,
      collisionCount,
      availableReplicas: 0,
    };
    for (const p of pods) {
      s.replicas++;
      if (isTerminating(p)) continue;
      if (p.status?.phase === 'Running' && isPodReady(p)) {
        s.readyReplicas++;
        if (isPodAvailable(p, minReady, now)) s.availableReplicas++;
      }
      if (revisionOf(p) === current.metadata.name) s.currentReplicas++;
      if (revisionOf(p) === update.metadata.name) s.updatedReplicas++;
    }
    // Upstream's completeRollingUpdate: once every pod runs the update, it becomes current.
    const want = set.spec.replicas ?? 1;
    if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && s.updatedReplicas === want && s.readyReplicas === want && s.replicas === want) {
      s.currentReplicas = s.updatedReplicas;
      s.currentRevision = s.updateRevision;
    }
    return s;
  }

  private async updateStatus(set: Obj, pods: Obj[], current: Obj, update: Obj, collisionCount: number): Promise<void> {
    const status: Obj = this.calculateStatus(set, pods, current, update, collisionCount);
    if (set.status?.conditions) status.conditions = set.status.conditions;
    // Zero omitempty fields are absent on the wire, as in upstream's Go types.
    for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'observedGeneration']) if (status[f] === 0) delete status[f];
    const cur = set.status ?? {};
    if (!Object.keys(status).every((k) => JSON.stringify(cur[k] ?? 0) === JSON.stringify(status[k] ?? 0))) {
      try {
        await this.client.updateStatus(resources.statefulsets, set.metadata.namespace, { ...set, status });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    // Pods become available by the passage of time alone: look again when they will have.
    const minReady = set.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) this.enqueueAfter(`${set.metadata.namespace}/${set.metadata.name}`, minReady * 1000);
  }
}
