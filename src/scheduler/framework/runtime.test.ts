import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../../apiserver/rest.ts';
import { ManualClock } from '../../util/clock.ts';
import { Snapshot } from '../cache.ts';
import { inTreeRegistry } from '../plugins/registry.ts';
import { FakeCluster, makeNode, makePod } from '../testing.ts';
import { ConfigError, parseSchedulerConfig } from './config.ts';
import { CycleState, type StateData } from './cycle_state.ts';
import { NodeToStatus } from './fit_error.ts';
import { PreFilterResult, type FilterPlugin, type PermitPlugin, type PostFilterPlugin, type PreFilterPlugin, type ScorePlugin } from './interfaces.ts';
import { Registry } from './registry.ts';
import { Framework } from './runtime.ts';
import { Code, Status } from './status.ts';
import { NodeInfo, PodInfo } from './types.ts';

function build(config?: Obj, registry: Registry = inTreeRegistry(), nominated: PodInfo[] = [], clock = new ManualClock()) {
  const parsed = parseSchedulerConfig(config);
  return new Framework({
    profile: parsed.profiles[0]!,
    registry,
    clock,
    cluster: new FakeCluster(),
    snapshot: new Snapshot(),
    nominator: { nominatedPodsForNode: (n) => nominated.filter((p) => p.nominatedNodeName === n) },
  });
}

const names = (list: { name: string }[]) => list.map((p) => p.name);

describe('framework construction', () => {
  test('the default profile expands MultiPoint into the points each plugin implements', () => {
    const f = build();
    assert.deepEqual(names(f.preEnqueuePlugins), ['SchedulingGates', 'DefaultPreemption']);
    assert.deepEqual(names(f.queueSortPlugins), ['PrioritySort']);
    assert.deepEqual(names(f.preFilterPlugins), ['NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity']);
    assert.deepEqual(names(f.filterPlugins), [
      'NodeUnschedulable',
      'NodeName',
      'TaintToleration',
      'NodeAffinity',
      'NodePorts',
      'NodeResourcesFit',
      'VolumeBinding',
      'PodTopologySpread',
      'InterPodAffinity',
    ]);
    assert.deepEqual(names(f.postFilterPlugins), ['DefaultPreemption']);
    assert.deepEqual(names(f.preScorePlugins), ['TaintToleration', 'NodeAffinity', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'NodeResourcesBalancedAllocation']);
    assert.deepEqual(names(f.scorePlugins), ['TaintToleration', 'NodeAffinity', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'NodeResourcesBalancedAllocation', 'ImageLocality']);
    assert.deepEqual([...f.scoreWeights], [
      ['TaintToleration', 3],
      ['NodeAffinity', 2],
      ['NodeResourcesFit', 1],
      ['PodTopologySpread', 2],
      ['InterPodAffinity', 2],
      ['NodeResourcesBalancedAllocation', 1],
      ['ImageLocality', 1],
    ]);
    assert.deepEqual(names(f.bindPlugins), ['DefaultBinder']);
    // Until registered, the rest of upstream's defaults are skipped.
    assert.deepEqual(f.missingDefaultPlugins, ['VolumeRestrictions', 'NodeVolumeLimits', 'VolumeZone', 'DynamicResources']);
  });

  test('a score entry overrides the weight and goes first; * drops the other defaults of that point', () => {
    const f = build({ profiles: [{ plugins: { score: { enabled: [{ name: 'ImageLocality', weight: 7 }, { name: 'NodeAffinity' }], disabled: [{ name: '*' }] } } }] });
    assert.deepEqual(names(f.scorePlugins), ['ImageLocality', 'NodeAffinity']);
    assert.equal(f.scoreWeights.get('ImageLocality'), 7);
    assert.equal(f.scoreWeights.get('NodeAffinity'), 1);
    // Other points keep their MultiPoint plugins.
    assert.ok(names(f.filterPlugins).includes('TaintToleration'));
  });

  test('explicit overrides come first, then MultiPoint, then other explicit plugins', () => {
    const registry = inTreeRegistry().register('Custom', () => ({ name: 'Custom', filter: () => null }) as FilterPlugin);
    const f = build({ profiles: [{ plugins: { filter: { enabled: [{ name: 'Custom' }, { name: 'NodePorts' }] }, multiPoint: { disabled: [{ name: 'TaintToleration' }] } } }] }, registry);
    assert.deepEqual(names(f.filterPlugins), [
      'NodePorts',
      'NodeUnschedulable',
      'NodeName',
      'NodeAffinity',
      'NodeResourcesFit',
      'VolumeBinding',
      'PodTopologySpread',
      'InterPodAffinity',
      'Custom',
    ]);
  });

  test('a plugin disabled at one point stays at the others', () => {
    const f = build({ profiles: [{ plugins: { filter: { disabled: [{ name: 'TaintToleration' }] } } }] });
    assert.equal(names(f.filterPlugins).includes('TaintToleration'), false);
    assert.ok(names(f.scorePlugins).includes('TaintToleration'));
  });

  test('unknown plugins and wrong extension points are configuration errors', () => {
    assert.throws(() => build({ profiles: [{ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }] }), (e: unknown) => e instanceof ConfigError && /plugin "Nope" does not exist/.test(e.message));
    assert.throws(() => build({ profiles: [{ plugins: { bind: { enabled: [{ name: 'NodePorts' }] } } }] }), /does not extend bind plugin/);
    assert.throws(() => build({ profiles: [{ plugins: { bind: { disabled: [{ name: '*' }] } } }] }), /at least one bind plugin is needed/);
  });
});

