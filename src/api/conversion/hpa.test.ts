import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hpaToV1,
  hpaToV2,
  convertHpa,
  METRIC_SPECS_ANNOTATION,
  METRIC_STATUSES_ANNOTATION,
  CONDITIONS_ANNOTATION,
  BEHAVIOR_SPECS_ANNOTATION,
} from './hpa.ts';

const cpuUtil = (n: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });

function richV2(): Record<string, any> {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', annotations: { owner: 'team-a' } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        { type: 'Pods', pods: { metric: { name: 'qps', selector: { matchLabels: { a: 'b' } } }, target: { type: 'AverageValue', averageValue: '10' } } },
        {
          type: 'Object',
          object: {
            describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' },
            metric: { name: 'hits' },
            target: { type: 'Value', value: '2k' },
          },
        },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '30' } } },
        cpuUtil(75),
      ],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }], tolerance: '50m' },
      },
    },
    status: {
      observedGeneration: 3,
      lastScaleTime: '2024-05-01T10:00:00Z',
      currentReplicas: 3,
      desiredReplicas: 4,
      currentMetrics: [
        { type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '12' } } },
        { type: 'Resource', resource: { name: 'cpu', current: { averageValue: '210m', averageUtilization: 82 } } },
        { type: 'External', external: { metric: { name: 'queue' }, current: { value: '0', averageValue: '29' } } },
      ],
      conditions: [
        { type: 'AbleToScale', status: 'True', lastTransitionTime: '2024-05-01T09:00:00Z', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
        { type: 'ScalingActive', status: 'True', lastTransitionTime: '2024-05-01T09:00:00Z', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count' },
      ],
    },
  };
}

test('v2 → v1: CPU utilization becomes targetCPUUtilizationPercentage, the rest goes to annotations', () => {
  const v1 = hpaToV1(richV2());
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.deepEqual(v1.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 2,
    maxReplicas: 10,
    targetCPUUtilizationPercentage: 75,
  });
  assert.deepEqual(v1.status, {
    observedGeneration: 3,
    lastScaleTime: '2024-05-01T10:00:00Z',
    currentReplicas: 3,
    desiredReplicas: 4,
    currentCPUUtilizationPercentage: 82,
  });
  const ann = v1.metadata.annotations;
  assert.equal(ann.owner, 'team-a');
  const metrics = JSON.parse(ann[METRIC_SPECS_ANNOTATION]);
  assert.equal(metrics.length, 5, 'every metric but the CPU utilization one');
  assert.deepEqual(metrics[0], { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10', selector: { matchLabels: { a: 'b' } } } });
  assert.deepEqual(metrics[1], {
    type: 'Object',
    object: { target: { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' }, metricName: 'hits', targetValue: '2k' },
  });
  assert.deepEqual(metrics[2], { type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } });
  assert.deepEqual(metrics[3], { type: 'ContainerResource', containerResource: { name: 'cpu', targetAverageUtilization: 60, container: 'app' } });
  assert.deepEqual(metrics[4], { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'jobs' } }, targetAverageValue: '30' } });
  const current = JSON.parse(ann[METRIC_STATUSES_ANNOTATION]);
  assert.equal(current.length, 3, 'the CPU status is kept too, for its raw value');
  assert.deepEqual(current[1], { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 82, currentAverageValue: '210m' } });
  assert.deepEqual(current[2], { type: 'External', external: { metricName: 'queue', currentValue: '0', currentAverageValue: '29' } });
  assert.equal(JSON.parse(ann[CONDITIONS_ANNOTATION]).length, 2);
  assert.ok(ann[BEHAVIOR_SPECS_ANNOTATION]);
  assert.ok(!('metrics' in v1.spec) && !('behavior' in v1.spec), 'v2-only fields leave the v1 spec');
});

test('v2 → v1: annotation bytes match Go encoding (field order, internal Go names for behavior)', () => {
  const v1 = hpaToV1({
    apiVersion: 'autoscaling/v2',
    metadata: { name: 'x' },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'x' },
      maxReplicas: 3,
      metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }],
      behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] } },
    },
  });
  assert.equal(v1.metadata.annotations[METRIC_SPECS_ANNOTATION], '[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}}]');
  assert.equal(
    v1.metadata.annotations[BEHAVIOR_SPECS_ANNOTATION],
    '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15}],"Tolerance":null},"ScaleDown":null}',
  );
  assert.equal(v1.spec.targetCPUUtilizationPercentage, undefined, 'no CPU utilization metric');
});

