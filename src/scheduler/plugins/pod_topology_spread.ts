// PodTopologySpread: spreads pods matching a label selector evenly over the values of a node
// label (zones, hosts). DoNotSchedule constraints filter: a node is rejected when placing the
// pod there would make its domain exceed the emptiest eligible domain by more than maxSkew.
// ScheduleAnyway constraints score: fewer matching pods in a node's domains is better. Pods
// without constraints that belong to a Service, ReplicaSet, StatefulSet or
// ReplicationController get the cluster default constraints (zone maxSkew 5, hostname maxSkew 3,
// ScheduleAnyway) with a selector derived from those owners.
//
// Counts are built once per cycle, so Filter is a few map lookups per node: the eligible domains
// (topology values of nodes that count, per nodeAffinityPolicy and nodeTaintsPolicy) come from a
// per-node memo refreshed by node generation, and the matching pods from the snapshot's label
// index (pod_index.ts); a selector the index cannot narrow falls back to walking every node, as
// upstream does. The global minimum is kept exact under preemption's AddPod/RemovePod by a
// histogram of domain counts (as upstream's newest code does; older releases kept two
// "critical paths" that could overestimate it).

import type { Obj } from '../../apiserver/rest.ts';
import { fromLabelSelectorObject, matchesLabels, type LabelSelector } from '../../api/selectors.ts';
import type { CycleState, StateData } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import { MAX_NODE_SCORE, findUntoleratedTaint, selectorFrom, selectorMatches, type MaybeSelector } from '../framework/helpers.ts';
import type { ClusterAPI, EnqueueExtensions, FilterPlugin, Handle, PreFilterExtensions, PreFilterPlugin, PreScorePlugin, ScoreExtensions, ScorePlugin } from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';
import { controllerRef, getObject, listObjects } from './cluster_objects.ts';
import { Names } from './names.ts';
import { NodeMemo, podIndexFor } from './pod_index.ts';

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const LABEL_HOSTNAME = 'kubernetes.io/hostname';
const LABEL_ZONE = 'topology.kubernetes.io/zone';
const PRE_FILTER_KEY = `PreFilter${Names.PodTopologySpread}`;
const PRE_SCORE_KEY = `PreScore${Names.PodTopologySpread}`;

type Action = 'DoNotSchedule' | 'ScheduleAnyway';
type InclusionPolicy = 'Honor' | 'Ignore';

/** A v1.TopologySpreadConstraint as given (defaults, or the pod's own). */
export interface TopologySpreadConstraintSpec {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: Action;
  labelSelector?: Obj | null;
  matchLabelKeys?: string[];
  minDomains?: number;
  nodeAffinityPolicy?: InclusionPolicy;
  nodeTaintsPolicy?: InclusionPolicy;
}

/** Upstream systemDefaultConstraints, in upstream's order. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraintSpec[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: LABEL_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

export interface PodTopologySpreadArgs {
  /** System (the defaults above, the default) or List (defaultConstraints). */
  defaultingType?: 'System' | 'List';
  defaultConstraints?: TopologySpreadConstraintSpec[];
}

/** A parsed constraint: the selector already merged with the pod's matchLabelKeys values. */
export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  /** null selects nothing (a constraint without labelSelector). */
  selector: MaybeSelector;
  minDomains: number;
  nodeAffinityPolicy: InclusionPolicy;
  nodeTaintsPolicy: InclusionPolicy;
}

function filterConstraints(specs: readonly Obj[], podLabels: Record<string, string>, action: Action): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  for (const c of specs) {
    if (c?.whenUnsatisfiable !== action) continue;
    let selector = selectorFrom(c.labelSelector);
    const keys: unknown[] = Array.isArray(c.matchLabelKeys) ? c.matchLabelKeys : [];
    if (keys.length > 0 && selector !== null) {
      const merged: LabelSelector = [];
      for (const k of keys) {
        const v = podLabels[String(k)];
        if (v !== undefined) merged.push({ key: String(k), op: '=', values: [v] });
      }
      if (merged.length > 0) selector = [...merged, ...selector];
    }
    out.push({
      maxSkew: Number(c.maxSkew ?? 0),
      topologyKey: String(c.topologyKey ?? ''),
      selector,
      minDomains: typeof c.minDomains === 'number' ? c.minDomains : 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    });
  }
  return out;
}

