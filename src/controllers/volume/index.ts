// The PersistentVolume binder (upstream pkg/controller/volume/persistentvolume): binds Pending
// claims to the smallest Available volume that satisfies them, completes pre-bound pairs,
// provisions volumes for claims of a class whose provisioner is ours (kubelite.dev/hostpath,
// a hostPath directory per claim, as k3s/kind's local-path), marks volumes Released when their
// claim goes and reclaims them by policy. The role (persistent-volume-binder) grants update but
// not patch, so every write is a full update carrying the cached resourceVersion: a stale cache
// fails with Conflict and requeues rather than binding one volume twice.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fromLabelSelectorObject, matchesLabels } from '../../api/selectors.ts';
import { compare, tryParseQuantity } from '../../api/validation/quantity.ts';
import { EventRecorder, isAlreadyExists, isNotFound, objectOf, resources, type Client, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';

type Obj = Record<string, any>;

export const HOSTPATH_PROVISIONER = 'kubelite.dev/hostpath';
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const ANN_CLASS = 'volume.beta.kubernetes.io/storage-class';
const LABEL_HOSTNAME = 'kubernetes.io/hostname';

/** The StorageClass `kubelite up` creates, as kind's `standard`. */
export function defaultStorageClass(): Obj {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'standard', annotations: { [ANN_DEFAULT_CLASS]: 'true' } },
    provisioner: HOSTPATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

export interface PersistentVolumeControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
  /** Where provisioned hostPath directories live. */
  root?: string;
  /** Create (and on Delete reclaim, remove) the directories; off for simulated clusters. */
  createDirs?: boolean;
}

/** Upstream GetPersistentVolumeClaimClass: the beta annotation wins. */
export function claimClass(pvc: Obj): string {
  const ann = pvc.metadata?.annotations?.[ANN_CLASS];
  return typeof ann === 'string' ? ann : (pvc.spec?.storageClassName ?? '');
}

export function volumeClass(pv: Obj): string {
  const ann = pv.metadata?.annotations?.[ANN_CLASS];
  return typeof ann === 'string' ? ann : (pv.spec?.storageClassName ?? '');
}

/** The claim reference a volume points at: this claim by name, and by uid once it has one. */
export function isVolumeBoundToClaim(pv: Obj, pvc: Obj): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

const modesOf = (o: Obj): string[] => o.spec?.accessModes ?? [];
const volumeModeOf = (o: Obj): string => o.spec?.volumeMode ?? 'Filesystem';
const requestOf = (pvc: Obj): string => pvc.spec?.resources?.requests?.storage ?? '0';
const capacityOf = (pv: Obj): string => pv.spec?.capacity?.storage ?? '0';

/**
 * Upstream findMatchingVolume over the access-mode index: volumes offering the claim's modes,
 * the groups with fewer modes first, and in the first group with a fit, the smallest fitting
 * volume. With delayed binding only a volume pre-bound to the claim is taken (the scheduler
 * binds the rest, knowing the node).
 */
export function findBestMatch(pvc: Obj, volumes: readonly Obj[], delayBinding: boolean): Obj | undefined {
  const wanted = modesOf(pvc);
  const cls = claimClass(pvc);
  const sel = pvc.spec?.selector ? fromLabelSelectorObject(pvc.spec.selector) : undefined;
  const request = requestOf(pvc);
  const candidates = volumes.filter((pv) => wanted.every((m) => modesOf(pv).includes(m)));
  const sizes = [...new Set(candidates.map((pv) => new Set(modesOf(pv)).size))].sort((a, b) => a - b);
  for (const size of sizes) {
    let smallest: Obj | undefined;
    for (const pv of candidates) {
      if (new Set(modesOf(pv)).size !== size) continue;
      if (volumeModeOf(pv) !== volumeModeOf(pvc)) continue;
      if (pv.metadata.deletionTimestamp) continue;
      if (isVolumeBoundToClaim(pv, pvc)) return pv;
      if (delayBinding) continue;
      if (pv.status?.phase !== 'Available' || pv.spec?.claimRef) continue;
      if (sel && !matchesLabels(sel, pv.metadata.labels)) continue;
      if (volumeClass(pv) !== cls) continue;
      if (!safeCompare(capacityOf(pv), request, (c) => c >= 0)) continue;
      if (!smallest || safeCompare(capacityOf(smallest), capacityOf(pv), (c) => c > 0)) smallest = pv;
    }
    if (smallest) return smallest;
  }
  return undefined;
}

