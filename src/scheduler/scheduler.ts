// The scheduler (upstream pkg/scheduler: scheduler.go, schedule_one.go, eventhandlers.go):
// informer events go to the cache and the queue; scheduleOne pops a pod, filters and scores the
// nodes of a fresh snapshot, assumes the pod on the chosen node, runs Reserve and Permit, and
// hands the binding cycle (PreBind, Bind, PostBind) to a promise. A pod that fits nowhere gets
// PostFilter (preemption), a FailedScheduling event with upstream's message, and goes back to
// the queue. The scheduling cycle itself is synchronous and depends only on its inputs, the
// injected clock and the injected random source.

import type { Obj } from '../apiserver/rest.ts';
import { realClock, type Clock, type Timer } from '../util/clock.ts';
import { Cache, CacheError, Snapshot } from './cache.ts';
import { AttemptRecord, ExplanationStore, type Explanation } from './explanation.ts';
import { numFeasibleNodesToFind, parseSchedulerConfig, type SchedulerConfig } from './framework/config.ts';
import { CycleState } from './framework/cycle_state.ts';
import { EVENTS, nodeSchedulingPropertiesChange, podSchedulingPropertiesChange, type ClusterEvent } from './framework/events.ts';
import { FitError, addPluginStatus, newDiagnosis, type Diagnosis } from './framework/fit_error.ts';
import { podPriority } from './framework/helpers.ts';
import type { ClusterAPI, Features, NominatingInfo, QueuedPodInfo } from './framework/interfaces.ts';
import type { Registry } from './framework/registry.ts';
import { Framework, type ScoreResult } from './framework/runtime.ts';
import { Code, Status, isSuccess, type Result } from './framework/status.ts';
import { DEFAULT_SCHEDULER_NAME, PodInfo, type NodeInfo } from './framework/types.ts';
import { inTreeRegistry } from './plugins/registry.ts';
import { SchedulingQueue } from './queue.ts';

export const ERR_NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
/** Event notes are capped as upstream's NoteLengthLimit. */
const NOTE_LENGTH_LIMIT = 1024;

const CLEAR_NOMINATED_NODE: NominatingInfo = { mode: 'Override', nominatedNodeName: '' };

export interface SchedulerOptions {
  /** The cluster: binding, events, status updates, victims, PDBs, informer lookups. */
  cluster: ClusterAPI;
  /** A KubeSchedulerConfiguration (YAML/JSON text or object) or an already parsed one. */
  config?: string | Obj | SchedulerConfig;
  /** Defaults to the in-tree plugins. */
  registry?: Registry;
  clock?: Clock;
  /** Uniform in [0, 1): breaks ties between equally scored nodes. */
  random?: () => number;
  features?: Partial<Features>;
  /** See CacheOptions.assumedPodTTL (0, never, by default). */
  assumedPodTTL?: number;
  /** SchedulerPopFromBackoffQ (default on, as upstream). */
  popFromBackoffQ?: boolean;
  podMaxInUnschedulablePodsMs?: number;
  /** Explanations of the last attempt per pod; on by default, for up to 10,000 pods. */
  explanations?: { enabled?: boolean; maxPods?: number; allFilters?: boolean };
  /** Errors the scheduler survives (status update or event failures, cache inconsistencies). */
  onError?: (err: unknown, context: string) => void;
}

export type ScheduleOutcome = 'Scheduled' | 'Unschedulable' | 'Error' | 'Skipped';

export interface ScheduleOneResult {
  pod: PodInfo;
  outcome: ScheduleOutcome;
  node?: string;
  /** The failure message (as in the FailedScheduling event). */
  message?: string;
  /** Settles when the binding cycle is over (bound, or failed and requeued). */
  binding?: Promise<void>;
}

