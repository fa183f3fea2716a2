import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resources } from '../client/index.ts';
import { startEnv, until, type TestEnv } from '../client/test-env.ts';
import { ManualClock } from '../util/clock.ts';
import type { NodeReport } from '../metrics/index.ts';
import { SimNodes } from './nodes.ts';
import { rfc3339 } from '../util/time.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SimNodes metrics and heartbeats', () => {
  let env: TestEnv;
  let sim: SimNodes;
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const reports: [string, NodeReport][] = [];
  before(async () => {
    env = await startEnv({ builtinControllers: false });
    sim = new SimNodes({
      client: env.client,
      clock,
      random: () => 0,
      config: { nodes: [{ prefix: 'n', count: 2 }], podReadyMs: 1000, usage: [{ selector: { matchLabels: { app: 'web' } }, cpu: "sinceSeconds >= 30.0 ? '800m' : '100m'", memory: '64Mi' }] },
      onMetrics: (node, r) => void reports.push([node, r]),
    });
    await sim.start();
  });
  after(async () => {
    await sim.stop();
    await env.close();
  });
  const renewTime = async (node: string) => (await env.client.get(resources.leases, 'kube-node-lease', node)).spec.renewTime as string;

  it('reports running pods usage through the callback', async () => {
    // builtinControllers: false means no ServiceAccount controller, and admission wants one.
    await env.client.create(resources.serviceaccounts, 'default', { metadata: { name: 'default' } });
    await env.client.create(resources.pods, 'default', { metadata: { name: 'web', labels: { app: 'web' } }, spec: { nodeName: 'n-0', containers: [{ name: 'c', image: 'nginx' }] } });
    let phase = '';
    for (let i = 0; i < 100 && phase !== 'Running'; i++) {
      clock.advance(500);
      await sleep(20);
      phase = (await env.client.get(resources.pods, 'default', 'web')).status?.phase ?? '';
    }
    assert.equal(phase, 'Running');
    await sleep(100);
    reports.length = 0;
    clock.advance(15_000);
    await until('a report for n-0', () => reports.some(([n]) => n === 'n-0'));
    const first = reports.find(([n]) => n === 'n-0')![1];
    assert.deepEqual(first.pods.map((p) => [p.name, p.containers[0]!.usage.cpu]), [['web', '100m']]);
    assert.equal(first.usage.cpu, '200m', 'node usage is the base 100m plus its pods');
    assert.equal(first.windowSeconds, 15);
    reports.length = 0;
    // Each report schedules the next once it is done, so time moves one period at a time.
    await sleep(100);
    clock.advance(15_000);
    await until('a second report', () => reports.filter(([n]) => n === 'n-0').length >= 1);
    await sleep(100);
    clock.advance(15_000);
    await until('a third report', () => reports.filter(([n]) => n === 'n-0').length >= 2);
    assert.equal(reports.filter(([n]) => n === 'n-0').at(-1)![1].pods[0]!.containers[0]!.usage.cpu, '800m');
  });

  it('stops and resumes a node heartbeat', async () => {
    const before = await renewTime('n-1');
    sim.stopHeartbeats('n-1');
    reports.length = 0;
    clock.advance(10_000);
    await sleep(200);
    const other = await renewTime('n-0');
    assert.ok(Date.parse(other) > Date.parse(before));
    assert.equal(await renewTime('n-1'), before, 'a silent node does not renew its Lease');
    clock.advance(15_000);
    await sleep(200);
    assert.ok(!reports.some(([n]) => n === 'n-1'), 'a silent node reports no metrics');
    sim.resumeHeartbeats('n-1');
    await sleep(300);
    const after = await renewTime('n-1');
    assert.ok(Date.parse(after) > Date.parse(before));
    const node = await env.client.get(resources.nodes, undefined, 'n-1');
    const ready = node.status.conditions.find((c: any) => c.type === 'Ready');
    assert.equal(ready.lastHeartbeatTime, rfc3339(clock.now()), 'resuming posts the status at once');
  });
});