function nodeHasAllKeys(labels: Record<string, string>, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

/** Whether the node counts for the constraint's domains, per nodeAffinityPolicy and nodeTaintsPolicy. */
function includesNode(c: SpreadConstraint, pod: PodInfo, node: NodeInfo): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !pod.requiredNodeAffinity.match(node.labels, node.name)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(node.noScheduleTaints, pod.tolerations) !== undefined) return false;
  return true;
}

/** Matching pods of the namespace on a node; terminating pods do not count (upstream #87621). */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: MaybeSelector, namespace: string): number {
  // An empty selector counts nothing here, though it matches the incoming pod itself.
  if (selector === null || selector.length === 0) return 0;
  let n = 0;
  for (const p of pods) {
    if (p.namespace !== namespace || p.pod.metadata?.deletionTimestamp) continue;
    if (matchesLabels(selector, p.labels)) n++;
  }
  return n;
}

function labelSetMatches(set: Record<string, string>, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(set)) if (labels[k] !== v) return false;
  return true;
}

function setToSelector(set: Record<string, string>): LabelSelector {
  return Object.keys(set)
    .sort()
    .map((key) => ({ key, op: '=' as const, values: [set[key]!] as [string] }));
}

/**
 * Upstream helper.DefaultSelector: the selectors of the Services selecting the pod, merged, and
 * of the ReplicationController, ReplicaSet or StatefulSet controlling it.
 */
export function defaultSelector(pod: Obj, cluster: ClusterAPI): LabelSelector {
  const ns = pod.metadata?.namespace ?? '';
  const podLabels: Record<string, string> = pod.metadata?.labels ?? {};
  let set: Record<string, string> = {};
  for (const svc of listObjects(cluster, 'Service')) {
    if ((svc.metadata?.namespace ?? '') !== ns) continue;
    const sel = svc.spec?.selector;
    // A Service without a selector selects nothing, not everything.
    if (sel == null || typeof sel !== 'object') continue;
    if (labelSetMatches(sel, podLabels)) set = { ...set, ...sel };
  }
  let selector = setToSelector(set);
  const owner = controllerRef(pod);
  if (!owner) return selector;
  const kind = `${owner.apiVersion ?? ''}/${owner.kind ?? ''}`;
  if (kind === 'v1/ReplicationController') {
    const rc = getObject(cluster, 'ReplicationController', ns, owner.name ?? '');
    if (rc) selector = setToSelector({ ...set, ...(rc.spec?.selector ?? {}) });
  } else if (kind === 'apps/v1/ReplicaSet' || kind === 'apps/v1/StatefulSet') {
    const obj = getObject(cluster, owner.kind, ns, owner.name ?? '');
    const sel = obj?.spec?.selector;
    // A missing selector selects nothing and so adds no requirement.
    if (obj && sel != null && typeof sel === 'object') selector = [...selector, ...fromLabelSelectorObject(sel)];
  }
  return selector;
}

// ---- filtering ----

class PreFilterState implements StateData {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    /** Per constraint: whether the incoming pod matches its selector itself. */
    readonly selfMatch: readonly (0 | 1)[],
    /** Per constraint: the number of eligible domains. */
    readonly domainCount: readonly number[],
    /** Per constraint: topology value -> matching pods; eligible domains missing here have none. */
    readonly counts: Map<string, number>[],
    /** Per constraint: the smallest count over the domains (MaxInt32 with none). */
    readonly minMatch: number[],
    /** Per constraint: count -> number of domains with exactly that count. */
    readonly domainsAtCount: Map<number, number>[],
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.selfMatch,
      this.domainCount,
      this.counts.map((m) => new Map(m)),
      this.minMatch.slice(),
      this.domainsAtCount.map((m) => new Map(m)),
    );
  }

  globalMin(i: number): number {
    // With fewer eligible domains than minDomains, the missing domains count as empty.
    if (this.domainCount[i]! < this.constraints[i]!.minDomains) return 0;
    return this.minMatch[i]!;
  }

  /** One domain went from `old` to `cur` matching pods (|cur - old| = 1). */
  move(i: number, old: number, cur: number): void {
    const hist = this.domainsAtCount[i]!;
    const left = (hist.get(old) ?? 0) - 1;
    if (left <= 0) hist.delete(old);
    else hist.set(old, left);
    hist.set(cur, (hist.get(cur) ?? 0) + 1);
    if (cur < this.minMatch[i]!) this.minMatch[i] = cur;
    else if (old === this.minMatch[i] && !hist.has(old)) this.minMatch[i] = cur;
  }
}

