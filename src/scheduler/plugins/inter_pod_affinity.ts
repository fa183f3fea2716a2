// InterPodAffinity: required pod affinity and anti-affinity filter nodes, preferred terms (the
// pod's own and, in reverse, those of existing pods) score them.
//
// PreFilter counts, per topology pair (label key and value), the existing pods that the
// incoming pod's required terms match and the existing pods whose required anti-affinity
// terms match the incoming pod. Filter then only looks up the node's own topology values: its
// cost does not depend on the number of pods. PreScore likewise sums the weights per topology
// pair, and Score looks the node's pairs up. The counting visits only the pods and terms that
// can match, through the snapshot's pod index (pod_index.ts); terms whose selector it cannot
// narrow fall back to walking every pod, as upstream always does.

import type { Obj } from '../../apiserver/rest.ts';
import type { CycleState, StateData } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import { AffinityTerm, MAX_NODE_SCORE, selectorMatches } from '../framework/helpers.ts';
import type { EnqueueExtensions, FilterPlugin, Handle, PreFilterExtensions, PreFilterPlugin, PreScorePlugin, ScoreExtensions, ScorePlugin } from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import { PodInfo, type NodeInfo } from '../framework/types.ts';
import { listObjects, namespaceLabels } from './cluster_objects.ts';
import { Names } from './names.ts';
import { podIndexFor, type PodIndex } from './pod_index.ts';

export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";

const PRE_FILTER_KEY = `PreFilter${Names.InterPodAffinity}`;
const PRE_SCORE_KEY = `PreScore${Names.InterPodAffinity}`;

export interface InterPodAffinityArgs {
  /** Weight of existing pods' required affinity terms that the incoming pod matches, in scoring (default 1). */
  hardPodAffinityWeight?: number;
  /** Skip scoring by existing pods' preferences when the incoming pod has no preferred terms. */
  ignorePreferredTermsOfExistingPods?: boolean;
}

type Labels = Record<string, string>;

/** Upstream AffinityTerm.Matches on a PodInfo (namespace, then label selector). */
function termMatches(t: AffinityTerm, ns: string, labels: Labels, nsLabels: Labels | undefined): boolean {
  if (t.namespaces.has(ns) || selectorMatches(t.namespaceSelector, nsLabels)) return selectorMatches(t.selector, labels);
  return false;
}

/** Whether the pod matches every term; false for no terms. */
function matchesAllTerms(terms: readonly AffinityTerm[], pod: PodInfo): boolean {
  if (terms.length === 0) return false;
  // The incoming pod's terms have their namespace selectors resolved, so no namespace labels are needed.
  for (const t of terms) if (!termMatches(t, pod.namespace, pod.labels, undefined)) return false;
  return true;
}

/** Counts per topology pair; pairs whose count drops to zero disappear (so `size` is the number of live pairs). */
export class TopologyCounts {
  private readonly byKey = new Map<string, Map<string, number>>();
  size = 0;

  add(key: string, value: string, delta: number): void {
    let inner = this.byKey.get(key);
    if (!inner) this.byKey.set(key, (inner = new Map()));
    const prev = inner.get(value);
    const cur = (prev ?? 0) + delta;
    if (cur === 0) {
      if (prev !== undefined) {
        inner.delete(value);
        this.size--;
      }
      if (inner.size === 0) this.byKey.delete(key);
      return;
    }
    if (prev === undefined) this.size++;
    inner.set(value, cur);
  }

  /** Adds `delta` for the node's value of `key`, if the node has that label. */
  addForNode(labels: Labels, key: string, delta: number): void {
    const v = labels[key];
    if (v !== undefined) this.add(key, v, delta);
  }

  get(key: string, value: string): number {
    return this.byKey.get(key)?.get(value) ?? 0;
  }

  /** Whether any of the node's topology pairs has a positive count. */
  anyPositive(labels: Labels): boolean {
    for (const [key, inner] of this.byKey) {
      const v = labels[key];
      if (v !== undefined && (inner.get(v) ?? 0) > 0) return true;
    }
    return false;
  }

  /** The sum of the counts of the node's topology pairs. */
  sumFor(labels: Labels): number {
    let s = 0;
    for (const [key, inner] of this.byKey) {
      const v = labels[key];
      if (v !== undefined) s += inner.get(v) ?? 0;
    }
    return s;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, inner] of this.byKey) c.byKey.set(k, new Map(inner));
    c.size = this.size;
    return c;
  }
}

