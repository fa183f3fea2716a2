import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, DEFAULT_MULTIPOINT, numFeasibleNodesToFind, parseSchedulerConfig } from './config.ts';

describe('KubeSchedulerConfiguration', () => {
  test('no configuration: one default-scheduler profile with upstream defaults', () => {
    const c = parseSchedulerConfig();
    assert.equal(c.parallelism, 16);
    assert.equal(c.percentageOfNodesToScore, 0);
    assert.equal(c.podInitialBackoffSeconds, 1);
    assert.equal(c.podMaxBackoffSeconds, 10);
    assert.equal(c.profiles.length, 1);
    const p = c.profiles[0]!;
    assert.equal(p.schedulerName, 'default-scheduler');
    assert.deepEqual(
      p.plugins.multiPoint.enabled.map((e) => e.name),
      DEFAULT_MULTIPOINT.map((e) => e.name),
    );
    assert.deepEqual(p.pluginConfig.get('NodeResourcesFit')!.scoringStrategy, {
      type: 'LeastAllocated',
      resources: [
        { name: 'cpu', weight: 1 },
        { name: 'memory', weight: 1 },
      ],
    });
    assert.deepEqual(p.pluginConfig.get('DefaultPreemption'), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });
  });

  test('two profiles, with disabled plugins, weights and args', () => {
    const c = parseSchedulerConfig(`
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing
  percentageOfNodesToScore: 70
  plugins:
    multiPoint:
      enabled:
      - name: NodeResourcesFit
        weight: 5
      disabled:
      - name: ImageLocality
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`);
    assert.equal(c.percentageOfNodesToScore, 30);
    assert.deepEqual(
      c.profiles.map((p) => p.schedulerName),
      ['default-scheduler', 'bin-packing'],
    );
    const bp = c.profiles[1]!;
    assert.equal(bp.percentageOfNodesToScore, 70);
    const mp = bp.plugins.multiPoint.enabled;
    // The user's entry replaces the default in place, keeping the default order.
    assert.equal(mp.findIndex((e) => e.name === 'NodeResourcesFit'), DEFAULT_MULTIPOINT.findIndex((e) => e.name === 'NodeResourcesFit'));
    assert.equal(mp.find((e) => e.name === 'NodeResourcesFit')!.weight, 5);
    assert.equal(mp.some((e) => e.name === 'ImageLocality'), false);
    assert.deepEqual(bp.plugins.score.disabled, ['NodeResourcesBalancedAllocation']);
    assert.equal(bp.pluginConfig.get('NodeResourcesFit')!.scoringStrategy.type, 'MostAllocated');
    // Defaults fill what the user left out.
    assert.deepEqual(bp.pluginConfig.get('NodeResourcesFit')!.scoringStrategy.resources, [
      { name: 'cpu', weight: 1 },
      { name: 'memory', weight: 1 },
    ]);
    assert.equal(c.profiles[0]!.pluginConfig.get('NodeResourcesFit')!.scoringStrategy.type, 'LeastAllocated');
  });

  test('* disables every default of a point', () => {
    const c = parseSchedulerConfig({ profiles: [{ plugins: { multiPoint: { disabled: [{ name: '*' }], enabled: [{ name: 'PrioritySort' }, { name: 'DefaultBinder' }] } } }] });
    assert.deepEqual(
      c.profiles[0]!.plugins.multiPoint.enabled.map((e) => e.name),
      ['PrioritySort', 'DefaultBinder'],
    );
  });

  const invalid: [string, object | string, RegExp][] = [
    ['duplicate scheduler names', { profiles: [{ schedulerName: 'a' }, { schedulerName: 'a' }] }, /profiles\[1\]\.schedulerName: Duplicate value: "a"/],
    ['empty scheduler name', { profiles: [{ schedulerName: '' }] }, /profiles\[0\]\.schedulerName: Required value/],
    ['percentage above 100', { percentageOfNodesToScore: 101 }, /percentageOfNodesToScore: Invalid value: 101: not in valid range \[0-100\]/],
    ['profile percentage', { profiles: [{ percentageOfNodesToScore: -1 }] }, /profiles\[0\]\.percentageOfNodesToScore/],
    ['zero parallelism', { parallelism: 0 }, /parallelism: Invalid value: 0/],
    ['max backoff below initial', { podInitialBackoffSeconds: 5, podMaxBackoffSeconds: 2 }, /podMaxBackoffSeconds/],
    ['wrong apiVersion', { apiVersion: 'kubescheduler.config.k8s.io/v1beta3' }, /apiVersion: Unsupported value/],
    [
      'unknown scoring strategy',
      { profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'Random' } } }] }] },
      /scoringStrategy\.type: Unsupported value: "Random"/,
    ],
    [
      'RequestedToCapacityRatio without a shape',
      { profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'RequestedToCapacityRatio' } } }] }] },
      /shape: Required value/,
    ],
    ['a resource weight out of range', { profiles: [{ pluginConfig: [{ name: 'NodeResourcesBalancedAllocation', args: { resources: [{ name: 'cpu', weight: 101 }] } }] }] }, /weight/],
    [
      'different queue sorts across profiles',
      { profiles: [{ schedulerName: 'a' }, { schedulerName: 'b', plugins: { queueSort: { enabled: [{ name: 'Other' }], disabled: [{ name: '*' }] } } }] },
      /queueSort must be the same for all profiles/,
    ],
    ['a negative weight', { profiles: [{ plugins: { score: { enabled: [{ name: 'ImageLocality', weight: -1 }] } } }] }, /weight: Invalid value: -1/],
    ['duplicate pluginConfig', { profiles: [{ pluginConfig: [{ name: 'NodeAffinity' }, { name: 'NodeAffinity' }] }] }, /pluginConfig\[1\]: Duplicate value/],
  ];
  for (const [name, input, re] of invalid) {
    test(`rejects ${name}`, () => {
      assert.throws(
        () => parseSchedulerConfig(input as object),
        (e: unknown) => e instanceof ConfigError && re.test(e.message),
      );
    });
  }
});

test('numFeasibleNodesToFind: all of a small cluster, an adaptive share of a big one, never under 100', () => {
  const cases: [pct: number, nodes: number, want: number][] = [
    [0, 50, 50],
    [0, 99, 99],
    [0, 100, 100],
    [0, 1000, 420],
    [0, 5000, 500],
    [0, 6000, 300],
    [0, 10000, 500],
    [10, 5000, 500],
    [1, 5000, 100],
    [100, 5000, 5000],
    [50, 150, 100],
  ];
  for (const [pct, nodes, want] of cases) assert.equal(numFeasibleNodesToFind(pct, nodes), want, `${pct}% of ${nodes}`);
});
