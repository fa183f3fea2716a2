// TaintToleration: filters out nodes with a NoSchedule/NoExecute taint the pod does not
// tolerate, and prefers nodes with fewer untolerated PreferNoSchedule taints.

import type { Obj } from '../../apiserver/rest.ts';
import type { CycleState, StateData } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import {
  MAX_NODE_SCORE,
  defaultNormalizeScore,
  findUntoleratedTaint,
  isNoScheduleOrNoExecute,
  parseTaints,
  tolerationsTolerateTaint,
  type Toleration,
} from '../framework/helpers.ts';
import type { EnqueueExtensions, FilterPlugin, Handle, PreScorePlugin, ScoreExtensions, ScorePlugin } from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';
import { Names } from './names.ts';

export const ERR_REASON_REDACTED = 'node(s) had untolerated taint(s)';
const SCORE_KEY = `PreScore${Names.TaintToleration}`;

class PreferState implements StateData {
  constructor(readonly tolerations: readonly Toleration[]) {}
  clone(): StateData {
    return this;
  }
}

/** The filter's reason for a node with an untolerated taint. */
export function untoleratedTaintReason(key: string, value: string): string {
  return `node(s) had untolerated taint {${key}: ${value}}`;
}

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions {
  readonly name = Names.TaintToleration;
  private readonly redact: boolean;
  private readonly reasons = new Map<string, Status>();

  constructor(handle?: Pick<Handle, 'features'>) {
    this.redact = handle?.features.redactTaintValues ?? false;
  }

  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result {
    if (nodeInfo.noScheduleTaints.length === 0) return null;
    const taint = findUntoleratedTaint(nodeInfo.noScheduleTaints, pod.tolerations);
    if (!taint) return null;
    const reason = this.redact ? ERR_REASON_REDACTED : untoleratedTaintReason(taint.key, taint.value);
    // Statuses are shared per reason: thousands of tainted nodes need not mean thousands of objects.
    let s = this.reasons.get(reason);
    if (!s) {
      if (this.reasons.size > 1024) this.reasons.clear();
      this.reasons.set(reason, (s = Status.unresolvable(reason).withPlugin(this.name)));
    }
    return s;
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    // A toleration without an effect covers every effect, PreferNoSchedule included.
    const tolerations = pod.tolerations.filter((t) => t.effect === '' || t.effect === 'PreferNoSchedule');
    state.write(SCORE_KEY, new PreferState(tolerations));
    return null;
  }

  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const tolerations = state.read<PreferState>(SCORE_KEY)?.tolerations ?? pod.tolerations;
    let n = 0;
    for (const taint of nodeInfo.preferNoScheduleTaints) if (!tolerationsTolerateTaint(tolerations, taint)) n++;
    return n;
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array): Result {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint },
        hint: (pod: PodInfo, oldNode: Obj | undefined, newNode: Obj | undefined) => {
          const untolerated = (n: Obj) => findUntoleratedTaint(parseTaints(n.spec?.taints).filter(isNoScheduleOrNoExecute), pod.tolerations) !== undefined;
          const was = oldNode ? untolerated(oldNode) : true;
          const is = newNode ? untolerated(newNode) : true;
          return was && !is ? QueueingHint.Queue : QueueingHint.QueueSkip;
        },
      },
      {
        event: { resource: 'Pod', actionType: ActionType.UpdatePodToleration },
        hint: (pod, _old, updated) => (updated?.metadata?.uid === pod.uid ? QueueingHint.Queue : QueueingHint.QueueSkip),
      },
    ];
  }
}
