// ImageLocality: prefers nodes that already have the pod's images, weighted by image size and
// by how widely the image is spread (an image on every node says little about this one).

import type { CycleState } from '../framework/cycle_state.ts';
import { MAX_NODE_SCORE } from '../framework/helpers.ts';
import type { Handle, ScorePlugin } from '../framework/interfaces.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';
import { Names } from './names.ts';

const MB = 1024 * 1024;
/** Below this much image data a node gets no credit (upstream: 23MB). */
export const MIN_THRESHOLD = 23 * MB;
/** Per container, above this much the score is capped (upstream: 1000MB). */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  let s = sumScores;
  if (s < MIN_THRESHOLD) s = MIN_THRESHOLD;
  else if (s > maxThreshold) s = maxThreshold;
  return Math.floor((MAX_NODE_SCORE * (s - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

export class ImageLocality implements ScorePlugin {
  readonly name = Names.ImageLocality;

  constructor(private readonly handle?: Pick<Handle, 'snapshotSharedLister'>) {}

  score(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const total = this.handle?.snapshotSharedLister().numNodes() ?? 1;
    let sum = 0;
    for (const image of pod.images) {
      const st = nodeInfo.imageStates.get(image);
      if (st) sum += Math.trunc(st.size * (st.nodes.size / total));
    }
    const containers = (pod.pod.spec?.containers?.length ?? 0) + (pod.pod.spec?.initContainers?.length ?? 0);
    return calculatePriority(sum, containers);
  }
}
