// VolumeBinding: a pod's PersistentVolumeClaims must exist and be usable, claims with Immediate
// binding must already be bound, and the PersistentVolumes of bound claims must allow the node
// (their spec.nodeAffinity). Local volumes pinned to hostnames narrow the nodes in PreFilter.
//
// Unbound WaitForFirstConsumer claims fit any node, except that a claim whose provisioning
// already chose a node (volume.kubernetes.io/selected-node) only fits that node. PreBind names
// the chosen node on such claims (what upstream's BindPodVolumes does for dynamic provisioning)
// and waits, up to bindTimeoutSeconds, until the PV controller has bound them.
// Not done here: matching such claims to static PVs before binding, and capacity checks
// (upstream's findMatchingVolumes and CSIStorageCapacity); the PV controller matches static
// volumes after the node is named.
//
// Objects come from the cluster's informer lookups: PersistentVolumeClaim (namespaced),
// PersistentVolume and StorageClass (cluster-scoped).

import type { Obj } from '../../apiserver/rest.ts';
import type { CycleState, StateData } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import { NodeSelector } from '../framework/helpers.ts';
import { PreFilterResult, type EnqueueExtensions, type FilterPlugin, type Handle, type PreBindPlugin, type PreFilterPlugin } from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';
import { getObject } from './cluster_objects.ts';
import { Names } from './names.ts';

export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_NOT_ENOUGH_SPACE = 'node(s) did not have enough free storage';
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

const STATE_KEY = Names.VolumeBinding;
const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const ANN_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
const LABEL_HOSTNAME = 'kubernetes.io/hostname';

interface BoundClaim {
  pvc: Obj;
  /** The claim's volume, or undefined when it does not exist. */
  pv: Obj | undefined;
  /** The volume's required node affinity, when it has one. */
  nodeAffinity: NodeSelector | undefined;
}

class VolumeState implements StateData {
  constructor(
    readonly bound: readonly BoundClaim[],
    /** Unbound claims whose binding waits for the first consumer. */
    readonly delayed: readonly Obj[],
  ) {}
  clone(): StateData {
    return this;
  }
}

/** A claim the pod uses, and whether it is a generic ephemeral volume's. */
interface ClaimRef {
  name: string;
  ephemeral: boolean;
  volumeName: string;
}

function claimsOf(pod: Obj): ClaimRef[] {
  const out: ClaimRef[] = [];
  for (const v of (pod.spec?.volumes ?? []) as Obj[]) {
    if (v?.persistentVolumeClaim) out.push({ name: String(v.persistentVolumeClaim.claimName ?? ''), ephemeral: false, volumeName: String(v.name ?? '') });
    else if (v?.ephemeral) out.push({ name: `${pod.metadata?.name ?? ''}-${v.name ?? ''}`, ephemeral: true, volumeName: String(v.name ?? '') });
  }
  return out;
}

/** Upstream GetPersistentVolumeClaimClass: the beta annotation wins over spec.storageClassName. */
export function claimClass(pvc: Obj): string {
  const ann = pvc.metadata?.annotations?.[ANN_STORAGE_CLASS];
  if (typeof ann === 'string') return ann;
  return pvc.spec?.storageClassName ?? '';
}

