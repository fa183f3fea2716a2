// DefaultPreemption (PostFilter): when a pod fits nowhere, find nodes where evicting pods of
// lower priority would let it fit, pick the node whose eviction hurts least, nominate the pod to
// it and delete the victims. Upstream pkg/scheduler/framework/preemption and
// plugins/defaultpreemption, with SchedulerAsyncPreemption (on by default since v1.33): the
// victims are deleted after the scheduling cycle, and the preemptor is held back from the
// queue (PreEnqueue) until all but the last victim are gone.
//
// Per candidate node (one that failed with Unschedulable, not UnschedulableAndUnresolvable):
// remove every lower-priority pod, check that the pod fits, then add the pods back from the
// most important down (first those whose eviction would violate a PodDisruptionBudget) as long
// as the pod still fits. Among candidates the node with the fewest PDB violations wins, then the
// lowest highest-victim priority, the smallest priority sum, the fewest victims, and the latest
// start of its highest-priority victims.

import type { Obj } from '../../apiserver/rest.ts';
import type { CycleState } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import { NodeToStatus, formatFitError, newDiagnosis } from '../framework/fit_error.ts';
import { selectorFrom, selectorMatches } from '../framework/helpers.ts';
import type { EnqueueExtensions, Handle, PostFilterPlugin, PostFilterResult, PreEnqueuePlugin } from '../framework/interfaces.ts';
import { Code, Status, isSuccess, type Result } from '../framework/status.ts';
import { PodInfo, type NodeInfo } from '../framework/types.ts';
import { Names } from './names.ts';

export const MSG_NO_VICTIMS = 'No preemption victims found for incoming pod';
export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const MSG_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const MSG_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';
export const MSG_WAITING = 'waiting for the preemption for this pod to be finished';

export interface DefaultPreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

export interface DefaultPreemptionOptions {
  /**
   * Picks where the dry run starts among the potential nodes (upstream: rand.Int31n). Returns a
   * number in [0, 1); the default 0 starts at the first node, which keeps runs reproducible.
   */
  random?: () => number;
}

/** A node where the preemptor fits once `victims` (most important first) are gone. */
export interface Candidate {
  nodeName: string;
  victims: PodInfo[];
  numPDBViolations: number;
}

type PreemptionHandle = Pick<
  Handle,
  | 'profileName'
  | 'clock'
  | 'cluster'
  | 'snapshotSharedLister'
  | 'nominatedPodsForNode'
  | 'runFilterPluginsWithNominatedPods'
  | 'runPreFilterExtensionAddPod'
  | 'runPreFilterExtensionRemovePod'
  | 'getWaitingPod'
  | 'activatePods'
>;

function parseTime(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** Upstream ClearNominatedNodeName and friends read the pod's own status. */
function statusNominatedNode(pod: Obj): string {
  return pod.status?.nominatedNodeName ?? '';
}

/** Terminating because the scheduler preempted it (DisruptionTarget=True, PreemptionByScheduler). */
function terminatingByPreemption(pod: Obj): boolean {
  if (!pod.metadata?.deletionTimestamp) return false;
  for (const c of (pod.status?.conditions ?? []) as Obj[]) {
    if (c?.type === 'DisruptionTarget') return c.status === 'True' && c.reason === 'PreemptionByScheduler';
  }
  return false;
}

function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}

export class DefaultPreemption implements PostFilterPlugin, PreEnqueuePlugin, EnqueueExtensions {
  readonly name = Names.DefaultPreemption;
  private readonly minCandidateNodesPercentage: number;
  private readonly minCandidateNodesAbsolute: number;
  private readonly random: () => number;
  /** Preemptors whose victims are still being deleted. */
  private readonly preempting = new Set<string>();
  /** Settles when the victim deletions started so far are over (for tests and shutdown). */
  private pending: Promise<void>[] = [];

  constructor(
    private readonly handle: PreemptionHandle,
    args: DefaultPreemptionArgs = {},
    opts: DefaultPreemptionOptions = {},
  ) {
    this.minCandidateNodesPercentage = args.minCandidateNodesPercentage ?? 10;
    this.minCandidateNodesAbsolute = args.minCandidateNodesAbsolute ?? 100;
    this.random = opts.random ?? (() => 0);
  }

  // ---- PreEnqueue: hold the preemptor while its victims go ----

  preEnqueue(pod: PodInfo): Result {
    return this.preempting.has(pod.uid) ? Status.unresolvable(MSG_WAITING) : null;
  }

  isPodRunningPreemption(uid: string): boolean {
    return this.preempting.has(uid);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    // Deletions must reach pods held by PreEnqueue; whether they help is the other plugins' call.
    return [{ event: { resource: 'Pod', actionType: ActionType.Delete }, hint: () => QueueingHint.QueueSkip }];
  }

