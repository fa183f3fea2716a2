// One interface per extension point (upstream framework/interface.go), the Handle that plugins
// get at construction, and the outside world the scheduler talks to. A plugin is an object with
// a `name` and the methods of the points it extends; the framework finds them by method.

import type { Obj } from '../../apiserver/rest.ts';
import type { Clock } from '../../util/clock.ts';
import type { CycleState } from './cycle_state.ts';
import type { ClusterEventWithHint } from './events.ts';
import type { NodeToStatus } from './fit_error.ts';
import type { Status, Result } from './status.ts';
import type { NodeInfo, PodInfo } from './types.ts';

export interface Plugin {
  readonly name: string;
}

/** A pod in the scheduling queue, with its attempt history. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod was added or last re-added (ms on the scheduler's clock). */
  timestamp: number;
  /** Number of scheduling attempts (pops). */
  attempts: number;
  initialAttemptTimestamp: number | undefined;
  /** Plugins that rejected the pod in its last attempt (cleared at pop). */
  unschedulablePlugins: Set<string>;
  /** Plugins that returned Pending in its last attempt. */
  pendingPlugins: Set<string>;
  /** The PreEnqueue plugin keeping the pod out of activeQ, if any. */
  gatingPlugin: string | undefined;
  unschedulableCount: number;
  consecutiveErrorsCount: number;
  /** Cached backoff expiry (ms), or undefined when not computed for the current attempt. */
  backoffExpiration: number | undefined;
}

// ---- extension points ----

export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: PodInfo): Result;
}

export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

/** A PreFilter may restrict the nodes worth filtering; undefined nodeNames means all nodes. */
export class PreFilterResult {
  constructor(readonly nodeNames: ReadonlySet<string> | undefined) {}

  allNodes(): boolean {
    return this.nodeNames === undefined;
  }

  /** The intersection of two results (upstream Merge). */
  merge(other: PreFilterResult | undefined): PreFilterResult {
    if (!other || other.allNodes()) return this;
    if (this.allNodes()) return other;
    const out = new Set<string>();
    for (const n of this.nodeNames!) if (other.nodeNames!.has(n)) out.add(n);
    return new PreFilterResult(out);
  }
}

/** Incremental updates of PreFilter state, used to evaluate "what if this pod were (not) there". */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Result;
  removePod(state: CycleState, podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Result;
}

export interface PreFilterPlugin extends Plugin {
  /** Success (null), Skip (the plugin's Filter is skipped this cycle), a rejection, or a node restriction. */
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Result | PreFilterResult;
  preFilterExtensions?(): PreFilterExtensions | undefined;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result;
}

export interface NominatingInfo {
  /** Override sets (or with "" clears) the nominated node; Noop keeps the pod's current one. */
  mode: 'Noop' | 'Override';
  nominatedNodeName: string;
}

export interface PostFilterResult {
  nominatingInfo?: NominatingInfo;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, filteredNodeStatus: NodeToStatus): { result?: PostFilterResult; status: Result };
}

export interface PreScorePlugin extends Plugin {
  /** Skip means this plugin's Score is skipped for the cycle. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Result;
}

export interface ScoreExtensions {
  /** Rewrites `scores` (parallel to `nodes`) in place, into [0, 100]. */
  normalizeScore(state: CycleState, pod: PodInfo, scores: Float64Array, nodes: readonly NodeInfo[]): Result;
}