test('v2 → v1: selectors with <, >, & are escaped as Go does', () => {
  const v1 = hpaToV1({
    apiVersion: 'autoscaling/v2',
    spec: { maxReplicas: 2, metrics: [{ type: 'External', external: { metric: { name: 'a&b<c>' }, target: { type: 'Value', value: '1' } } }] },
  });
  const raw: string = v1.metadata.annotations[METRIC_SPECS_ANNOTATION];
  assert.ok(raw.includes('a\\u0026b\\u003cc\\u003e'), raw);
  assert.equal(JSON.parse(raw)[0].external.metricName, 'a&b<c>');
});

test('upstream #101370: a CPU AverageValue metric before the Utilization one does not hide it', () => {
  const v1 = hpaToV1({
    apiVersion: 'autoscaling/v2',
    spec: {
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '300m' } } }, cpuUtil(70)],
    },
  });
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 70);
  assert.deepEqual(JSON.parse(v1.metadata.annotations[METRIC_SPECS_ANNOTATION]), [
    { type: 'Resource', resource: { name: 'cpu', targetAverageValue: '300m' } },
  ]);
});

test('upstream: v2 → v1 with only a CPU utilization metric needs no annotations', () => {
  const v1 = hpaToV1({ apiVersion: 'autoscaling/v2', metadata: { name: 'a' }, spec: { minReplicas: 1, maxReplicas: 3, metrics: [cpuUtil(60)] } });
  assert.deepEqual(v1.spec, { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 60 });
  assert.equal(v1.metadata.annotations, undefined);
});

test('v2 → v1 drops stale round-trip annotations the v2 object carried', () => {
  const v1 = hpaToV1({
    apiVersion: 'autoscaling/v2',
    metadata: { annotations: { [METRIC_SPECS_ANNOTATION]: '[{"type":"Pods"}]', [CONDITIONS_ANNOTATION]: '[]' } },
    spec: { maxReplicas: 2, metrics: [cpuUtil(50)] },
  });
  assert.equal(v1.metadata.annotations, undefined);
});

test('v1 → v2: targetCPUUtilizationPercentage becomes a Resource cpu Utilization metric', () => {
  const v2 = hpaToV2({
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'a' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'a' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 65 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 40 },
  });
  assert.equal(v2.apiVersion, 'autoscaling/v2');
  assert.deepEqual(v2.spec, { scaleTargetRef: { kind: 'Deployment', name: 'a' }, minReplicas: 1, maxReplicas: 5, metrics: [cpuUtil(65)] });
  assert.deepEqual(v2.status, {
    currentReplicas: 2,
    desiredReplicas: 2,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }],
  });
  assert.ok(!('targetCPUUtilizationPercentage' in v2.spec));
});

test('v1 → v2: no target and no metrics annotation is defaulted to 80% CPU by conversion', () => {
  const v2 = hpaToV2({ apiVersion: 'autoscaling/v1', spec: { maxReplicas: 5 } });
  assert.deepEqual(v2.spec.metrics, [cpuUtil(80)]);
  assert.equal(v2.spec.minReplicas, undefined, 'minReplicas is defaulting, not conversion');
  // and v1 then shows the 80 that was materialised, as kube-apiserver does
  assert.equal(hpaToV1(v2).spec.targetCPUUtilizationPercentage, 80);
});

test('v1 → v2: the annotation metrics come first and the target CPU metric last', () => {
  const v2 = hpaToV2({
    apiVersion: 'autoscaling/v1',
    metadata: { annotations: { [METRIC_SPECS_ANNOTATION]: '[{"type":"Resource","resource":{"name":"memory","targetAverageUtilization":70}}]', keep: 'me' } },
    spec: { maxReplicas: 4, targetCPUUtilizationPercentage: 50 },
  });
  assert.deepEqual(v2.spec.metrics, [
    { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } } },
    cpuUtil(50),
  ]);
  assert.deepEqual(v2.metadata.annotations, { keep: 'me' });
});

