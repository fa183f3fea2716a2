// Why a pod went where it went, or nowhere: for each scheduling attempt, every filter plugin's
// result on every evaluated node and every score plugin's score with its weight. Recording is
// on the hot path, so an attempt is kept compactly (node names, statuses only for rejected
// nodes, scores as bytes) and expanded into a readable Explanation only when asked for. The
// last attempt of each pod is kept, up to a bound, oldest first out.

import type { ScoreResult } from './framework/runtime.ts';
import { CODE_NAMES, type Result, type Status } from './framework/status.ts';

export interface PluginStatus {
  plugin: string;
  /** Success, Unschedulable, UnschedulableAndUnresolvable, Error, Skip, ... or NotRun. */
  code: string;
  reasons: string[];
}

export interface NodeFilterResult {
  node: string;
  feasible: boolean;
  /** One entry per filter plugin of the profile, in order. */
  plugins: PluginStatus[];
}

export interface NodeScore {
  node: string;
  plugins: { plugin: string; score: number; weight: number; weighted: number }[];
  total: number;
}

export interface Explanation {
  podUID: string;
  /** namespace/name */
  pod: string;
  profile: string;
  /** Attempt number of the pod (1 for its first). */
  attempt: number;
  /** The scheduler's cycle counter. */
  cycle: number;
  /** Clock time (ms) of the attempt. */
  time: number;
  numAllNodes: number;
  preFilter: PluginStatus[];
  /** Filter plugins skipped for this pod (their PreFilter returned Skip). */
  skippedFilterPlugins: string[];
  /** Nodes in evaluation order (rotating start, stopping once enough feasible nodes were found); the first `limit` of them when one was asked for. */
  filters: NodeFilterResult[];
  /** How many nodes were evaluated, and how many of them were feasible (filters may list fewer). */
  evaluatedCount: number;
  feasibleCount: number;
  /** Nodes PreFilter excluded without evaluation, and why. */
  excludedNodes: { count: number; reasons: string[] } | undefined;
  skippedScorePlugins: string[];
  /** Feasible nodes with their scores (empty when there was a single feasible node); the best `limit`, highest total first, when one was asked for. */
  scores: NodeScore[];
  selectedNode: string | undefined;
  /** Scheduled (assumed, binding), Bound, Unschedulable, Error, BindingFailed. */
  outcome: string;
  /** The FailedScheduling message, for failures. */
  message: string | undefined;
  nominatedNode: string | undefined;
}

interface RejectedNode {
  node: string;
  status: Status;
  /** Per filter plugin (parallel to filterPlugins), when every plugin was run for the explanation. */
  perPlugin: (Result | 'skipped')[] | undefined;
}

function pluginStatus(plugin: string, s: Result | 'skipped' | 'notrun'): PluginStatus {
  if (s === 'skipped') return { plugin, code: 'Skip', reasons: [] };
  if (s === 'notrun') return { plugin, code: 'NotRun', reasons: [] };
  if (s == null) return { plugin, code: 'Success', reasons: [] };
  return { plugin, code: CODE_NAMES[s.code] ?? String(s.code), reasons: s.allReasons() };
}

/** The compact record of one attempt, filled in by the scheduler as the cycle runs. */
export class AttemptRecord {
  numAllNodes = 0;
  preFilter: [string, Result][] = [];
  filterPlugins: readonly string[] = [];
  skippedFilter: ReadonlySet<string> = new Set();
  /** Evaluated nodes in order: a name for a feasible node, a RejectedNode otherwise. */
  readonly evaluated: (string | RejectedNode)[] = [];
  excluded: { count: number; status: Status } | undefined;
  scorePlugins: string[] = [];
  scoreWeights: number[] = [];
  scores: Uint8Array[] = [];
  skippedScore: ReadonlySet<string> = new Set();
  selected: string | undefined;
  outcome = 'Scheduling';
  message: string | undefined;
  nominatedNode: string | undefined;

  constructor(
    readonly podUID: string,
    readonly podKey: string,
    readonly profile: string,
    readonly attempt: number,
    readonly cycle: number,
    readonly time: number,
  ) {}

  feasible(node: string): void {
    this.evaluated.push(node);
  }

  rejected(node: string, status: Status, perPlugin: (Result | 'skipped')[] | undefined): void {
    this.evaluated.push({ node, status, perPlugin });
  }