class PreFilterState implements StateData {
  constructor(
    readonly pod: PodInfo,
    /** The incoming pod's required terms, namespace selectors resolved to namespaces. */
    readonly affinityTerms: readonly AffinityTerm[],
    readonly antiAffinityTerms: readonly AffinityTerm[],
    readonly nsLabels: Labels | undefined,
    /** Existing pods whose required anti-affinity terms match the incoming pod. */
    readonly existingAntiAffinityCounts: TopologyCounts,
    /** Existing pods matching all the incoming pod's required affinity terms. */
    readonly affinityCounts: TopologyCounts,
    /** Existing pods matching an incoming required anti-affinity term. */
    readonly antiAffinityCounts: TopologyCounts,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.pod,
      this.affinityTerms,
      this.antiAffinityTerms,
      this.nsLabels,
      this.existingAntiAffinityCounts.clone(),
      this.affinityCounts.clone(),
      this.antiAffinityCounts.clone(),
    );
  }

  updateWithPod(p: PodInfo, node: NodeInfo, delta: number): void {
    const labels = node.labels;
    for (const t of p.requiredAntiAffinityTerms) {
      if (termMatches(t, this.pod.namespace, this.pod.labels, this.nsLabels)) this.existingAntiAffinityCounts.addForNode(labels, t.topologyKey, delta);
    }
    if (matchesAllTerms(this.affinityTerms, p)) for (const t of this.affinityTerms) this.affinityCounts.addForNode(labels, t.topologyKey, delta);
    for (const t of this.antiAffinityTerms) {
      if (termMatches(t, p.namespace, p.labels, undefined)) this.antiAffinityCounts.addForNode(labels, t.topologyKey, delta);
    }
  }
}

class PreScoreState implements StateData {
  constructor(readonly topologyScore: TopologyCounts) {}
  clone(): StateData {
    return this;
  }
}

