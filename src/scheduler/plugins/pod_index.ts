// Indexes over the pods of a snapshot, kept across scheduling cycles, for the plugins that match
// label selectors against every pod in the cluster (InterPodAffinity, PodTopologySpread).
//
// A selector with an equality (or `in`) requirement can only match pods carrying one of those
// label values, so the pods are indexed by label; existing pods' required anti-affinity terms
// are indexed by such a requirement of their own selector, so that an incoming pod only meets
// the terms that could select it. Selectors without such a requirement fall back to a walk.
//
// The index follows the snapshot by node generation (NodeInfo.generation moves on every change
// of a node or its pods): a refresh compares the generations of the node list and re-indexes
// only the nodes that changed, about one per cycle. A different node list (nodes added or
// removed) rebuilds it. Whatever the index answers is what a walk over `nodes` would find.

import type { LabelSelector } from '../../api/selectors.ts';
import type { AffinityTerm } from '../framework/helpers.ts';
import type { SharedLister } from '../framework/interfaces.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';

export interface IndexedPod {
  readonly pod: PodInfo;
  readonly node: NodeInfo;
}

/** A required anti-affinity term of a pod on a node. */
export interface IndexedTerm {
  readonly term: AffinityTerm;
  readonly owner: PodInfo;
  readonly node: NodeInfo;
}

const SEP = '\u0000';

function labelKey(key: string, value: string): string {
  return key + SEP + value;
}

/**
 * The label keys one of which a pod must carry to match the selector (from its first equality,
 * else its first `in` requirement); undefined when the selector has neither.
 */
export function pivotKeys(sel: LabelSelector): string[] | undefined {
  for (const r of sel) if (r.op === '=') return [labelKey(r.key, r.values[0])];
  for (const r of sel) if (r.op === 'in') return [...new Set(r.values)].map((v) => labelKey(r.key, v));
  return undefined;
}

interface NodeRecord {
  node: NodeInfo;
  generation: number;
  pods: IndexedPod[];
  podKeys: string[][];
  terms: IndexedTerm[];
  termKeys: (string[] | undefined)[];
}

function addTo<T>(m: Map<string, Set<T>>, key: string, v: T): void {
  let s = m.get(key);
  if (!s) m.set(key, (s = new Set()));
  s.add(v);
}

function removeFrom<T>(m: Map<string, Set<T>>, key: string, v: T): void {
  const s = m.get(key);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(key);
}

export class PodIndex {
  private list: readonly NodeInfo[] | undefined;
  private records: NodeRecord[] = [];
  private readonly byLabel = new Map<string, Set<IndexedPod>>();
  private readonly antiByPivot = new Map<string, Set<IndexedTerm>>();
  private readonly antiUnpivoted = new Set<IndexedTerm>();
  /** Pods with required affinity or preferred (anti-)affinity terms: those that score others. */
  readonly scoringPods = new Set<IndexedPod>();

  /** Brings the index to the state of `nodes` (the snapshot's node list). */
  refresh(nodes: readonly NodeInfo[]): void {
    if (nodes !== this.list || nodes.length !== this.records.length) {
      this.clear();
      this.list = nodes;
      for (const ni of nodes) this.records.push(this.indexNode(ni));
      return;
    }
    const recs = this.records;
    for (let i = 0; i < nodes.length; i++) {
      const ni = nodes[i]!;
      const r = recs[i]!;
      if (r.node === ni && r.generation === ni.generation) continue;
      this.unindex(r);
      recs[i] = this.indexNode(ni);
    }
  }

  private clear(): void {
    this.records = [];
    this.byLabel.clear();
    this.antiByPivot.clear();
    this.antiUnpivoted.clear();
    this.scoringPods.clear();
  }

