// SchedulingGates: a pod with spec.schedulingGates stays out of activeQ until they are all
// removed; only that pod's own update can release it.

import type { Obj } from '../../apiserver/rest.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import type { EnqueueExtensions, PreEnqueuePlugin } from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import type { PodInfo } from '../framework/types.ts';
import { Names } from './names.ts';

export class SchedulingGates implements PreEnqueuePlugin, EnqueueExtensions {
  readonly name = Names.SchedulingGates;

  preEnqueue(pod: PodInfo): Result {
    if (pod.schedulingGates.length === 0) return null;
    // Go prints a []string as [a b].
    return Status.unresolvable(`waiting for scheduling gates: [${pod.schedulingGates.join(' ')}]`);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actionType: ActionType.UpdatePodSchedulingGatesEliminated },
        hint: (pod: PodInfo, _old: Obj | undefined, updated: Obj | undefined) =>
          updated?.metadata?.uid === pod.uid ? QueueingHint.Queue : QueueingHint.QueueSkip,
      },
    ];
  }
}
