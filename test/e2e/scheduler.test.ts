// The scheduler on simulated nodes, driven with the real kubectl: placement by node selector,
// affinity, taints and tolerations, anti-affinity, topology spread and priority (preemption),
// the FailedScheduling event in `kubectl describe`, and `kubelite explain pod`.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { missingClient, run, startCluster, waitFor, type TestCluster } from './harness.ts';

const BIN = fileURLToPath(new URL('../../bin/kubelite.mjs', import.meta.url));

describe('scheduler on simulated nodes', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
    c = await startCluster({
      components: true,
      sim: {
        nodes: [
          { prefix: 'a', count: 2, capacity, labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
          { prefix: 'b', count: 1, capacity, labels: { 'topology.kubernetes.io/zone': 'zone-b', disk: 'ssd' } },
          { prefix: 'gpu', count: 1, capacity, labels: { 'topology.kubernetes.io/zone': 'zone-c' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
        ],
      },
    });
  });
  after(async () => {
    await c?.stop();
  });

  const apply = async (yaml: string) => {
    const r = await c.kubectl(['apply', '-f', '-'], { stdin: yaml });
    assert.equal(r.code, 0, r.stderr);
  };
  const nodeOf = (pod: string) => waitFor(`${pod} to be scheduled`, async () => (await c.k('get', 'pod', pod, '-o', 'jsonpath={.spec.nodeName}')) || undefined);
  const failure = (pod: string) =>
    waitFor(`${pod}'s FailedScheduling`, async () => (await c.k('get', 'pod', pod, '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}')) || undefined);
  const pod = (name: string, spec: string, labels = '{}') => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: ${labels}}\nspec:\n${spec}  containers: [{name: c, image: nginx, resources: {requests: {cpu: 100m}}}]\n---\n`;

  it('nodeSelector and required node affinity pick the matching node', async () => {
    await apply(pod('on-ssd', '  nodeSelector: {disk: ssd}\n'));
    await apply(
      pod(
        'in-zone-a',
        '  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms: [{matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [zone-a]}]}]\n',
      ),
    );
    assert.equal(await nodeOf('on-ssd'), 'b-0');
    assert.match(await nodeOf('in-zone-a'), /^a-[01]$/);
    // The simulated node runs it.
    await waitFor('on-ssd to run', async () => ((await c.k('get', 'pod', 'on-ssd', '-o', 'jsonpath={.status.phase}')) === 'Running' ? true : undefined));
  });

  it('a taint keeps pods off unless they tolerate it; the failure reads as upstream words it', async () => {
    await apply(pod('no-toleration', '  nodeSelector: {topology.kubernetes.io/zone: zone-c}\n'));
    await apply(pod('tolerates', '  nodeSelector: {topology.kubernetes.io/zone: zone-c}\n  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]\n'));
    assert.equal(await nodeOf('tolerates'), 'gpu-0');
    const message = await failure('no-toleration');
    assert.equal(
      message,
      "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
    );
    const described = await c.k('describe', 'pod', 'no-toleration');
    assert.match(described, /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/4 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}/);
  });

  it('kubelite explain pod shows every filter on every node and the scores', async () => {
    const env = { KUBECONFIG: c.kubeconfigPath, HOME: c.dir };
    const failed = await run(process.execPath, [BIN, 'explain', 'pod', 'no-toleration'], { env });
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stdout, /^Pod:\s+default\/no-toleration$/m);
    assert.match(failed.stdout, /^Result:\s+Unschedulable$/m);
    assert.match(failed.stdout, /^NODE\s+NODEUNSCHEDULABLE\s+NODENAME\s+TAINTTOLERATION\s+NODEAFFINITY/m);
    assert.match(failed.stdout, /^gpu-0\s+ok\s+ok\s+node\(s\) had untolerated taint \{dedicated: gpu\}\s+ok\s.*rejected$/m);
    assert.match(failed.stdout, /^a-0\s+ok\s+ok\s+ok\s+node\(s\) didn't match Pod's node affinity\/selector\s.*rejected$/m);
    const placed = await run(process.execPath, [BIN, 'explain', 'pod', 'in-zone-a'], { env });
    assert.equal(placed.code, 0, placed.stderr);
    assert.match(placed.stdout, /^Result:\s+Scheduled on a-[01]$/m);
    assert.match(placed.stdout, /^Scores \(weight in brackets; total = sum of score x weight\), best 2:$/m);
    assert.match(placed.stdout, /NODERESOURCESFIT\(1\)/);
    const missing = await run(process.execPath, [BIN, 'explain', 'pod', 'nope'], { env });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'kubelite: error: pods "nope" not found in namespace "default"\n');
  });

  it('required anti-affinity spreads pods one per node and leaves the extra one pending', async () => {
    const anti =
      '  affinity:\n    podAntiAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: solo}}}]\n';
    await apply([1, 2, 3, 4].map((i) => pod(`solo-${i}`, anti, '{app: solo}')).join(''));
    const nodes = await Promise.all([1, 2, 3].map((i) => nodeOf(`solo-${i}`)));
    assert.equal(new Set(nodes).size, 3, `one per node: ${nodes}`);
    assert.ok(!nodes.includes('gpu-0'));
    assert.match(await failure('solo-4'), /^0\/4 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 3 node\(s\) didn't match pod anti-affinity rules\./);
  });

  it('topology spread alternates zones', async () => {
    // With the default nodeTaintsPolicy (Ignore) the tainted zone-c would count as an empty
    // domain and hold the third pod back, as upstream; Honor leaves it out.
    const spread =
      '  topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, nodeTaintsPolicy: Honor, labelSelector: {matchLabels: {app: spread}}}]\n';
    const zones: string[] = [];
    for (let i = 1; i <= 4; i++) {
      await apply(pod(`spread-${i}`, spread, '{app: spread}'));
      const node = await nodeOf(`spread-${i}`);
      zones.push(node.startsWith('a-') ? 'zone-a' : node.startsWith('b-') ? 'zone-b' : 'zone-c');
    }
    assert.deepEqual(zones.filter((z) => z === 'zone-a').length, 2);
    assert.deepEqual(zones.filter((z) => z === 'zone-b').length, 2);
  });

  it('a higher-priority pod preempts a lower-priority one when nothing else fits', async () => {
    await apply('apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n');
    // Fill b-0 with a low-priority pod that leaves no room for a 3-cpu request.
    await apply(`apiVersion: v1\nkind: Pod\nmetadata: {name: filler}\nspec:\n  nodeSelector: {disk: ssd}\n  containers: [{name: c, image: nginx, resources: {requests: {cpu: "3500m"}}}]\n`);
    assert.equal(await nodeOf('filler'), 'b-0');
    await apply(`apiVersion: v1\nkind: Pod\nmetadata: {name: vip}\nspec:\n  priorityClassName: high\n  nodeSelector: {disk: ssd}\n  containers: [{name: c, image: nginx, resources: {requests: {cpu: "3"}}}]\n`);
    assert.equal(await nodeOf('vip'), 'b-0');
    await waitFor('the victim to be gone', async () => ((await c.kubectl(['get', 'pod', 'filler'])).code === 1 ? true : undefined));
    assert.match(await c.k('get', 'events', '--field-selector', 'involvedObject.name=filler'), /Preempted/);
  });
});