/** The eligible domains of one constraint shape, per node generation. */
class DomainMemo {
  /** Per constraint: topology value -> eligible nodes with that value. */
  readonly domains: Map<string, number>[];
  readonly memo: NodeMemo<(string | undefined)[]>;

  constructor(constraints: readonly SpreadConstraint[], pod: PodInfo) {
    const domains = constraints.map(() => new Map<string, number>());
    this.domains = domains;
    this.memo = new NodeMemo(
      (node) => {
        const out: (string | undefined)[] = [];
        const all = !!node.node && nodeHasAllKeys(node.labels, constraints);
        for (const c of constraints) out.push(all && includesNode(c, pod, node) ? node.labels[c.topologyKey]! : undefined);
        return out;
      },
      (values, sign) => {
        values.forEach((v, i) => {
          if (v === undefined) return;
          const m = domains[i]!;
          const n = (m.get(v) ?? 0) + sign;
          if (n <= 0) m.delete(v);
          else m.set(v, n);
        });
      },
    );
  }
}

/** Everything a node's eligibility depends on besides the node: the memo key. */
function shapeKey(constraints: readonly SpreadConstraint[], pod: PodInfo): string {
  const spec = pod.pod.spec ?? {};
  const affinity = constraints.some((c) => c.nodeAffinityPolicy === 'Honor') && !pod.requiredNodeAffinity.isEmpty;
  const taints = constraints.some((c) => c.nodeTaintsPolicy === 'Honor');
  return JSON.stringify([
    constraints.map((c) => [c.topologyKey, c.nodeAffinityPolicy, c.nodeTaintsPolicy]),
    affinity ? [spec.nodeSelector ?? null, spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null] : null,
    taints ? (spec.tolerations ?? []) : null,
  ]);
}

/** How many constraint shapes keep their memo (each holds a value per node). */
const MAX_SHAPES = 32;

// ---- scoring ----

class PreScoreState implements StateData {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    /** Nodes lacking a topology key: scored 0. */
    readonly ignoredNodes: ReadonlySet<string>,
    /** Per constraint (undefined for hostname, counted per node in Score): value -> matching pods. */
    readonly counts: (Map<string, number> | undefined)[],
    readonly weights: number[],
  ) {}

  clone(): StateData {
    return this;
  }
}

/** Upstream topologyNormalizingWeight: smaller topologies weigh less, so that hostname does not drown zones. */
export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

/** Upstream scoreForCount: maxSkew-1 is added so that small skews matter less. */
export function scoreForCount(cnt: number, maxSkew: number, weight: number): number {
  return cnt * weight + (maxSkew - 1);
}

