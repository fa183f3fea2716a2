import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../util/clock.ts';
import { UsageRules } from './usage.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const pod = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({
  metadata: { name: 'p', namespace: 'ns', labels, annotations, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { containers: [{ name: 'web' }, { name: 'side' }] },
  status: { phase: 'Running', startTime: '2026-01-01T00:00:00Z' },
});

describe('usage rules', () => {
  it('first match wins, per container, with KWOK defaults otherwise', () => {
    const rules = new UsageRules([
      { selector: { matchLabels: { app: 'web' } }, containers: ['web'], cpu: '500m', memory: '128Mi' },
      { selector: { matchLabels: { app: 'web' } }, cpu: '200m', memory: '64Mi' },
      { namespace: 'elsewhere', cpu: '9', memory: '9Gi' },
    ]);
    assert.deepEqual(rules.podUsage(pod({ app: 'web' }), undefined, T0), [
      { name: 'web', usage: { cpu: '500m', memory: '128Mi' } },
      { name: 'side', usage: { cpu: '200m', memory: '64Mi' } },
    ]);
    assert.deepEqual(rules.podUsage(pod({ app: 'db' }), undefined, T0)[0], { name: 'web', usage: { cpu: '1m', memory: '1Mi' } });
  });

  it('evaluates CEL expressions over the pod and time', () => {
    const clock = new ManualClock(T0);
    const rules = new UsageRules([
      { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, cpu: "sinceSeconds > 60.0 ? '800m' : '100m'", memory: "'sim.kubelite.dev/mem' in pod.metadata.annotations ? pod.metadata.annotations['sim.kubelite.dev/mem'] : quantity('32Mi')" },
    ]);
    const p = pod({ app: 'web' }, { 'sim.kubelite.dev/mem': '300Mi' });
    assert.deepEqual(rules.podUsage(p, undefined, clock.now())[0]!.usage, { cpu: '100m', memory: '300Mi' });
    clock.advance(61_000);
    assert.deepEqual(rules.podUsage(pod({ app: 'web' }), undefined, clock.now())[0]!.usage, { cpu: '800m', memory: '32Mi' });
  });

  it('rejects bad rules and bad results', () => {
    assert.throws(() => new UsageRules([{ cpu: 'pod.(', memory: '1Mi' }]), /usage\[0\]\.cpu/);
    const rules = new UsageRules([{ cpu: "'not a quantity'", memory: '1Mi' }]);
    assert.throws(() => rules.podUsage(pod({}), undefined, T0), /usage cpu/);
  });
});
