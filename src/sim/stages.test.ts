import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../util/clock.ts';
import { defaultStages } from './default-stages.ts';
import { delayOf, field, fill, pickStage, stageMatches, type Stage } from './stages.ts';

const pod = (extra: Record<string, any> = {}) => ({
  kind: 'Pod',
  metadata: { name: 'p', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'a' }, ...(extra.metadata ?? {}) },
  spec: { nodeName: 'n1', containers: [{ name: 'web', image: 'nginx' }, { name: 'side', image: 'busybox' }] },
  status: { qosClass: 'BestEffort', ...(extra.status ?? {}) },
});

describe('stage selection', () => {
  const stages = defaultStages();
  const cases: [string, Record<string, any>, string | undefined][] = [
    ['a new pod becomes ready', pod(), 'pod-ready'],
    ['a running pod stays', pod({ status: { podIP: '10.0.0.1', phase: 'Running' } }), undefined],
    ['a running Job pod completes', { ...pod({ status: { podIP: '10.0.0.1', phase: 'Running' } }), metadata: { ...pod().metadata, ownerReferences: [{ kind: 'Job', name: 'j' }] } }, 'pod-complete'],
    ['a pod being deleted goes', pod({ metadata: { deletionTimestamp: '2026-01-01T00:00:30Z' } }), 'pod-delete'],
    ['a new node initializes', { kind: 'Node', metadata: { name: 'n1' }, status: {} }, 'node-initialize'],
    ['an initialized node stays', { kind: 'Node', metadata: { name: 'n1' }, status: { nodeInfo: { kubeletVersion: 'v1' } } }, undefined],
  ];
  for (const [name, obj, want] of cases) {
    it(name, () => assert.equal(pickStage(stages, obj, () => 0)?.name, want));
  }

  it('selectors: labels, annotations and each operator', () => {
    const s = (sel: Stage['selector']): Stage => ({ name: 's', kind: 'Pod', selector: sel, next: {} });
    const p = pod({ metadata: { annotations: { x: 'y' } } });
    assert.ok(stageMatches(s({ matchLabels: { app: 'a' } }), p));
    assert.ok(!stageMatches(s({ matchLabels: { app: 'b' } }), p));
    assert.ok(stageMatches(s({ matchAnnotations: { x: 'y' } }), p));
    assert.ok(!stageMatches(s({ matchAnnotations: { x: 'z' } }), p));
    assert.ok(stageMatches(s({ matchExpressions: [{ key: '.spec.nodeName', operator: 'In', values: ['n1', 'n2'] }] }), p));
    assert.ok(!stageMatches(s({ matchExpressions: [{ key: '.spec.nodeName', operator: 'NotIn', values: ['n1'] }] }), p));
    assert.ok(stageMatches(s({ matchExpressions: [{ key: '.spec.missing', operator: 'NotIn', values: ['n1'] }] }), p));
    assert.ok(stageMatches(s({ matchExpressions: [{ key: '.spec.containers[1].name', operator: 'In', values: ['side'] }] }), p));
    assert.ok(!stageMatches({ ...s({}), kind: 'Node' }, p), 'kind must match');
  });

  it('weights draw among matching stages', () => {
    const a: Stage = { name: 'a', kind: 'Pod', weight: 1, next: {} };
    const b: Stage = { name: 'b', kind: 'Pod', weight: 3, next: {} };
    assert.equal(pickStage([a, b], pod(), () => 0.2)?.name, 'a');
    assert.equal(pickStage([a, b], pod(), () => 0.3)?.name, 'b');
    assert.equal(pickStage([a, b], pod(), () => 0.99)?.name, 'b');
  });
});

describe('delays and templates', () => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  it('a delay is the duration plus jitter up to the jitter bound', () => {
    const s: Stage = { name: 's', kind: 'Pod', delay: { durationMilliseconds: 1000, jitterDurationMilliseconds: 5000 }, next: {} };
    assert.equal(delayOf(s, pod(), clock, () => 0), 1000);
    assert.equal(delayOf(s, pod(), clock, () => 0.5), 3000);
    assert.equal(delayOf({ ...s, delay: undefined }, pod(), clock, () => 0.5), 0);
  });
  it('durationFrom waits until the time a field holds', () => {
    const s: Stage = { name: 's', kind: 'Pod', delay: { durationFrom: '.metadata.deletionTimestamp' }, next: {} };
    assert.equal(delayOf(s, pod({ metadata: { deletionTimestamp: '2026-01-01T00:00:30Z' } }), clock, () => 0), 30_000);
    assert.equal(delayOf(s, pod({ metadata: { deletionTimestamp: '2025-12-31T00:00:00Z' } }), clock, () => 0), 0);
  });
  it('fills placeholders, copies whole values, and maps lists', () => {
    const ready = defaultStages().find((s) => s.name === 'pod-ready')!;
    const status = fill(ready.next.statusTemplate, pod(), { now: '2026-01-01T00:00:05Z', nodeIP: '10.1.0.1', podIP: '10.2.0.7' }) as Record<string, any>;
    assert.equal(status.phase, 'Running');
    assert.equal(status.podIP, '10.2.0.7');
    assert.deepEqual(status.hostIPs, [{ ip: '10.1.0.1' }]);
    assert.equal(status.qosClass, 'BestEffort');
    assert.deepEqual(
      status.containerStatuses.map((c: Record<string, any>) => [c.name, c.image, c.containerID, c.state.running.startedAt]),
      [
        ['web', 'nginx', 'sim://u1/web', '2026-01-01T00:00:05Z'],
        ['side', 'busybox', 'sim://u1/side', '2026-01-01T00:00:05Z'],
      ],
    );
    assert.equal(status.conditions.find((c: Record<string, any>) => c.type === 'PodScheduled').lastTransitionTime, '2026-01-01T00:00:00Z');
    const node = fill(defaultStages()[0]!.next.statusTemplate, { metadata: { name: 'n1', uid: 'x' }, status: { capacity: { cpu: '4', pods: '110' } } }, { now: 't', nodeIP: '10.1.0.1' }) as Record<string, any>;
    assert.deepEqual(node.allocatable, { cpu: '4', pods: '110' });
    assert.deepEqual(node.addresses[0], { type: 'InternalIP', address: '10.1.0.1' });
  });
  it('field reads paths with indexes and tolerates missing parts', () => {
    assert.equal(field({ a: [{ b: 1 }] }, '.a[0].b'), 1);
    assert.equal(field({ a: null }, '.a.b'), undefined);
    assert.equal(field('x', '.a'), undefined);
  });
});