/** Upstream GetLocalPersistentVolumeNodeNames: hostnames a PV's required node affinity pins it to. */
export function localVolumeNodeNames(pv: Obj | undefined): string[] {
  const terms: Obj[] | undefined = pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!Array.isArray(terms)) return [];
  const result = new Set<string>();
  for (const term of terms) {
    let nodes: Set<string> | undefined;
    for (const e of (term?.matchExpressions ?? []) as Obj[]) {
      if (e?.key !== LABEL_HOSTNAME || e.operator !== 'In') continue;
      const values = new Set<string>(((e.values ?? []) as unknown[]).map(String));
      nodes = nodes ? new Set([...nodes].filter((n) => values.has(n))) : values;
    }
    if (nodes) for (const n of nodes) result.add(n);
  }
  return [...result].sort();
}

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, PreBindPlugin, EnqueueExtensions {
  readonly name = Names.VolumeBinding;

  constructor(
    private readonly handle: Pick<Handle, 'cluster' | 'clock'>,
    private readonly bindTimeoutSeconds = 600,
  ) {}

  async preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    const s = state.read<VolumeState>(STATE_KEY);
    if (!s || s.delayed.length === 0) return null;
    const cluster = this.handle.cluster;
    for (const pvc of s.delayed) {
      if (pvc.metadata?.annotations?.[ANN_SELECTED_NODE] === nodeName) continue;
      if (!cluster.annotateClaim) return Status.error('binding volumes: the cluster cannot annotate claims');
      try {
        await cluster.annotateClaim(pvc.metadata.namespace, pvc.metadata.name, { [ANN_SELECTED_NODE]: nodeName });
      } catch (err) {
        return Status.error(`binding volumes: ${(err as Error).message}`);
      }
    }
    const deadline = this.handle.clock.now() + this.bindTimeoutSeconds * 1000;
    for (;;) {
      const pending = s.delayed.filter((c) => {
        const cur = getObject(cluster, 'PersistentVolumeClaim', c.metadata.namespace, c.metadata.name);
        return !(cur?.spec?.volumeName && Object.prototype.hasOwnProperty.call(cur.metadata?.annotations ?? {}, ANN_BIND_COMPLETED));
      });
      if (pending.length === 0) return null;
      if (this.handle.clock.now() >= deadline) return Status.error(`binding volumes: timed out waiting for the condition`);
      await new Promise<void>((r) => this.handle.clock.setTimeout(r, 50));
    }
  }

  /** Upstream IsDelayBindingMode: the claim's StorageClass says WaitForFirstConsumer. */
  private delayBinding(pvc: Obj): boolean | Status {
    const cls = claimClass(pvc);
    if (cls === '') return false;
    const sc = getObject(this.handle.cluster, 'StorageClass', '', cls);
    if (!sc) return false;
    if (sc.volumeBindingMode == null) return Status.error(`VolumeBindingMode not set for StorageClass "${cls}"`);
    return sc.volumeBindingMode === 'WaitForFirstConsumer';
  }

  preFilter(state: CycleState, pod: PodInfo): Result | PreFilterResult {
    const refs = claimsOf(pod.pod);
    if (refs.length === 0) {
      state.write(STATE_KEY, new VolumeState([], []));
      return Status.skip();
    }
    const claims: Obj[] = [];
    for (const ref of refs) {
      const pvc = getObject(this.handle.cluster, 'PersistentVolumeClaim', pod.namespace, ref.name);
      if (!pvc) {
        // Right after a pod with an ephemeral volume is created, its claim is normally still missing.
        const msg = ref.ephemeral ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${ref.name}"` : `persistentvolumeclaim "${ref.name}" not found`;
        return Status.unresolvable(msg);
      }
      if (pvc.status?.phase === 'Lost') {
        return Status.unresolvable(`persistentvolumeclaim "${ref.name}" bound to non-existent persistentvolume "${pvc.spec?.volumeName ?? ''}"`);
      }
      if (pvc.metadata?.deletionTimestamp) return Status.unresolvable(`persistentvolumeclaim "${ref.name}" is being deleted`);
      if (ref.ephemeral) {
        const owner = ((pvc.metadata?.ownerReferences ?? []) as Obj[]).find((o) => o?.controller === true);
        if (!owner || owner.uid !== pod.uid) {
          return Status.unresolvable(`PVC ${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''} was not created for pod ${pod.namespace}/${pod.name} (pod is not owner)`);
        }
      }
      claims.push(pvc);
    }

    const bound: BoundClaim[] = [];
    const delayed: Obj[] = [];
    let immediate = 0;
    for (const pvc of claims) {
      const volumeName: string = pvc.spec?.volumeName ?? '';
      // Bound means the PV controller finished: the volume is named and the binding annotated.
      const annotations = (pvc.metadata?.annotations ?? {}) as Record<string, string>;
      if (volumeName !== '' && Object.prototype.hasOwnProperty.call(annotations, ANN_BIND_COMPLETED)) {
        const pv = getObject(this.handle.cluster, 'PersistentVolume', '', volumeName);
        const required = pv?.spec?.nodeAffinity?.required;
        bound.push({ pvc, pv, nodeAffinity: required ? new NodeSelector(required) : undefined });
        continue;
      }
      const delay = this.delayBinding(pvc);
      if (delay instanceof Status) return delay;
      // A claim naming its volume but not bound yet (pre-bound) waits for the PV controller.
      if (delay && volumeName === '') delayed.push(pvc);
      else immediate++;
    }
    if (immediate > 0) return Status.unresolvable(ERR_REASON_UNBOUND_IMMEDIATE);

    state.write(STATE_KEY, new VolumeState(bound, delayed));
    let eligible: Set<string> | undefined;
    for (const b of bound) {
      if (!b.pv) continue;
      const names = localVolumeNodeNames(b.pv);
      if (names.length === 0) continue;
      eligible = eligible ? new Set(names.filter((n) => eligible!.has(n))) : new Set(names);
    }
    return eligible ? new PreFilterResult(eligible) : null;
  }

  preFilterExtensions(): undefined {
    return undefined;
  }

  filter(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): Result {
    const s = state.read<VolumeState>(STATE_KEY);
    if (!s) return Status.error(`reading "${STATE_KEY}" from cycleState: not found`);
    let boundSatisfied = true;
    let pvsFound = true;
    let unboundSatisfied = true;
    for (const b of s.bound) {
      if (!b.pv) {
        pvsFound = false;
        break;
      }
      // Upstream checks the PV's affinity against the node's labels only (no name for matchFields).
      if (b.nodeAffinity && !b.nodeAffinity.match(nodeInfo.labels, '')) {
        boundSatisfied = false;
        break;
      }
    }
    for (const pvc of s.delayed) {
      const selected = pvc.metadata?.annotations?.[ANN_SELECTED_NODE];
      if (typeof selected === 'string' && selected !== nodeInfo.name) {
        unboundSatisfied = false;
        break;
      }
    }
    const reasons: string[] = [];
    if (!boundSatisfied) reasons.push(ERR_REASON_NODE_CONFLICT);
    if (!unboundSatisfied) reasons.push(ERR_REASON_BIND_CONFLICT);
    if (!pvsFound) reasons.push(ERR_REASON_PV_NOT_EXIST);
    return reasons.length > 0 ? Status.unresolvable(...reasons) : null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    const addOrUpdate = ActionType.Add | ActionType.Update;
    return [
      { event: { resource: 'StorageClass', actionType: addOrUpdate } },
      { event: { resource: 'PersistentVolumeClaim', actionType: addOrUpdate } },
      {
        event: { resource: 'PersistentVolume', actionType: addOrUpdate },
        hint: (pod) => (claimsOf(pod.pod).length > 0 ? QueueingHint.Queue : QueueingHint.QueueSkip),
      },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint } },
      { event: { resource: 'CSINode', actionType: addOrUpdate } },
      { event: { resource: 'CSIDriver', actionType: addOrUpdate } },
      { event: { resource: 'CSIStorageCapacity', actionType: addOrUpdate } },
    ];
  }
}
