import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../../apiserver/rest.ts';
import { ManualClock } from '../../util/clock.ts';
import { Snapshot } from '../cache.ts';
import { parseSchedulerConfig } from '../framework/config.ts';
import { CycleState } from '../framework/cycle_state.ts';
import { NodeToStatus } from '../framework/fit_error.ts';
import { Framework } from '../framework/runtime.ts';
import { Code, isSuccess } from '../framework/status.ts';
import { PodInfo } from '../framework/types.ts';
import { FakeCluster, makeNode, makePod, type PodSpecLite } from '../testing.ts';
import { DefaultPreemption, filterPodsWithPDBViolation, moreImportantPod, type Candidate } from './default_preemption.ts';
import { inTreeRegistry } from './registry.ts';

const T0 = 1_700_000_000_000;

function running(name: string, nodeName: string, priority: number, cpu: string, extra: Partial<PodSpecLite> = {}): Obj {
  return makePod({ name, nodeName, priority, req: { cpu }, ...extra });
}

function env(nodes: Obj[], pods: Obj[], opts: { pdbs?: Obj[]; nominated?: PodInfo[]; args?: Obj } = {}) {
  const cluster = new FakeCluster();
  cluster.pdbs = opts.pdbs ?? [];
  const snap = Snapshot.of(nodes, pods);
  const clock = new ManualClock(T0);
  const config = parseSchedulerConfig(opts.args ? { profiles: [{ pluginConfig: [{ name: 'DefaultPreemption', args: opts.args }] }] } : undefined);
  const activated: Obj[] = [];
  const f = new Framework({
    profile: config.profiles[0]!,
    registry: inTreeRegistry(),
    clock,
    cluster,
    snapshot: snap,
    nominator: { nominatedPodsForNode: (n) => (opts.nominated ?? []).filter((p) => p.nominatedNodeName === n) },
    activate: (ps) => activated.push(...ps),
  });
  const pl = f.plugins.get('DefaultPreemption') as DefaultPreemption;
  /** A failed scheduling attempt: the cycle state and each node's filter status. */
  const attempt = (pod: Obj) => {
    const pi = new PodInfo(pod);
    const state = new CycleState();
    const m = new NodeToStatus();
    const pre = f.runPreFilterPlugins(state, pi, snap.list());
    if (pre.status) m.absentNodesStatus = pre.status;
    else {
      for (const n of snap.list()) {
        const s = f.runFilterPluginsWithNominatedPods(state, pi, n);
        if (!isSuccess(s)) m.set(n.name, s);
      }
    }
    return { pi, state, m };
  };
  return { cluster, snap, f, pl, attempt, activated, clock };
}