function safeCompare(a: string, b: string, ok: (c: number) => boolean): boolean {
  if (!tryParseQuantity(a) || !tryParseQuantity(b)) return false;
  return ok(compare(a, b));
}

/** Upstream checkVolumeSatisfyClaim: why a named volume cannot serve the claim, if it cannot. */
export function volumeMismatch(pv: Obj, pvc: Obj): string | undefined {
  if (!safeCompare(capacityOf(pv), requestOf(pvc), (c) => c >= 0)) {
    return `requested PV is too small`;
  }
  if (volumeClass(pv) !== claimClass(pvc)) return 'storageClassName does not match';
  if (volumeModeOf(pv) !== volumeModeOf(pvc)) return 'incompatible volumeMode';
  if (!modesOf(pvc).every((m) => modesOf(pv).includes(m))) return 'incompatible accessMode';
  return undefined;
}

const PV_PREFIX = 'pv:';
const PVC_PREFIX = 'pvc:';

export class PersistentVolumeController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly root: string;
  private readonly createDirs: boolean;
  private readonly pvInformer;
  private readonly pvcInformer;
  private readonly classInformer;

  constructor(o: PersistentVolumeControllerOptions) {
    const clock = o.clock ?? realClock;
    const pvInformer = o.factory.forResource(resources.persistentvolumes);
    const pvcInformer = o.factory.forResource(resources.persistentvolumeclaims);
    const classInformer = o.factory.forResource(resources.storageclasses);
    super({ name: 'persistentvolume-binder', informers: [pvInformer, pvcInformer, classInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.root = o.root ?? '/var/lib/kubelite/storage';
    this.createDirs = o.createDirs ?? false;
    this.pvInformer = pvInformer;
    this.pvcInformer = pvcInformer;
    this.classInformer = classInformer;

    const onVolume = (pv: Obj) => {
      this.queue.add(PV_PREFIX + pv.metadata.name);
      const ref = pv.spec?.claimRef;
      if (ref?.name) this.queue.add(`${PVC_PREFIX}${ref.namespace}/${ref.name}`);
      // Upstream finds new matches on its 15s resync; a new free volume is a cue to look now.
      else this.enqueuePendingClaims();
    };
    pvInformer.addEventHandler({ onAdd: onVolume, onUpdate: (_o, pv) => onVolume(pv), onDelete: (pv) => onVolume(objectOf(pv)) });
    const onClaim = (pvc: Obj) => {
      this.queue.add(`${PVC_PREFIX}${pvc.metadata.namespace}/${pvc.metadata.name}`);
      if (pvc.spec?.volumeName) this.queue.add(PV_PREFIX + pvc.spec.volumeName);
    };
    pvcInformer.addEventHandler({
      onAdd: onClaim,
      onUpdate: (_o, pvc) => onClaim(pvc),
      onDelete: (t) => {
        const pvc = objectOf(t);
        if (pvc.spec?.volumeName) this.queue.add(PV_PREFIX + pvc.spec.volumeName);
        // A volume pre-bound by name only still points at the claim.
        for (const pv of this.pvInformer.list()) if (pv.spec?.claimRef?.name === pvc.metadata.name && pv.spec.claimRef.namespace === pvc.metadata.namespace) this.queue.add(PV_PREFIX + pv.metadata.name);
      },
    });
    classInformer.addEventHandler({ onAdd: () => this.enqueuePendingClaims(), onUpdate: () => this.enqueuePendingClaims() });
  }

  private enqueuePendingClaims(): void {
    for (const pvc of this.pvcInformer.list()) if (!pvc.spec?.volumeName) this.queue.add(`${PVC_PREFIX}${pvc.metadata.namespace}/${pvc.metadata.name}`);
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith(PV_PREFIX)) {
      const pv = this.pvInformer.get(key.slice(PV_PREFIX.length));
      if (pv) await this.syncVolume(pv);
      return;
    }
    if (key.startsWith(PVC_PREFIX)) {
      const pvc = this.pvcInformer.get(key.slice(PVC_PREFIX.length));
      if (!pvc || pvc.metadata.deletionTimestamp) return;
      if (pvc.metadata.annotations?.[ANN_BIND_COMPLETED] === undefined) await this.syncUnboundClaim(pvc);
      else await this.syncBoundClaim(pvc);
    }
  }

  private delayBinding(pvc: Obj): boolean {
    const cls = claimClass(pvc);
    if (!cls) return false;
    return this.classInformer.get(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
  }

  private async syncUnboundClaim(pvc: Obj): Promise<void> {
    const name: string = pvc.spec?.volumeName ?? '';
    if (!name) {
      const delay = this.delayBinding(pvc);
      const pv = findBestMatch(pvc, this.pvInformer.list(), delay);
      if (pv) return this.bind(pv, pvc);
      if (delay && !pvc.metadata.annotations?.[ANN_SELECTED_NODE]) {
        this.recorder?.event(pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      } else if (claimClass(pvc) !== '') {
        return this.provision(pvc);
      } else {
        this.recorder?.event(pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      }
      await this.setClaimPhase(pvc, 'Pending', undefined);
      return;
    }
    const pv = this.pvInformer.get(name);
    if (!pv) {
      await this.setClaimPhase(pvc, 'Pending', undefined);
      return;
    }
    if (!pv.spec?.claimRef) {
      const why = volumeMismatch(pv, pvc);
      if (why) {
        this.recorder?.event(pvc, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${name}": ${why}`);
        await this.setClaimPhase(pvc, 'Pending', undefined);
        return;
      }
      return this.bind(pv, pvc);
    }
    if (isVolumeBoundToClaim(pv, pvc)) return this.bind(pv, pvc);
    // The volume is someone else's: wait, the claim stays Pending.
    await this.setClaimPhase(pvc, 'Pending', undefined);
  }

  private async syncBoundClaim(pvc: Obj): Promise<void> {
    const name: string = pvc.spec?.volumeName ?? '';
    if (!name) {
      await this.setClaimPhase(pvc, 'Lost', undefined, ['Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!']);
      return;
    }
    const pv = this.pvInformer.get(name);
    if (!pv) {
      await this.setClaimPhase(pvc, 'Lost', undefined, ['Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!']);
      return;
    }
    if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, pvc)) return this.bind(pv, pvc);
    await this.setClaimPhase(pvc, 'Lost', undefined, ['Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly']);
  }

  /** Both halves of a binding, each written only where it differs; idempotent. */
  private async bind(pv: Obj, pvc: Obj): Promise<void> {
    let volume = pv;
    if (!volume.spec.claimRef || volume.spec.claimRef.uid !== pvc.metadata.uid || !isVolumeBoundToClaim(volume, pvc)) {
      const byController = !isVolumeBoundToClaim(volume, pvc);
      const next = structuredClone(volume);
      next.spec.claimRef = {
        kind: 'PersistentVolumeClaim',
        namespace: pvc.metadata.namespace,
        name: pvc.metadata.name,
        uid: pvc.metadata.uid,
        apiVersion: 'v1',
        resourceVersion: pvc.metadata.resourceVersion,
      };
      if (byController) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' };
      volume = await this.client.update(resources.persistentvolumes, undefined, next);
    }
    volume = await this.setVolumePhase(volume, 'Bound');

    let claim = pvc;
    const anns = claim.metadata.annotations ?? {};
    if (claim.spec.volumeName !== volume.metadata.name || anns[ANN_BIND_COMPLETED] === undefined) {
      const next = structuredClone(claim);
      next.metadata.annotations = { ...anns, [ANN_BIND_COMPLETED]: 'yes' };
      if (claim.spec.volumeName !== volume.metadata.name) {
        next.spec.volumeName = volume.metadata.name;
        next.metadata.annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
      }
      claim = await this.client.update(resources.persistentvolumeclaims, claim.metadata.namespace, next);
    }
    await this.setClaimPhase(claim, 'Bound', volume);
  }

  private async setVolumePhase(pv: Obj, phase: string, message?: string, event?: [string, string]): Promise<Obj> {
    if (pv.status?.phase === phase && (message === undefined || pv.status?.message === message)) return pv;
    const next = structuredClone(pv);
    next.status = { ...(next.status ?? {}), phase, lastPhaseTransitionTime: rfc3339(this.clock.now()) };
    if (message !== undefined) next.status.message = message;
    else delete next.status.message;
    const out = await this.client.updateStatus(resources.persistentvolumes, undefined, next);
    if (event && message !== undefined) this.recorder?.event(pv, event[0] as 'Normal' | 'Warning', event[1], message);
    return out;
  }

  private async setClaimPhase(pvc: Obj, phase: string, pv: Obj | undefined, event?: [string, string, string]): Promise<void> {
    const status: Obj = { ...(pvc.status ?? {}), phase };
    if (pv) {
      status.accessModes = [...modesOf(pv)];
      status.capacity = { storage: capacityOf(pv) };
    } else if (phase !== 'Lost') {
      delete status.accessModes;
      delete status.capacity;
    }
    const cur = pvc.status ?? {};
    const same = cur.phase === phase && JSON.stringify(cur.accessModes) === JSON.stringify(status.accessModes) && JSON.stringify(cur.capacity) === JSON.stringify(status.capacity);
    if (same) return;
    await this.client.updateStatus(resources.persistentvolumeclaims, pvc.metadata.namespace, { ...pvc, status });
    if (event) this.recorder?.event(pvc, event[0] as 'Normal' | 'Warning', event[1], event[2]);
  }

  private async provision(pvc: Obj): Promise<void> {
    const cls = claimClass(pvc);
    const sc = this.classInformer.get(cls);
    if (!sc) {
      this.recorder?.event(pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${cls}" not found`);
      await this.setClaimPhase(pvc, 'Pending', undefined);
      return;
    }
    let claim = pvc;
    const anns = claim.metadata.annotations ?? {};
    if (anns[ANN_STORAGE_PROVISIONER] !== sc.provisioner || anns[ANN_BETA_STORAGE_PROVISIONER] !== sc.provisioner) {
      const next = structuredClone(claim);
      next.metadata.annotations = { ...anns, [ANN_STORAGE_PROVISIONER]: sc.provisioner, [ANN_BETA_STORAGE_PROVISIONER]: sc.provisioner };
      claim = await this.client.update(resources.persistentvolumeclaims, claim.metadata.namespace, next);
    }
    if (sc.provisioner !== HOSTPATH_PROVISIONER) {
      this.recorder?.event(
        claim,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
      await this.setClaimPhase(claim, 'Pending', undefined);
      return;
    }
    const pvName = `pvc-${claim.metadata.uid}`;
    // Provisioned before (the claim's sync saw a stale cache): the volume's sync finishes the job.
    if (this.pvInformer.get(pvName)) return;
    const path = join(this.root, `${claim.metadata.namespace}_${claim.metadata.name}_${pvName}`);
    const spec: Obj = {
      capacity: { storage: requestOf(claim) },
      accessModes: [...modesOf(claim)],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: cls,
      volumeMode: volumeModeOf(claim),
      hostPath: { path, type: 'DirectoryOrCreate' },
      claimRef: { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion },
    };
    if (sc.mountOptions) spec.mountOptions = [...sc.mountOptions];
    const node = claim.metadata.annotations?.[ANN_SELECTED_NODE];
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' && node) {
      spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: LABEL_HOSTNAME, operator: 'In', values: [node] }] }] } };
    }
    const pv = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { [ANN_BOUND_BY_CONTROLLER]: 'yes', [ANN_DYNAMICALLY_PROVISIONED]: HOSTPATH_PROVISIONER } },
      spec,
    };
    try {
      if (this.createDirs) await mkdir(path, { recursive: true, mode: 0o777 });
      await this.client.create(resources.persistentvolumes, undefined, pv);
    } catch (err) {
      if (isAlreadyExists(err)) return;
      this.recorder?.event(claim, 'Warning', 'ProvisioningFailed', `Failed to provision volume with StorageClass "${cls}": ${(err as Error).message}`);
      throw err;
    }
    this.recorder?.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName} using ${HOSTPATH_PROVISIONER}`);
  }

  private async syncVolume(pv: Obj): Promise<void> {
    const ref = pv.spec?.claimRef;
    if (!ref || !ref.uid) {
      await this.setVolumePhase(pv, 'Available');
      return;
    }
    let claim = this.pvcInformer.get(`${ref.namespace}/${ref.name}`);
    if (!claim) {
      // The informer may lag a claim just created: ask the server before releasing the volume.
      try {
        claim = await this.client.get(resources.persistentvolumeclaims, ref.namespace, ref.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (claim && claim.metadata.uid !== ref.uid) claim = undefined;
    if (!claim) {
      let volume = pv;
      if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed') volume = await this.setVolumePhase(pv, 'Released');
      await this.reclaim(volume);
      return;
    }
    if (!claim.spec?.volumeName) {
      // Half-bound: the claim's sync completes it.
      this.queue.add(`${PVC_PREFIX}${claim.metadata.namespace}/${claim.metadata.name}`);
      return;
    }
    if (claim.spec.volumeName === pv.metadata.name) {
      await this.setVolumePhase(pv, 'Bound');
      return;
    }
    // The claim went to another volume.
    if (pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] && pv.spec.persistentVolumeReclaimPolicy === 'Delete') {
      let volume = pv;
      if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed') volume = await this.setVolumePhase(pv, 'Released');
      await this.reclaim(volume);
      return;
    }
    if (pv.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] !== undefined) {
      // Our own half-done binding lost the race: free the volume again.
      const next = structuredClone(pv);
      delete next.spec.claimRef;
      delete next.metadata.annotations[ANN_BOUND_BY_CONTROLLER];
      const updated = await this.client.update(resources.persistentvolumes, undefined, next);
      await this.setVolumePhase(updated, 'Available');
    }
  }

  private async reclaim(pv: Obj): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return;
    if (policy === 'Recycle') {
      await this.setVolumePhase(pv, 'Failed', 'Recycle is not supported by kubelite', ['Warning', 'VolumeFailedRecycle']);
      return;
    }
    if (pv.metadata.deletionTimestamp) return;
    const by = pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
    if (by !== undefined && by !== HOSTPATH_PROVISIONER) return; // the external provisioner deletes it
    if (by !== HOSTPATH_PROVISIONER || !pv.spec?.hostPath?.path) {
      await this.setVolumePhase(pv, 'Failed', `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`, ['Warning', 'VolumeFailedDelete']);
      return;
    }
    if (this.createDirs) await rm(pv.spec.hostPath.path, { recursive: true, force: true });
    try {
      await this.client.delete(resources.persistentvolumes, undefined, pv.metadata.name, { preconditions: { uid: pv.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