  private indexNode(ni: NodeInfo): NodeRecord {
    const rec: NodeRecord = { node: ni, generation: ni.generation, pods: [], podKeys: [], terms: [], termKeys: [] };
    // A node-less NodeInfo is not in a snapshot's list; nothing on it may count.
    if (!ni.node) return rec;
    for (const p of ni.pods) {
      const ip: IndexedPod = { pod: p, node: ni };
      const keys = Object.entries(p.labels).map(([k, v]) => labelKey(k, v));
      rec.pods.push(ip);
      rec.podKeys.push(keys);
      for (const k of keys) addTo(this.byLabel, k, ip);
      if (p.requiredAffinityTerms.length > 0 || p.preferredAffinityTerms.length > 0 || p.preferredAntiAffinityTerms.length > 0) this.scoringPods.add(ip);
      for (const t of p.requiredAntiAffinityTerms) {
        // A term without a selector selects no pod.
        if (t.selector === null) continue;
        const it: IndexedTerm = { term: t, owner: p, node: ni };
        const tk = pivotKeys(t.selector);
        rec.terms.push(it);
        rec.termKeys.push(tk);
        if (tk) for (const k of tk) addTo(this.antiByPivot, k, it);
        else this.antiUnpivoted.add(it);
      }
    }
    return rec;
  }

  private unindex(rec: NodeRecord): void {
    rec.pods.forEach((ip, i) => {
      for (const k of rec.podKeys[i]!) removeFrom(this.byLabel, k, ip);
      this.scoringPods.delete(ip);
    });
    rec.terms.forEach((it, i) => {
      const tk = rec.termKeys[i];
      if (tk) for (const k of tk) removeFrom(this.antiByPivot, k, it);
      else this.antiUnpivoted.delete(it);
    });
  }

  /**
   * The pods that may match `sel`, as sets to walk (a pod is in at most one of them), or
   * undefined when the selector has no equality or `in` requirement to narrow by.
   */
  candidates(sel: LabelSelector): ReadonlySet<IndexedPod>[] | undefined {
    const keys = pivotKeys(sel);
    if (!keys) return undefined;
    const out: ReadonlySet<IndexedPod>[] = [];
    for (const k of keys) {
      const s = this.byLabel.get(k);
      if (s) out.push(s);
    }
    return out;
  }

  /** Calls fn for every existing required anti-affinity term that may select a pod with these labels. */
  forEachAntiTermFor(labels: Record<string, string>, fn: (t: IndexedTerm) => void): void {
    for (const k of Object.keys(labels)) {
      const s = this.antiByPivot.get(labelKey(k, labels[k]!));
      if (s) for (const t of s) fn(t);
    }
    for (const t of this.antiUnpivoted) fn(t);
  }
}

const indexes = new WeakMap<SharedLister, PodIndex>();

/** The index of a snapshot, shared by the plugins that read that snapshot. */
export function podIndexFor(lister: SharedLister): PodIndex {
  let ix = indexes.get(lister);
  if (!ix) indexes.set(lister, (ix = new PodIndex()));
  return ix;
}

/**
 * Per-node values folded into an aggregate, recomputed only for nodes whose generation moved
 * (upstream's newest releases memoize the same way). `compute` must depend on the node only.
 */
export class NodeMemo<T> {
  private list: readonly NodeInfo[] | undefined;
  private nodes: NodeInfo[] = [];
  private gens: number[] = [];
  private values: T[] = [];

  constructor(
    private readonly compute: (ni: NodeInfo) => T,
    private readonly apply: (value: T, sign: 1 | -1) => void,
  ) {}

  refresh(nodes: readonly NodeInfo[]): void {
    if (nodes !== this.list || nodes.length !== this.nodes.length) {
      for (const v of this.values) this.apply(v, -1);
      this.list = nodes;
      this.nodes = nodes.slice();
      this.gens = nodes.map((n) => n.generation);
      this.values = nodes.map((n) => this.compute(n));
      for (const v of this.values) this.apply(v, 1);
      return;
    }
    for (let i = 0; i < nodes.length; i++) {
      const ni = nodes[i]!;
      if (this.nodes[i] === ni && this.gens[i] === ni.generation) continue;
      this.apply(this.values[i]!, -1);
      const v = this.compute(ni);
      this.apply(v, 1);
      this.nodes[i] = ni;
      this.gens[i] = ni.generation;
      this.values[i] = v;
    }
  }
}