interface ScheduleSuccess {
  host: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

function isSchedulerConfig(c: unknown): c is SchedulerConfig {
  const p = (c as SchedulerConfig | undefined)?.profiles;
  return Array.isArray(p) && p.length > 0 && p[0]!.pluginConfig instanceof Map;
}

function podKey(pod: Obj): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function isTerminal(pod: Obj): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function truncateMessage(msg: string): string {
  if (msg.length <= NOTE_LENGTH_LIMIT) return msg;
  const suffix = ' ...';
  return msg.slice(0, NOTE_LENGTH_LIMIT - suffix.length) + suffix;
}

export class Scheduler {
  readonly config: SchedulerConfig;
  readonly clock: Clock;
  readonly cache: Cache;
  readonly snapshot = new Snapshot();
  readonly queue: SchedulingQueue;
  readonly profiles = new Map<string, Framework>();
  readonly explanations: ExplanationStore | undefined;

  private readonly cluster: ClusterAPI;
  private readonly random: () => number;
  private readonly allFilters: boolean;
  private readonly onError: (err: unknown, context: string) => void;
  /** The informer's view of unscheduled pods this scheduler is responsible for, by namespace/name. */
  private readonly pendingPods = new Map<string, Obj>();
  private readonly bindings = new Set<Promise<void>>();
  private nextStartNodeIndex = 0;
  private running = false;
  private loopScheduled = false;
  private cleanupTimer: Timer | undefined;

  constructor(opts: SchedulerOptions) {
    this.config = isSchedulerConfig(opts.config) ? opts.config : parseSchedulerConfig(opts.config as string | Obj | undefined);
    this.clock = opts.clock ?? realClock;
    this.cluster = opts.cluster;
    this.random = opts.random ?? Math.random;
    this.onError = opts.onError ?? (() => {});
    const ex = opts.explanations ?? {};
    this.explanations = ex.enabled === false ? undefined : new ExplanationStore(ex.maxPods ?? 10_000);
    this.allFilters = ex.allFilters ?? true;
    this.cache = new Cache({ clock: this.clock, assumedPodTTL: opts.assumedPodTTL ?? 0 });
    const registry = opts.registry ?? inTreeRegistry();

    let queue: SchedulingQueue | undefined;
    const nominator = { nominatedPodsForNode: (n: string) => queue?.nominatedPodsForNode(n) ?? [] };
    for (const profile of this.config.profiles) {
      this.profiles.set(
        profile.schedulerName,
        new Framework({
          profile,
          registry,
          clock: this.clock,
          cluster: this.cluster,
          snapshot: this.snapshot,
          nominator,
          percentageOfNodesToScore: this.config.percentageOfNodesToScore,
          features: opts.features,
          parallelism: this.config.parallelism,
          activate: (pods) => queue?.activate(pods),
        }),
      );
    }
    const first = this.profiles.values().next().value as Framework;
    queue = new SchedulingQueue({
      clock: this.clock,
      less: first.queueSortLess(),
      preEnqueuePlugins: new Map([...this.profiles].map(([n, f]) => [n, f.preEnqueuePlugins])),
      events: new Map([...this.profiles].map(([n, f]) => [n, f.eventsToRegister()])),
      podInitialBackoffMs: this.config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: this.config.podMaxBackoffSeconds * 1000,
      podMaxInUnschedulablePodsMs: opts.podMaxInUnschedulablePodsMs,
      popFromBackoffQ: opts.popFromBackoffQ,
      podLister: (ns, name) => this.lookupPod(ns, name),
    });
    this.queue = queue;
  }

  // ---- informer events ----

  private responsibleFor(pod: Obj): boolean {
    return this.profiles.has(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME);
  }

  private moveAll(event: ClusterEvent, oldObj?: Obj, newObj?: Obj, preCheck?: (p: PodInfo) => boolean): void {
    this.queue.moveAllToActiveOrBackoffQueue(event, oldObj, newObj, preCheck);
  }

  onNodeAdd(node: Obj): void {
    this.cache.addNode(node);
    this.moveAll(EVENTS.NodeAdd, undefined, node);
  }

