// NodeName: a pod with spec.nodeName set only fits that node.

import type { CycleState } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import type { EnqueueExtensions, FilterPlugin } from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';
import { Names } from './names.ts';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = Names.NodeName;
  private readonly rejected = Status.unresolvable(ERR_REASON_NODE_NAME).withPlugin(Names.NodeName);

  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result {
    const want = pod.pod.spec?.nodeName;
    return !want || want === nodeInfo.name ? null : this.rejected;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add },
        hint: (pod, _old, node) => {
          const want = pod.pod.spec?.nodeName;
          return !want || want === node?.metadata?.name ? QueueingHint.Queue : QueueingHint.QueueSkip;
        },
      },
    ];
  }
}
