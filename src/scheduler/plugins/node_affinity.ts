// NodeAffinity: spec.nodeSelector and required node affinity filter nodes; preferred node
// affinity terms score them. The `addedAffinity` arg applies extra terms to every pod of the
// profile (the "scheduler-enforced" affinity).

import type { Obj } from '../../apiserver/rest.ts';
import type { CycleState, StateData } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import { MAX_NODE_SCORE, NodeSelector, PreferredSchedulingTerms, RequiredNodeAffinity, defaultNormalizeScore } from '../framework/helpers.ts';
import {
  PreFilterResult,
  type EnqueueExtensions,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScoreExtensions,
  type ScorePlugin,
} from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';
import { Names } from './names.ts';

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';
const SCORE_KEY = `PreScore${Names.NodeAffinity}`;

class PreferredState implements StateData {
  constructor(readonly terms: PreferredSchedulingTerms | undefined) {}
  clone(): StateData {
    return this;
  }
}

export interface NodeAffinityArgs {
  addedAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: Obj;
    preferredDuringSchedulingIgnoredDuringExecution?: Obj[];
  };
}

function nodeNamesOf(pod: PodInfo): Set<string> | undefined | 'conflict' {
  const terms: Obj[] | undefined = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!Array.isArray(terms) || terms.length === 0) return undefined;
  let names: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const f of (t?.matchFields ?? []) as Obj[]) {
      if (f?.key !== 'metadata.name' || f.operator !== 'In') continue;
      const s = new Set<string>(((f.values ?? []) as unknown[]).map(String));
      termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
    }
    // Terms are ORed: one term without a name restriction allows every node.
    if (!termNames) return undefined;
    names = names ? new Set([...names, ...termNames]) : termNames;
  }
  return names && names.size === 0 ? 'conflict' : names;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions {
  readonly name = Names.NodeAffinity;
  private readonly addedNodeSelector: NodeSelector | undefined;
  private readonly addedPrefTerms: PreferredSchedulingTerms | undefined;
  private readonly rejectedPod = Status.unresolvable(ERR_REASON_POD).withPlugin(Names.NodeAffinity);
  private readonly rejectedEnforced = Status.unresolvable(ERR_REASON_ENFORCED).withPlugin(Names.NodeAffinity);

  constructor(args: NodeAffinityArgs = {}) {
    const added = args.addedAffinity;
    if (added?.requiredDuringSchedulingIgnoredDuringExecution) this.addedNodeSelector = new NodeSelector(added.requiredDuringSchedulingIgnoredDuringExecution);
    const pref = added?.preferredDuringSchedulingIgnoredDuringExecution;
    if (Array.isArray(pref) && pref.length > 0) this.addedPrefTerms = new PreferredSchedulingTerms(pref);
  }

  preFilter(_state: CycleState, pod: PodInfo): Result | PreFilterResult {
    const req = pod.requiredNodeAffinity;
    if (req.isEmpty && !this.addedNodeSelector) return Status.skip();
    const names = nodeNamesOf(pod);
    if (names === 'conflict') return Status.unresolvable(ERR_REASON_CONFLICT);
    if (names) return new PreFilterResult(names);
    return null;
  }

  preFilterExtensions(): undefined {
    return undefined;
  }

  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result {
    if (this.addedNodeSelector && !this.addedNodeSelector.match(nodeInfo.labels, nodeInfo.name)) return this.rejectedEnforced;
    return pod.requiredNodeAffinity.match(nodeInfo.labels, nodeInfo.name) ? null : this.rejectedPod;
  }

  private preferredOf(pod: PodInfo): PreferredSchedulingTerms | undefined {
    const pref = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    return pref ? new PreferredSchedulingTerms(pref) : undefined;
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    const terms = this.preferredOf(pod);
    if (!terms && !this.addedPrefTerms) return Status.skip();
    state.write(SCORE_KEY, new PreferredState(terms));
    return null;
  }

  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    let n = this.addedPrefTerms ? this.addedPrefTerms.score(nodeInfo.labels, nodeInfo.name) : 0;
    const s = state.read<PreferredState>(SCORE_KEY);
    const terms = s ? s.terms : this.preferredOf(pod);
    if (terms) n += terms.score(nodeInfo.labels, nodeInfo.name);
    return n;
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array): Result {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel },
        hint: (pod: PodInfo, oldNode: Obj | undefined, newNode: Obj | undefined) => {
          if (!newNode) return QueueingHint.Queue;
          const labels = (n: Obj) => (n.metadata?.labels ?? {}) as Record<string, string>;
          const name = newNode.metadata?.name ?? '';
          if (this.addedNodeSelector && !this.addedNodeSelector.match(labels(newNode), name)) return QueueingHint.QueueSkip;
          const req = new RequiredNodeAffinity(pod.pod);
          if (!req.match(labels(newNode), name)) return QueueingHint.QueueSkip;
          if (!oldNode) return QueueingHint.Queue;
          return req.match(labels(oldNode), oldNode.metadata?.name ?? '') ? QueueingHint.QueueSkip : QueueingHint.Queue;
        },
      },
    ];
  }
}
