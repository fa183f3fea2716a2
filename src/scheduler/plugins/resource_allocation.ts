// The scoring strategies shared by NodeResourcesFit and NodeResourcesBalancedAllocation
// (upstream resource_allocation.go, least/most_allocated.go, requested_to_capacity_ratio.go).
// Each works on parallel arrays (one entry per configured resource) of what the node would
// have requested with the pod and what it can allocate.

import { MAX_NODE_SCORE } from '../framework/helpers.ts';
import { CPU, EPHEMERAL_STORAGE, MEMORY, isScalarResourceName, type ResourceList } from '../framework/resource.ts';
import type { NodeInfo } from '../framework/types.ts';

export interface ResourceSpec {
  name: string;
  weight: number;
}

export type Scorer = (requested: Float64Array, allocatable: Float64Array) => number;

/** Per-resource pod requests in the order of `resources`. */
export function podRequestList(list: ResourceList, resources: readonly ResourceSpec[]): Float64Array {
  const out = new Float64Array(resources.length);
  resources.forEach((r, i) => (out[i] = list.get(r.name) ?? 0));
  return out;
}

/**
 * Fills `alloc` and `req` for the node: cpu and memory come from the non-zero aggregates unless
 * `useRequested`; a scalar resource the pod does not request is left out (0, 0).
 */
export function fillAllocatableRequested(
  nodeInfo: NodeInfo,
  resources: readonly ResourceSpec[],
  podRequests: Float64Array,
  useRequested: boolean,
  alloc: Float64Array,
  req: Float64Array,
): void {
  const requested = useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
  for (let i = 0; i < resources.length; i++) {
    const name = resources[i]!.name;
    const pr = podRequests[i]!;
    let a = 0;
    let r = 0;
    if (name === CPU) {
      a = nodeInfo.allocatable.milliCPU;
      r = requested.milliCPU + pr;
    } else if (name === MEMORY) {
      a = nodeInfo.allocatable.memory;
      r = requested.memory + pr;
    } else if (name === EPHEMERAL_STORAGE) {
      a = nodeInfo.allocatable.ephemeralStorage;
      r = nodeInfo.requested.ephemeralStorage + pr;
    } else if (pr !== 0 && isScalarResourceName(name) && nodeInfo.allocatable.scalar?.has(name)) {
      a = nodeInfo.allocatable.getScalar(name);
      r = nodeInfo.requested.getScalar(name) + pr;
    }
    alloc[i] = a;
    req[i] = a === 0 ? 0 : r;
  }
}

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  // Pods without requests count the non-zero defaults, which may exceed capacity.
  const r = requested > capacity ? capacity : requested;
  return Math.floor((r * MAX_NODE_SCORE) / capacity);
}

function weighted(resources: readonly ResourceSpec[], perResource: (req: number, cap: number) => number): Scorer {
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = resources[i]!.weight;
      nodeScore += perResource(requested[i]!, allocatable[i]!) * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : Math.floor(nodeScore / weightSum);
  };
}

export const leastAllocatedScorer = (resources: readonly ResourceSpec[]): Scorer => weighted(resources, leastRequestedScore);
export const mostAllocatedScorer = (resources: readonly ResourceSpec[]): Scorer => weighted(resources, mostRequestedScore);

export interface UtilizationShapePoint {
  utilization: number;
  score: number;
}

/** Upstream's config scores run 0-10; node scores 0-100. */
const MAX_CUSTOM_PRIORITY_SCORE = 10;
const MAX_UTILIZATION = 100;

/** Upstream helper.BuildBrokenLinearFunction over (utilization, score) points. */
export function brokenLinear(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      const pt = shape[i]!;
      if (p <= pt.utilization) {
        if (i === 0) return shape[0]!.score;
        const prev = shape[i - 1]!;
        return prev.score + Math.trunc(((pt.score - prev.score) * (p - prev.utilization)) / (pt.utilization - prev.utilization));
      }
    }
    return shape[shape.length - 1]!.score;
  };
}

export function requestedToCapacityRatioScorer(resources: readonly ResourceSpec[], shape: readonly UtilizationShapePoint[]): Scorer {
  const scaled = shape.map((p) => ({ utilization: p.utilization, score: p.score * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE) }));
  const raw = brokenLinear(scaled);
  const perResource = (requested: number, capacity: number) =>
    capacity === 0 || requested > capacity ? raw(MAX_UTILIZATION) : raw(Math.trunc((requested * MAX_UTILIZATION) / capacity));
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = resources[i]!.weight;
      const s = perResource(requested[i]!, allocatable[i]!);
      if (s > 0) {
        nodeScore += s * w;
        weightSum += w;
      }
    }
    return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
  };
}

/** Upstream balancedResourceScorer: (1 - standard deviation of the usage fractions) * 100. */
export function balancedResourceScorer(requested: Float64Array, allocatable: Float64Array): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    let f = requested[i]! / allocatable[i]!;
    if (f > 1) f = 1;
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}