export class PodTopologySpread implements PreFilterPlugin, PreFilterExtensions, FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions {
  readonly name = Names.PodTopologySpread;
  private readonly defaults: readonly Obj[];
  private readonly systemDefaulted: boolean;
  private readonly missingLabel = Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH).withPlugin(Names.PodTopologySpread);
  private readonly notMatch = Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH).withPlugin(Names.PodTopologySpread);
  /** Eligible domains per constraint shape, least recently used first. */
  private readonly shapes = new Map<string, DomainMemo>();

  constructor(
    private readonly handle: Pick<Handle, 'cluster' | 'snapshotSharedLister'>,
    args: PodTopologySpreadArgs = {},
  ) {
    this.systemDefaulted = (args.defaultingType ?? 'System') === 'System';
    this.defaults = (this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? [])) as readonly Obj[];
  }

  /** The pod's constraints with this action, or the default ones when it has none at all. */
  constraintsFor(pod: PodInfo, action: Action): SpreadConstraint[] {
    const own = pod.pod.spec?.topologySpreadConstraints;
    if (Array.isArray(own) && own.length > 0) return filterConstraints(own, pod.labels, action);
    if (this.defaults.length === 0) return [];
    const constraints = filterConstraints(this.defaults, pod.labels, action);
    if (constraints.length === 0) return constraints;
    const selector = defaultSelector(pod.pod, this.handle.cluster);
    if (selector.length === 0) return [];
    for (const c of constraints) c.selector = selector;
    return constraints;
  }

  // ---- PreFilter / Filter ----

  private domainMemo(constraints: readonly SpreadConstraint[], pod: PodInfo): DomainMemo {
    const key = shapeKey(constraints, pod);
    let m = this.shapes.get(key);
    if (m) this.shapes.delete(key);
    else {
      m = new DomainMemo(constraints, pod);
      if (this.shapes.size >= MAX_SHAPES) this.shapes.delete(this.shapes.keys().next().value!);
    }
    // Most recently used last, so that the first key is the one to evict.
    this.shapes.set(key, m);
    return m;
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Result {
    const constraints = this.constraintsFor(pod, 'DoNotSchedule');
    if (constraints.length === 0) return Status.skip();
    const memo = this.domainMemo(constraints, pod);
    memo.memo.refresh(nodes);
    const index = podIndexFor(this.handle.snapshotSharedLister());
    index.refresh(nodes);
    const counts = constraints.map((c) => {
      const m = new Map<string, number>();
      const sel = c.selector;
      // An empty or missing selector counts no existing pod.
      if (sel === null || sel.length === 0) return m;
      const key = c.topologyKey;
      const cands = index.candidates(sel);
      if (cands) {
        for (const set of cands) {
          for (const ip of set) {
            const p = ip.pod;
            if (p.namespace !== pod.namespace || p.pod.metadata?.deletionTimestamp || !matchesLabels(sel, p.labels)) continue;
            const node = ip.node;
            if (!nodeHasAllKeys(node.labels, constraints) || !includesNode(c, pod, node)) continue;
            const v = node.labels[key]!;
            m.set(v, (m.get(v) ?? 0) + 1);
          }
        }
        return m;
      }
      for (const node of nodes) {
        if (!node.node || !nodeHasAllKeys(node.labels, constraints) || !includesNode(c, pod, node)) continue;
        const n = countPodsMatchSelector(node.pods, sel, pod.namespace);
        if (n > 0) m.set(node.labels[key]!, (m.get(node.labels[key]!) ?? 0) + n);
      }
      return m;
    });
    const domainCount = memo.domains.map((d) => d.size);
    const minMatch: number[] = [];
    const hists: Map<number, number>[] = [];
    counts.forEach((m, i) => {
      const hist = new Map<number, number>();
      let withPods = 0;
      let min = 2147483647;
      for (const v of m.values()) {
        withPods++;
        hist.set(v, (hist.get(v) ?? 0) + 1);
        if (v < min) min = v;
      }
      const empty = domainCount[i]! - withPods;
      if (empty > 0) {
        hist.set(0, empty);
        min = 0;
      }
      minMatch.push(min);
      hists.push(hist);
    });
    const selfMatch = constraints.map((c) => (selectorMatches(c.selector, pod.labels) ? 1 : 0) as 0 | 1);
    state.write(PRE_FILTER_KEY, new PreFilterState(constraints, selfMatch, domainCount, counts, minMatch, hists));
    return null;
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Result {
    return this.updateWithPod(state, podInfoToAdd, podToSchedule, nodeInfo, 1);
  }

  removePod(state: CycleState, podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Result {
    return this.updateWithPod(state, podInfoToRemove, podToSchedule, nodeInfo, -1);
  }

  private updateWithPod(state: CycleState, updated: PodInfo, preemptor: PodInfo, node: NodeInfo, delta: 1 | -1): Result {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s) return Status.error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`);
    if (updated.namespace !== preemptor.namespace || !node.node) return null;
    if (!nodeHasAllKeys(node.labels, s.constraints)) return null;
    s.constraints.forEach((c, i) => {
      if (!selectorMatches(c.selector, updated.labels) || !includesNode(c, preemptor, node)) return;
      const v = node.labels[c.topologyKey]!;
      const old = s.counts[i]!.get(v) ?? 0;
      s.counts[i]!.set(v, old + delta);
      s.move(i, old, old + delta);
    });
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): Result {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s) return Status.error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`);
    const cs = s.constraints;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      const value = nodeInfo.labels[c.topologyKey];
      if (value === undefined) return this.missingLabel;
      const skew = (s.counts[i]!.get(value) ?? 0) + s.selfMatch[i]! - s.globalMin(i);
      if (skew > c.maxSkew) return this.notMatch;
    }
    return null;
  }

  // ---- PreScore / Score ----

  preScore(state: CycleState, pod: PodInfo, filteredNodes: readonly NodeInfo[]): Result {
    const allNodes = this.handle.snapshotSharedLister().list();
    if (allNodes.length === 0) return Status.skip();
    const constraints = this.constraintsFor(pod, 'ScheduleAnyway');
    if (constraints.length === 0) return Status.skip();
    // Only the system defaults tolerate nodes without a zone label (hostname spreading still applies).
    const requireAll = (Array.isArray(pod.pod.spec?.topologySpreadConstraints) && pod.pod.spec.topologySpreadConstraints.length > 0) || !this.systemDefaulted;
    const ignored = new Set<string>();
    const counts: (Map<string, number> | undefined)[] = constraints.map((c) => (c.topologyKey === LABEL_HOSTNAME ? undefined : new Map<string, number>()));
    for (const node of filteredNodes) {
      if (requireAll && !nodeHasAllKeys(node.labels, constraints)) {
        ignored.add(node.name);
        continue;
      }
      constraints.forEach((c, i) => {
        const m = counts[i];
        const value = node.labels[c.topologyKey] ?? '';
        if (m && !m.has(value)) m.set(value, 0);
      });
    }
    const weights = constraints.map((c, i) =>
      topologyNormalizingWeight(c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignored.size : counts[i]!.size),
    );
    const index = podIndexFor(this.handle.snapshotSharedLister());
    index.refresh(allNodes);
    constraints.forEach((c, i) => {
      const m = counts[i];
      const sel = c.selector;
      if (!m || sel === null || sel.length === 0) return;
      // Domains without a candidate node need no count, hence `m.get` before adding.
      const cands = index.candidates(sel);
      if (cands) {
        for (const set of cands) {
          for (const ip of set) {
            const p = ip.pod;
            if (p.namespace !== pod.namespace || p.pod.metadata?.deletionTimestamp || !matchesLabels(sel, p.labels)) continue;
            const node = ip.node;
            if ((requireAll && !nodeHasAllKeys(node.labels, constraints)) || !includesNode(c, pod, node)) continue;
            const value = node.labels[c.topologyKey] ?? '';
            const cur = m.get(value);
            if (cur !== undefined) m.set(value, cur + 1);
          }
        }
        return;
      }
      for (const node of allNodes) {
        if (!node.node || (requireAll && !nodeHasAllKeys(node.labels, constraints)) || !includesNode(c, pod, node)) continue;
        const value = node.labels[c.topologyKey] ?? '';
        const cur = m.get(value);
        if (cur !== undefined) m.set(value, cur + countPodsMatchSelector(node.pods, sel, pod.namespace));
      }
    });
    state.write(PRE_SCORE_KEY, new PreScoreState(constraints, ignored, counts, weights));
    return null;
  }

  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return Status.error(`error reading "${PRE_SCORE_KEY}" from cycleState: not found`);
    if (s.ignoredNodes.has(nodeInfo.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const value = nodeInfo.labels[c.topologyKey];
      if (value === undefined) return;
      const m = s.counts[i];
      const cnt = m ? (m.get(value) ?? 0) : countPodsMatchSelector(nodeInfo.pods, c.selector, pod.namespace);
      score += scoreForCount(cnt, c.maxSkew, s.weights[i]!);
    });
    return Math.round(score);
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  /** Fewer matching pods is better: min maps to 100, and ignored nodes get 0. */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: Float64Array, nodes: readonly NodeInfo[]): Result {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return Status.error(`error reading "${PRE_SCORE_KEY}" from cycleState: not found`);
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (s.ignoredNodes.has(nodes[i]!.name)) continue;
      const v = scores[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    for (let i = 0; i < scores.length; i++) {
      if (s.ignoredNodes.has(nodes[i]!.name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    }
    return null;
  }

  // ---- queueing hints ----

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.UpdatePodToleration | ActionType.Delete },
        hint: (pod, oldObj, newObj) => this.afterPodChange(pod, oldObj, newObj),
      },
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
        hint: (pod, oldObj, newObj) => this.afterNodeChange(pod, oldObj, newObj),
      },
    ];
  }

  private afterPodChange(pod: PodInfo, oldPod: Obj | undefined, newPod: Obj | undefined): 0 | 1 {
    // Only the pod itself, or scheduled pods of its namespace, take part in its spreading.
    const involved = (p: Obj) => p.metadata?.uid === pod.uid || (!!p.spec?.nodeName && p.metadata?.namespace === pod.namespace);
    if ((newPod && !involved(newPod)) || (oldPod && !involved(oldPod))) return QueueingHint.QueueSkip;
    const constraints = this.constraintsFor(pod, 'DoNotSchedule');
    const labelsOf = (p: Obj) => (p.metadata?.labels ?? {}) as Record<string, string>;
    const anyMatch = (p: Obj) => constraints.some((c) => selectorMatches(c.selector, labelsOf(p)));
    if (newPod && oldPod) {
      if (pod.uid === newPod.metadata?.uid && JSON.stringify(newPod.spec?.tolerations ?? null) !== JSON.stringify(oldPod.spec?.tolerations ?? null)) {
        if (constraints.some((c) => c.nodeTaintsPolicy === 'Honor')) return QueueingHint.Queue;
      }
      for (const c of constraints) {
        if (selectorMatches(c.selector, labelsOf(oldPod)) !== selectorMatches(c.selector, labelsOf(newPod))) return QueueingHint.Queue;
      }
      return QueueingHint.QueueSkip;
    }
    const p = newPod ?? oldPod;
    return p && anyMatch(p) ? QueueingHint.Queue : QueueingHint.QueueSkip;
  }

  private afterNodeChange(pod: PodInfo, oldNode: Obj | undefined, newNode: Obj | undefined): 0 | 1 {
    const constraints = this.constraintsFor(pod, 'DoNotSchedule');
    const labelsOf = (n: Obj) => (n.metadata?.labels ?? {}) as Record<string, string>;
    const oldMatching = oldNode ? nodeHasAllKeys(labelsOf(oldNode), constraints) : false;
    const newMatching = newNode ? nodeHasAllKeys(labelsOf(newNode), constraints) : false;
    if (oldNode && newNode) {
      if (oldMatching !== newMatching) return QueueingHint.Queue;
      if (!newMatching) return QueueingHint.QueueSkip;
      const keyChanged = constraints.some((c) => labelsOf(oldNode)[c.topologyKey] !== labelsOf(newNode)[c.topologyKey]);
      const taintsChanged = JSON.stringify(oldNode.spec?.taints ?? null) !== JSON.stringify(newNode.spec?.taints ?? null);
      return keyChanged || taintsChanged ? QueueingHint.Queue : QueueingHint.QueueSkip;
    }
    if (newNode) return newMatching ? QueueingHint.Queue : QueueingHint.QueueSkip;
    return oldMatching ? QueueingHint.Queue : QueueingHint.QueueSkip;
  }
}

