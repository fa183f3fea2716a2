import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../../apiserver/rest.ts';
import { CycleState } from '../framework/cycle_state.ts';
import { PreFilterResult } from '../framework/interfaces.ts';
import { CODE_NAMES, Code, Status } from '../framework/status.ts';
import { NodeInfo, PodInfo } from '../framework/types.ts';
import { FakeCluster, makeNode, makePod } from '../testing.ts';
import { VolumeBinding, localVolumeNodeNames } from './volume_binding.ts';
import { ManualClock, realClock } from '../../util/clock.ts';

const BOUND = { 'pv.kubernetes.io/bind-completed': 'yes' };

function pvc(name: string, opts: { volumeName?: string; annotations?: Record<string, string>; cls?: string; phase?: string; deleting?: boolean; owner?: Obj } = {}): Obj {
  return {
    metadata: {
      name,
      namespace: 'default',
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
      ...(opts.owner ? { ownerReferences: [opts.owner] } : {}),
    },
    spec: { ...(opts.volumeName ? { volumeName: opts.volumeName } : {}), ...(opts.cls !== undefined ? { storageClassName: opts.cls } : {}) },
    status: { phase: opts.phase ?? (opts.volumeName ? 'Bound' : 'Pending') },
  };
}

function pv(name: string, required?: Obj): Obj {
  return { metadata: { name }, spec: required ? { nodeAffinity: { required } } : {} };
}

const zoneIs = (zone: string) => ({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [zone] }] }] });
const hostIs = (...hosts: string[]) => ({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: hosts }] }] });

function podWith(...claims: string[]): Obj {
  return makePod({ name: 'p', volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) });
}

function cluster(objects: Record<string, Obj[]>): FakeCluster {
  const c = new FakeCluster();
  for (const [kind, list] of Object.entries(objects)) for (const o of list) c.addObject(kind, o);
  return c;
}

const nodes = [makeNode({ name: 'n1', labels: { zone: 'z1' } }), makeNode({ name: 'n2', labels: { zone: 'z2' } })].map((n) => new NodeInfo(n));

/** PreFilter's outcome, then each node's Filter outcome. */
function run(c: FakeCluster, pod: Obj): { pre: string; nodes?: Record<string, string>; eligible?: string[] } {
  const pl = new VolumeBinding({ cluster: c, clock: realClock });
  const state = new CycleState();
  const pi = new PodInfo(pod);
  const pre = pl.preFilter(state, pi);
  if (pre instanceof Status) return { pre: `${CODE_NAMES[pre.code]}: ${pre.message()}` };
  const out: Record<string, string> = {};
  for (const n of nodes) {
    const s = pl.filter(state, pi, n);
    out[n.name] = s ? `${CODE_NAMES[s.code]}: ${s.reasons.join(', ')}` : 'Success';
  }
  return { pre: 'Success', nodes: out, ...(pre instanceof PreFilterResult && pre.nodeNames ? { eligible: [...pre.nodeNames].sort() } : {}) };
}

