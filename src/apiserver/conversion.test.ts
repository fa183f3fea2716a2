// HorizontalPodAutoscalers are stored once (autoscaling/v2) and served converted in each version.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Resource } from '../client/index.ts';
import { startEnv, type TestEnv } from '../client/test-env.ts';

const hpa = (version: string): Resource => ({ group: 'autoscaling', version, resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true });
let env: TestEnv;
before(async () => {
  env = await startEnv();
});
after(() => env.close());

test('an HPA written as v2 reads as v1 with the v2-only metrics in annotations, and back unchanged', async () => {
  const created = await env.client.create(hpa('v2'), 'default', {
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      ],
    },
  });
  const v1 = await env.client.get(hpa('v1'), 'default', 'web');
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 60);
  assert.equal(v1.spec.metrics, undefined);
  assert.match(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'], /"name":"memory"/);
  // A v1 client that writes back what it read loses nothing of the v2 object.
  v1.spec.maxReplicas = 7;
  await env.client.update(hpa('v1'), 'default', v1);
  const v2 = await env.client.get(hpa('v2'), 'default', 'web');
  assert.equal(v2.spec.maxReplicas, 7);
  assert.deepEqual(v2.spec.metrics, created.spec.metrics);
  assert.equal(v2.metadata.annotations, undefined);
});

test('an HPA written as v1 reads as v2 with a cpu Utilization metric', async () => {
  await env.client.create(hpa('v1'), 'default', {
    metadata: { name: 'api' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
  });
  const v2 = await env.client.get(hpa('v2'), 'default', 'api');
  assert.equal(v2.apiVersion, 'autoscaling/v2');
  assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
  const list = await env.client.list(hpa('v1'), 'default');
  assert.deepEqual(list.items.map((i) => [i.apiVersion ?? list.apiVersion, i.metadata.name, i.spec.targetCPUUtilizationPercentage]).sort(), [
    ['autoscaling/v1', 'api', 50],
    ['autoscaling/v1', 'web', 60],
  ]);
});
