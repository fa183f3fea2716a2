// NodeResourcesBalancedAllocation: prefers nodes whose resource usage fractions stay close to
// each other once the pod is placed: score = (1 - standard deviation of the fractions) * 100.
// Best-effort pods (no requests) are not scored, as upstream (issue #129138).

import type { CycleState, StateData } from '../framework/cycle_state.ts';
import type { PreScorePlugin, ScorePlugin } from '../framework/interfaces.ts';
import { CPU, MEMORY } from '../framework/resource.ts';
import { Status, type Result } from '../framework/status.ts';
import type { NodeInfo, PodInfo } from '../framework/types.ts';
import { Names } from './names.ts';
import { balancedResourceScorer, fillAllocatableRequested, podRequestList, type ResourceSpec } from './resource_allocation.ts';

const PRESCORE_KEY = `PreScore${Names.NodeResourcesBalancedAllocation}`;

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

class ScoreState implements StateData {
  constructor(readonly podRequests: Float64Array) {}
  clone(): StateData {
    return this;
  }
}

export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = Names.NodeResourcesBalancedAllocation;
  readonly resources: ResourceSpec[];
  private readonly alloc: Float64Array;
  private readonly req: Float64Array;

  constructor(args: BalancedAllocationArgs = {}) {
    this.resources = args.resources && args.resources.length > 0 ? args.resources.map((r) => ({ name: r.name, weight: r.weight || 1 })) : [
      { name: CPU, weight: 1 },
      { name: MEMORY, weight: 1 },
    ];
    this.alloc = new Float64Array(this.resources.length);
    this.req = new Float64Array(this.resources.length);
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    const reqs = podRequestList(pod.resources.plain, this.resources);
    if (reqs.every((v) => v === 0)) return Status.skip();
    state.write(PRESCORE_KEY, new ScoreState(reqs));
    return null;
  }

  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    let reqs = state.read<ScoreState>(PRESCORE_KEY)?.podRequests;
    if (!reqs) {
      reqs = podRequestList(pod.resources.plain, this.resources);
      if (reqs.every((v) => v === 0)) return 0;
    }
    fillAllocatableRequested(nodeInfo, this.resources, reqs, true, this.alloc, this.req);
    return balancedResourceScorer(this.req, this.alloc);
  }
}