describe('VolumeBinding', () => {
  const cases: { name: string; objects: Record<string, Obj[]>; pod: Obj; want: ReturnType<typeof run> }[] = [
    {
      name: 'a pod without claims skips',
      objects: {},
      pod: makePod({ name: 'p', volumes: [{ name: 'tmp', emptyDir: {} }] }),
      want: { pre: 'Skip: ' },
    },
    {
      name: 'a missing claim',
      objects: {},
      pod: podWith('data'),
      want: { pre: 'UnschedulableAndUnresolvable: persistentvolumeclaim "data" not found' },
    },
    {
      name: 'a missing generic ephemeral claim',
      objects: {},
      pod: makePod({ name: 'p', volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: {} } }] }),
      want: { pre: 'UnschedulableAndUnresolvable: waiting for ephemeral volume controller to create the persistentvolumeclaim "p-scratch"' },
    },
    {
      name: 'an ephemeral claim owned by someone else',
      objects: { PersistentVolumeClaim: [pvc('p-scratch', { owner: { uid: 'someone', controller: true } })] },
      pod: makePod({ name: 'p', volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: {} } }] }),
      want: { pre: 'UnschedulableAndUnresolvable: PVC default/p-scratch was not created for pod default/p (pod is not owner)' },
    },
    {
      name: 'a lost claim',
      objects: { PersistentVolumeClaim: [pvc('data', { volumeName: 'gone', phase: 'Lost', annotations: BOUND })] },
      pod: podWith('data'),
      want: { pre: 'UnschedulableAndUnresolvable: persistentvolumeclaim "data" bound to non-existent persistentvolume "gone"' },
    },
    {
      name: 'a claim being deleted',
      objects: { PersistentVolumeClaim: [pvc('data', { deleting: true })] },
      pod: podWith('data'),
      want: { pre: 'UnschedulableAndUnresolvable: persistentvolumeclaim "data" is being deleted' },
    },
    {
      name: 'an unbound claim without a class binds immediately: it must be bound already',
      objects: { PersistentVolumeClaim: [pvc('data')] },
      pod: podWith('data'),
      want: { pre: 'UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims' },
    },
    {
      name: 'a pre-bound claim the PV controller has not completed counts as unbound immediate',
      objects: { PersistentVolumeClaim: [pvc('data', { volumeName: 'pv1', cls: 'slow' })], StorageClass: [{ metadata: { name: 'slow' }, volumeBindingMode: 'WaitForFirstConsumer' }] },
      pod: podWith('data'),
      want: { pre: 'UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims' },
    },
    {
      name: 'a class without volumeBindingMode is an error',
      objects: { PersistentVolumeClaim: [pvc('data', { cls: 'odd' })], StorageClass: [{ metadata: { name: 'odd' } }] },
      pod: podWith('data'),
      want: { pre: 'Error: VolumeBindingMode not set for StorageClass "odd"' },
    },
    {
      name: 'an unbound WaitForFirstConsumer claim fits every node',
      objects: { PersistentVolumeClaim: [pvc('data', { cls: 'local' })], StorageClass: [{ metadata: { name: 'local' }, volumeBindingMode: 'WaitForFirstConsumer' }] },
      pod: podWith('data'),
      want: { pre: 'Success', nodes: { n1: 'Success', n2: 'Success' } },
    },
    {
      name: 'a WaitForFirstConsumer claim whose provisioning chose a node fits only that node',
      objects: {
        PersistentVolumeClaim: [pvc('data', { cls: 'local', annotations: { 'volume.kubernetes.io/selected-node': 'n2' } })],
        StorageClass: [{ metadata: { name: 'local' }, volumeBindingMode: 'WaitForFirstConsumer' }],
      },
      pod: podWith('data'),
      want: { pre: 'Success', nodes: { n1: "UnschedulableAndUnresolvable: node(s) didn't find available persistent volumes to bind", n2: 'Success' } },
    },
    {
      name: "a bound claim's volume pinned to a zone",
      objects: { PersistentVolumeClaim: [pvc('data', { volumeName: 'pv1', annotations: BOUND })], PersistentVolume: [pv('pv1', zoneIs('z1'))] },
      pod: podWith('data'),
      want: { pre: 'Success', nodes: { n1: 'Success', n2: 'UnschedulableAndUnresolvable: node(s) had volume node affinity conflict' } },
    },
    {
      name: 'a bound claim whose volume is gone',
      objects: { PersistentVolumeClaim: [pvc('data', { volumeName: 'pv1', annotations: BOUND })] },
      pod: podWith('data'),
      want: {
        pre: 'Success',
        nodes: {
          n1: 'UnschedulableAndUnresolvable: node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
          n2: 'UnschedulableAndUnresolvable: node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
        },
      },
    },
    {
      name: 'a volume without node affinity fits anywhere',
      objects: { PersistentVolumeClaim: [pvc('data', { volumeName: 'pv1', annotations: BOUND })], PersistentVolume: [pv('pv1')] },
      pod: podWith('data'),
      want: { pre: 'Success', nodes: { n1: 'Success', n2: 'Success' } },
    },
    {
      name: 'a local volume narrows the nodes in PreFilter',
      objects: { PersistentVolumeClaim: [pvc('data', { volumeName: 'pv1', annotations: BOUND })], PersistentVolume: [pv('pv1', hostIs('n1'))] },
      pod: podWith('data'),
      want: { pre: 'Success', nodes: { n1: 'Success', n2: 'UnschedulableAndUnresolvable: node(s) had volume node affinity conflict' }, eligible: ['n1'] },
    },
    {
      name: 'two local volumes on different hosts leave no node',
      objects: {
        PersistentVolumeClaim: [pvc('a', { volumeName: 'pv1', annotations: BOUND }), pvc('b', { volumeName: 'pv2', annotations: BOUND })],
        PersistentVolume: [pv('pv1', hostIs('n1')), pv('pv2', hostIs('n2'))],
      },
      pod: podWith('a', 'b'),
      want: {
        pre: 'Success',
        nodes: { n1: 'UnschedulableAndUnresolvable: node(s) had volume node affinity conflict', n2: 'UnschedulableAndUnresolvable: node(s) had volume node affinity conflict' },
        eligible: [],
      },
    },
  ];
  for (const tc of cases) test(tc.name, () => assert.deepEqual(run(cluster(tc.objects), tc.pod), tc.want));

  test('localVolumeNodeNames: In on hostname, intersected within a term and united across terms', () => {
    const required = {
      nodeSelectorTerms: [
        {
          matchExpressions: [
            { key: 'kubernetes.io/hostname', operator: 'In', values: ['a', 'b', 'c'] },
            { key: 'kubernetes.io/hostname', operator: 'In', values: ['b', 'c'] },
          ],
        },
        { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['d'] }] },
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] },
      ],
    };
    assert.deepEqual(localVolumeNodeNames(pv('x', required)), ['b', 'c', 'd']);
    assert.deepEqual(localVolumeNodeNames(pv('x')), []);
  });

  test('Filter without PreFilter state is an error', () => {
    const s = new VolumeBinding({ cluster: new FakeCluster(), clock: realClock }).filter(new CycleState(), new PodInfo(podWith('x')), nodes[0]!);
    assert.equal(s?.code, Code.Error);
  });

  test('a PV change only requeues pods with claims', () => {
    const pl = new VolumeBinding({ cluster: new FakeCluster(), clock: realClock });
    const hint = pl.eventsToRegister().find((e) => e.event.resource === 'PersistentVolume')!.hint!;
    assert.equal(hint(new PodInfo(podWith('data')), undefined, pv('pv1')), 1);
    assert.equal(hint(new PodInfo(makePod({ name: 'q' })), undefined, pv('pv1')), 0);
  });

  test('PreBind names the node on unbound WaitForFirstConsumer claims and waits until they are bound', async () => {
    const c = cluster({ StorageClass: [{ metadata: { name: 'wffc' }, volumeBindingMode: 'WaitForFirstConsumer' }], PersistentVolumeClaim: [pvc('data', { cls: 'wffc' })] });
    const written: string[] = [];
    c.annotateClaim = async (ns, name, annotations) => {
      written.push(`${ns}/${name} ${JSON.stringify(annotations)}`);
      // The PV controller provisions and binds a moment later.
      setTimeout(() => c.addObject('PersistentVolumeClaim', pvc('data', { cls: 'wffc', volumeName: 'pvc-1', annotations: { ...annotations, ...BOUND } })), 20);
    };
    const pl = new VolumeBinding({ cluster: c, clock: realClock });
    const state = new CycleState();
    const pi = new PodInfo(podWith('data'));
    assert.equal(pl.preFilter(state, pi), null);
    // The real clock's timers do not hold the process open; this does, while PreBind waits.
    const keep = setInterval(() => {}, 1000);
    assert.equal(await pl.preBind(state, pi, 'n2').finally(() => clearInterval(keep)), null);
    assert.deepEqual(written, ['default/data {"volume.kubernetes.io/selected-node":"n2"}']);
  });

  test('PreBind gives up after bindTimeoutSeconds with upstream\'s error', async () => {
    const c = cluster({ StorageClass: [{ metadata: { name: 'wffc' }, volumeBindingMode: 'WaitForFirstConsumer' }], PersistentVolumeClaim: [pvc('data', { cls: 'wffc' })] });
    c.annotateClaim = async () => {};
    const clock = new ManualClock(0);
    const pl = new VolumeBinding({ cluster: c, clock }, 2);
    const state = new CycleState();
    const pi = new PodInfo(podWith('data'));
    pl.preFilter(state, pi);
    const result = pl.preBind(state, pi, 'n1');
    for (let i = 0; i < 60; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(50);
    }
    const s = await result;
    assert.equal(s?.code, Code.Error);
    assert.equal(s?.message(), 'binding volumes: timed out waiting for the condition');
  });
});