describe('DefaultPreemption victims on a node', () => {
  test('the most important pods are reprieved first; only what must go goes', () => {
    const { pl, attempt, snap } = env(
      [makeNode({ name: 'n1', alloc: { cpu: '3' } })],
      [running('low', 'n1', 1, '1'), running('mid', 'n1', 5, '1'), running('high', 'n1', 100, '1')],
    );
    const { pi, state } = attempt(makePod({ name: 'p', priority: 10, req: { cpu: '1' } }));
    const r = pl.selectVictimsOnNode(state.clone(), pi, snap.get('n1')!.snapshot(), []);
    assert.ok(!('code' in r));
    assert.deepEqual(
      r.victims.map((v) => v.name),
      ['low'],
    );
    assert.equal(r.numPDBViolations, 0);
  });

  test('victims are listed most important first', () => {
    const { pl, attempt, snap } = env(
      [makeNode({ name: 'n1', alloc: { cpu: '3' } })],
      [running('a', 'n1', 1, '1'), running('b', 'n1', 3, '1'), running('c', 'n1', 2, '1')],
    );
    const { pi, state } = attempt(makePod({ name: 'p', priority: 10, req: { cpu: '3' } }));
    const r = pl.selectVictimsOnNode(state.clone(), pi, snap.get('n1')!.snapshot(), []);
    assert.ok(!('code' in r));
    assert.deepEqual(
      r.victims.map((v) => v.name),
      ['b', 'c', 'a'],
    );
  });

  test('a PDB-protected pod is reprieved before an unprotected one of the same priority', () => {
    const pdb = { metadata: { name: 'db', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'db' } } }, status: { disruptionsAllowed: 0 } };
    const { pl, attempt, snap } = env(
      [makeNode({ name: 'n1', alloc: { cpu: '2' } })],
      [running('db', 'n1', 1, '1', { labels: { app: 'db' }, startTime: '2024-01-01T00:00:02Z' }), running('web', 'n1', 1, '1', { startTime: '2024-01-01T00:00:01Z' })],
    );
    const { pi, state } = attempt(makePod({ name: 'p', priority: 10, req: { cpu: '1' } }));
    const r = pl.selectVictimsOnNode(state.clone(), pi, snap.get('n1')!.snapshot(), [pdb]);
    assert.ok(!('code' in r));
    assert.deepEqual(
      r.victims.map((v) => v.name),
      ['web'],
    );
    assert.equal(r.numPDBViolations, 0);
    // Without the PDB the earlier-started (more important) web pod is reprieved instead.
    const r2 = pl.selectVictimsOnNode(state.clone(), pi, snap.get('n1')!.snapshot(), []);
    assert.ok(!('code' in r2));
    assert.deepEqual(
      r2.victims.map((v) => v.name),
      ['db'],
    );
  });

  test('no lower-priority pods, or not enough room even without them', () => {
    const { pl, attempt, snap } = env([makeNode({ name: 'n1', alloc: { cpu: '2' } })], [running('same', 'n1', 10, '1'), running('low', 'n1', 1, '1')]);
    const none = attempt(makePod({ name: 'p', priority: 1, req: { cpu: '2' } }));
    const r = pl.selectVictimsOnNode(none.state.clone(), none.pi, snap.get('n1')!.snapshot(), []);
    assert.ok('code' in r);
    assert.equal(r.code, Code.UnschedulableAndUnresolvable);
    assert.deepEqual([...r.reasons], ['No preemption victims found for incoming pod']);
    const big = attempt(makePod({ name: 'q', priority: 5, req: { cpu: '2' } }));
    const r2 = pl.selectVictimsOnNode(big.state.clone(), big.pi, snap.get('n1')!.snapshot(), []);
    assert.ok('code' in r2);
    assert.deepEqual([...r2.reasons], ['Insufficient cpu']);
  });
});

describe('PDB violations', () => {
  const pi = (name: string, labels: Record<string, string>, namespace = 'default') => new PodInfo(makePod({ name, labels, namespace }));
  test('budgets are used up in order; disrupted pods, other namespaces and empty selectors do not count', () => {
    const pdbs = [
      { metadata: { namespace: 'default' }, spec: { selector: { matchLabels: { app: 'a' } } }, status: { disruptionsAllowed: 1, disruptedPods: { a0: '2024-01-01T00:00:00Z' } } },
      { metadata: { namespace: 'default' }, spec: { selector: {} }, status: { disruptionsAllowed: 0 } },
    ];
    const pods = [pi('a0', { app: 'a' }), pi('a1', { app: 'a' }), pi('a2', { app: 'a' }), pi('other', { app: 'a' }, 'prod'), pi('nolabels', {})];
    const { violating, nonViolating } = filterPodsWithPDBViolation(pods, pdbs);
    assert.deepEqual(
      violating.map((p) => p.name),
      ['a2'],
    );
    assert.deepEqual(
      nonViolating.map((p) => p.name),
      ['a0', 'a1', 'other', 'nolabels'],
    );
  });
});