  setScores(r: ScoreResult): void {
    this.scorePlugins = r.plugins;
    this.scoreWeights = r.weights;
    // Normalized scores are integers in [0, 100]: a byte each keeps thousands of records small.
    this.scores = r.scores.map((s) => Uint8Array.from(s));
  }

  /**
   * The readable form. Limits keep it cheap for large clusters: only the first `filterNodes`
   * evaluated nodes are expanded, and only the `scoredNodes` best-scored feasible ones.
   */
  toExplanation(limits: { filterNodes?: number; scoredNodes?: number } = {}): Explanation {
    const filters: NodeFilterResult[] = [];
    const feasibleNames: string[] = [];
    const maxFilters = limits.filterNodes ?? Infinity;
    for (const e of this.evaluated) {
      if (typeof e === 'string') {
        feasibleNames.push(e);
        if (filters.length >= maxFilters) continue;
        filters.push({
          node: e,
          feasible: true,
          plugins: this.filterPlugins.map((p) => pluginStatus(p, this.skippedFilter.has(p) ? 'skipped' : null)),
        });
        continue;
      }
      if (filters.length >= maxFilters) continue;
      const plugins = this.filterPlugins.map((p, i) => {
        if (e.perPlugin) return pluginStatus(p, e.perPlugin[i] ?? null);
        if (this.skippedFilter.has(p)) return pluginStatus(p, 'skipped');
        // Without the full run, plugins before the rejecting one passed and the rest did not run.
        const at = this.filterPlugins.indexOf(e.status.plugin);
        if (p === e.status.plugin) return pluginStatus(p, e.status);
        return pluginStatus(p, at >= 0 && i > at ? 'notrun' : null);
      });
      if (!this.filterPlugins.includes(e.status.plugin)) plugins.push(pluginStatus(e.status.plugin || '(framework)', e.status));
      filters.push({ node: e.node, feasible: false, plugins });
    }
    let order = feasibleNames.map((_, n) => n);
    if (limits.scoredNodes !== undefined && this.scores.length > 0) {
      const totals = order.map((n) => this.scorePlugins.reduce((t, _p, p) => t + this.scores[p]![n]! * this.scoreWeights[p]!, 0));
      order = order.sort((a, b) => totals[b]! - totals[a]! || (feasibleNames[a]! < feasibleNames[b]! ? -1 : 1)).slice(0, limits.scoredNodes);
    }
    const scores: NodeScore[] =
      this.scores.length === 0
        ? []
        : order.map((n) => {
            let total = 0;
            const plugins = this.scorePlugins.map((plugin, p) => {
              const score = this.scores[p]![n]!;
              const weight = this.scoreWeights[p]!;
              total += score * weight;
              return { plugin, score, weight, weighted: score * weight };
            });
            return { node: feasibleNames[n]!, plugins, total };
          });
    return {
      podUID: this.podUID,
      pod: this.podKey,
      profile: this.profile,
      attempt: this.attempt,
      cycle: this.cycle,
      time: this.time,
      numAllNodes: this.numAllNodes,
      preFilter: this.preFilter.map(([p, s]) => pluginStatus(p, s)),
      skippedFilterPlugins: [...this.skippedFilter],
      filters,
      evaluatedCount: this.evaluated.length,
      feasibleCount: feasibleNames.length,
      excludedNodes: this.excluded ? { count: this.excluded.count, reasons: this.excluded.status.allReasons() } : undefined,
      skippedScorePlugins: [...this.skippedScore],
      scores,
      selectedNode: this.selected,
      outcome: this.outcome,
      message: this.message,
      nominatedNode: this.nominatedNode,
    };
  }
}

/** The last attempt per pod UID, bounded: the pod least recently attempted is dropped first. */
export class ExplanationStore {
  private readonly records = new Map<string, AttemptRecord>();

  constructor(readonly maxPods = 10_000) {}

  put(r: AttemptRecord): void {
    this.records.delete(r.podUID);
    this.records.set(r.podUID, r);
    while (this.records.size > this.maxPods) {
      const oldest = this.records.keys().next().value as string;
      this.records.delete(oldest);
    }
  }

  get(uid: string, limits?: { filterNodes?: number; scoredNodes?: number }): Explanation | undefined {
    return this.records.get(uid)?.toExplanation(limits);
  }

  record(uid: string): AttemptRecord | undefined {
    return this.records.get(uid);
  }

  delete(uid: string): void {
    this.records.delete(uid);
  }

  get size(): number {
    return this.records.size;
  }
}
