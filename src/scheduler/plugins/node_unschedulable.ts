// NodeUnschedulable: nodes with spec.unschedulable (cordoned) only take pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint.

import type { Obj } from '../../apiserver/rest.ts';
import type { CycleState } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import { tolerationsTolerateTaint, type Taint } from '../framework/helpers.ts';
import type { EnqueueExtensions, FilterPlugin } from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';
import { Names } from './names.ts';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' };

export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = Names.NodeUnschedulable;
  private readonly rejected = Status.unresolvable(ERR_REASON_UNSCHEDULABLE).withPlugin(Names.NodeUnschedulable);

  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result {
    if (!nodeInfo.unschedulable) return null;
    return tolerationsTolerateTaint(pod.tolerations, UNSCHEDULABLE_TAINT) ? null : this.rejected;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint },
        hint: (_pod, oldNode: Obj | undefined, newNode: Obj | undefined) => {
          const wasSchedulable = oldNode ? !oldNode.spec?.unschedulable : false;
          const isSchedulable = !newNode?.spec?.unschedulable;
          return !wasSchedulable && isSchedulable ? QueueingHint.Queue : QueueingHint.QueueSkip;
        },
      },
      {
        event: { resource: 'Pod', actionType: ActionType.UpdatePodToleration },
        hint: (pod, _old, updated) => (updated?.metadata?.uid === pod.uid ? QueueingHint.Queue : QueueingHint.QueueSkip),
      },
    ];
  }
}
