// An explanation as it travels with the pod: a compact JSON summary in the annotation
// `scheduling.kubelite.dev/explanation` (so `kubectl get pod -o yaml` and `kubelite explain pod`
// can read it from any process), and its rendering as text tables.
import type { Explanation } from './explanation.ts';

export const EXPLANATION_ANNOTATION = 'scheduling.kubelite.dev/explanation';
/** Nodes listed with their filter results and scores; the rest are summed up. */
export const EXPLANATION_LIMITS = { filterNodes: 50, scoredNodes: 10 } as const;

export interface CompactExplanation {
  v: 1;
  pod: string;
  attempt: number;
  time: string;
  profile: string;
  outcome: string;
  node?: string;
  message?: string;
  nominatedNode?: string;
  nodes: number;
  filterPlugins: string[];
  /** Evaluated nodes: per plugin, '' for success or the reasons; at most MAX_FILTER_NODES. */
  filters: { node: string; feasible: boolean; results: string[] }[];
  evaluated: number;
  feasible: number;
  excluded?: { count: number; reasons: string[] };
  scorePlugins: { plugin: string; weight: number }[];
  /** The best-scored nodes, highest total first. */
  scores: { node: string; scores: number[]; total: number }[];
}

export function compactExplanation(e: Explanation): CompactExplanation {
  const filterPlugins = e.filters[0]?.plugins.map((p) => p.plugin) ?? [];
  const scorePlugins = e.scores[0]?.plugins.map((p) => ({ plugin: p.plugin, weight: p.weight })) ?? [];
  const result = (code: string, reasons: string[]) => (code === 'Success' ? '' : code === 'Skip' || code === 'NotRun' ? `(${code})` : reasons.join('; ') || code);
  return {
    v: 1,
    pod: e.pod,
    attempt: e.attempt,
    time: new Date(e.time).toISOString(),
    profile: e.profile,
    outcome: e.outcome,
    ...(e.selectedNode ? { node: e.selectedNode } : {}),
    ...(e.message ? { message: e.message } : {}),
    ...(e.nominatedNode ? { nominatedNode: e.nominatedNode } : {}),
    nodes: e.numAllNodes,
    filterPlugins,
    filters: e.filters.slice(0, EXPLANATION_LIMITS.filterNodes).map((f) => ({ node: f.node, feasible: f.feasible, results: f.plugins.map((p) => result(p.code, p.reasons)) })),
    evaluated: e.evaluatedCount,
    feasible: e.feasibleCount,
    ...(e.excludedNodes ? { excluded: e.excludedNodes } : {}),
    scorePlugins,
    scores: [...e.scores]
      .sort((a, b) => b.total - a.total || (a.node < b.node ? -1 : 1))
      .slice(0, EXPLANATION_LIMITS.scoredNodes)
      .map((s) => ({ node: s.node, scores: s.plugins.map((p) => p.score), total: s.total })),
  };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** What `kubelite explain pod NAME` prints. */
export function renderExplanation(c: CompactExplanation): string {
  const out: string[] = [];
  out.push(`Pod:      ${c.pod}`);
  out.push(`Attempt:  ${c.attempt} at ${c.time} (profile ${c.profile})`);
  out.push(`Result:   ${c.outcome}${c.node ? ` on ${c.node}` : ''}${c.nominatedNode ? ` (nominated ${c.nominatedNode})` : ''}`);
  if (c.message) out.push(`Message:  ${c.message}`);
  out.push('');
  out.push(`Filters: ${c.evaluated} of ${c.nodes} nodes evaluated, ${c.feasible} feasible${c.excluded ? `; ${c.excluded.count} excluded before filtering (${c.excluded.reasons.join('; ')})` : ''}`);
  if (c.filters.length > 0) {
    out.push(
      table(
        ['NODE', ...c.filterPlugins.map((p) => p.toUpperCase()), 'RESULT'],
        c.filters.map((f) => [f.node, ...f.results.map((r) => r || 'ok'), f.feasible ? 'feasible' : 'rejected']),
      ),
    );
    if (c.evaluated > c.filters.length) out.push(`... and ${c.evaluated - c.filters.length} more nodes`);
  }
  if (c.scores.length > 0) {
    out.push('');
    out.push(`Scores (weight in brackets; total = sum of score x weight), best ${c.scores.length}:`);
    out.push(
      table(
        ['NODE', ...c.scorePlugins.map((p) => `${p.plugin.toUpperCase()}(${p.weight})`), 'TOTAL'],
        c.scores.map((s) => [s.node, ...s.scores.map(String), String(s.total)]),
      ),
    );
  }
  return out.join('\n') + '\n';
}