describe('picking the node', () => {
  const { pl } = env([], []);
  const v = (name: string, priority: number, startTime?: string) => new PodInfo(makePod({ name, priority, startTime }));
  const cand = (nodeName: string, victims: PodInfo[], numPDBViolations = 0): Candidate => ({ nodeName, victims, numPDBViolations });
  const cases: { name: string; candidates: Candidate[]; want: string }[] = [
    { name: 'fewest PDB violations', candidates: [cand('a', [v('x', 1)], 1), cand('b', [v('y', 100)], 0)], want: 'b' },
    { name: 'lowest highest-priority victim', candidates: [cand('a', [v('x', 10)]), cand('b', [v('y', 5), v('z', 4)])], want: 'b' },
    { name: 'smallest sum of priorities', candidates: [cand('a', [v('x', 5), v('y', 5)]), cand('b', [v('z', 5), v('w', 1)])], want: 'b' },
    // Negative priorities are shifted, so that more victims never sum smaller.
    { name: 'the sum counts every victim', candidates: [cand('a', [v('x', -5), v('y', -5)]), cand('b', [v('z', -5)])], want: 'b' },
    { name: 'fewest victims', candidates: [cand('a', [v('x', 5), v('y', 0), v('w', 0)]), cand('b', [v('z', 5), v('u', 0)])], want: 'b' },
    {
      name: 'latest start of the highest-priority victims',
      candidates: [cand('a', [v('x', 5, '2024-01-01T00:00:00Z'), v('y', 5, '2024-01-01T05:00:00Z')]), cand('b', [v('z', 5, '2024-01-01T01:00:00Z'), v('w', 5, '2024-01-01T02:00:00Z')])],
      want: 'b',
    },
    { name: 'a full tie keeps the first', candidates: [cand('a', [v('x', 5)]), cand('b', [v('y', 5)])], want: 'a' },
  ];
  for (const tc of cases) test(tc.name, () => assert.equal(pl.selectCandidate(tc.candidates).nodeName, tc.want));

  test('moreImportantPod: priority, then the earlier start', () => {
    assert.equal(moreImportantPod(v('a', 2), v('b', 1), T0), true);
    assert.equal(moreImportantPod(v('a', 1, '2024-01-01T00:00:00Z'), v('b', 1, '2024-01-02T00:00:00Z'), T0), true);
    assert.equal(moreImportantPod(v('a', 1, '2024-01-02T00:00:00Z'), v('b', 1, '2024-01-01T00:00:00Z'), T0), false);
  });
});