test('v1 → v2: v1-era Object/External shapes pick their target types as upstream does', () => {
  const v2 = hpaToV2({
    apiVersion: 'autoscaling/v1',
    metadata: {
      annotations: {
        [METRIC_SPECS_ANNOTATION]: JSON.stringify([
          { type: 'Object', object: { target: { kind: 'Service', name: 's' }, metricName: 'rps', targetValue: '0', averageValue: '5' } },
          { type: 'External', external: { metricName: 'q', targetValue: '7' } },
          { type: 'Pods', pods: { metricName: 'p', targetAverageValue: '1' } },
        ]),
      },
    },
    spec: { maxReplicas: 4 },
  });
  assert.deepEqual(v2.spec.metrics, [
    { type: 'Object', object: { describedObject: { kind: 'Service', name: 's' }, target: { type: 'AverageValue', value: '0', averageValue: '5' }, metric: { name: 'rps' } } },
    { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '7' } } },
    { type: 'Pods', pods: { metric: { name: 'p' }, target: { type: 'AverageValue', averageValue: '1' } } },
  ]);
});

test('v1 → v2: behavior annotation in Go field names (any case) is read back', () => {
  const v2 = hpaToV2({
    apiVersion: 'autoscaling/v1',
    metadata: {
      annotations: {
        [BEHAVIOR_SPECS_ANNOTATION]:
          '{"ScaleUp":null,"scaleDown":{"stabilizationWindowSeconds":120,"SelectPolicy":"Disabled","Policies":null,"Tolerance":"0.05"}}',
      },
    },
    spec: { maxReplicas: 4, targetCPUUtilizationPercentage: 50 },
  });
  assert.deepEqual(v2.spec.behavior, { scaleDown: { stabilizationWindowSeconds: 120, selectPolicy: 'Disabled', tolerance: '0.05' } });
  assert.equal(v2.metadata.annotations, undefined);
});

test('upstream TestConversionWithNilBehaviors: "{}" behavior annotation leaves behavior unset', () => {
  const v2 = hpaToV2({ apiVersion: 'autoscaling/v1', metadata: { annotations: { [BEHAVIOR_SPECS_ANNOTATION]: '{}' } }, spec: { maxReplicas: 2 } });
  assert.equal(v2.spec.behavior, undefined);
  assert.equal(v2.metadata.annotations, undefined);
});

test('upstream: empty and garbage annotation values are ignored and dropped, never thrown', () => {
  for (const value of ['', 'abc', '{"x":', '42', '[1,2]']) {
    const v2 = hpaToV2({
      apiVersion: 'autoscaling/v1',
      metadata: {
        annotations: {
          [METRIC_SPECS_ANNOTATION]: value,
          [METRIC_STATUSES_ANNOTATION]: value,
          [CONDITIONS_ANNOTATION]: value,
          [BEHAVIOR_SPECS_ANNOTATION]: value,
        },
      },
      spec: { maxReplicas: 2, targetCPUUtilizationPercentage: 30 },
      status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 20 },
    });
    assert.deepEqual(v2.spec.metrics, [cpuUtil(30)], value);
    assert.equal(v2.spec.behavior, undefined, value);
    assert.deepEqual(v2.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 20 } } }], value);
    assert.equal(v2.status.conditions, undefined, value);
    assert.equal(v2.metadata.annotations, undefined, value);
  }
});

test('v1 → v2: the current-metrics annotation replaces currentCPUUtilizationPercentage', () => {
  const v2 = hpaToV2({
    apiVersion: 'autoscaling/v1',
    metadata: { annotations: { [METRIC_STATUSES_ANNOTATION]: '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":90,"currentAverageValue":"300m"}}]' } },
    spec: { maxReplicas: 2, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 1, desiredReplicas: 2, currentCPUUtilizationPercentage: 90 },
  });
  assert.deepEqual(v2.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '300m', averageUtilization: 90 } } }]);
});

test('round trip v2 → v1 → v2 with several metrics, behavior, conditions', () => {
  const original = richV2();
  const snapshot = structuredClone(original);
  const back = hpaToV2(hpaToV1(original));
  assert.deepStrictEqual(back, original);
  assert.deepStrictEqual(original, snapshot, 'input not mutated');
});