  onNodeUpdate(oldNode: Obj, newNode: Obj): void {
    this.cache.updateNode(oldNode, newNode);
    for (const e of nodeSchedulingPropertiesChange(newNode, oldNode)) this.moveAll(e, oldNode, newNode);
  }

  onNodeDelete(node: Obj): void {
    try {
      this.cache.removeNode(node);
    } catch (err) {
      this.onError(err, 'removing node from the scheduler cache');
    }
    this.moveAll(EVENTS.NodeDelete, node, undefined);
  }

  onPodAdd(pod: Obj): void {
    if (isTerminal(pod)) return;
    if (pod.spec?.nodeName) {
      this.addAssignedPod(pod);
      return;
    }
    if (!this.responsibleFor(pod)) return;
    this.pendingPods.set(podKey(pod), pod);
    this.queue.add(pod);
  }

  onPodUpdate(oldPod: Obj, newPod: Obj): void {
    if (isTerminal(newPod)) {
      // The scheduler's informer does not list finished pods: finishing is deleting.
      if (!isTerminal(oldPod)) this.onPodDelete(newPod);
      return;
    }
    const wasAssigned = !!oldPod.spec?.nodeName;
    const isAssigned = !!newPod.spec?.nodeName;
    if (wasAssigned && isAssigned) {
      try {
        this.cache.updatePod(oldPod, newPod);
      } catch (err) {
        this.onError(err, 'updating pod in the scheduler cache');
      }
      for (const e of podSchedulingPropertiesChange(newPod, oldPod)) this.moveAll(e, oldPod, newPod);
      return;
    }
    if (!wasAssigned && isAssigned) {
      // Bound: the pod leaves the queue and enters the cache (confirming the assumed copy).
      this.deleteUnscheduledPod(oldPod, false);
      this.addAssignedPod(newPod);
      return;
    }
    if (!this.responsibleFor(newPod)) return;
    const uid = newPod.metadata?.uid ?? '';
    this.pendingPods.set(podKey(newPod), newPod);
    if (oldPod.metadata?.resourceVersion !== undefined && oldPod.metadata.resourceVersion === newPod.metadata?.resourceVersion) return;
    if (this.cache.isAssumedPod(uid)) return;
    this.queue.update(oldPod, newPod, podSchedulingPropertiesChange(newPod, oldPod));
    const oldNNN = oldPod.status?.nominatedNodeName ?? '';
    if (oldNNN !== '' && oldNNN !== (newPod.status?.nominatedNodeName ?? '')) {
      // Lower-or-equal priority pods counted this pod on its old nominated node.
      const prio = podPriority(oldPod);
      this.moveAll(EVENTS.AssignedPodDelete, oldPod, undefined, (p) => p.priority <= prio);
    }
  }

  onPodDelete(pod: Obj): void {
    this.explanations?.delete(pod.metadata?.uid ?? '');
    if (pod.spec?.nodeName) {
      try {
        this.cache.removePod(pod);
      } catch (err) {
        this.onError(err, 'removing pod from the scheduler cache');
      }
      this.moveAll(EVENTS.AssignedPodDelete, pod, undefined);
      return;
    }
    this.deleteUnscheduledPod(pod, true);
  }

  /** Another resource changed (PVC, PV, StorageClass, CSINode, Namespace ...). */
  onClusterEvent(event: ClusterEvent, oldObj?: Obj, newObj?: Obj): void {
    this.moveAll(event, oldObj, newObj);
  }

  private addAssignedPod(pod: Obj): void {
    try {
      this.cache.addPod(pod);
    } catch (err) {
      this.onError(err, 'adding pod to the scheduler cache');
    }
    this.moveAll(EVENTS.AssignedPodAdd, undefined, pod);
  }