describe('DefaultPreemption PostFilter', () => {
  const threeNodes = [
    makeNode({ name: 'n1', alloc: { cpu: '1' } }),
    makeNode({ name: 'n2', alloc: { cpu: '8' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }),
    makeNode({ name: 'n3', alloc: { cpu: '8' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }),
  ];

  test('no victims on the one resolvable node, the others cannot be helped', () => {
    const { pl, attempt } = env(threeNodes, [running('busy', 'n1', 0, '1')]);
    const { pi, state, m } = attempt(makePod({ name: 'p', req: { cpu: '1' } }));
    const r = pl.postFilter(state, pi, m);
    assert.equal(r.status?.code, Code.Unschedulable);
    assert.equal(r.status!.message(), 'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.');
    assert.deepEqual(r.result?.nominatingInfo, { mode: 'Override', nominatedNodeName: '' });
  });

  test('a PreFilter rejection: preemption cannot help anywhere', () => {
    const { pl, attempt } = env(threeNodes, []);
    const { pi, state, m } = attempt(makePod({ name: 'p', volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'nope' } }] }));
    assert.equal(pl.postFilter(state, pi, m).status!.message(), 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
  });

  test('preemptionPolicy Never', () => {
    const { pl, attempt } = env(threeNodes, [running('low', 'n1', 0, '1')]);
    const { pi, state, m } = attempt(makePod({ name: 'p', priority: 100, req: { cpu: '1' }, preemptionPolicy: 'Never' }));
    const r = pl.postFilter(state, pi, m);
    assert.equal(r.status!.message(), 'preemption: not eligible due to preemptionPolicy=Never.');
    // The nomination is left as it is.
    assert.equal(r.result, undefined);
  });

  test('a terminating victim of an earlier preemption on the nominated node: wait', () => {
    const terminating = running('old', 'n1', 0, '1', { deletionTimestamp: '2024-01-01T00:00:00Z' });
    terminating.status.conditions = [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }];
    const { pl, attempt } = env(threeNodes, [terminating]);
    const { pi, state, m } = attempt(makePod({ name: 'p', priority: 100, req: { cpu: '1' }, nominatedNodeName: 'n1' }));
    assert.equal(pl.postFilter(state, pi, m).status!.message(), 'preemption: not eligible due to a terminating pod on the nominated node.');
  });

  test('preempting: nominate, mark and delete the victim, report it, hold the preemptor meanwhile', async () => {
    const { pl, attempt, cluster } = env(threeNodes, [running('low', 'n1', 0, '1')]);
    const { pi, state, m } = attempt(makePod({ name: 'p', priority: 100, req: { cpu: '1' } }));
    const r = pl.postFilter(state, pi, m);
    assert.equal(r.status, null);
    assert.deepEqual(r.result?.nominatingInfo, { mode: 'Override', nominatedNodeName: 'n1' });
    assert.equal(pl.preEnqueue(pi)?.message(), 'waiting for the preemption for this pod to be finished');
    await pl.settled();
    assert.equal(pl.preEnqueue(pi), null);
    assert.deepEqual(cluster.deleted, ['default/low']);
    assert.deepEqual(cluster.statusUpdates, [
      {
        pod: 'default/low',
        update: { condition: { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' } },
      },
    ]);
    assert.deepEqual(
      cluster.events.map((e) => [e.type, e.reason, e.action, e.regarding.name, e.note, e.reportingInstance]),
      [['Normal', 'Preempted', 'Preempting', 'low', 'Preempted by pod uid-default-p on node n1', 'default-scheduler']],
    );
  });

  test('a node whose victims would break a PDB loses to one that breaks none', async () => {
    const pdb = { metadata: { name: 'db', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'db' } } }, status: { disruptionsAllowed: 0 } };
    const nodes = [makeNode({ name: 'n1', alloc: { cpu: '1' } }), makeNode({ name: 'n2', alloc: { cpu: '1' } })];
    const { pl, attempt, cluster } = env(nodes, [running('db', 'n1', 0, '1', { labels: { app: 'db' } }), running('batch', 'n2', 5, '1')], { pdbs: [pdb] });
    const { pi, state, m } = attempt(makePod({ name: 'p', priority: 100, req: { cpu: '1' } }));
    const r = pl.postFilter(state, pi, m);
    // n1's victim has the lower priority, but evicting it violates the budget.
    assert.deepEqual(r.result?.nominatingInfo, { mode: 'Override', nominatedNodeName: 'n2' });
    await pl.settled();
    assert.deepEqual(cluster.deleted, ['default/batch']);
  });

  test('lower-priority pods nominated to the chosen node lose their nomination', async () => {
    const nominated = new PodInfo(makePod({ name: 'waiting', priority: 1, req: { cpu: '1' }, nominatedNodeName: 'n1' }));
    const { pl, attempt, cluster } = env(threeNodes, [running('low', 'n1', 0, '1')], { nominated: [nominated] });
    const { pi, state, m } = attempt(makePod({ name: 'p', priority: 100, req: { cpu: '1' } }));
    pl.postFilter(state, pi, m);
    await pl.settled();
    assert.deepEqual(cluster.statusUpdates[0], { pod: 'default/waiting', update: { nominatedNodeName: '' } });
  });

  test('a failed deletion activates the preemptor again', async () => {
    const { pl, attempt, cluster, activated } = env(threeNodes, [running('low', 'n1', 0, '1')]);
    cluster.deletePod = async () => {
      throw new Error('boom');
    };
    const { pi, state, m } = attempt(makePod({ name: 'p', priority: 100, req: { cpu: '1' } }));
    pl.postFilter(state, pi, m);
    await pl.settled();
    assert.deepEqual(
      activated.map((p) => p.metadata.name),
      ['p'],
    );
    assert.equal(pl.preEnqueue(pi), null);
  });

  test('the number of candidates follows minCandidateNodesPercentage and minCandidateNodesAbsolute', () => {
    const { pl } = env([], [], { args: { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 3 } });
    assert.equal(pl.numCandidates(2), 2);
    assert.equal(pl.numCandidates(20), 3);
    assert.equal(pl.numCandidates(100), 10);
  });

  test('the dry run stops once enough candidates are found, with at least one not violating a PDB', () => {
    const nodes = Array.from({ length: 5 }, (_, i) => makeNode({ name: `n${i}`, alloc: { cpu: '1' } }));
    const { pl, attempt, snap } = env(
      nodes,
      nodes.map((n, i) => running(`v${i}`, n.metadata.name, 0, '1')),
    );
    const { pi, state } = attempt(makePod({ name: 'p', priority: 100, req: { cpu: '1' } }));
    const r = pl.dryRunPreemption(state, pi, snap.list(), [], 3, 2);
    assert.deepEqual(
      r.candidates.map((c) => c.nodeName),
      ['n3', 'n4'],
    );
  });
});
