import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../framework/cycle_state.ts';
import { Code } from '../framework/status.ts';
import { NodeInfo, PodInfo } from '../framework/types.ts';
import { makeNode, makePod, type PodSpecLite } from '../testing.ts';
import { BalancedAllocation, type BalancedAllocationArgs } from './balanced_allocation.ts';

const cases: {
  name: string;
  args?: BalancedAllocationArgs;
  pod: PodSpecLite;
  alloc: Record<string, string>;
  existing?: PodSpecLite[];
  score: number;
}[] = [
  // fractions 0.25 and 0.2: std = |0.25-0.2|/2 = 0.025 -> (1-0.025)*100 = 97.5 -> 97
  { name: 'two resources use the half-difference', pod: { name: 'p', req: { cpu: '1', memory: '2000' } }, alloc: { cpu: '4', memory: '10000' }, score: 97 },
  {
    name: 'existing requests count as requested (no non-zero defaults)',
    pod: { name: 'p', req: { cpu: '1', memory: '2000' } },
    alloc: { cpu: '4', memory: '10000' },
    existing: [{ name: 'e1', req: { cpu: '2', memory: '5000' } }, { name: 'e2' }],
    // 0.75 and 0.7 -> 97
    score: 97,
  },
  { name: 'a perfectly balanced node scores 100', pod: { name: 'p', req: { cpu: '1', memory: '1000' } }, alloc: { cpu: '4', memory: '4000' }, score: 100 },
  // cpu 1.0 (capped from 2.0), memory 0.1: std 0.45 -> 55
  { name: 'fractions above 1 are capped', pod: { name: 'p', req: { cpu: '8', memory: '1000' } }, alloc: { cpu: '4', memory: '10000' }, score: 55 },
  {
    name: 'three resources use the standard deviation',
    args: {
      resources: [
        { name: 'cpu', weight: 1 },
        { name: 'memory', weight: 1 },
        { name: 'ephemeral-storage', weight: 1 },
      ],
    },
    pod: { name: 'p', req: { cpu: '1', memory: '5000', 'ephemeral-storage': '9000' } },
    alloc: { cpu: '10', memory: '10000', 'ephemeral-storage': '10000' },
    // 0.1, 0.5, 0.9: mean 0.5, std sqrt((0.16+0+0.16)/3) = 0.3266 -> 67
    score: 67,
  },
  {
    name: 'a resource the node lacks is left out',
    args: {
      resources: [
        { name: 'cpu', weight: 1 },
        { name: 'memory', weight: 1 },
        { name: 'example.com/gpu', weight: 1 },
      ],
    },
    pod: { name: 'p', req: { cpu: '1', memory: '2000', 'example.com/gpu': '1' } },
    alloc: { cpu: '4', memory: '10000' },
    score: 97,
  },
];

for (const tc of cases) {
  test(`BalancedAllocation: ${tc.name}`, () => {
    const pl = new BalancedAllocation(tc.args);
    const ni = new NodeInfo(
      makeNode({ name: 'n', alloc: tc.alloc }),
      (tc.existing ?? []).map((p) => new PodInfo(makePod({ ...p, nodeName: 'n' }))),
    );
    const state = new CycleState();
    const pi = new PodInfo(makePod(tc.pod));
    assert.equal(pl.preScore(state, pi), null);
    assert.equal(pl.score(state, pi, ni), tc.score);
  });
}

test('BalancedAllocation skips best-effort pods', () => {
  const s = new BalancedAllocation().preScore(new CycleState(), new PodInfo(makePod({ name: 'p' })));
  assert.equal(s?.code, Code.Skip);
});
