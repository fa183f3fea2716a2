// NodeResourcesFit: filters out nodes without room for the pod's requests (cpu, memory,
// ephemeral storage, extended resources, pod count; overhead included) and scores nodes by
// one of three strategies: LeastAllocated (default), MostAllocated, RequestedToCapacityRatio.

import type { Obj } from '../../apiserver/rest.ts';
import type { CycleState, StateData } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import type { EnqueueExtensions, FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interfaces.ts';
import { CPU, EPHEMERAL_STORAGE, MEMORY, Resource, isExtendedResourceName, parseResourceList, podRequests } from '../framework/resource.ts';
import { Status, type Result } from '../framework/status.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';
import { Names } from './names.ts';
import {
  fillAllocatableRequested,
  leastAllocatedScorer,
  mostAllocatedScorer,
  podRequestList,
  requestedToCapacityRatioScorer,
  type ResourceSpec,
  type Scorer,
  type UtilizationShapePoint,
} from './resource_allocation.ts';

const PREFILTER_KEY = `PreFilter${Names.NodeResourcesFit}`;
const PRESCORE_KEY = `PreScore${Names.NodeResourcesFit}`;

export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: {
    type?: 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape?: UtilizationShapePoint[] };
  };
}

/** One resource the node lacks for the pod. */
export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

class RequestState implements StateData {
  constructor(readonly requests: Resource) {}
  clone(): StateData {
    return this;
  }
}

class ScoreState implements StateData {
  constructor(readonly podRequests: Float64Array) {}
  clone(): StateData {
    return this;
  }
}

/** Upstream fitsRequest: every resource the node lacks, in upstream's order. */
export function fitsRequest(
  req: Resource,
  nodeInfo: NodeInfo,
  ignored: ReadonlySet<string> = EMPTY,
  ignoredGroups: ReadonlySet<string> = EMPTY,
): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: nodeInfo.pods.length, capacity: alloc.allowedPodNumber });
  }
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && (req.scalar?.size ?? 0) === 0) return out;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({ resourceName: CPU, reason: 'Insufficient cpu', requested: req.milliCPU, used: used.milliCPU, capacity: alloc.milliCPU });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({ resourceName: MEMORY, reason: 'Insufficient memory', requested: req.memory, used: used.memory, capacity: alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: EPHEMERAL_STORAGE,
      reason: 'Insufficient ephemeral-storage',
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
    });
  }
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      if (isExtendedResourceName(name) && (ignored.has(name) || (ignoredGroups.size > 0 && ignoredGroups.has(name.split('/')[0]!)))) continue;
      if (q > alloc.getScalar(name) - used.getScalar(name)) {
        out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: q, used: used.getScalar(name), capacity: alloc.getScalar(name) });
      }
    }
  }
  return out;
}

const EMPTY: ReadonlySet<string> = new Set();

/** The common case without building a list: plain cpu/memory/storage requests that fit. */
function fitsQuickly(req: Resource, nodeInfo: NodeInfo): boolean {
  if (req.scalar && req.scalar.size > 0) return false;
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  return (
    nodeInfo.pods.length + 1 <= alloc.allowedPodNumber &&
    req.milliCPU <= alloc.milliCPU - used.milliCPU &&
    req.memory <= alloc.memory - used.memory &&
    req.ephemeralStorage <= alloc.ephemeralStorage - used.ephemeralStorage
  );
}

/** Whether a pod could fit an empty node of this shape (the node-event hints' question). */
function fitsEmptyNode(pod: PodInfo, node: Obj): boolean {
  const alloc = Resource.fromList(parseResourceList(node.status?.allocatable ?? node.status?.capacity));
  const empty = { allocatable: alloc, requested: new Resource(), pods: [] } as unknown as NodeInfo;
  return fitsRequest(pod.resources.requests, empty).length === 0;
}