  private deleteUnscheduledPod(pod: Obj, signal: boolean): void {
    const uid = pod.metadata?.uid ?? '';
    if (this.pendingPods.get(podKey(pod))?.metadata?.uid === uid) this.pendingPods.delete(podKey(pod));
    this.queue.delete(pod);
    if (!signal) return;
    const fwk = this.profiles.get(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME);
    if (fwk?.rejectWaitingPod(uid)) {
      this.moveAll(EVENTS.AssignedPodDelete, pod, undefined);
    } else if (pod.status?.nominatedNodeName) {
      const prio = podPriority(pod);
      this.moveAll(EVENTS.UnscheduledPodDelete, pod, undefined, (p) => p.priority <= prio);
    }
  }

  /** The informer's current copy of an unscheduled pod. */
  private lookupPod(namespace: string, name: string): Obj | undefined {
    if (this.cluster.getPod) return this.cluster.getPod(namespace, name);
    return this.pendingPods.get(`${namespace}/${name}`);
  }

  // ---- scheduling ----

  /** Schedules the next pod, if any; the binding cycle continues in `binding`. */
  scheduleOne(): ScheduleOneResult | undefined {
    const q = this.queue.pop();
    if (!q) return undefined;
    const pod = q.podInfo;
    const fwk = this.profiles.get(pod.schedulerName);
    if (!fwk) {
      this.queue.done(pod.uid);
      return { pod, outcome: 'Skipped', message: `profile not found for scheduler name "${pod.schedulerName}"` };
    }
    if (pod.pod.metadata?.deletionTimestamp) {
      this.recordEvent(fwk, pod, 'Warning', 'FailedScheduling', 'Scheduling', `skip schedule deleting pod: ${pod.namespace}/${pod.name}`);
      this.queue.done(pod.uid);
      return { pod, outcome: 'Skipped' };
    }
    if (this.cache.isAssumedPod(pod.uid)) {
      this.queue.done(pod.uid);
      return { pod, outcome: 'Skipped' };
    }

    const rec = this.explanations ? new AttemptRecord(pod.uid, pod.key, fwk.profileName, q.attempts, this.queue.schedulingCycle(), this.clock.now()) : undefined;
    if (rec) this.explanations!.put(rec);
    const state = new CycleState();
    const cycle = this.schedulingCycle(state, fwk, q, rec);
    if ('status' in cycle) {
      const message = this.handleSchedulingFailure(fwk, q, cycle.status, cycle.nominatingInfo, rec);
      return { pod, outcome: cycle.status.isRejected() ? 'Unschedulable' : 'Error', message };
    }
    if (rec) rec.outcome = 'Scheduled';
    const binding = this.bindingCycle(state, fwk, q, cycle.assumed, cycle.host, rec);
    this.bindings.add(binding);
    void binding.finally(() => this.bindings.delete(binding));
    return { pod, outcome: 'Scheduled', node: cycle.host, binding };
  }

  private schedulingCycle(
    state: CycleState,
    fwk: Framework,
    q: QueuedPodInfo,
    rec: AttemptRecord | undefined,
  ): { host: string; assumed: PodInfo } | { status: Status; nominatingInfo: NominatingInfo | undefined } {
    const pod = q.podInfo;
    const r = this.schedulePod(fwk, state, pod, rec);
    if (r === 'noNodes') {
      return { status: new Status(Code.UnschedulableAndUnresolvable, [], '', new Error(ERR_NO_NODES_AVAILABLE)), nominatingInfo: CLEAR_NOMINATED_NODE };
    }
    if (r instanceof Status) return { status: r, nominatingInfo: CLEAR_NOMINATED_NODE };
    if (r instanceof FitError) {
      if (!fwk.hasPostFilterPlugins()) return { status: new Status(Code.Unschedulable, [], '', r), nominatingInfo: undefined };
      const post = fwk.runPostFilterPlugins(state, pod, r.diagnosis.nodeToStatus);
      r.diagnosis.postFilterMsg = post.status ? post.status.message() : '';
      return { status: new Status(Code.Unschedulable, [], '', r), nominatingInfo: post.result?.nominatingInfo };
    }
    if (rec) rec.selected = r.host;

    const assumed = pod.withNodeName(r.host);
    try {
      this.cache.assumePod(assumed);
    } catch (err) {
      return { status: Status.error(err as Error), nominatingInfo: CLEAR_NOMINATED_NODE };
    }
    this.queue.deleteNominatedPodIfExists(pod.uid);

    const reserve = fwk.runReservePluginsReserve(state, assumed, r.host);
    if (!isSuccess(reserve)) return this.undoAssume(state, fwk, pod, assumed, r.host, reserve);
    const permit = fwk.runPermitPlugins(state, assumed, r.host);
    if (!isSuccess(permit) && !permit.isWait()) return this.undoAssume(state, fwk, pod, assumed, r.host, permit);
    return { host: r.host, assumed };
  }

