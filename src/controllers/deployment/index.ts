// The Deployment controller (upstream pkg/controller/deployment): one ReplicaSet per pod template
// (`<deploy>-<pod-template-hash>`), rolled out by RollingUpdate or Recreate, with revisions,
// history cleanup, pausing, proportional scaling and the Available/Progressing conditions.
import { EventRecorder, NAMESPACE_INDEX, isAlreadyExists, isNotFound, objectOf, resources, type Client, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { claim, controllerRefOf, matchesLabels, parseTime, selectorOf, stableJson } from '../util.ts';
import {
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  POD_TEMPLATE_HASH,
  REVISION,
  REVISION_HISTORY,
  computeHash,
  copiedAnnotations,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  equalIgnoreHash,
  getCondition,
  isRollingUpdate,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  revisionOf,
  setCondition,
  specReplicas,
  type Condition,
} from './util.ts';

type Obj = Record<string, any>;

const MAX_INT32 = 2147483647;

export interface DeploymentControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

const byCreation = (a: Obj, b: Obj) => parseTime(a.metadata.creationTimestamp) - parseTime(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name);

export class DeploymentController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly dInformer;
  private readonly rsInformer;
  private readonly podInformer;

  constructor(o: DeploymentControllerOptions) {
    const clock = o.clock ?? realClock;
    const dInformer = o.factory.forResource(resources.deployments);
    const rsInformer = o.factory.forResource(resources.replicasets);
    const podInformer = o.factory.forResource(resources.pods);
    super({ name: 'deployment', informers: [dInformer, rsInformer, podInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.dInformer = dInformer;
    this.rsInformer = rsInformer;
    this.podInformer = podInformer;

    dInformer.addEventHandler({ onAdd: (d) => this.enqueue(d), onUpdate: (_a, d) => this.enqueue(d), onDelete: (d) => this.enqueue(d) });
    const onRs = (rs: Obj) => {
      const ref = controllerRefOf(rs);
      if (ref) {
        if (ref.kind === 'Deployment') this.queue.add(`${rs.metadata.namespace}/${ref.name}`);
        return;
      }
      for (const d of this.dInformer.byIndex(NAMESPACE_INDEX, rs.metadata.namespace)) {
        const sel = selectorOf(d);
        if (sel && matchesLabels(sel, rs.metadata.labels)) this.enqueue(d);
      }
    };
    rsInformer.addEventHandler({
      onAdd: onRs,
      onUpdate: (old, rs) => {
        const oldRef = controllerRefOf(old);
        if (oldRef && oldRef.uid !== controllerRefOf(rs)?.uid && oldRef.kind === 'Deployment') this.queue.add(`${old.metadata.namespace}/${oldRef.name}`);
        onRs(rs);
      },
      onDelete: (rs) => onRs(objectOf(rs)),
    });
    // Recreate waits for the old pods to go: their deletion is what lets it continue.
    podInformer.addEventHandler({
      onDelete: (p) => {
        const pod = objectOf(p);
        const ref = controllerRefOf(pod);
        if (ref?.kind !== 'ReplicaSet') return;
        const rs = this.rsInformer.get(`${pod.metadata.namespace}/${ref.name}`);
        const dref = rs && controllerRefOf(rs);
        if (dref?.kind === 'Deployment') this.queue.add(`${pod.metadata.namespace}/${dref.name}`);
      },
    });
  }

  async reconcile(key: string): Promise<void> {
    const cached = this.dInformer.get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    const selector = selectorOf(d);
    if (!selector) {
      this.recorder?.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.writeStatus(d, { ...(d.status ?? {}), observedGeneration: d.metadata.generation });
      }
      return;
    }
    const candidates = this.rsInformer.byIndex(NAMESPACE_INDEX, d.metadata.namespace);
    const rsList = await claim({ client: this.client, resource: resources.replicasets, owner: d, ownerApiVersion: 'apps/v1', ownerKind: 'Deployment', selector, candidates });
    if (d.metadata.deletionTimestamp) {
      await this.syncStatusOnly(d, rsList);
      return;
    }
    await this.checkPausedConditions(d);
    if (d.spec.paused) {
      await this.sync(d, rsList);
      return;
    }
    if (this.isScalingEvent(d, rsList)) {
      await this.sync(d, rsList);
      return;
    }
    if (isRollingUpdate(d)) await this.rolloutRolling(d, rsList);
    else await this.rolloutRecreate(d, rsList);
  }

  // ---- ReplicaSets and revisions -----------------------------------------------------------

  private split(d: Obj, rsList: Obj[]): { newRS: Obj | undefined; oldRSs: Obj[] } {
    const sorted = [...rsList].sort(byCreation);
    const newRS = sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec.template));
    return { newRS, oldRSs: sorted.filter((rs) => rs !== newRS) };
  }

  /**
   * The ReplicaSet of the current template, brought to the next revision; created (when asked)
   * if there is none. Also writes the revision annotation on the Deployment.
   */
  private async getNewReplicaSet(d: Obj, rsList: Obj[], oldRSs: Obj[], create: boolean): Promise<Obj | undefined> {
    const existing = this.split(d, rsList).newRS;
    const maxOld = oldRSs.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
    const newRevision = String(maxOld + 1);
    if (existing) {
      const rs = structuredClone(existing);
      const annotationsChanged = this.setNewRSAnnotations(d, rs, newRevision, true);
      const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      let result = existing;
      if (annotationsChanged || minReadyChanged) {
        rs.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        result = await this.client.update(resources.replicasets, rs.metadata.namespace, rs);
      }
      await this.setDeploymentRevision(d, result.metadata.annotations?.[REVISION]);
      if (!getCondition(d.status, 'Progressing') && this.hasProgressDeadline(d)) {
        const status = structuredClone(d.status ?? {});
        setCondition(status, this.condition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${result.metadata.name}"`));
        d.status = await this.writeStatus(d, status);
      }
      return result;
    }
    if (!create) return undefined;

    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template ?? {});
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs: Obj = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    rs.spec.replicas = newRSNewReplicas(d, oldRSs, rs);
    this.setNewRSAnnotations(d, rs, newRevision, false);
    let created: Obj;
    try {
      created = await this.client.create(resources.replicasets, d.metadata.namespace, rs);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        const status = structuredClone(d.status ?? {});
        setCondition(status, this.condition('Progressing', 'False', 'ReplicaSetCreateError', `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`));
        await this.writeStatus(d, status).catch(() => undefined);
        this.recorder?.event(d, 'Warning', 'ReplicaSetCreateError', `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`);
        throw err;
      }
      const other = await this.client.get(resources.replicasets, d.metadata.namespace, rs.metadata.name);
      if (controllerRefOf(other)?.uid === d.metadata.uid && equalIgnoreHash(other.spec?.template, d.spec.template)) return other;
      // A hash collision: a different template already has this name. Bump the count and retry.
      const status = structuredClone(d.status ?? {});
      status.collisionCount = (status.collisionCount ?? 0) + 1;
      await this.writeStatus(d, status);
      throw err;
    }
    if (specReplicas(created) > 0) this.recorder?.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${specReplicas(created)}`);
    await this.setDeploymentRevision(d, newRevision);
    if (this.hasProgressDeadline(d)) {
      const status = structuredClone(d.status ?? {});
      setCondition(status, this.condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${created.metadata.name}"`));
      d.status = await this.writeStatus(d, status);
    }
    return created;
  }

  /** Copies annotations and sets revision/desired/max on a (new) ReplicaSet; true if changed. */
  private setNewRSAnnotations(d: Obj, rs: Obj, newRevision: string, exists: boolean): boolean {
    const before = JSON.stringify(rs.metadata.annotations ?? {});
    const a: Record<string, string> = { ...(rs.metadata.annotations ?? {}), ...copiedAnnotations(d) };
    const old = a[REVISION];
    if (!old || Number(old) < Number(newRevision)) {
      a[REVISION] = newRevision;
      // A reused ReplicaSet remembers the revisions it had before (upstream's revision-history).
      if (exists && old) a[REVISION_HISTORY] = a[REVISION_HISTORY] ? `${a[REVISION_HISTORY]},${old}` : old;
    }
    if (!exists) {
      a[DESIRED_REPLICAS] = String(d.spec.replicas ?? 1);
      a[MAX_REPLICAS] = String((d.spec.replicas ?? 1) + maxSurge(d));
    }
    rs.metadata.annotations = a;
    return JSON.stringify(a) !== before;
  }

  private async setDeploymentRevision(d: Obj, revision: string | undefined): Promise<void> {
    if (!revision || d.metadata.annotations?.[REVISION] === revision) return;
    // An update, not a patch: the deployment controller's role may update Deployments only.
    const next = structuredClone(d);
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [REVISION]: revision };
    const updated = await this.client.update(resources.deployments, d.metadata.namespace, next);
    d.metadata = updated.metadata;
  }

  // ---- Scaling -------------------------------------------------------------------------------

  private async scaleReplicaSet(d: Obj, rs: Obj, replicas: number): Promise<Obj> {
    const sizeChanged = specReplicas(rs) !== replicas;
    const desired = String(d.spec.replicas ?? 1);
    const max = String((d.spec.replicas ?? 1) + maxSurge(d));
    const a = rs.metadata.annotations ?? {};
    if (!sizeChanged && a[DESIRED_REPLICAS] === desired && a[MAX_REPLICAS] === max) return rs;
    const next = structuredClone(rs);
    next.spec.replicas = replicas;
    next.metadata.annotations = { ...a, [DESIRED_REPLICAS]: desired, [MAX_REPLICAS]: max };
    const updated = await this.client.update<Obj>(resources.replicasets, rs.metadata.namespace, next);
    if (sizeChanged) {
      const dir = replicas > specReplicas(rs) ? 'up' : 'down';
      this.recorder?.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${dir} replica set ${rs.metadata.name} from ${specReplicas(rs)} to ${replicas}`);
    }
    return updated;
  }

  private isScalingEvent(d: Obj, rsList: Obj[]): boolean {
    const { newRS, oldRSs } = this.split(d, rsList);
    const active = [newRS, ...oldRSs].filter((rs): rs is Obj => !!rs && specReplicas(rs) > 0);
    return active.some((rs) => {
      const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
      return desired !== undefined && Number(desired) !== (d.spec.replicas ?? 1);
    });
  }

  /** Scaling without a rollout (upstream's scale): proportional across active ReplicaSets. */
  private async scale(d: Obj, newRS: Obj | undefined, oldRSs: Obj[]): Promise<void> {
    const replicas = d.spec.replicas ?? 1;
    const all = [newRS, ...oldRSs].filter((rs): rs is Obj => !!rs);
    const active = all.filter((rs) => specReplicas(rs) > 0);
    if (active.length <= 1) {
      const target = active[0] ?? newRS ?? [...oldRSs].sort((a, b) => byCreation(b, a))[0];
      if (target) await this.scaleReplicaSet(d, target, replicas);
      return;
    }
    if (newRS && specReplicas(newRS) === replicas && (newRS.status?.availableReplicas ?? 0) === replicas) {
      for (const rs of oldRSs) if (specReplicas(rs) > 0) await this.scaleReplicaSet(d, rs, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allowed = replicas + maxSurge(d);
    const current = all.reduce((n, rs) => n + specReplicas(rs), 0);
    const toAdd = allowed - current;
    if (toAdd === 0) return;
    // Scale-up goes to the largest (newest on ties) first, scale-down to the smallest first.
    const order = [...active].sort((a, b) => (toAdd > 0 ? specReplicas(b) - specReplicas(a) || byCreation(b, a) : specReplicas(a) - specReplicas(b) || byCreation(b, a)));
    const sizes = new Map<Obj, number>();
    let added = 0;
    for (const rs of order) {
      const prevMax = Number(rs.metadata.annotations?.[MAX_REPLICAS] ?? 0) || current;
      const proportion = Math.round((specReplicas(rs) * allowed) / prevMax) - specReplicas(rs);
      const part = toAdd > 0 ? Math.min(proportion, toAdd - added) : Math.max(proportion, toAdd - added);
      sizes.set(rs, specReplicas(rs) + part);
      added += part;
    }
    const first = order[0]!;
    sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + (toAdd - added)));
    for (const rs of order) await this.scaleReplicaSet(d, rs, Math.max(0, sizes.get(rs)!));
  }

  private async sync(d: Obj, rsList: Obj[]): Promise<void> {
    const { oldRSs } = this.split(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, oldRSs, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec.paused) await this.cleanup(d, oldRSs);
    await this.syncStatusOnly(d, this.fresh(d, rsList));
  }

  // ---- RollingUpdate -------------------------------------------------------------------------

  private async rolloutRolling(d: Obj, rsList: Obj[]): Promise<void> {
    const { oldRSs } = this.split(d, rsList);
    let newRS = (await this.getNewReplicaSet(d, rsList, oldRSs, true))!;
    let all = [newRS, ...oldRSs];
    const replicas = d.spec.replicas ?? 1;
    if (specReplicas(newRS) !== replicas) {
      const target = specReplicas(newRS) > replicas ? replicas : newRSNewReplicas(d, all, newRS);
      if (target !== specReplicas(newRS)) {
        newRS = await this.scaleReplicaSet(d, newRS, target);
        await this.syncRolloutStatus(d, [newRS, ...oldRSs], newRS);
        return;
      }
    }
    const scaledDown = await this.reconcileOldReplicaSets(d, all, oldRSs, newRS);
    if (scaledDown) {
      await this.syncRolloutStatus(d, this.fresh(d, rsList), newRS);
      return;
    }
    all = [newRS, ...oldRSs];
    if (deploymentComplete(d, this.calculateStatus(d, all, newRS))) await this.cleanup(d, oldRSs);
    await this.syncRolloutStatus(d, all, newRS);
  }

  private async reconcileOldReplicaSets(d: Obj, all: Obj[], oldRSs: Obj[], newRS: Obj): Promise<boolean> {
    const oldPods = oldRSs.reduce((n, rs) => n + specReplicas(rs), 0);
    if (oldPods === 0) return false;
    const allPods = all.reduce((n, rs) => n + specReplicas(rs), 0);
    const minAvailable = (d.spec.replicas ?? 1) - maxUnavailable(d);
    const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;

    // Unhealthy old pods go first: removing them costs no availability.
    let cleaned = 0;
    const olds = [...oldRSs].sort(byCreation).map((rs) => rs);
    for (let i = 0; i < olds.length && cleaned < maxScaledDown; i++) {
      const rs = olds[i]!;
      const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
      if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
      const down = Math.min(unhealthy, maxScaledDown - cleaned);
      olds[i] = await this.scaleReplicaSet(d, rs, specReplicas(rs) - down);
      cleaned += down;
    }

    const available = [newRS, ...olds].reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    let scaled = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (let i = 0; i < olds.length && scaled < total; i++) {
        const rs = olds[i]!;
        if (specReplicas(rs) === 0) continue;
        const down = Math.min(specReplicas(rs), total - scaled);
        olds[i] = await this.scaleReplicaSet(d, rs, specReplicas(rs) - down);
        scaled += down;
      }
    }
    return cleaned + scaled > 0;
  }

  // ---- Recreate ------------------------------------------------------------------------------

  private async rolloutRecreate(d: Obj, rsList: Obj[]): Promise<void> {
    const { oldRSs } = this.split(d, rsList);
    let newRS = await this.getNewReplicaSet(d, rsList, oldRSs, false);
    let scaled = false;
    for (const rs of oldRSs) {
      if (specReplicas(rs) === 0) continue;
      await this.scaleReplicaSet(d, rs, 0);
      scaled = true;
    }
    if (scaled) {
      await this.syncRolloutStatus(d, this.fresh(d, rsList), newRS);
      return;
    }
    if (this.oldPodsRunning(oldRSs)) {
      await this.syncRolloutStatus(d, [...(newRS ? [newRS] : []), ...oldRSs], newRS);
      return;
    }
    if (!newRS) newRS = (await this.getNewReplicaSet(d, rsList, oldRSs, true))!;
    newRS = await this.scaleReplicaSet(d, newRS, d.spec.replicas ?? 1);
    const all = [newRS, ...oldRSs];
    if (deploymentComplete(d, this.calculateStatus(d, all, newRS))) await this.cleanup(d, oldRSs);
    await this.syncRolloutStatus(d, all, newRS);
  }

  /** Whether any pod of the old ReplicaSets still exists and has not finished. */
  private oldPodsRunning(oldRSs: Obj[]): boolean {
    const uids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    if (uids.size === 0) return false;
    const ns = oldRSs[0]!.metadata.namespace;
    return this.podInformer.byIndex(NAMESPACE_INDEX, ns).some((p) => {
      const ref = controllerRefOf(p);
      if (!ref || !uids.has(ref.uid)) return false;
      const phase = p.status?.phase;
      return phase !== 'Succeeded' && phase !== 'Failed';
    });
  }

  // ---- History -------------------------------------------------------------------------------

  private async cleanup(d: Obj, oldRSs: Obj[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const candidates = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = candidates.length - limit;
    if (diff <= 0) return;
    const sorted = [...candidates].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    let deleted = 0;
    for (const rs of sorted) {
      if (deleted >= diff) break;
      // Only ReplicaSets that are fully scaled down and whose status says so.
      if (specReplicas(rs) !== 0 || (rs.status?.replicas ?? 0) !== 0 || (rs.status?.observedGeneration ?? 0) < (rs.metadata.generation ?? 0)) continue;
      try {
        await this.client.delete(resources.replicasets, rs.metadata.namespace, rs.metadata.name, { preconditions: { uid: rs.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      deleted++;
    }
  }

  // ---- Status --------------------------------------------------------------------------------

  /** The cached ReplicaSets of `d` after this sync's writes have reached the informer, or the list given. */
  private fresh(d: Obj, rsList: Obj[]): Obj[] {
    return rsList.map((rs) => this.rsInformer.get(`${rs.metadata.namespace}/${rs.metadata.name}`) ?? rs).filter((rs) => controllerRefOf(rs)?.uid === d.metadata.uid);
  }

  private hasProgressDeadline(d: Obj): boolean {
    const p = d.spec.progressDeadlineSeconds;
    return p !== undefined && p !== null && p !== MAX_INT32;
  }

  private condition(type: string, status: Condition['status'], reason: string, message: string): Condition {
    const t = rfc3339(this.clock.now());
    return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
  }

  calculateStatus(d: Obj, all: Obj[], newRS: Obj | undefined): Obj {
    const sum = (f: string) => all.reduce((n, rs) => n + (rs.status?.[f] ?? 0), 0);
    const replicas = d.spec.replicas ?? 1;
    const available = sum('availableReplicas');
    const status: Obj = {
      observedGeneration: d.metadata.generation ?? 0,
      replicas: sum('replicas'),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available),
      conditions: structuredClone(d.status?.conditions ?? []),
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (available >= replicas - maxUnavailable(d)) {
      setCondition(status, this.condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'));
    } else {
      setCondition(status, this.condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'));
    }
    return status;
  }

  private async syncStatusOnly(d: Obj, rsList: Obj[]): Promise<void> {
    const { newRS } = this.split(d, rsList);
    const status = this.calculateStatus(d, rsList, newRS);
    if (!sameStatus(d.status, status)) await this.writeStatus(d, status);
  }

  private async syncRolloutStatus(d: Obj, all: Obj[], newRS: Obj | undefined): Promise<void> {
    const status = this.calculateStatus(d, all, newRS);
    if (this.hasProgressDeadline(d) && !d.spec.paused) {
      const cur = getCondition(d.status, 'Progressing');
      const complete = status.replicas === status.updatedReplicas && cur?.reason === 'NewReplicaSetAvailable';
      if (!complete) {
        const name = newRS?.metadata.name;
        if (deploymentComplete(d, status)) {
          const msg = name ? `ReplicaSet "${name}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
          setCondition(status, this.condition('Progressing', 'True', 'NewReplicaSetAvailable', msg));
        } else if (deploymentProgressing(d, status)) {
          const msg = name ? `ReplicaSet "${name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
          const c = this.condition('Progressing', 'True', 'ReplicaSetUpdated', msg);
          // Progress moves lastUpdateTime (the deadline counts from it) but not lastTransitionTime.
          if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
          status.conditions = [...status.conditions.filter((x: Condition) => x.type !== 'Progressing'), c];
        } else if (deploymentTimedOut(d, status, this.clock.now())) {
          const msg = name ? `ReplicaSet "${name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
          setCondition(status, this.condition('Progressing', 'False', 'ProgressDeadlineExceeded', msg));
        }
      }
    }
    if (!sameStatus(d.status, status)) await this.writeStatus(d, status);
    this.requeueStuck(d, status);
  }

  /** Looks again when the progress deadline would pass, as nothing else will trigger a sync. */
  private requeueStuck(d: Obj, status: Obj): void {
    const c = getCondition(status, 'Progressing');
    if (!c || !this.hasProgressDeadline(d) || d.spec.paused) return;
    if (c.reason === 'NewReplicaSetAvailable' || c.reason === 'ProgressDeadlineExceeded') return;
    const from = Date.parse(c.lastUpdateTime ?? '');
    if (Number.isNaN(from)) return;
    const after = from + d.spec.progressDeadlineSeconds * 1000 - this.clock.now();
    this.enqueueAfter(`${d.metadata.namespace}/${d.metadata.name}`, Math.max(1000, after + 1000));
  }

  private async checkPausedConditions(d: Obj): Promise<void> {
    if (!this.hasProgressDeadline(d)) return;
    const cur = getCondition(d.status, 'Progressing');
    if (cur?.reason === 'ProgressDeadlineExceeded') return;
    const paused = !!d.spec.paused;
    const status = structuredClone(d.status ?? {});
    if (paused && cur?.reason !== 'DeploymentPaused') {
      setCondition(status, this.condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'));
    } else if (!paused && cur?.reason === 'DeploymentPaused') {
      setCondition(status, this.condition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed'));
    } else return;
    d.status = await this.writeStatus(d, status);
  }

  private async writeStatus(d: Obj, status: Obj): Promise<Obj> {
    const updated = await this.client.updateStatus<Obj>(resources.deployments, d.metadata.namespace, { ...d, status });
    d.metadata.resourceVersion = updated.metadata.resourceVersion;
    d.status = updated.status;
    return updated.status;
  }
}

const STATUS_FIELDS = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'];

function sameStatus(a: Obj | undefined, b: Obj): boolean {
  if (STATUS_FIELDS.some((f) => (a?.[f] ?? 0) !== (b[f] ?? 0))) return false;
  return stableJson(a?.conditions ?? []) === stableJson(b.conditions ?? []);
}