export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = Names.NodeResourcesFit;
  readonly strategy: string;
  readonly resources: ResourceSpec[];
  private readonly ignored: Set<string>;
  private readonly ignoredGroups: Set<string>;
  private readonly scorer: Scorer;
  private readonly single = new Map<string, Status>();
  // Reused buffers: scoring runs for every feasible node of every cycle.
  private readonly alloc: Float64Array;
  private readonly req: Float64Array;

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignored = new Set(args.ignoredResources ?? []);
    this.ignoredGroups = new Set(args.ignoredResourceGroups ?? []);
    const s = args.scoringStrategy ?? {};
    this.strategy = s.type ?? 'LeastAllocated';
    this.resources = s.resources && s.resources.length > 0 ? s.resources.map((r) => ({ name: r.name, weight: r.weight || 1 })) : [
      { name: CPU, weight: 1 },
      { name: MEMORY, weight: 1 },
    ];
    if (this.strategy === 'MostAllocated') this.scorer = mostAllocatedScorer(this.resources);
    else if (this.strategy === 'RequestedToCapacityRatio') this.scorer = requestedToCapacityRatioScorer(this.resources, s.requestedToCapacityRatio?.shape ?? []);
    else if (this.strategy === 'LeastAllocated') this.scorer = leastAllocatedScorer(this.resources);
    else throw new Error(`scoring strategy ${this.strategy} is not supported`);
    this.alloc = new Float64Array(this.resources.length);
    this.req = new Float64Array(this.resources.length);
  }

  preFilter(state: CycleState, pod: PodInfo): Result {
    state.write(PREFILTER_KEY, new RequestState(pod.resources.requests));
    return null;
  }

  preFilterExtensions(): undefined {
    return undefined;
  }

  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result {
    const req = state.read<RequestState>(PREFILTER_KEY)?.requests ?? pod.resources.requests;
    if (fitsQuickly(req, nodeInfo)) return null;
    const insufficient = fitsRequest(req, nodeInfo, this.ignored, this.ignoredGroups);
    if (insufficient.length === 0) return null;
    if (insufficient.length === 1) {
      const reason = insufficient[0]!.reason;
      let s = this.single.get(reason);
      if (!s) {
        if (this.single.size > 256) this.single.clear();
        this.single.set(reason, (s = Status.unschedulable(reason).withPlugin(this.name)));
      }
      return s;
    }
    return Status.unschedulable(...insufficient.map((r) => r.reason)).withPlugin(this.name);
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    state.write(PRESCORE_KEY, new ScoreState(podRequestList(pod.resources.scoring, this.resources)));
    return null;
  }

  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const podReqs = state.read<ScoreState>(PRESCORE_KEY)?.podRequests ?? podRequestList(pod.resources.scoring, this.resources);
    fillAllocatableRequested(nodeInfo, this.resources, podReqs, false, this.alloc, this.req);
    return this.scorer(this.req, this.alloc);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actionType: ActionType.Delete | ActionType.UpdatePodScaleDown },
        hint: (pod: PodInfo, oldPod: Obj | undefined, newPod: Obj | undefined) => {
          if (!newPod) {
            // A deleted pod frees resources only if it was on (or nominated to) a node.
            return oldPod?.spec?.nodeName || oldPod?.status?.nominatedNodeName ? QueueingHint.Queue : QueueingHint.QueueSkip;
          }
          if (newPod.metadata?.uid === pod.uid) return QueueingHint.Queue;
          if (!newPod.spec?.nodeName || !oldPod) return QueueingHint.QueueSkip;
          const before = podRequests(oldPod, { useStatus: true });
          const after = podRequests(newPod, { useStatus: true });
          for (const [name, v] of pod.resources.plain) {
            if (v === 0) continue;
            if ((before.get(name) ?? 0) > (after.get(name) ?? 0)) return QueueingHint.Queue;
          }
          return QueueingHint.QueueSkip;
        },
      },
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable },
        hint: (pod: PodInfo, oldNode: Obj | undefined, newNode: Obj | undefined) => {
          if (!newNode || !fitsEmptyNode(pod, newNode)) return QueueingHint.QueueSkip;
          if (!oldNode) return QueueingHint.Queue;
          const before = Resource.fromList(parseResourceList(oldNode.status?.allocatable ?? oldNode.status?.capacity));
          const after = Resource.fromList(parseResourceList(newNode.status?.allocatable ?? newNode.status?.capacity));
          if (after.allowedPodNumber > before.allowedPodNumber) return QueueingHint.Queue;
          const r = pod.resources.requests;
          if (r.isZero()) return QueueingHint.QueueSkip;
          if ((r.milliCPU > 0 && after.milliCPU > before.milliCPU) || (r.memory > 0 && after.memory > before.memory)) return QueueingHint.Queue;
          if (r.ephemeralStorage > 0 && after.ephemeralStorage > before.ephemeralStorage) return QueueingHint.Queue;
          if (r.scalar) for (const [k, v] of r.scalar) if (v > 0 && after.getScalar(k) > before.getScalar(k)) return QueueingHint.Queue;
          return QueueingHint.QueueSkip;
        },
      },
    ];
  }
}