  private undoAssume(state: CycleState, fwk: Framework, pod: PodInfo, assumed: PodInfo, host: string, s: Status): { status: Status; nominatingInfo: NominatingInfo } {
    fwk.runReservePluginsUnreserve(state, assumed, host);
    try {
      this.cache.forgetPod(assumed);
    } catch (err) {
      this.onError(err, 'forgetting assumed pod');
    }
    if (s.isRejected()) {
      const d = newDiagnosis();
      d.nodeToStatus.set(host, s);
      addPluginStatus(d, s);
      return { status: new Status(s.code, [], '', new FitError(pod.key, 1, d)), nominatingInfo: CLEAR_NOMINATED_NODE };
    }
    return { status: s, nominatingInfo: CLEAR_NOMINATED_NODE };
  }

  /** Upstream schedulePod: a host, or why there is none. */
  private schedulePod(fwk: Framework, state: CycleState, pod: PodInfo, rec: AttemptRecord | undefined): ScheduleSuccess | FitError | Status | 'noNodes' {
    this.cache.updateSnapshot(this.snapshot);
    const allNodes = this.snapshot.list();
    if (rec) rec.numAllNodes = allNodes.length;
    if (allNodes.length === 0) return 'noNodes';
    const found = this.findNodesThatFitPod(fwk, state, pod, allNodes, rec);
    if (found instanceof Status) return found;
    const { feasible, diagnosis } = found;
    if (feasible.length === 0) return new FitError(pod.key, allNodes.length, diagnosis);
    if (feasible.length === 1) return { host: feasible[0]!.name, evaluatedNodes: 1 + diagnosis.nodeToStatus.len(), feasibleNodes: 1 };
    const scores = this.prioritizeNodes(fwk, state, pod, feasible, rec);
    if (scores instanceof Status) return scores;
    return { host: this.selectHost(feasible, scores.totals), evaluatedNodes: feasible.length + diagnosis.nodeToStatus.len(), feasibleNodes: feasible.length };
  }