export interface ScorePlugin extends Plugin {
  /** A raw score, or an (Error) status. */
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number | Status;
  scoreExtensions?(): ScoreExtensions | undefined;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Result;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  /** A Wait status holds the pod until allowed, rejected, or `timeoutMs` passes. */
  permit(state: CycleState, pod: PodInfo, nodeName: string): { status: Result; timeoutMs?: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Result | Promise<Result>;
}

export interface BindPlugin extends Plugin {
  /** Skip passes the pod to the next bind plugin. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): Result | Promise<Result>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** The events after which pods this plugin rejected may be worth retrying. */
export interface EnqueueExtensions extends Plugin {
  eventsToRegister(): ClusterEventWithHint[];
}

export const isPreEnqueue = (p: Plugin): p is PreEnqueuePlugin => typeof (p as PreEnqueuePlugin).preEnqueue === 'function';
export const isQueueSort = (p: Plugin): p is QueueSortPlugin => typeof (p as QueueSortPlugin).less === 'function';
export const isPreFilter = (p: Plugin): p is PreFilterPlugin => typeof (p as PreFilterPlugin).preFilter === 'function';
export const isFilter = (p: Plugin): p is FilterPlugin => typeof (p as FilterPlugin).filter === 'function';
export const isPostFilter = (p: Plugin): p is PostFilterPlugin => typeof (p as PostFilterPlugin).postFilter === 'function';
export const isPreScore = (p: Plugin): p is PreScorePlugin => typeof (p as PreScorePlugin).preScore === 'function';
export const isScore = (p: Plugin): p is ScorePlugin => typeof (p as ScorePlugin).score === 'function';
export const isReserve = (p: Plugin): p is ReservePlugin => typeof (p as ReservePlugin).reserve === 'function';
export const isPermit = (p: Plugin): p is PermitPlugin => typeof (p as PermitPlugin).permit === 'function';
export const isPreBind = (p: Plugin): p is PreBindPlugin => typeof (p as PreBindPlugin).preBind === 'function';
export const isBind = (p: Plugin): p is BindPlugin => typeof (p as BindPlugin).bind === 'function';
export const isPostBind = (p: Plugin): p is PostBindPlugin => typeof (p as PostBindPlugin).postBind === 'function';
export const isEnqueueExtensions = (p: Plugin): p is EnqueueExtensions =>
  typeof (p as EnqueueExtensions).eventsToRegister === 'function';

// ---- what plugins can reach ----

/** Read access to the snapshot of the current cycle (upstream SharedLister). */
export interface SharedLister {
  /** Nodes in the cache's zone-interleaved order. */
  list(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  havePodsWithAffinityList(): readonly NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /** Whether some scheduled pod uses the claim "namespace/name". */
  isPVCUsedByPods(key: string): boolean;
  numNodes(): number;
}

/** Pods nominated to nodes by preemption, which lower-or-equal priority pods must make room for. */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): PodInfo[];
}

/** A pod held at Permit. */
export interface WaitingPod {
  readonly pod: PodInfo;
  pendingPlugins(): string[];
  allow(plugin: string): void;
  reject(plugin: string, message: string): void;
}

export interface Features {
  /**
   * Pod statuses omit taint keys and values (kube-scheduler since v1.34.2 / v1.35: "node(s) had
   * untolerated taint(s)"); off by default to keep the `{key: value}` form.
   */
  redactTaintValues: boolean;
}

export const DEFAULT_FEATURES: Features = { redactTaintValues: false };

/** What a plugin factory receives besides its args (upstream framework.Handle). */
export interface Handle {
  readonly profileName: string;
  readonly clock: Clock;
  readonly cluster: ClusterAPI;
  readonly features: Features;
  readonly parallelism: number;
  snapshotSharedLister(): SharedLister;
  nominatedPodsForNode(nodeName: string): PodInfo[];
  /** Runs all filters, also with the nominated pods of higher or equal priority counted (preemption). */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result;
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Result;
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Result;
  getWaitingPod(uid: string): WaitingPod | undefined;
  rejectWaitingPod(uid: string): boolean;
  iterateOverWaitingPods(fn: (wp: WaitingPod) => void): void;
  /** Moves these pods (if queued) to activeQ at the end of the current cycle. */
  activatePods(pods: Obj[]): void;
}

// ---- the outside world ----

export interface Binding {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
}

/** Writes a pod's binding to the API server. */
export interface Binder {
  bind(binding: Binding): Promise<void>;
}

export interface SchedulerEvent {
  regarding: { kind: 'Pod'; namespace: string; name: string; uid: string };
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
  /** The profile (scheduler name) reporting it: the event's reportingController instance. */
  reportingInstance: string;
}

export interface PodCondition {
  /** PodScheduled for failures; DisruptionTarget (reason PreemptionByScheduler) marks preemption victims. */
  type: 'PodScheduled' | 'DisruptionTarget';
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface PodStatusUpdate {
  condition?: PodCondition;
  /** Set (or "" to clear) status.nominatedNodeName. */
  nominatedNodeName?: string;
}

/**
 * Everything the scheduler asks of the cluster. The lead implements it over the API server
 * and informers; tests implement it in memory.
 */
export interface ClusterAPI extends Binder {
  recordEvent(event: SchedulerEvent): void;
  updatePodStatus(pod: Obj, update: PodStatusUpdate): void | Promise<void>;
  /** Deletes a preemption victim. */
  deletePod(pod: Obj): Promise<void>;
  listPodDisruptionBudgets(): Obj[];
  /** The informer's current copy of a pod (failure handling re-reads it); absent means "use the scheduler's own copy". */
  getPod?(namespace: string, name: string): Obj | undefined;
  /** Informer lookups for plugins (PersistentVolumeClaim, PersistentVolume, StorageClass, Namespace, CSINode ...). */
  get?(resource: string, namespace: string, name: string): Obj | undefined;
  list?(resource: string): Obj[];
  /** Sets annotations on a claim (VolumeBinding's PreBind names the node for provisioning). */
  annotateClaim?(namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
}
