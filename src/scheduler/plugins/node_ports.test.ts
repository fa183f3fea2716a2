import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../framework/cycle_state.ts';
import { Code } from '../framework/status.ts';
import { NodeInfo, PodInfo } from '../framework/types.ts';
import { makeNode, makePod } from '../testing.ts';
import { ERR_REASON_NODE_PORTS, NodePorts } from './node_ports.ts';

type HP = { port: number; protocol?: string; ip?: string };

const cases: { name: string; want: HP[]; used: HP[]; fits: boolean | 'skip' }[] = [
  { name: 'no host ports: PreFilter skips', want: [], used: [{ port: 80 }], fits: 'skip' },
  { name: 'free port', want: [{ port: 8080 }], used: [{ port: 80 }], fits: true },
  { name: 'same port and protocol', want: [{ port: 80 }], used: [{ port: 80 }], fits: false },
  { name: 'same port, other protocol', want: [{ port: 53, protocol: 'UDP' }], used: [{ port: 53, protocol: 'TCP' }], fits: true },
  { name: 'different specific addresses', want: [{ port: 80, ip: '10.0.0.1' }], used: [{ port: 80, ip: '10.0.0.2' }], fits: true },
  { name: 'the wildcard address conflicts with a specific one', want: [{ port: 80 }], used: [{ port: 80, ip: '10.0.0.2' }], fits: false },
  { name: 'a specific address conflicts with the wildcard', want: [{ port: 80, ip: '10.0.0.1' }], used: [{ port: 80, ip: '0.0.0.0' }], fits: false },
];

for (const tc of cases) {
  test(`NodePorts: ${tc.name}`, () => {
    const pl = new NodePorts();
    const ni = new NodeInfo(makeNode({ name: 'n' }), [new PodInfo(makePod({ name: 'e', nodeName: 'n', hostPorts: tc.used }))]);
    const pi = new PodInfo(makePod({ name: 'p', hostPorts: tc.want }));
    const state = new CycleState();
    const pre = pl.preFilter(state, pi);
    if (tc.fits === 'skip') {
      assert.equal(pre?.code, Code.Skip);
      return;
    }
    assert.equal(pre, null);
    const s = pl.filter(state, pi, ni);
    if (tc.fits) assert.equal(s, null);
    else {
      assert.equal(s?.code, Code.Unschedulable);
      assert.deepEqual([...s!.reasons], [ERR_REASON_NODE_PORTS]);
    }
  });
}

test('NodePorts: a freed port is released on the node', () => {
  const ni = new NodeInfo(makeNode({ name: 'n' }), [new PodInfo(makePod({ name: 'e', nodeName: 'n', hostPorts: [{ port: 80 }] }))]);
  assert.ok(ni.removePod('uid-default-e'));
  const pi = new PodInfo(makePod({ name: 'p', hostPorts: [{ port: 80 }] }));
  const state = new CycleState();
  new NodePorts().preFilter(state, pi);
  assert.equal(new NodePorts().filter(state, pi, ni), null);
});