  /** Waits for the victim deletions started so far. */
  async settled(): Promise<void> {
    while (this.pending.length > 0) {
      const p = this.pending;
      this.pending = [];
      await Promise.allSettled(p);
    }
  }

  // ---- PostFilter ----

  postFilter(state: CycleState, pod: PodInfo, m: NodeToStatus): { result?: PostFilterResult; status: Result } {
    const { result, status } = this.preempt(state, pod, m);
    const msg = status ? status.message() : '';
    if (status && msg.length > 0) return { result, status: new Status(status.code, [`preemption: ${msg}`]) };
    return { result, status };
  }

  preempt(state: CycleState, podIn: PodInfo, m: NodeToStatus): { result?: PostFilterResult; status: Result } {
    // The informer's latest copy: its nominatedNodeName may have changed since the pod was popped.
    let pod = podIn;
    if (this.handle.cluster.getPod) {
      const current = this.handle.cluster.getPod(podIn.namespace, podIn.name);
      if (!current) return { status: Status.error(`pod "${podIn.name}" not found`) };
      if (current !== podIn.pod) pod = new PodInfo(current);
    }

    const eligible = this.podEligibleToPreemptOthers(pod, m.get(pod.nominatedNodeName));
    if (eligible !== true) return { status: Status.unschedulable(eligible) };

    const allNodes = this.handle.snapshotSharedLister().list();
    const found = this.findCandidates(state, pod, allNodes, m);
    if (found instanceof Status) return { status: found };
    const { candidates, statuses, errors } = found;
    if (errors.length > 0 && candidates.length === 0) return { status: Status.error(aggregate(errors)) };
    if (candidates.length === 0) {
      const d = newDiagnosis();
      d.nodeToStatus = statuses;
      statuses.absentNodesStatus = Status.unresolvable(MSG_NOT_HELPFUL);
      // Clearing the nomination: the pod cannot be helped anywhere now.
      return { result: { nominatingInfo: { mode: 'Override', nominatedNodeName: '' } }, status: Status.unschedulable(formatFitError(allNodes.length, d)) };
    }
    const best = this.selectCandidate(candidates);
    this.prepareCandidateAsync(best, pod);
    return { result: { nominatingInfo: { mode: 'Override', nominatedNodeName: best.nodeName } }, status: null };
  }

  /** True, or why the pod may not preempt. */
  podEligibleToPreemptOthers(pod: PodInfo, nominatedNodeStatus: Status): true | string {
    if (pod.pod.spec?.preemptionPolicy === 'Never') return MSG_POLICY_NEVER;
    const nominated = pod.nominatedNodeName;
    if (nominated !== '') {
      // The nominated node cannot take the pod anyway: preempting elsewhere is fine.
      if (nominatedNodeStatus.code === Code.UnschedulableAndUnresolvable) return true;
      const ni = this.handle.snapshotSharedLister().get(nominated);
      if (ni) {
        for (const p of ni.pods) {
          // Victims of an earlier preemption are still terminating: wait for them.
          if (p.priority < pod.priority && terminatingByPreemption(p.pod)) return MSG_TERMINATING;
        }
      }
    }
    return true;
  }

  /** Upstream calculateNumCandidates. */
  numCandidates(numNodes: number): number {
    let n = Math.trunc((numNodes * this.minCandidateNodesPercentage) / 100);
    if (n < this.minCandidateNodesAbsolute) n = this.minCandidateNodesAbsolute;
    if (n > numNodes) n = numNodes;
    return n;
  }

  private findCandidates(
    state: CycleState,
    pod: PodInfo,
    allNodes: readonly NodeInfo[],
    m: NodeToStatus,
  ): { candidates: Candidate[]; statuses: NodeToStatus; errors: string[] } | Status {
    if (allNodes.length === 0) return Status.error('no nodes available');
    // Only nodes some pod removal could fix; UnschedulableAndUnresolvable ones stay out.
    const potential = m.nodesForStatusCode(allNodes, Code.Unschedulable);
    if (potential.length === 0) return { candidates: [], statuses: new NodeToStatus(), errors: [] };
    const pdbs = this.handle.cluster.listPodDisruptionBudgets();
    const n = potential.length;
    const offset = Math.min(n - 1, Math.floor(this.random() * n));
    return this.dryRunPreemption(state, pod, potential, pdbs, offset, this.numCandidates(n));
  }

