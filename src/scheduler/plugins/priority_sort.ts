// PrioritySort: higher priority first, then the pod that has waited longest.

import type { QueueSortPlugin, QueuedPodInfo } from '../framework/interfaces.ts';
import { Names } from './names.ts';

export class PrioritySort implements QueueSortPlugin {
  readonly name = Names.PrioritySort;

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const p1 = a.podInfo.priority;
    const p2 = b.podInfo.priority;
    return p1 > p2 || (p1 === p2 && a.timestamp < b.timestamp);
  }
}
