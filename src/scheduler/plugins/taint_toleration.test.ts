import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../../apiserver/rest.ts';
import { CycleState } from '../framework/cycle_state.ts';
import { DEFAULT_FEATURES } from '../framework/interfaces.ts';
import { Code } from '../framework/status.ts';
import { NodeInfo, PodInfo } from '../framework/types.ts';
import { makeNode, makePod } from '../testing.ts';
import { TaintToleration } from './taint_toleration.ts';

type T = { key: string; value?: string; effect: string };

describe('TaintToleration filter', () => {
  const cases: { name: string; taints: T[]; tolerations?: Obj[]; want: string | null }[] = [
    { name: 'no taints', taints: [], want: null },
    { name: 'untolerated NoSchedule', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], want: 'node(s) had untolerated taint {dedicated: gpu}' },
    { name: 'untolerated NoExecute', taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }], want: 'node(s) had untolerated taint {k: v}' },
    {
      name: 'a taint without value prints empty',
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
    },
    { name: 'PreferNoSchedule does not filter', taints: [{ key: 'k', value: 'v', effect: 'PreferNoSchedule' }], want: null },
    {
      name: 'tolerated by Equal',
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      want: null,
    },
    {
      name: 'a different value is not tolerated',
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      tolerations: [{ key: 'dedicated', value: 'cpu' }],
      want: 'node(s) had untolerated taint {dedicated: gpu}',
    },
    { name: 'Exists without a key tolerates everything', taints: [{ key: 'a', value: 'b', effect: 'NoExecute' }], tolerations: [{ operator: 'Exists' }], want: null },
    {
      name: 'an effect mismatch is not tolerated',
      taints: [{ key: 'a', value: 'b', effect: 'NoExecute' }],
      tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {a: b}',
    },
    {
      name: 'the first untolerated taint is reported',
      taints: [
        { key: 'ok', value: '1', effect: 'NoSchedule' },
        { key: 'first', value: 'x', effect: 'NoSchedule' },
        { key: 'second', value: 'y', effect: 'NoSchedule' },
      ],
      tolerations: [{ key: 'ok', operator: 'Exists' }],
      want: 'node(s) had untolerated taint {first: x}',
    },
  ];
  for (const tc of cases) {
    test(tc.name, () => {
      const s = new TaintToleration().filter(new CycleState(), new PodInfo(makePod({ name: 'p', tolerations: tc.tolerations })), new NodeInfo(makeNode({ name: 'n', taints: tc.taints })));
      if (tc.want === null) assert.equal(s, null);
      else {
        assert.equal(s?.code, Code.UnschedulableAndUnresolvable);
        assert.deepEqual([...s!.reasons], [tc.want]);
        assert.equal(s!.plugin, 'TaintToleration');
      }
    });
  }

  test('redacted reason (v1.35 pod statuses)', () => {
    const pl = new TaintToleration({ features: { ...DEFAULT_FEATURES, redactTaintValues: true } });
    const s = pl.filter(new CycleState(), new PodInfo(makePod({ name: 'p' })), new NodeInfo(makeNode({ name: 'n', taints: [{ key: 'k', value: 'secret', effect: 'NoSchedule' }] })));
    assert.deepEqual([...s!.reasons], ['node(s) had untolerated taint(s)']);
  });
});

describe('TaintToleration score', () => {
  const prefer = (key: string): T => ({ key, value: 'x', effect: 'PreferNoSchedule' });
  const cases: { name: string; nodes: T[][]; tolerations?: Obj[]; raw: number[]; normalized: number[] }[] = [
    { name: 'fewer untolerated PreferNoSchedule taints score higher', nodes: [[], [prefer('a')], [prefer('a'), prefer('b')]], raw: [0, 1, 2], normalized: [100, 50, 0] },
    {
      name: 'tolerations without an effect count',
      nodes: [[prefer('a')], [prefer('b')]],
      tolerations: [{ key: 'a', operator: 'Exists' }],
      raw: [0, 1],
      normalized: [100, 0],
    },
    {
      name: 'NoSchedule tolerations do not count',
      nodes: [[prefer('a')], []],
      tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }],
      raw: [1, 0],
      normalized: [0, 100],
    },
    { name: 'no taints anywhere: everyone gets 100', nodes: [[], []], raw: [0, 0], normalized: [100, 100] },
  ];
  for (const tc of cases) {
    test(tc.name, () => {
      const pl = new TaintToleration();
      const state = new CycleState();
      const pi = new PodInfo(makePod({ name: 'p', tolerations: tc.tolerations }));
      assert.equal(pl.preScore(state, pi), null);
      const scores = Float64Array.from(tc.nodes.map((taints, i) => pl.score(state, pi, new NodeInfo(makeNode({ name: `n${i}`, taints })))));
      assert.deepEqual([...scores], tc.raw);
      pl.normalizeScore(state, pi, scores);
      assert.deepEqual([...scores], tc.normalized);
    });
  }
});

test('TaintToleration hint: only a node that stops tainting the pod helps', () => {
  const hint = new TaintToleration().eventsToRegister()[0]!.hint!;
  const pod = new PodInfo(makePod({ name: 'p' }));
  const tainted = makeNode({ name: 'n', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] });
  const clean = makeNode({ name: 'n' });
  assert.equal(hint(pod, tainted, clean), 1);
  assert.equal(hint(pod, clean, tainted), 0);
  assert.equal(hint(pod, undefined, clean), 1);
  assert.equal(hint(pod, undefined, tainted), 0);
});