  /**
   * Upstream DryRunPreemption: tries the potential nodes from `offset` on, each on copies of the
   * node and the cycle state, until enough candidates are found (at least one not violating a PDB).
   */
  dryRunPreemption(
    state: CycleState,
    pod: PodInfo,
    potential: readonly NodeInfo[],
    pdbs: Obj[],
    offset: number,
    numCandidates: number,
  ): { candidates: Candidate[]; statuses: NodeToStatus; errors: string[] } {
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    const statuses = new NodeToStatus();
    const errors: string[] = [];
    for (let i = 0; i < potential.length; i++) {
      const nodeCopy = potential[(offset + i) % potential.length]!.snapshot();
      const r = this.selectVictimsOnNode(state.clone(), pod, nodeCopy, pdbs);
      let status: Status;
      if (!(r instanceof Status)) {
        if (r.victims.length > 0) {
          const c: Candidate = { nodeName: nodeCopy.name, victims: r.victims, numPDBViolations: r.numPDBViolations };
          const list = r.numPDBViolations === 0 ? nonViolating : violating;
          if (list.length < numCandidates) list.push(c);
          if (nonViolating.length > 0 && nonViolating.length + violating.length >= numCandidates) break;
          continue;
        }
        status = Status.error(`expected at least one victim pod on node "${nodeCopy.name}"`);
      } else status = r;
      if (status.code === Code.Error) errors.push(status.message());
      statuses.set(nodeCopy.name, status);
    }
    return { candidates: [...nonViolating, ...violating], statuses, errors };
  }

  /**
   * Upstream SelectVictimsOnNode: the fewest lower-priority pods whose removal lets the pod fit,
   * reprieving the most important pods first. `state` and `nodeInfo` are copies to mutate.
   */
  selectVictimsOnNode(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo, pdbs: Obj[]): { victims: PodInfo[]; numPDBViolations: number } | Status {
    const h = this.handle;
    const remove = (pi: PodInfo): Result => {
      nodeInfo.removePod(pi.uid);
      return h.runPreFilterExtensionRemovePod(state, pod, pi, nodeInfo);
    };
    const add = (pi: PodInfo): Result => {
      nodeInfo.addPodInfo(pi);
      return h.runPreFilterExtensionAddPod(state, pod, pi, nodeInfo);
    };
    const potential: PodInfo[] = [];
    for (const pi of nodeInfo.pods.slice()) {
      if (pi.priority >= pod.priority) continue;
      potential.push(pi);
      const s = remove(pi);
      if (!isSuccess(s)) return s;
    }
    if (potential.length === 0) return Status.unresolvable(MSG_NO_VICTIMS);
    const fits = h.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
    // Not even with all of them gone: affinity to a victim is not considered, as upstream.
    if (!isSuccess(fits)) return fits;

    const now = h.clock.now();
    const more = (a: PodInfo, b: PodInfo) => moreImportantPod(a, b, now);
    potential.sort((a, b) => (more(a, b) ? -1 : more(b, a) ? 1 : 0));
    const { violating, nonViolating } = filterPodsWithPDBViolation(potential, pdbs);
    const victims: PodInfo[] = [];
    let numViolating = 0;
    const reprieve = (pi: PodInfo): boolean | Status => {
      const s = add(pi);
      if (!isSuccess(s)) return s;
      if (isSuccess(h.runFilterPluginsWithNominatedPods(state, pod, nodeInfo))) return true;
      const r = remove(pi);
      if (!isSuccess(r)) return r;
      victims.push(pi);
      return false;
    };
    for (const pi of violating) {
      const r = reprieve(pi);
      if (r instanceof Status) return r;
      if (!r) numViolating++;
    }
    for (const pi of nonViolating) {
      const r = reprieve(pi);
      if (r instanceof Status) return r;
    }
    if (violating.length > 0 && nonViolating.length > 0) victims.sort((a, b) => (more(a, b) ? -1 : more(b, a) ? 1 : 0));
    return { victims, numPDBViolations: numViolating };
  }

  /** Upstream SelectCandidate / pickOneNodeForPreemption; ties keep the first candidate found. */
  selectCandidate(candidates: readonly Candidate[]): Candidate {
    if (candidates.length === 1) return candidates[0]!;
    const now = this.handle.clock.now();
    const scoreFuncs: ((c: Candidate) => number)[] = [
      (c) => -c.numPDBViolations,
      (c) => -c.victims[0]!.priority,
      // Priorities shifted to be non-negative, so that more pods always means a larger sum.
      (c) => -c.victims.reduce((s, v) => s + v.priority + 2147483648, 0),
      (c) => -c.victims.length,
      (c) => earliestStartTimeOfHighestPriority(c.victims, now),
    ];
    let remaining = candidates.slice();
    for (const f of scoreFuncs) {
      let best = -Infinity;
      let selected: Candidate[] = [];
      for (const c of remaining) {
        const s = f(c);
        if (s > best) {
          best = s;
          selected = [c];
        } else if (s === best) selected.push(c);
      }
      if (selected.length === 1) return selected[0]!;
      remaining = selected;
    }
    return remaining[0]!;
  }

