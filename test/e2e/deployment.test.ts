// Deployments end to end with the real kubectl: the controller manager (ReplicaSet and
// Deployment controllers), the scheduler and simulated nodes together, as in a cluster.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SimNodes } from '../../src/sim/nodes.ts';
import { missingClient, startCluster, waitFor, type TestCluster } from './harness.ts';

describe('deployments on simulated nodes', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    // The scheduler and the controllers as in `kubelite up`: each as its own user, so RBAC is real.
    c = await startCluster({ components: true, sim: { nodes: [{ prefix: 'n', count: 3, capacity: { cpu: '8', memory: '16Gi', pods: '110' } }] } });
  });
  after(async () => {
    await c?.stop();
  });

  const pods = async () => (await c.k('get', 'pods', '-l', 'app=web', '--no-headers')).split('\n').filter(Boolean);

  it('kubectl create deployment runs its pods and rollout status waits for them', async () => {
    await c.k('create', 'deployment', 'web', '--image=nginx:1.26', '--replicas=3');
    const status = await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /deployment "web" successfully rolled out/);
    const running = await pods();
    assert.equal(running.length, 3);
    for (const line of running) assert.match(line, /^web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running/);
    assert.match(await c.k('get', 'deployment', 'web'), /web\s+3\/3\s+3\s+3/);
  });

  it('a Service gets Endpoints and an EndpointSlice of the running pods', async () => {
    await c.k('expose', 'deployment', 'web', '--port=80');
    const addresses = await waitFor('3 endpoints', async () => {
      const ips = (await c.k('get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}')).split(' ').filter(Boolean);
      return ips.length === 3 ? ips : undefined;
    }, 30_000);
    for (const ip of addresses) assert.match(ip, /^10\.64\.\d+\.\d+$/);
    assert.equal(await c.k('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[0].endpoints[*].conditions.ready}'), 'true true true');
  });

  it('scales up and down', async () => {
    await c.k('scale', 'deployment', 'web', '--replicas=5');
    await waitFor('5 pods', async () => ((await pods()).length === 5 ? true : undefined), 30_000);
    await c.k('scale', 'deployment', 'web', '--replicas=2');
    await waitFor('2 pods', async () => ((await pods()).filter((l) => /Running/.test(l)).length === 2 && (await pods()).length === 2 ? true : undefined), 30_000);
  });

  it('a new image rolls out, history has both revisions, and undo goes back', async () => {
    await c.k('set', 'image', 'deployment/web', 'nginx=nginx:1.27');
    const status = await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(await c.k('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[0].image}'), 'nginx:1.27 nginx:1.27');
    const history = await c.k('rollout', 'history', 'deployment/web');
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    await c.k('rollout', 'undo', 'deployment/web');
    const back = await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.equal(back.code, 0, back.stderr);
    await waitFor('the old image back', async () =>
      (await c.k('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[0].image}')) === 'nginx:1.26 nginx:1.26' ? true : undefined,
    30_000);
    assert.equal(await c.k('get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}'), '3');
  });
});

describe('daemonsets and statefulsets on simulated nodes', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  let more: SimNodes | undefined;
  before(async () => {
    c = await startCluster({ components: true, sim: { nodes: [{ prefix: 'n', count: 3 }] } });
  });
  after(async () => {
    await more?.stop();
    await c?.stop();
  });

  it('a DaemonSet covers every node and follows a new one', async () => {
    await c.kubectl(['apply', '-f', '-'], {
      stdin: 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {containers: [{name: a, image: busybox}]}\n',
    });
    const status = await c.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=60s']);
    assert.equal(status.code, 0, status.stderr);
    const nodesOf = async () => (await c.k('get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={.items[*].spec.nodeName}')).split(' ').filter(Boolean).sort();
    assert.deepEqual(await nodesOf(), ['n-0', 'n-1', 'n-2']);
    more = new SimNodes({ client: c.client, config: { nodes: [{ prefix: 'late', count: 1 }] } });
    await more.start();
    await waitFor('a pod on the new node', async () => ((await nodesOf()).includes('late-0') ? true : undefined), 30_000);
  });

  // (Without a PV controller, claims from volumeClaimTemplates stay unbound and the scheduler
  // keeps such pods pending, as upstream would; the controller's tests cover the claims.)
  it('a StatefulSet starts its pods in order', async () => {
    await c.kubectl(['apply', '-f', '-'], {
      stdin:
        'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  replicas: 3\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: d, image: postgres}]}\n',
    });
    const status = await c.kubectl(['rollout', 'status', 'statefulset/db', '--timeout=60s']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(await c.k('get', 'pods', '-l', 'app=db', '-o', 'jsonpath={.items[*].metadata.name}'), 'db-0 db-1 db-2');
    const created = (await c.k('get', 'pods', '-l', 'app=db', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.creationTimestamp} {end}')).trim().split(' ');
    const times = created.map((x) => Date.parse(x.split('=')[1]!));
    assert.ok(times[0]! <= times[1]! && times[1]! <= times[2]!, `created in order: ${created}`);
  });
});

describe('jobs on simulated nodes', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster({ components: true, sim: { nodes: [{ prefix: 'n', count: 2 }], jobCompleteMs: 50 } });
  });
  after(async () => {
    await c?.stop();
  });

  it('a Job runs its pods to completion and kubectl wait sees it complete', async () => {
    await c.k('create', 'job', 'pi', '--image=perl:5.34');
    const done = await c.kubectl(['wait', '--for=condition=complete', 'job/pi', '--timeout=60s']);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'job.batch/pi condition met\n');
    assert.match(await c.k('get', 'job', 'pi'), /pi\s+Complete\s+1\/1/);
  });
});