export class InterPodAffinity implements PreFilterPlugin, PreFilterExtensions, FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions {
  readonly name = Names.InterPodAffinity;
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredTermsOfExistingPods: boolean;
  private readonly affinityFailed = Status.unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH).withPlugin(Names.InterPodAffinity);
  private readonly antiAffinityFailed = Status.unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH).withPlugin(Names.InterPodAffinity);
  private readonly existingAntiAffinityFailed = Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH).withPlugin(Names.InterPodAffinity);

  constructor(
    private readonly handle: Pick<Handle, 'cluster' | 'snapshotSharedLister'>,
    args: InterPodAffinityArgs = {},
  ) {
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
    this.ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods ?? false;
  }

  /**
   * Upstream mergeAffinityTermNamespacesIfNotEmpty: a namespace selector of the incoming pod's
   * term becomes the list of namespaces it selects now, so matching needs no namespace labels.
   * An empty selector (all namespaces) and a missing one stay as they are.
   */
  private resolveNamespaces(t: AffinityTerm): AffinityTerm {
    const sel = t.namespaceSelector;
    if (sel === null || sel.length === 0) return t;
    const namespaces = new Set(t.namespaces);
    for (const ns of listObjects(this.handle.cluster, 'Namespace')) {
      if (selectorMatches(sel, ns.metadata?.labels ?? {})) namespaces.add(ns.metadata?.name ?? '');
    }
    return new AffinityTerm(namespaces, t.selector, t.topologyKey, null);
  }

  private resolveAll(terms: readonly AffinityTerm[]): AffinityTerm[] {
    return terms.map((t) => this.resolveNamespaces(t));
  }

  // ---- PreFilter / Filter ----

  /** Calls fn for every pod (with its node) that may match `t`: index candidates, or all pods. */
  private forEachCandidate(index: PodIndex, nodes: readonly NodeInfo[], t: AffinityTerm, fn: (p: PodInfo, node: NodeInfo) => void): void {
    // A term without a selector matches no pod.
    if (t.selector === null) return;
    const cands = index.candidates(t.selector);
    if (cands) {
      for (const set of cands) for (const ip of set) fn(ip.pod, ip.node);
      return;
    }
    for (const node of nodes) {
      if (!node.node) continue;
      for (const p of node.pods) fn(p, node);
    }
  }

  preFilter(state: CycleState, pod: PodInfo, allNodes: readonly NodeInfo[]): Result {
    const lister = this.handle.snapshotSharedLister();
    const affinityTerms = this.resolveAll(pod.requiredAffinityTerms);
    const antiAffinityTerms = this.resolveAll(pod.requiredAntiAffinityTerms);
    const haveExisting = lister.havePodsWithRequiredAntiAffinityList().length > 0;
    // Nothing to count either way: upstream's walk would find nothing and Skip too.
    if (!haveExisting && affinityTerms.length === 0 && antiAffinityTerms.length === 0) return Status.skip();
    const nsLabels = namespaceLabels(this.handle.cluster, pod.namespace);
    const index = podIndexFor(lister);
    index.refresh(allNodes);

    const existing = new TopologyCounts();
    if (haveExisting) {
      index.forEachAntiTermFor(pod.labels, (it) => {
        if (termMatches(it.term, pod.namespace, pod.labels, nsLabels)) existing.addForNode(it.node.labels, it.term.topologyKey, 1);
      });
    }

    const affinity = new TopologyCounts();
    if (affinityTerms.length > 0) {
      // Any one term narrows the candidates: a pod must match all of them.
      const pivot = affinityTerms.find((t) => t.selector !== null && index.candidates(t.selector) !== undefined) ?? affinityTerms[0]!;
      this.forEachCandidate(index, allNodes, pivot, (p, node) => {
        if (matchesAllTerms(affinityTerms, p)) for (const t of affinityTerms) affinity.addForNode(node.labels, t.topologyKey, 1);
      });
    }
    const anti = new TopologyCounts();
    for (const t of antiAffinityTerms) {
      this.forEachCandidate(index, allNodes, t, (p, node) => {
        if (termMatches(t, p.namespace, p.labels, undefined)) anti.addForNode(node.labels, t.topologyKey, 1);
      });
    }

    if (existing.size === 0 && affinityTerms.length === 0 && antiAffinityTerms.length === 0) return Status.skip();
    state.write(PRE_FILTER_KEY, new PreFilterState(pod, affinityTerms, antiAffinityTerms, nsLabels, existing, affinity, anti));
    return null;
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, _podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Result {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s) return Status.error(`error reading "${PRE_FILTER_KEY}" from cycleState: not found`);
    s.updateWithPod(podInfoToAdd, nodeInfo, 1);
    return null;
  }

  removePod(state: CycleState, _podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Result {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s) return Status.error(`error reading "${PRE_FILTER_KEY}" from cycleState: not found`);
    s.updateWithPod(podInfoToRemove, nodeInfo, -1);
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): Result {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s) return Status.error(`error reading "${PRE_FILTER_KEY}" from cycleState: not found`);
    const labels = nodeInfo.labels;
    if (!this.satisfiesAffinity(s, labels)) return this.affinityFailed;
    if (s.antiAffinityCounts.size > 0) {
      for (const t of s.antiAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v !== undefined && s.antiAffinityCounts.get(t.topologyKey, v) > 0) return this.antiAffinityFailed;
      }
    }
    if (s.existingAntiAffinityCounts.size > 0 && s.existingAntiAffinityCounts.anyPositive(labels)) return this.existingAntiAffinityFailed;
    return null;
  }

  private satisfiesAffinity(s: PreFilterState, labels: Labels): boolean {
    let podsExist = true;
    for (const t of s.affinityTerms) {
      const v = labels[t.topologyKey];
      // Every topology key of the terms must be on the node.
      if (v === undefined) return false;
      if (s.affinityCounts.get(t.topologyKey, v) <= 0) podsExist = false;
    }
    if (podsExist) return true;
    // The first pod of a group with affinity to itself: allowed when no pod anywhere matches the
    // terms yet and the pod matches them itself.
    return s.affinityCounts.size === 0 && matchesAllTerms(s.affinityTerms, s.pod);
  }

  // ---- PreScore / Score ----

  preScore(state: CycleState, pod: PodInfo): Result {
    const hasConstraints = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
    if (this.ignorePreferredTermsOfExistingPods && !hasConstraints) return Status.skip();
    const lister = this.handle.snapshotSharedLister();
    // Without preferences of its own, only pods with affinity terms can score the pod.
    if (!hasConstraints && lister.havePodsWithAffinityList().length === 0) return Status.skip();
    const nodes = lister.list();
    const index = podIndexFor(lister);
    index.refresh(nodes);
    const nsLabels = namespaceLabels(this.handle.cluster, pod.namespace);
    const score = new TopologyCounts();
    let touched = false;
    const process = (t: AffinityTerm, weight: number, ns: string, labels: Labels, termNsLabels: Labels | undefined, nodeLabels: Labels) => {
      if (!termMatches(t, ns, labels, termNsLabels)) return;
      const v = nodeLabels[t.topologyKey];
      if (v === undefined) return;
      touched = true;
      score.add(t.topologyKey, v, weight);
    };
    // The pod's own preferences, against the pods they may select.
    for (const [list, sign] of [
      [pod.preferredAffinityTerms, 1],
      [pod.preferredAntiAffinityTerms, -1],
    ] as const) {
      for (const w of list) {
        const t = this.resolveNamespaces(w.term);
        this.forEachCandidate(index, nodes, t, (p, node) => process(t, sign * w.weight, p.namespace, p.labels, undefined, node.labels));
      }
    }
    // Existing pods' affinity terms and preferences, against the pod.
    for (const ip of index.scoringPods) {
      const ep = ip.pod;
      const nodeLabels = ip.node.labels;
      if (this.hardPodAffinityWeight > 0) {
        for (const t of ep.requiredAffinityTerms) process(t, this.hardPodAffinityWeight, pod.namespace, pod.labels, nsLabels, nodeLabels);
      }
      for (const w of ep.preferredAffinityTerms) process(w.term, w.weight, pod.namespace, pod.labels, nsLabels, nodeLabels);
      for (const w of ep.preferredAntiAffinityTerms) process(w.term, -w.weight, pod.namespace, pod.labels, nsLabels, nodeLabels);
    }
    if (!touched) return Status.skip();
    state.write(PRE_SCORE_KEY, new PreScoreState(score));
    return null;
  }

  score(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return Status.error(`failed to read "${PRE_SCORE_KEY}" from cycleState: not found`);
    return s.topologyScore.sumFor(nodeInfo.labels);
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  /** Min-max scaling to [0, 100]; all equal gives 0 everywhere. */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: Float64Array): Result {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return Status.error(`failed to read "${PRE_SCORE_KEY}" from cycleState: not found`);
    if (s.topologyScore.size === 0) return null;
    let min = Infinity;
    let max = -Infinity;
    for (const v of scores) {
      if (v > max) max = v;
      if (v < min) min = v;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i]! - min) / diff)) : 0;
    return null;
  }

  // ---- queueing hints ----

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete },
        hint: (pod, oldObj, newObj) => this.afterPodChange(pod, oldObj, newObj),
      },
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
        hint: (pod, _oldObj, newObj) => {
          const labels = (newObj?.metadata?.labels ?? {}) as Labels;
          const keys = [...pod.requiredAffinityTerms, ...pod.requiredAntiAffinityTerms].map((t) => t.topologyKey);
          return keys.some((k) => labels[k] !== undefined) ? QueueingHint.Queue : QueueingHint.QueueSkip;
        },
      },
    ];
  }

  private afterPodChange(pod: PodInfo, oldPod: Obj | undefined, newPod: Obj | undefined): 0 | 1 {
    // Unscheduled pods count for nobody's affinity.
    if ((newPod && !newPod.spec?.nodeName) || (oldPod && !oldPod.spec?.nodeName)) return QueueingHint.QueueSkip;
    const terms = pod.requiredAffinityTerms;
    const antiTerms = pod.requiredAntiAffinityTerms;
    const info = (p: Obj) => new PodInfo(p);
    if (newPod && oldPod) {
      const o = info(oldPod);
      const n = info(newPod);
      if (!matchesAllTerms(terms, o) && matchesAllTerms(terms, n)) return QueueingHint.Queue;
      if (matchesAllTerms(antiTerms, o) && !matchesAllTerms(antiTerms, n)) return QueueingHint.Queue;
      return QueueingHint.QueueSkip;
    }
    if (newPod) return matchesAllTerms(terms, info(newPod)) ? QueueingHint.Queue : QueueingHint.QueueSkip;
    return oldPod && matchesAllTerms(antiTerms, info(oldPod)) ? QueueingHint.Queue : QueueingHint.QueueSkip;
  }
}