  private findNodesThatFitPod(
    fwk: Framework,
    state: CycleState,
    pod: PodInfo,
    allNodes: readonly NodeInfo[],
    rec: AttemptRecord | undefined,
  ): { feasible: NodeInfo[]; diagnosis: Diagnosis } | Status {
    const diagnosis = newDiagnosis();
    const pre = fwk.runPreFilterPlugins(state, pod, allNodes);
    diagnosis.unschedulablePlugins = pre.unschedulablePlugins;
    if (rec) {
      rec.preFilter = pre.statuses;
      rec.filterPlugins = fwk.filterPlugins.map((p) => p.name);
      rec.skippedFilter = state.skipFilterPlugins;
    }
    if (!isSuccess(pre.status)) {
      if (!pre.status.isRejected()) return pre.status;
      // Every node gets the PreFilter status, so that preemption sees it.
      diagnosis.nodeToStatus.absentNodesStatus = pre.status;
      diagnosis.preFilterMsg = pre.status.message();
      addPluginStatus(diagnosis, pre.status);
      if (rec) rec.excluded = { count: allNodes.length, status: pre.status };
      return { feasible: [], diagnosis };
    }

    // A nominated node (from an earlier preemption) is likely the only fit: try it first.
    if (pod.nominatedNodeName) {
      const ni = this.snapshot.get(pod.nominatedNodeName);
      if (ni) {
        const r = this.findNodesThatPassFilters(fwk, state, pod, diagnosis, [ni], rec);
        if (r instanceof Status) this.onError(r.error ?? new Error(r.message()), 'evaluating the nominated node');
        else if (r.length > 0) return { feasible: r, diagnosis };
      }
    }

    let nodes = allNodes;
    if (pre.result && !pre.result.allNodes()) {
      const names = pre.result.nodeNames!;
      nodes = allNodes.filter((n) => names.has(n.name));
      const plugins = [...pre.unschedulablePlugins].sort();
      diagnosis.nodeToStatus.absentNodesStatus = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${plugins.join(' ')}]`);
      if (rec) rec.excluded = { count: allNodes.length - nodes.length, status: diagnosis.nodeToStatus.absentNodesStatus };
    }
    const feasible = this.findNodesThatPassFilters(fwk, state, pod, diagnosis, nodes, rec);
    const processed = (feasible instanceof Status ? 0 : feasible.length) + diagnosis.nodeToStatus.len();
    this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % allNodes.length;
    if (feasible instanceof Status) return feasible;
    return { feasible, diagnosis };
  }

  /**
   * Filters nodes starting at the rotating index until enough feasible nodes are found
   * (percentageOfNodesToScore), in chunks as upstream's parallel run, in deterministic order.
   */
  private findNodesThatPassFilters(
    fwk: Framework,
    state: CycleState,
    pod: PodInfo,
    diagnosis: Diagnosis,
    nodes: readonly NodeInfo[],
    rec: AttemptRecord | undefined,
  ): NodeInfo[] | Status {
    const n = nodes.length;
    if (n === 0) return [];
    let numToFind = numFeasibleNodesToFind(fwk.percentageOfNodesToScore ?? this.config.percentageOfNodesToScore, n);
    if (!fwk.hasScorePlugins()) numToFind = 1;
    const start = this.nextStartNodeIndex % n;
    const feasible: NodeInfo[] = [];
    if (!fwk.hasFilterPlugins()) {
      for (let i = 0; i < numToFind; i++) {
        const ni = nodes[(start + i) % n]!;
        feasible.push(ni);
        rec?.feasible(ni.name);
      }
      return feasible;
    }
    let error: Status | undefined;
    fwk.parallelizer.until(n, (i) => {
      const ni = nodes[(start + i) % n]!;
      const s = fwk.runFilterPluginsWithNominatedPods(state, pod, ni);
      if (s == null || s.code === Code.Success) {
        feasible.push(ni);
        rec?.feasible(ni.name);
        return feasible.length >= numToFind;
      }
      if (s.code === Code.Error) {
        error = s;
        return true;
      }
      diagnosis.nodeToStatus.set(ni.name, s);
      addPluginStatus(diagnosis, s);
      if (rec) {
        let perPlugin: (Result | 'skipped')[] | undefined;
        if (this.allFilters) {
          perPlugin = [];
          fwk.runAllFilterPlugins(state, pod, ni, perPlugin);
        }
        rec.rejected(ni.name, s, perPlugin);
      }
      return false;
    });
    return error ?? feasible;
  }

  private prioritizeNodes(fwk: Framework, state: CycleState, pod: PodInfo, nodes: NodeInfo[], rec: AttemptRecord | undefined): ScoreResult | Status {
    if (!fwk.hasScorePlugins()) return { plugins: [], weights: [], scores: [], totals: new Float64Array(nodes.length).fill(1) };
    const pre = fwk.runPreScorePlugins(state, pod, nodes);
    if (!isSuccess(pre)) return pre;
    const r = fwk.runScorePlugins(state, pod, nodes);
    if (r instanceof Status) return r;
    if (rec) {
      rec.setScores(r);
      rec.skippedScore = state.skipScorePlugins;
    }
    return r;
  }

  /** Reservoir sampling among the highest totals, with the injected random source. */
  private selectHost(nodes: readonly NodeInfo[], totals: Float64Array): string {
    let best = totals[0]!;
    let selected = 0;
    let count = 1;
    for (let i = 1; i < nodes.length; i++) {
      const t = totals[i]!;
      if (t > best) {
        best = t;
        selected = i;
        count = 1;
      } else if (t === best) {
        count++;
        if (Math.floor(this.random() * count) === 0) selected = i;
      }
    }
    return nodes[selected]!.name;
  }

  // ---- binding ----

  private async bindingCycle(state: CycleState, fwk: Framework, q: QueuedPodInfo, assumed: PodInfo, host: string, rec: AttemptRecord | undefined): Promise<void> {
    const permit = await fwk.waitOnPermit(assumed);
    if (!isSuccess(permit)) {
      let status = permit;
      if (permit.isRejected()) {
        const d = newDiagnosis();
        d.nodeToStatus.set(host, permit);
        d.unschedulablePlugins.add(permit.plugin);
        status = new Status(permit.code, [], '', new FitError(assumed.key, 1, d));
      }
      this.handleBindingCycleError(state, fwk, q, assumed, host, status, rec);
      return;
    }
    // Past Permit a pod can no longer be "unschedulable": events for it need not be kept.
    this.queue.done(assumed.uid);
    const pre = await fwk.runPreBindPlugins(state, assumed, host);
    if (!isSuccess(pre)) {
      this.handleBindingCycleError(state, fwk, q, assumed, host, pre, rec);
      return;
    }
    let bound: Result;
    try {
      bound = await fwk.runBindPlugins(state, assumed, host);
    } finally {
      this.cache.finishBinding(assumed);
    }
    if (!isSuccess(bound)) {
      this.handleBindingCycleError(state, fwk, q, assumed, host, bound, rec);
      return;
    }
    this.recordEvent(fwk, assumed, 'Normal', 'Scheduled', 'Binding', `Successfully assigned ${assumed.namespace}/${assumed.name} to ${host}`);
    if (rec) rec.outcome = 'Bound';
    fwk.runPostBindPlugins(state, assumed, host);
  }

  private handleBindingCycleError(state: CycleState, fwk: Framework, q: QueuedPodInfo, assumed: PodInfo, host: string, status: Status, rec: AttemptRecord | undefined): void {
    fwk.runReservePluginsUnreserve(state, assumed, host);
    let forgotten = false;
    try {
      this.cache.forgetPod(assumed);
      forgotten = true;
    } catch (err) {
      this.onError(err, 'forgetting assumed pod');
    }
    // Forgetting frees what the assumed pod held, like a pod deletion. For a rejected pod the
    // move comes after requeueing it, so that it does not catch its own event.
    if (forgotten && !status.isRejected()) this.moveAll(EVENTS.AssignedPodDelete, assumed.pod, undefined);
    this.handleSchedulingFailure(fwk, q, status, CLEAR_NOMINATED_NODE, rec, 'BindingFailed');
    if (forgotten && status.isRejected()) this.moveAll(EVENTS.AssignedPodDelete, assumed.pod, undefined, (p) => p.uid !== assumed.uid);
  }

  // ---- failures ----

  /**
   * Upstream handleSchedulingFailure: requeue the pod (if it still exists unbound), record the
   * nomination, emit FailedScheduling and set the PodScheduled=False condition. Returns the message.
   */
  private handleSchedulingFailure(
    fwk: Framework,
    q: QueuedPodInfo,
    status: Status,
    nominatingInfo: NominatingInfo | undefined,
    rec: AttemptRecord | undefined,
    outcome?: string,
  ): string {
    const pod = q.podInfo;
    const reason = status.isRejected() ? 'Unschedulable' : 'SchedulerError';
    const err = status.error;
    if (err instanceof FitError) {
      q.unschedulablePlugins = new Set(err.diagnosis.unschedulablePlugins);
      q.pendingPlugins = new Set(err.diagnosis.pendingPlugins);
    }
    const current = this.lookupPod(pod.namespace, pod.name);
    if (!current || current.metadata?.uid !== pod.uid || current.spec?.nodeName) {
      this.queue.done(pod.uid);
    } else {
      if (current !== pod.pod) q.podInfo = new PodInfo(current);
      this.queue.addUnschedulableIfNotPresent(q);
    }
    this.queue.addNominatedPod(q.podInfo, nominatingInfo);

    const message = status.message();
    if (rec) {
      rec.outcome = outcome ?? (status.isRejected() ? 'Unschedulable' : 'Error');
      rec.message = message;
      if (nominatingInfo?.mode === 'Override') rec.nominatedNode = nominatingInfo.nominatedNodeName || undefined;
    }
    this.recordEvent(fwk, pod, 'Warning', 'FailedScheduling', 'Scheduling', truncateMessage(message));
    const base = current ?? pod.pod;
    const cond = ((base.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'PodScheduled');
    const conditionChanged = !cond || cond.status !== 'False' || cond.reason !== reason || cond.message !== message;
    const nnnUpdate = nominatingInfo?.mode === 'Override' && (base.status?.nominatedNodeName ?? '') !== nominatingInfo.nominatedNodeName;
    if (conditionChanged || nnnUpdate) {
      try {
        const r = this.cluster.updatePodStatus(base, {
          ...(conditionChanged ? { condition: { type: 'PodScheduled', status: 'False', reason, message } } : {}),
          ...(nnnUpdate ? { nominatedNodeName: nominatingInfo!.nominatedNodeName } : {}),
        });
        if (r) r.catch((e) => this.onError(e, 'updating pod status'));
      } catch (e) {
        this.onError(e, 'updating pod status');
      }
    }
    return message;
  }

  private recordEvent(fwk: Framework, pod: PodInfo, type: 'Normal' | 'Warning', reason: string, action: string, note: string): void {
    try {
      this.cluster.recordEvent({
        regarding: { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
        type,
        reason,
        action,
        note,
        reportingInstance: fwk.profileName,
      });
    } catch (e) {
      this.onError(e, 'recording event');
    }
  }

  // ---- running ----

  /** Schedules until nothing is poppable and all bindings settled; returns the number of attempts. */
  async runUntilIdle(): Promise<number> {
    let n = 0;
    for (;;) {
      while (this.scheduleOne()) n++;
      if (this.bindings.size === 0) break;
      await Promise.allSettled([...this.bindings]);
      if (!this.queue.hasPoppable()) break;
    }
    return n;
  }

  /** Settles when every binding started so far is over. */
  async waitForBindings(): Promise<void> {
    while (this.bindings.size > 0) await Promise.allSettled([...this.bindings]);
  }

  /** Starts scheduling in the background: the queue's timers and a loop woken by activations. */
  run(): void {
    if (this.running) return;
    this.running = true;
    this.queue.onActivated = () => this.kick();
    this.queue.run();
    const cleanup = () => {
      if (!this.running) return;
      this.cache.cleanupAssumedPods();
      this.cleanupTimer = this.clock.setTimeout(cleanup, 1000);
    };
    cleanup();
    this.kick();
  }

  stop(): void {
    this.running = false;
    this.queue.onActivated = undefined;
    this.queue.stop();
    this.cleanupTimer?.cancel();
  }

  private kick(): void {
    if (!this.running || this.loopScheduled) return;
    this.loopScheduled = true;
    // Yield between batches so that informer events and binding responses get through.
    setImmediate(() => {
      this.loopScheduled = false;
      for (let i = 0; i < 64 && this.running; i++) if (!this.scheduleOne()) return;
      this.kick();
    });
  }

  // ---- inspection ----

  /** The explanation of the pod's last scheduling attempt. */
  /** The last attempt's explanation; limits bound how many nodes it lists (see AttemptRecord.toExplanation). */
  explain(uid: string, limits?: { filterNodes?: number; scoredNodes?: number }): Explanation | undefined {
    return this.explanations?.get(uid, limits);
  }
}

export { CacheError };