test('round trip in upstream fuzzer shape (pods, object, cpu) without annotations of its own', () => {
  const original = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'f' },
    spec: {
      scaleTargetRef: { kind: 'ReplicaSet', name: 'f' },
      minReplicas: 7,
      maxReplicas: 9,
      metrics: [
        { type: 'Pods', pods: { metric: { name: 'm' }, target: { type: 'AverageValue', averageValue: '5' } } },
        { type: 'Object', object: { describedObject: { kind: 'Pod', name: 'p' }, metric: { name: 'o' }, target: { type: 'Value', value: '5' } } },
        cpuUtil(12),
      ],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 5, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 2 }, { type: 'Percent', value: 3, periodSeconds: 4 }] },
        scaleDown: { stabilizationWindowSeconds: 5, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 5, periodSeconds: 6 }] },
      },
    },
    status: {
      currentReplicas: 1,
      desiredReplicas: 1,
      currentMetrics: [
        { type: 'Pods', pods: { metric: { name: 'x' }, current: { averageValue: '5' } } },
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 33, averageValue: '5' } } },
      ],
    },
  };
  assert.deepStrictEqual(hpaToV2(hpaToV1(original)), original);
});

test('round trip v1 → v2 → v1 for a plain v1 object and for one carrying annotations', () => {
  const plain = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'p', labels: { app: 'p' } },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'p' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 0, desiredReplicas: 0 },
  };
  assert.deepStrictEqual(hpaToV1(hpaToV2(plain)), plain);

  const annotated = hpaToV1(richV2());
  assert.deepStrictEqual(hpaToV1(hpaToV2(annotated)), annotated);
});

test('upstream: a currentCPUUtilizationPercentage gains its current-metrics annotation on the way back', () => {
  const v1 = {
    apiVersion: 'autoscaling/v1',
    spec: { maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 44 },
  };
  const again = hpaToV1(hpaToV2(v1));
  assert.equal(again.status.currentCPUUtilizationPercentage, 44);
  assert.equal(
    again.metadata.annotations[METRIC_STATUSES_ANNOTATION],
    '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":44,"currentAverageValue":"0"}}]',
  );
});

test('upstream order: a CPU metric that is not last moves to the end after v2 → v1 → v2', () => {
  const v2 = {
    apiVersion: 'autoscaling/v2',
    spec: { maxReplicas: 3, metrics: [cpuUtil(50), { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } } }] },
  };
  const back = hpaToV2(hpaToV1(v2));
  assert.deepEqual(back.spec.metrics.map((m: any) => m.resource.name), ['memory', 'cpu']);
});

test('convertHpa dispatches on apiVersion and is a no-op when already there', () => {
  const v2 = richV2();
  assert.equal(convertHpa(v2, 'v2'), v2);
  const v1 = convertHpa(v2, 'v1');
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.equal(convertHpa(v1, 'v1'), v1);
  assert.deepStrictEqual(convertHpa(v1, 'v2'), v2);
  const beta = { ...richV2(), apiVersion: 'autoscaling/v2beta2' };
  assert.equal(convertHpa(beta, 'v1').spec.targetCPUUtilizationPercentage, 75);
  assert.equal(convertHpa(beta, 'v2').apiVersion, 'autoscaling/v2');
});

test('malformed input never throws and comes back as-is with apiVersion set', () => {
  const cases: any[] = [
    { apiVersion: 'autoscaling/v2', spec: 'nope' },
    { apiVersion: 'autoscaling/v2', spec: { metrics: 'cpu' } },
    { apiVersion: 'autoscaling/v2', spec: { metrics: [1, 2] } },
    { apiVersion: 'autoscaling/v2', status: { conditions: {} } },
    { apiVersion: 'autoscaling/v2', metadata: 'x' },
    { apiVersion: 'autoscaling/v2', metadata: { annotations: [] } },
  ];
  for (const c of cases) {
    const v1 = hpaToV1(c);
    assert.deepEqual(v1, { ...c, apiVersion: 'autoscaling/v1' });
    const v2 = hpaToV2({ ...c, apiVersion: 'autoscaling/v1' });
    assert.deepEqual(v2, { ...c, apiVersion: 'autoscaling/v2' });
  }
  assert.equal(hpaToV1(null as any), null);
  assert.equal(convertHpa(undefined as any, 'v2'), undefined);
});

test('odd but well-typed fields do not throw either', () => {
  const weird = {
    apiVersion: 'autoscaling/v2',
    spec: { metrics: [{ type: 'Resource', resource: 'cpu' }, { type: 'Pods', pods: { metric: 5 } }, {}], behavior: { scaleUp: { policies: [null, 3] } } },
    status: { currentMetrics: [{ resource: { current: null } }], conditions: [{}] },
  };
  const v1 = hpaToV1(weird);
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  const v2 = hpaToV2(v1);
  assert.equal(v2.apiVersion, 'autoscaling/v2');
  assert.equal(v2.spec.metrics.length, 3);
});