describe('running extension points', () => {
  const nodes = ['n1', 'n2', 'n3'].map((n) => new NodeInfo(makeNode({ name: n, alloc: { cpu: '2', memory: '4Gi' } })));

  test('PreFilter results intersect; an empty intersection names the plugins', () => {
    const only = (name: string, set: string[]): PreFilterPlugin => ({ name, preFilter: () => new PreFilterResult(new Set(set)) });
    const registry = inTreeRegistry().register('A', () => only('A', ['n1', 'n2'])).register('B', () => only('B', ['n2', 'n3'])).register('C', () => only('C', ['n3']));
    const pod = new PodInfo(makePod({ name: 'p' }));
    const two = build({ profiles: [{ plugins: { preFilter: { enabled: [{ name: 'A' }, { name: 'B' }] } } }] }, registry).runPreFilterPlugins(new CycleState(), pod, nodes);
    assert.deepEqual([...two.result!.nodeNames!], ['n2']);
    assert.equal(two.status, null);
    const none = build({ profiles: [{ plugins: { preFilter: { enabled: [{ name: 'A' }, { name: 'C' }] } } }] }, registry).runPreFilterPlugins(new CycleState(), pod, nodes);
    assert.equal(none.status?.code, Code.UnschedulableAndUnresolvable);
    assert.equal(none.status!.message(), "node(s) didn't satisfy plugin(s) [A C] simultaneously");
  });

  test('PreFilter Skip disables the Filter of that plugin for the cycle', () => {
    const f = build();
    const state = new CycleState();
    const pod = new PodInfo(makePod({ name: 'p' }));
    f.runPreFilterPlugins(state, pod, nodes);
    assert.deepEqual([...state.skipFilterPlugins].sort(), ['InterPodAffinity', 'NodeAffinity', 'NodePorts', 'PodTopologySpread', 'VolumeBinding']);
  });

  test('filters with nominated pods: higher-priority nominated pods count, lower ones do not', () => {
    const nominatedHigh = new PodInfo(makePod({ name: 'hi', priority: 100, req: { cpu: '1500m' }, nominatedNodeName: 'n1' }));
    const nominatedLow = new PodInfo(makePod({ name: 'lo', priority: 0, req: { cpu: '1500m' }, nominatedNodeName: 'n2' }));
    const f = build(undefined, inTreeRegistry(), [nominatedHigh, nominatedLow]);
    const pod = new PodInfo(makePod({ name: 'p', priority: 10, req: { cpu: '1' } }));
    const state = new CycleState();
    f.runPreFilterPlugins(state, pod, nodes);
    assert.deepEqual([...f.runFilterPluginsWithNominatedPods(state, pod, nodes[0]!)!.reasons], ['Insufficient cpu']);
    assert.equal(f.runFilterPluginsWithNominatedPods(state, pod, nodes[1]!), null);
    // The real node was not touched by the what-if.
    assert.equal(nodes[0]!.requested.milliCPU, 0);
  });

  test('nominated pods reach PreFilter state through AddPod on a cloned CycleState', () => {
    // Counts pods on the node in its PreFilter state; rejects nodes that already hold one.
    class Count implements StateData {
      constructor(public n: number) {}
      clone(): StateData {
        return new Count(this.n);
      }
    }
    const removed: string[] = [];
    const counter: PreFilterPlugin & FilterPlugin = {
      name: 'Counter',
      preFilter: (state) => {
        state.write('count', new Count(0));
        return null;
      },
      preFilterExtensions: () => ({
        addPod: (state, _pod, added) => {
          state.read<Count>('count')!.n++;
          return added.priority > 1000 ? Status.error('too important') : null;
        },
        removePod: (_state, _pod, gone) => {
          removed.push(gone.name);
          return null;
        },
      }),
      filter: (state) => (state.read<Count>('count')!.n > 0 ? Status.unschedulable('occupied') : null),
    };
    const nominated = [new PodInfo(makePod({ name: 'hi', priority: 100, nominatedNodeName: 'n1' })), new PodInfo(makePod({ name: 'vip', priority: 5000, nominatedNodeName: 'n3' }))];
    const f = build({ profiles: [{ plugins: { preFilter: { enabled: [{ name: 'Counter' }] }, filter: { enabled: [{ name: 'Counter' }] } } }] }, inTreeRegistry().register('Counter', () => counter), nominated);
    const pod = new PodInfo(makePod({ name: 'p', priority: 10 }));
    const state = new CycleState();
    f.runPreFilterPlugins(state, pod, nodes);
    assert.deepEqual([...f.runFilterPluginsWithNominatedPods(state, pod, nodes[0]!)!.reasons], ['occupied']);
    assert.equal(state.read<Count>('count')!.n, 0);
    assert.equal(f.runFilterPluginsWithNominatedPods(state, pod, nodes[1]!), null);
    const err = f.runFilterPluginsWithNominatedPods(state, pod, nodes[2]!);
    assert.equal(err?.code, Code.Error);
    assert.equal(err!.message(), 'running AddPod on PreFilter plugin "Counter": too important');
    assert.equal(f.runPreFilterExtensionRemovePod(state, pod, nominated[0]!, nodes[0]!), null);
    assert.deepEqual(removed, ['hi']);
  });

  test('scores are normalized, range-checked and weighted', () => {
    const fixed = (name: string, values: number[]): ScorePlugin => ({ name, score: (_s, _p, n) => values[Number(n.name.slice(1)) - 1]! });
    const registry = new Registry()
      .register('PrioritySort', inTreeRegistry().get('PrioritySort')!)
      .register('DefaultBinder', inTreeRegistry().get('DefaultBinder')!)
      .register('S1', () => fixed('S1', [10, 20, 30]))
      .register('S2', () => fixed('S2', [100, 0, 50]))
      .register('Bad', () => fixed('Bad', [101, 0, 0]));
    const cfg = (plugins: string[]) => ({
      profiles: [{ plugins: { multiPoint: { disabled: [{ name: '*' }], enabled: [{ name: 'PrioritySort' }, { name: 'DefaultBinder' }] }, score: { enabled: plugins.map((n, i) => ({ name: n, weight: i + 1 })) } } }],
    });
    const r = build(cfg(['S1', 'S2']), registry).runScorePlugins(new CycleState(), new PodInfo(makePod({ name: 'p' })), nodes);
    assert.ok(!(r instanceof Status));
    assert.deepEqual(r.weights, [1, 2]);
    assert.deepEqual([...r.totals], [210, 20, 130]);
    const bad = build(cfg(['Bad']), registry).runScorePlugins(new CycleState(), new PodInfo(makePod({ name: 'p' })), nodes);
    assert.ok(bad instanceof Status);
    assert.match(bad.message(), /plugin "Bad" returns an invalid score 101, it should in the range of \[0, 100\] after normalizing/);
  });

  test('PostFilter: the first success wins, otherwise reasons are collected', () => {
    const pf = (name: string, s: Status | null, node?: string): PostFilterPlugin => ({
      name,
      postFilter: () => ({ status: s, result: node ? { nominatingInfo: { mode: 'Override', nominatedNodeName: node } } : undefined }),
    });
    const registry = inTreeRegistry()
      .register('P1', () => pf('P1', Status.unschedulable('no victims')))
      .register('P2', () => pf('P2', Status.unschedulable('still nothing')))
      .register('P3', () => pf('P3', null, 'n2'));
    const run = (ps: string[]) =>
      build({ profiles: [{ plugins: { postFilter: { enabled: ps.map((name) => ({ name })), disabled: [{ name: 'DefaultPreemption' }] } } }] }, registry).runPostFilterPlugins(new CycleState(), new PodInfo(makePod({ name: 'p' })), new NodeToStatus());
    const failed = run(['P1', 'P2']);
    assert.equal(failed.status?.code, Code.Unschedulable);
    assert.equal(failed.status!.message(), 'no victims, still nothing');
    assert.equal(failed.status!.plugin, 'P1');
    const ok = run(['P1', 'P3']);
    assert.equal(ok.status, null);
    assert.equal(ok.result?.nominatingInfo?.nominatedNodeName, 'n2');
  });

  test('Permit: a waiting pod is allowed, or rejected when its timeout passes', async () => {
    const clock = new ManualClock();
    const waiter: PermitPlugin = { name: 'Gate', permit: () => ({ status: Status.wait(), timeoutMs: 10_000 }) };
    const f = build({ profiles: [{ plugins: { permit: { enabled: [{ name: 'Gate' }] } } }] }, inTreeRegistry().register('Gate', () => waiter), [], clock);
    const a = new PodInfo(makePod({ name: 'a' }));
    assert.equal(f.runPermitPlugins(new CycleState(), a, 'n1')?.code, Code.Wait);
    const waitA = f.waitOnPermit(a);
    f.getWaitingPod(a.uid)!.allow('Gate');
    assert.equal(await waitA, null);

    const b = new PodInfo(makePod({ name: 'b' }));
    f.runPermitPlugins(new CycleState(), b, 'n1');
    const waitB = f.waitOnPermit(b);
    clock.advance(10_000);
    const s = await waitB;
    assert.equal(s?.code, Code.Unschedulable);
    assert.equal(s!.message(), 'rejected due to timeout after waiting 10s at plugin Gate');
    assert.equal(s!.plugin, 'Gate');
    assert.equal(f.getWaitingPod(b.uid), undefined);
  });
});
