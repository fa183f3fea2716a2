// The metrics API and the HorizontalPodAutoscaler end to end: simulated nodes report usage
// computed from rules (here from a pod annotation the test sets), `kubectl top` prints it, and
// an HPA made by `kubectl autoscale` scales the Deployment up when usage rises and back down
// once the (shortened) stabilization window has passed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resources } from '../../src/client/index.ts';
import { missingClient, startCluster, waitFor, type TestCluster } from './harness.ts';

const STABILIZATION_MS = 6_000;

describe('metrics and autoscaling on simulated nodes', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster({
      components: {
        controllerConfig: { hpaSyncPeriodMs: 1_000, hpaDownscaleStabilizationMs: STABILIZATION_MS, hpaCpuInitializationPeriodMs: 1_000, hpaInitialReadinessDelayMs: 500 },
      },
      sim: {
        nodes: [{ prefix: 'm', count: 2, capacity: { cpu: '4', memory: '8Gi', pods: '110' } }],
        podReadyMs: 100,
        metricsSeconds: 1,
        usage: [
          {
            selector: { matchLabels: { app: 'load' } },
            cpu: "has(pod.metadata.annotations) && 'load' in pod.metadata.annotations ? pod.metadata.annotations['load'] : '10m'",
            memory: '20Mi',
          },
        ],
      },
    });
  });
  after(async () => {
    await c?.stop();
  });

  const replicas = async () => (await c.client.get(resources.deployments, 'default', 'load')).spec.replicas as number;

  it('kubectl top nodes and top pods print what the nodes report', async () => {
    await c.k('create', 'deployment', 'load', '--image=nginx', '--replicas=1');
    await c.k('set', 'resources', 'deployment', 'load', '--requests=cpu=100m,memory=64Mi');
    assert.equal((await c.kubectl(['rollout', 'status', 'deployment/load', '--timeout=60s'])).code, 0);
    const nodes = await waitFor('node metrics', async () => {
      const r = await c.kubectl(['top', 'nodes']);
      return r.code === 0 && /m-0/.test(r.stdout) && /m-1/.test(r.stdout) ? r.stdout : undefined;
    }, 20_000);
    assert.match(nodes, /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\s*\n/);
    assert.match(nodes, /\nm-0\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
    const pods = await waitFor('pod metrics', async () => {
      const r = await c.kubectl(['top', 'pods', '-l', 'app=load']);
      return r.code === 0 && /load-/.test(r.stdout) ? r.stdout : undefined;
    }, 20_000);
    assert.match(pods, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nload-[a-z0-9]+-[a-z0-9]{5}\s+10m\s+20Mi\s*\n$/);
  });

  it('an HPA scales up when reported cpu rises and back down after the stabilization window', async () => {
    await c.k('autoscale', 'deployment', 'load', '--cpu-percent=50', '--min=1', '--max=4');
    await waitFor('the HPA to see 10% of the request', async () => {
      const t = await c.k('get', 'hpa', 'load', '--no-headers');
      return /10%\/50%/.test(t) ? t : undefined;
    }, 20_000);
    assert.equal(await replicas(), 1, 'below target: no change');

    await c.k('annotate', 'pods', '-l', 'app=load', 'load=900m', '--overwrite');
    await waitFor('scaled up to the maximum', async () => ((await replicas()) === 4 ? true : undefined), 30_000);
    const events = await c.k('get', 'events', '--field-selector', 'reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}');
    assert.match(events, /New size: 4; reason: cpu resource utilization \(percentage of request\) above target/);
    assert.equal((await c.kubectl(['rollout', 'status', 'deployment/load', '--timeout=60s'])).code, 0);

    const calm = Date.now();
    await c.k('annotate', 'pods', '-l', 'app=load', 'load=10m', '--overwrite');
    await waitFor('scaled back down', async () => ((await replicas()) === 1 ? true : undefined), 60_000);
    const took = Date.now() - calm;
    assert.ok(took >= STABILIZATION_MS - 3_000, `not before the stabilization window (${took} ms)`);
    const hpa = await c.client.get({ ...resources.deployments, group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler' }, 'default', 'load');
    assert.equal(hpa.status.desiredReplicas, 1);
    const able = (hpa.status.conditions as Record<string, string>[]).find((x) => x.type === 'AbleToScale');
    assert.equal(able?.status, 'True');
  });
});
