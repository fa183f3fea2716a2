// NodePorts: a pod asking for host ports fits only nodes where no pod uses the same
// ip/protocol/port (0.0.0.0 overlaps every address).

import type { Obj } from '../../apiserver/rest.ts';
import type { CycleState, StateData } from '../framework/cycle_state.ts';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../framework/events.ts';
import type { EnqueueExtensions, FilterPlugin, PreFilterPlugin } from '../framework/interfaces.ts';
import { Status, type Result } from '../framework/status.ts';
import { PodInfo, type HostPort, type NodeInfo } from '../framework/types.ts';
import { Names } from './names.ts';

export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";
const STATE_KEY = `PreFilter${Names.NodePorts}`;

class PortsState implements StateData {
  constructor(readonly ports: readonly HostPort[]) {}
  clone(): StateData {
    return this;
  }
}

export function fitsPorts(want: readonly HostPort[], nodeInfo: NodeInfo): boolean {
  for (const p of want) if (nodeInfo.usedPorts.checkConflict(p.ip, p.protocol, p.port)) return false;
  return true;
}

export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = Names.NodePorts;
  private readonly rejected = Status.unschedulable(ERR_REASON_NODE_PORTS).withPlugin(Names.NodePorts);

  preFilter(state: CycleState, pod: PodInfo): Result {
    if (pod.hostPorts.length === 0) return Status.skip();
    state.write(STATE_KEY, new PortsState(pod.hostPorts));
    return null;
  }

  preFilterExtensions(): undefined {
    return undefined;
  }

  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Result {
    const ports = state.read<PortsState>(STATE_KEY)?.ports ?? pod.hostPorts;
    return fitsPorts(ports, nodeInfo) ? null : this.rejected;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        // Freed ports help only if the deleted pod held one this pod wants.
        event: { resource: 'Pod', actionType: ActionType.Delete },
        hint: (pod, deleted: Obj | undefined) => {
          if (!deleted?.spec?.nodeName) return QueueingHint.QueueSkip;
          const freed = new PodInfo(deleted).hostPorts;
          for (const w of pod.hostPorts) {
            for (const f of freed) {
              if (w.port === f.port && (w.protocol || 'TCP') === (f.protocol || 'TCP') && (w.ip || '0.0.0.0') === (f.ip || '0.0.0.0')) {
                return QueueingHint.Queue;
              }
            }
          }
          return QueueingHint.QueueSkip;
        },
      },
      { event: { resource: 'Node', actionType: ActionType.Add } },
    ];
  }
}
