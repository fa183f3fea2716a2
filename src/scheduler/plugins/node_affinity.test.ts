import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../../apiserver/rest.ts';
import { CycleState } from '../framework/cycle_state.ts';
import { PreFilterResult } from '../framework/interfaces.ts';
import { Code } from '../framework/status.ts';
import { NodeInfo, PodInfo } from '../framework/types.ts';
import { makeNode, makePod } from '../testing.ts';
import { ERR_REASON_CONFLICT, ERR_REASON_ENFORCED, ERR_REASON_POD, NodeAffinity, type NodeAffinityArgs } from './node_affinity.ts';

const required = (...terms: Obj[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });

describe('NodeAffinity filter', () => {
  const labels = { zone: 'a', disk: 'ssd', cores: '8' };
  const cases: { name: string; nodeSelector?: Record<string, string>; affinity?: Obj; args?: NodeAffinityArgs; want: 'skip' | 'fit' | string }[] = [
    { name: 'nothing to check: PreFilter skips', want: 'skip' },
    { name: 'nodeSelector matches', nodeSelector: { zone: 'a' }, want: 'fit' },
    { name: 'nodeSelector does not match', nodeSelector: { zone: 'b' }, want: ERR_REASON_POD },
    { name: 'In', affinity: required(expr('disk', 'In', ['ssd', 'nvme'])), want: 'fit' },
    { name: 'NotIn', affinity: required(expr('disk', 'NotIn', ['ssd'])), want: ERR_REASON_POD },
    { name: 'Exists', affinity: required(expr('disk', 'Exists')), want: 'fit' },
    { name: 'DoesNotExist', affinity: required(expr('gpu', 'DoesNotExist')), want: 'fit' },
    { name: 'Gt', affinity: required(expr('cores', 'Gt', ['4'])), want: 'fit' },
    { name: 'Lt', affinity: required(expr('cores', 'Lt', ['4'])), want: ERR_REASON_POD },
    { name: 'terms are ORed', affinity: required(expr('zone', 'In', ['b']), expr('zone', 'In', ['a'])), want: 'fit' },
    {
      name: 'expressions of a term are ANDed',
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }),
      want: ERR_REASON_POD,
    },
    { name: 'no terms match nothing', affinity: required(), want: ERR_REASON_POD },
    { name: 'an invalid term is ignored', affinity: required(expr('zone', 'In', [])), want: ERR_REASON_POD },
    { name: 'nodeSelector and affinity must both match', nodeSelector: { zone: 'b' }, affinity: required(expr('disk', 'Exists')), want: ERR_REASON_POD },
    {
      name: 'scheduler-enforced affinity',
      args: { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [expr('zone', 'In', ['b'])] } } },
      want: ERR_REASON_ENFORCED,
    },
  ];
  for (const tc of cases) {
    test(tc.name, () => {
      const pl = new NodeAffinity(tc.args);
      const pi = new PodInfo(makePod({ name: 'p', nodeSelector: tc.nodeSelector, affinity: tc.affinity }));
      const state = new CycleState();
      const pre = pl.preFilter(state, pi);
      if (tc.want === 'skip') {
        assert.equal((pre as { code?: Code })?.code, Code.Skip);
        return;
      }
      assert.equal(pre, null);
      const s = pl.filter(state, pi, new NodeInfo(makeNode({ name: 'n1', labels })));
      if (tc.want === 'fit') assert.equal(s, null);
      else {
        assert.equal(s?.code, Code.UnschedulableAndUnresolvable);
        assert.deepEqual([...s!.reasons], [tc.want]);
      }
    });
  }
});

describe('NodeAffinity PreFilter node names', () => {
  const byName = (...names: string[][]) => required(...names.map((values) => ({ matchFields: [{ key: 'metadata.name', operator: 'In', values }] })));
  test('metadata.name restricts the nodes to filter', () => {
    const r = new NodeAffinity().preFilter(new CycleState(), new PodInfo(makePod({ name: 'p', affinity: byName(['n1'], ['n2']) })));
    assert.ok(r instanceof PreFilterResult);
    assert.deepEqual([...r.nodeNames!].sort(), ['n1', 'n2']);
  });
  test('a term without a name restriction allows all nodes', () => {
    const affinity = required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, expr('zone', 'Exists'));
    assert.equal(new NodeAffinity().preFilter(new CycleState(), new PodInfo(makePod({ name: 'p', affinity }))), null);
  });
  test('names that cannot all hold conflict', () => {
    const affinity = required({
      matchFields: [
        { key: 'metadata.name', operator: 'In', values: ['n1'] },
        { key: 'metadata.name', operator: 'In', values: ['n2'] },
      ],
    });
    const s = new NodeAffinity().preFilter(new CycleState(), new PodInfo(makePod({ name: 'p', affinity })));
    assert.ok(s && !(s instanceof PreFilterResult));
    assert.equal(s.code, Code.UnschedulableAndUnresolvable);
    assert.deepEqual([...s.reasons], [ERR_REASON_CONFLICT]);
  });
});

describe('NodeAffinity score', () => {
  const preferred = (...terms: [number, string, string][]) => ({
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: terms.map(([weight, key, value]) => ({
        weight,
        preference: { matchExpressions: [{ key, operator: 'In', values: [value] }] },
      })),
    },
  });
  const nodes = [
    new NodeInfo(makeNode({ name: 'n1', labels: { zone: 'a', disk: 'ssd' } })),
    new NodeInfo(makeNode({ name: 'n2', labels: { zone: 'a' } })),
    new NodeInfo(makeNode({ name: 'n3', labels: {} })),
  ];
  const cases: { name: string; affinity?: Obj; args?: NodeAffinityArgs; raw: number[]; normalized: number[] }[] = [
    { name: 'weights of matching terms add up, then scale to 100', affinity: preferred([2, 'zone', 'a'], [5, 'disk', 'ssd']), raw: [7, 2, 0], normalized: [100, 28, 0] },
    {
      name: 'added preferred terms count for every pod',
      args: { addedAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 3, preference: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] } }] } },
      raw: [0, 0, 3],
      normalized: [0, 0, 100],
    },
  ];
  for (const tc of cases) {
    test(tc.name, () => {
      const pl = new NodeAffinity(tc.args);
      const pi = new PodInfo(makePod({ name: 'p', affinity: tc.affinity }));
      const state = new CycleState();
      assert.equal(pl.preScore(state, pi), null);
      const scores = Float64Array.from(nodes.map((n) => pl.score(state, pi, n)));
      assert.deepEqual([...scores], tc.raw);
      pl.normalizeScore(state, pi, scores);
      assert.deepEqual([...scores], tc.normalized);
    });
  }
  test('no preferences: PreScore skips', () => {
    assert.equal(new NodeAffinity().preScore(new CycleState(), new PodInfo(makePod({ name: 'p' })))?.code, Code.Skip);
  });
});