  /**
   * Upstream prepareCandidateAsync: clears lower-priority nominations on the node and deletes the
   * victims after the cycle; the preemptor leaves the hold just before the last victim's deletion,
   * so that the deletion event finds it back in the queue.
   */
  private prepareCandidateAsync(c: Candidate, pod: PodInfo): void {
    this.preempting.add(pod.uid);
    const run = async () => {
      let failed = false;
      for (const np of this.handle.nominatedPodsForNode(c.nodeName)) {
        if (np.priority >= pod.priority || statusNominatedNode(np.pod) === '') continue;
        try {
          await this.handle.cluster.updatePodStatus(np.pod, { nominatedNodeName: '' });
        } catch {
          failed = true;
        }
      }
      if (c.victims.length === 0) {
        this.preempting.delete(pod.uid);
        return;
      }
      const results = await Promise.allSettled(c.victims.slice(0, -1).map((v) => this.preemptPod(c, pod, v)));
      if (results.some((r) => r.status === 'rejected')) failed = true;
      this.preempting.delete(pod.uid);
      try {
        await this.preemptPod(c, pod, c.victims[c.victims.length - 1]!);
      } catch {
        failed = true;
      }
      // The pod could otherwise wait in unschedulablePods for an event that never comes.
      if (failed) this.handle.activatePods([pod.pod]);
    };
    this.pending.push(run());
  }

  /** Upstream Evaluator.PreemptPod: reject a waiting victim, or mark it and delete it. */
  private async preemptPod(c: Candidate, preemptor: PodInfo, victim: PodInfo): Promise<void> {
    const wp = this.handle.getWaitingPod(victim.uid);
    if (wp) wp.reject(this.name, 'preempted');
    else {
      const message = `${preemptor.schedulerName}: preempting to accommodate a higher priority pod`;
      const existing = ((victim.pod.status?.conditions ?? []) as Obj[]).find((x) => x?.type === 'DisruptionTarget');
      if (!existing || existing.status !== 'True' || existing.reason !== 'PreemptionByScheduler' || existing.message !== message) {
        await this.handle.cluster.updatePodStatus(victim.pod, { condition: { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message } });
      }
      try {
        await this.handle.cluster.deletePod(victim.pod);
      } catch (err) {
        // Already gone is what we wanted.
        if ((err as { code?: number }).code !== 404) throw err;
        return;
      }
    }
    this.handle.cluster.recordEvent({
      regarding: { kind: 'Pod', namespace: victim.namespace, name: victim.name, uid: victim.uid },
      type: 'Normal',
      reason: 'Preempted',
      action: 'Preempting',
      note: `Preempted by pod ${preemptor.uid} on node ${c.nodeName}`,
      reportingInstance: this.handle.profileName,
    });
  }
}

/** A pod's start time (status.startTime), or now for pods not started yet. */
function startTime(p: PodInfo, now: number): number {
  return parseTime(p.pod.status?.startTime) ?? now;
}

/** Upstream util.MoreImportantPod: higher priority, then the one that started earlier. */
export function moreImportantPod(a: PodInfo, b: PodInfo, now: number): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return startTime(a, now) < startTime(b, now);
}

/** Upstream GetEarliestPodStartTime: the earliest start among the highest-priority victims. */
function earliestStartTimeOfHighestPriority(victims: readonly PodInfo[], now: number): number {
  let maxPriority = victims[0]!.priority;
  let earliest = startTime(victims[0]!, now);
  for (const v of victims) {
    if (v.priority === maxPriority) {
      const t = startTime(v, now);
      if (t < earliest) earliest = t;
    } else if (v.priority > maxPriority) {
      maxPriority = v.priority;
      earliest = startTime(v, now);
    }
  }
  return earliest;
}

/**
 * Upstream filterPodsWithPDBViolation: splits pods (kept in order) by whether evicting them,
 * in this order, would take a matching PDB below zero allowed disruptions.
 */
export function filterPodsWithPDBViolation(pods: readonly PodInfo[], pdbs: readonly Obj[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => Number(p.status?.disruptionsAllowed ?? 0));
  const selectors = pdbs.map((p) => selectorFrom(p.spec?.selector));
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pi of pods) {
    let violated = false;
    if (Object.keys(pi.labels).length > 0) {
      pdbs.forEach((pdb, i) => {
        if ((pdb.metadata?.namespace ?? '') !== pi.namespace) return;
        const sel = selectors[i]!;
        // A PDB with a missing or empty selector matches nothing.
        if (sel === null || sel.length === 0 || !selectorMatches(sel, pi.labels)) return;
        // Already counted by the API server's eviction.
        if (pdb.status?.disruptedPods && Object.prototype.hasOwnProperty.call(pdb.status.disruptedPods, pi.name)) return;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}
