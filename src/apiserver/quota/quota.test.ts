import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Obj } from '../rest.ts';
import {
  LIMIT_RANGER_ANNOTATION,
  addUsage,
  aggregateErrors,
  limitRangeClaim,
  limitRangePod,
  quotaMatches,
  quotaCheck, totalUsage,
  usageOf,
} from './index.ts';

const refusalOf = (...a: Parameters<typeof quotaCheck>) => {
  const r = quotaCheck(...a);
  return 'error' in r ? r.error : undefined;
};
const deltaOf = (...a: Parameters<typeof quotaCheck>) => {
  const r = quotaCheck(...a);
  return 'error' in r ? undefined : r.delta;
};

const NOW = Date.parse('2025-01-01T00:00:00Z');

function container(name: string, requests?: Obj, limits?: Obj, extra: Obj = {}): Obj {
  const resources: Obj = {};
  if (requests) resources.requests = requests;
  if (limits) resources.limits = limits;
  return { name, image: 'nginx', resources, ...extra };
}

function pod(containers: Obj[], spec: Obj = {}, rest: Obj = {}): Obj {
  return { metadata: { name: 'p', namespace: 'ns', resourceVersion: '5' }, spec: { containers, ...spec }, ...rest };
}

function limitRange(...limits: Obj[]): Obj {
  return { metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } };
}

function quota(hard: Obj, spec: Obj = {}): Obj {
  return { metadata: { name: 'q', namespace: 'ns' }, spec: { hard, ...spec } };
}

describe('limitRangePod defaults', () => {
  const cases: { name: string; lrs: Obj[]; pod: Obj; requests: Obj; limits: Obj; annotation?: string; init?: { requests: Obj; limits: Obj } }[] = [
    {
      name: 'default and defaultRequest fill an empty container',
      lrs: [limitRange({ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } })],
      pod: pod([container('nginx')]),
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
      annotation: 'LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx',
    },
    {
      name: 'a stated limit becomes the request, only the missing resource is defaulted',
      lrs: [limitRange({ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } })],
      pod: pod([container('nginx', undefined, { cpu: '1' })]),
      requests: { cpu: '1', memory: '256Mi' },
      limits: { cpu: '1', memory: '512Mi' },
      annotation: 'LimitRanger plugin set: memory request for container nginx; memory limit for container nginx',
    },
    {
      name: 'max alone defaults both limit and request (LimitRange item defaulting)',
      lrs: [limitRange({ type: 'Container', max: { cpu: '2' } })],
      pod: pod([container('nginx')]),
      requests: { cpu: '2' },
      limits: { cpu: '2' },
      annotation: 'LimitRanger plugin set: cpu request for container nginx; cpu limit for container nginx',
    },
    {
      name: 'min alone defaults the request only',
      lrs: [limitRange({ type: 'Container', min: { memory: '64Mi' } })],
      pod: pod([container('nginx')]),
      requests: { memory: '64Mi' },
      limits: {},
      annotation: 'LimitRanger plugin set: memory request for container nginx',
    },
    {
      name: 'fully specified container gets no annotation',
      lrs: [limitRange({ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' } })],
      pod: pod([container('nginx', { cpu: '200m' }, { cpu: '300m' })]),
      requests: { cpu: '200m' },
      limits: { cpu: '300m' },
    },
    {
      name: 'init containers are defaulted and named as such',
      lrs: [limitRange({ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' } })],
      pod: pod([container('nginx', { cpu: '200m' }, { cpu: '300m' })], { initContainers: [container('setup')] }),
      requests: { cpu: '200m' },
      limits: { cpu: '300m' },
      init: { requests: { cpu: '100m' }, limits: { cpu: '500m' } },
      annotation: 'LimitRanger plugin set: cpu request for init container setup; cpu limit for init container setup',
    },
    {
      name: 'defaults are written in canonical form',
      lrs: [limitRange({ type: 'Container', default: { memory: '1024Mi' }, defaultRequest: { cpu: '0.5' } })],
      pod: pod([container('nginx')]),
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { memory: '1Gi' },
      annotation: 'LimitRanger plugin set: cpu, memory request for container nginx; memory limit for container nginx',
    },
    {
      name: 'with two LimitRanges the first default wins and the last writer sets the annotation',
      lrs: [
        limitRange({ type: 'Container', default: { cpu: '1' }, defaultRequest: { cpu: '1' } }),
        limitRange({ type: 'Container', default: { cpu: '2', memory: '1Gi' }, defaultRequest: { cpu: '2', memory: '1Gi' } }),
      ],
      pod: pod([container('nginx')]),
      requests: { cpu: '1', memory: '1Gi' },
      limits: { cpu: '1', memory: '1Gi' },
      annotation: 'LimitRanger plugin set: memory request for container nginx; memory limit for container nginx',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(limitRangePod(c.pod, c.lrs, 'CREATE'), []);
      const res = c.pod.spec.containers[0].resources;
      assert.deepEqual(res.requests ?? {}, c.requests);
      assert.deepEqual(res.limits ?? {}, c.limits);
      if (c.init) {
        assert.deepEqual(c.pod.spec.initContainers[0].resources.requests, c.init.requests);
        assert.deepEqual(c.pod.spec.initContainers[0].resources.limits, c.init.limits);
      }
      assert.equal(c.pod.metadata.annotations?.[LIMIT_RANGER_ANNOTATION], c.annotation);
    });
  }

  it('leaves plain pod updates alone, as upstream', () => {
    const p = pod([container('nginx')]);
    const lr = limitRange({ type: 'Container', default: { cpu: '1' }, min: { cpu: '2' } });
    assert.deepEqual(limitRangePod(p, [lr], 'UPDATE'), []);
    assert.deepEqual(p.spec.containers[0].resources, {});
    assert.equal(p.metadata.annotations, undefined);
  });

  it('checks a resize update', () => {
    const p = pod([container('nginx', { cpu: '100m' }, { cpu: '100m' })]);
    const lr = limitRange({ type: 'Container', min: { cpu: '200m' } });
    assert.deepEqual(limitRangePod(p, [lr], 'UPDATE', 'resize'), ['minimum cpu usage per Container is 200m, but request is 100m']);
  });
});

describe('limitRangePod constraints', () => {
  const cases: { name: string; lrs: Obj[]; pod: Obj; errors: string[] }[] = [
    {
      name: 'container min request',
      lrs: [limitRange({ type: 'Container', min: { cpu: '200m' } })],
      pod: pod([container('nginx', { cpu: '100m' }, { cpu: '1' })]),
      errors: ['minimum cpu usage per Container is 200m, but request is 100m'],
    },
    {
      name: 'container min limit',
      lrs: [limitRange({ type: 'Container', min: { cpu: '200m' } })],
      pod: pod([container('nginx', { cpu: '300m' }, { cpu: '100m' })]),
      errors: ['minimum cpu usage per Container is 200m, but limit is 100m'],
    },
    {
      name: 'container max limit (the request defaulted from it is not reported again)',
      lrs: [limitRange({ type: 'Container', max: { memory: '1Gi' } })],
      pod: pod([container('nginx', undefined, { memory: '2Gi' })]),
      errors: ['maximum memory usage per Container is 1Gi, but limit is 2Gi'],
    },
    {
      name: 'container max request',
      lrs: [limitRange({ type: 'Container', max: { memory: '1Gi' } })],
      pod: pod([container('nginx', { memory: '1.5Gi' }, { memory: '1Gi' })]),
      errors: ['maximum memory usage per Container is 1Gi, but request is 1536Mi'],
    },
    {
      name: 'limit to request ratio',
      lrs: [limitRange({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } })],
      pod: pod([container('nginx', { cpu: '100m' }, { cpu: '500m' })]),
      errors: ['cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000'],
    },
    {
      name: 'ratio with a fractional result',
      lrs: [limitRange({ type: 'Container', maxLimitRequestRatio: { memory: '1500m' } })],
      pod: pod([container('nginx', { memory: '300Mi' }, { memory: '1Gi' })]),
      errors: ['memory max limit to request ratio per Container is 1500m, but provided ratio is 3.413333'],
    },
    {
      name: 'ratio without a limit',
      lrs: [limitRange({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } })],
      pod: pod([container('nginx', { cpu: '100m' })]),
      errors: ['cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0'],
    },
    {
      name: 'ratio within bounds is admitted',
      lrs: [limitRange({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } })],
      pod: pod([container('nginx', { cpu: '250m' }, { cpu: '500m' })]),
      errors: [],
    },
    {
      name: 'init containers are checked too',
      lrs: [limitRange({ type: 'Container', max: { cpu: '1' } })],
      pod: pod([container('nginx', { cpu: '1' }, { cpu: '1' })], { initContainers: [container('setup', { cpu: '2' }, { cpu: '2' })] }),
      errors: ['maximum cpu usage per Container is 1, but limit is 2'],
    },
    {
      name: 'pod min with no request anywhere',
      lrs: [limitRange({ type: 'Pod', min: { cpu: '1' } })],
      pod: pod([container('nginx')]),
      errors: ['minimum cpu usage per Pod is 1.  No request is specified'],
    },
    {
      name: 'pod max over the sum of containers',
      lrs: [limitRange({ type: 'Pod', max: { memory: '1Gi' } })],
      pod: pod([container('a', { memory: '600Mi' }, { memory: '600Mi' }), container('b', { memory: '600Mi' }, { memory: '600Mi' })]),
      errors: ['maximum memory usage per Pod is 1Gi, but limit is 1200Mi'],
    },
    {
      name: 'pod max without any limit',
      lrs: [limitRange({ type: 'Pod', max: { memory: '1Gi' } })],
      pod: pod([container('a', { memory: '100Mi' })]),
      errors: ['maximum memory usage per Pod is 1Gi.  No limit is specified'],
    },
    {
      name: 'pod totals take the largest init container',
      lrs: [limitRange({ type: 'Pod', max: { cpu: '1' } })],
      pod: pod([container('a', { cpu: '200m' }, { cpu: '200m' })], { initContainers: [container('big', { cpu: '1500m' }, { cpu: '1500m' })] }),
      errors: ['maximum cpu usage per Pod is 1, but limit is 1500m'],
    },
    {
      name: 'pod ratio',
      lrs: [limitRange({ type: 'Pod', maxLimitRequestRatio: { cpu: '3' } })],
      pod: pod([container('a', { cpu: '100m' }, { cpu: '400m' }), container('b', { cpu: '100m' }, { cpu: '400m' })]),
      errors: ['cpu max limit to request ratio per Pod is 3, but provided ratio is 4.000000'],
    },
    {
      name: 'several violations of one LimitRange are all reported',
      lrs: [limitRange({ type: 'Container', min: { cpu: '200m', memory: '100Mi' } })],
      pod: pod([container('nginx', { cpu: '100m', memory: '50Mi' }, { cpu: '1', memory: '1Gi' })]),
      errors: ['minimum cpu usage per Container is 200m, but request is 100m', 'minimum memory usage per Container is 100Mi, but request is 50Mi'],
    },
    {
      name: 'only the first violated LimitRange is reported',
      lrs: [limitRange({ type: 'Container', min: { cpu: '200m' } }), limitRange({ type: 'Container', max: { cpu: '50m' } })],
      pod: pod([container('nginx', { cpu: '100m' }, { cpu: '100m' })]),
      errors: ['minimum cpu usage per Container is 200m, but request is 100m'],
    },
    {
      name: 'defaults are applied before checking',
      lrs: [limitRange({ type: 'Container', default: { cpu: '300m' }, defaultRequest: { cpu: '100m' }, min: { cpu: '200m' } })],
      pod: pod([container('nginx')]),
      errors: ['minimum cpu usage per Container is 200m, but request is 100m'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(limitRangePod(c.pod, c.lrs, 'CREATE'), c.errors);
    });
  }
});

describe('limitRangeClaim', () => {
  const lr = limitRange({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } });
  const claim = (requests?: Obj): Obj => ({ metadata: { name: 'c' }, spec: { resources: requests ? { requests } : {} } });
  const cases: { name: string; pvc: Obj; errors: string[] }[] = [
    { name: 'within bounds', pvc: claim({ storage: '1500Mi' }), errors: [] },
    { name: 'below min', pvc: claim({ storage: '500Mi' }), errors: ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi'] },
    { name: 'above max', pvc: claim({ storage: '5Gi' }), errors: ['maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi'] },
    {
      name: 'no request',
      pvc: claim(),
      errors: [
        'minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified',
        'maximum storage usage per PersistentVolumeClaim is 2Gi.  No request is specified',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(limitRangeClaim(c.pvc, [lr]), c.errors));
  }
  it('ignores Container items', () => {
    assert.deepEqual(limitRangeClaim(claim({ storage: '5Gi' }), [limitRange({ type: 'Container', max: { storage: '1Gi' } })]), []);
  });
});

describe('aggregateErrors', () => {
  const cases: [string[], string][] = [
    [[], ''],
    [['a'], 'a'],
    [['a', 'b'], '[a, b]'],
    [['a', 'a'], 'a'],
    [['a', 'b', 'a'], '[a, b]'],
  ];
  for (const [input, want] of cases) it(JSON.stringify(input), () => assert.equal(aggregateErrors(input), want));
});

describe('usageOf', () => {
  const cases: { name: string; group?: string; resource: string; obj: Obj; want: Record<string, string> }[] = [
    {
      name: 'pod: containers summed, init container maximum, overhead added',
      resource: 'pods',
      obj: pod(
        [container('a', { cpu: '100m', memory: '64Mi' }, { cpu: '500m' }), container('b', { cpu: '200m', memory: '128Mi' }, { cpu: '500m' })],
        { initContainers: [container('init', { cpu: '1' })], overhead: { cpu: '10m' } },
      ),
      want: {
        'count/pods': '1',
        pods: '1',
        cpu: '1010m',
        'requests.cpu': '1010m',
        'limits.cpu': '1010m',
        memory: '192Mi',
        'requests.memory': '192Mi',
      },
    },
    {
      name: 'pod: overhead only goes to limits that are set',
      resource: 'pods',
      obj: pod([container('a', { memory: '1Gi' }, { cpu: '1' })], { overhead: { memory: '128Mi', cpu: '100m' } }),
      want: {
        'count/pods': '1',
        pods: '1',
        cpu: '100m',
        'requests.cpu': '100m',
        'limits.cpu': '1100m',
        memory: '1152Mi',
        'requests.memory': '1152Mi',
      },
    },
    {
      name: 'pod: sidecar init containers add to the total and to later init containers',
      resource: 'pods',
      obj: pod([container('main', { cpu: '200m' })], {
        initContainers: [container('sidecar', { cpu: '100m' }, undefined, { restartPolicy: 'Always' }), container('migrate', { cpu: '1' })],
      }),
      want: { 'count/pods': '1', pods: '1', cpu: '1100m', 'requests.cpu': '1100m' },
    },
    {
      name: 'pod: extended resources, hugepages and ephemeral storage',
      resource: 'pods',
      obj: pod([
        container(
          'a',
          { 'nvidia.com/gpu': '2', 'hugepages-2Mi': '4Mi', 'ephemeral-storage': '1Gi' },
          { 'nvidia.com/gpu': '2', 'hugepages-2Mi': '4Mi', 'ephemeral-storage': '2Gi' },
        ),
      ]),
      want: {
        'count/pods': '1',
        pods: '1',
        'requests.nvidia.com/gpu': '2',
        'hugepages-2Mi': '4Mi',
        'requests.hugepages-2Mi': '4Mi',
        'ephemeral-storage': '1Gi',
        'requests.ephemeral-storage': '1Gi',
        'limits.ephemeral-storage': '2Gi',
      },
    },
    {
      name: 'pod: pod-level resources override the container sum',
      resource: 'pods',
      obj: pod([container('a', { cpu: '100m' }), container('b', { cpu: '100m' })], { resources: { requests: { cpu: '1' }, limits: { cpu: '2' } } }),
      want: { 'count/pods': '1', pods: '1', cpu: '1', 'requests.cpu': '1', 'limits.cpu': '2' },
    },
    {
      name: 'pod: allocated resources above the spec count (in-place resize)',
      resource: 'pods',
      obj: pod([container('a', { cpu: '100m' })], {}, { status: { phase: 'Running', containerStatuses: [{ name: 'a', allocatedResources: { cpu: '300m' } }] } }),
      want: { 'count/pods': '1', pods: '1', cpu: '300m', 'requests.cpu': '300m' },
    },
    {
      name: 'pod: succeeded pods only count as stored objects',
      resource: 'pods',
      obj: pod([container('a', { cpu: '1' })], {}, { status: { phase: 'Succeeded' } }),
      want: { 'count/pods': '1' },
    },
    {
      name: 'pod: failed pods only count as stored objects',
      resource: 'pods',
      obj: pod([container('a', { cpu: '1' })], {}, { status: { phase: 'Failed' } }),
      want: { 'count/pods': '1' },
    },
    {
      name: 'pod: past its deletion grace period',
      resource: 'pods',
      obj: {
        metadata: { name: 'p', deletionTimestamp: '2024-12-31T23:59:00Z', deletionGracePeriodSeconds: 30 },
        spec: { containers: [container('a', { cpu: '1' })] },
      },
      want: { 'count/pods': '1' },
    },
    {
      name: 'pod: still within its deletion grace period',
      resource: 'pods',
      obj: {
        metadata: { name: 'p', deletionTimestamp: '2024-12-31T23:59:50Z', deletionGracePeriodSeconds: 30 },
        spec: { containers: [container('a', { cpu: '1' })] },
      },
      want: { 'count/pods': '1', pods: '1', cpu: '1', 'requests.cpu': '1' },
    },
    {
      name: 'service: ClusterIP',
      resource: 'services',
      obj: { spec: { type: 'ClusterIP', ports: [{ port: 80 }] } },
      want: { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '0' },
    },
    {
      name: 'service: NodePort counts its ports',
      resource: 'services',
      obj: { spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } },
      want: { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '2' },
    },
    {
      name: 'service: LoadBalancer counts node ports and a load balancer',
      resource: 'services',
      obj: { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
      want: { 'count/services': '1', services: '1', 'services.loadbalancers': '1', 'services.nodeports': '1' },
    },
    {
      name: 'pvc with a storage class',
      resource: 'persistentvolumeclaims',
      obj: { spec: { storageClassName: 'gold', resources: { requests: { storage: '10Gi' } } } },
      want: {
        'count/persistentvolumeclaims': '1',
        persistentvolumeclaims: '1',
        'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
        'gold.storageclass.storage.k8s.io/requests.storage': '10Gi',
        'requests.storage': '10Gi',
      },
    },
    {
      name: 'pvc: the beta annotation names the class; fractional bytes round up',
      resource: 'persistentvolumeclaims',
      obj: {
        metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } },
        spec: { storageClassName: 'gold', resources: { requests: { storage: '1500m' } } },
      },
      want: {
        'count/persistentvolumeclaims': '1',
        persistentvolumeclaims: '1',
        'slow.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
        'slow.storageclass.storage.k8s.io/requests.storage': '2',
        'requests.storage': '2',
      },
    },
    {
      name: 'pvc: a larger allocation counts',
      resource: 'persistentvolumeclaims',
      obj: { spec: { resources: { requests: { storage: '1Gi' } } }, status: { allocatedResources: { storage: '2Gi' } } },
      want: { 'count/persistentvolumeclaims': '1', persistentvolumeclaims: '1', 'requests.storage': '2Gi' },
    },
    { name: 'configmap: count and legacy name', resource: 'configmaps', obj: {}, want: { configmaps: '1', 'count/configmaps': '1' } },
    { name: 'secret: count and legacy name', resource: 'secrets', obj: {}, want: { secrets: '1', 'count/secrets': '1' } },
    {
      name: 'replication controller: count and legacy name',
      resource: 'replicationcontrollers',
      obj: {},
      want: { replicationcontrollers: '1', 'count/replicationcontrollers': '1' },
    },
    { name: 'resource quota: count and legacy name', resource: 'resourcequotas', obj: {}, want: { resourcequotas: '1', 'count/resourcequotas': '1' } },
    { name: 'grouped resource', group: 'apps', resource: 'deployments', obj: {}, want: { 'count/deployments.apps': '1' } },
    { name: 'events are never counted', resource: 'events', obj: {}, want: {} },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(usageOf(c.group ?? '', c.resource, c.obj, NOW), c.want));
  }
});

describe('quotaMatches', () => {
  const bestEffort = pod([container('a')]);
  const burstable = pod([container('a', { cpu: '100m' })]);
  const terminating = pod([container('a')], { activeDeadlineSeconds: 30 });
  const high = pod([container('a')], { priorityClassName: 'high' });
  const low = pod([container('a')], { priorityClassName: 'low' });
  const crossNs = pod([container('a')], {
    affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'k', namespaces: ['other'] }] } },
  });
  const pc = (operator: string, values?: string[]) =>
    quota({ pods: '5' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator, ...(values ? { values } : {}) }] } });
  const cases: { name: string; quota: Obj; resource?: string; obj: Obj; want: boolean }[] = [
    { name: 'unscoped quota matches a pod', quota: quota({ pods: '5' }), obj: burstable, want: true },
    { name: 'quota without any pod resource does not match a pod', quota: quota({ services: '5' }), obj: burstable, want: false },
    { name: 'extended resource names match pods', quota: quota({ 'requests.nvidia.com/gpu': '4' }), obj: burstable, want: true },
    { name: 'BestEffort matches a pod without resources', quota: quota({ pods: '5' }, { scopes: ['BestEffort'] }), obj: bestEffort, want: true },
    { name: 'BestEffort rejects a burstable pod', quota: quota({ pods: '5' }, { scopes: ['BestEffort'] }), obj: burstable, want: false },
    { name: 'NotBestEffort matches a burstable pod', quota: quota({ pods: '5' }, { scopes: ['NotBestEffort'] }), obj: burstable, want: true },
    {
      name: 'status.qosClass decides BestEffort when set',
      quota: quota({ pods: '5' }, { scopes: ['BestEffort'] }),
      obj: { ...burstable, status: { qosClass: 'BestEffort' } },
      want: true,
    },
    { name: 'Terminating matches activeDeadlineSeconds', quota: quota({ pods: '5' }, { scopes: ['Terminating'] }), obj: terminating, want: true },
    { name: 'Terminating rejects a long-running pod', quota: quota({ pods: '5' }, { scopes: ['Terminating'] }), obj: bestEffort, want: false },
    { name: 'NotTerminating matches a long-running pod', quota: quota({ pods: '5' }, { scopes: ['NotTerminating'] }), obj: bestEffort, want: true },
    {
      name: 'all scopes must match',
      quota: quota({ pods: '5' }, { scopes: ['Terminating', 'BestEffort'] }),
      obj: pod([container('a', { cpu: '1' })], { activeDeadlineSeconds: 30 }),
      want: false,
    },
    { name: 'PriorityClass In matches', quota: pc('In', ['high', 'mid']), obj: high, want: true },
    { name: 'PriorityClass In rejects another class', quota: pc('In', ['high']), obj: low, want: false },
    { name: 'PriorityClass In rejects a pod without class', quota: pc('In', ['high']), obj: bestEffort, want: false },
    { name: 'PriorityClass NotIn matches another class', quota: pc('NotIn', ['high']), obj: low, want: true },
    { name: 'PriorityClass NotIn matches a pod without class', quota: pc('NotIn', ['high']), obj: bestEffort, want: true },
    { name: 'PriorityClass NotIn rejects the class', quota: pc('NotIn', ['high']), obj: high, want: false },
    { name: 'PriorityClass Exists', quota: pc('Exists'), obj: low, want: true },
    { name: 'PriorityClass Exists rejects a pod without class', quota: pc('Exists'), obj: bestEffort, want: false },
    { name: 'PriorityClass DoesNotExist', quota: pc('DoesNotExist'), obj: bestEffort, want: true },
    { name: 'PriorityClass DoesNotExist rejects a classed pod', quota: pc('DoesNotExist'), obj: high, want: false },
    {
      name: 'CrossNamespacePodAffinity',
      quota: quota({ pods: '5' }, { scopeSelector: { matchExpressions: [{ scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' }] } }),
      obj: crossNs,
      want: true,
    },
    {
      name: 'CrossNamespacePodAffinity rejects a pod without such affinity',
      quota: quota({ pods: '5' }, { scopeSelector: { matchExpressions: [{ scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' }] } }),
      obj: bestEffort,
      want: false,
    },
    { name: 'unscoped quota matches a service', quota: quota({ services: '5' }), resource: 'services', obj: {}, want: true },
    { name: 'scoped quotas never match other kinds', quota: quota({ 'count/services': '5' }, { scopes: ['NotTerminating'] }), resource: 'services', obj: {}, want: false },
    {
      name: 'storage class resources match claims',
      quota: quota({ 'gold.storageclass.storage.k8s.io/requests.storage': '5Gi' }),
      resource: 'persistentvolumeclaims',
      obj: {},
      want: true,
    },
    { name: 'status.hard is what admission reads once synced', quota: { ...quota({ pods: '5' }), status: { hard: { services: '1' } } }, obj: burstable, want: false },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(quotaMatches(c.quota, '', c.resource ?? 'pods', c.obj), c.want));
  }
});

describe('totalUsage', () => {
  it('sums what each hard resource counts, zero when nothing, unknown names left out', () => {
    const q = quota({ pods: '10', 'requests.cpu': '4', 'count/configmaps': '5', services: '3', 'count/deployments.apps': '2', bogus: '1' });
    const items = [
      { group: '', resource: 'pods', obj: pod([container('a', { cpu: '250m' })]) },
      { group: '', resource: 'pods', obj: pod([container('a', { cpu: '500m' })]) },
      { group: '', resource: 'pods', obj: pod([container('a', { cpu: '1' })], {}, { status: { phase: 'Succeeded' } }) },
      { group: '', resource: 'configmaps', obj: {} },
    ];
    assert.deepEqual(totalUsage(q, items, NOW), {
      'count/configmaps': '1',
      'count/deployments.apps': '0',
      pods: '2',
      'requests.cpu': '750m',
      services: '0',
    });
  });
  it('a scoped quota counts only what its scopes select', () => {
    const q = quota({ pods: '10', 'count/pods': '10' }, { scopes: ['BestEffort'] });
    const items = [
      { group: '', resource: 'pods', obj: pod([container('a')]) },
      { group: '', resource: 'pods', obj: pod([container('a', { memory: '1Gi' })]) },
    ];
    assert.deepEqual(totalUsage(q, items, NOW), { 'count/pods': '1', pods: '1' });
  });
  it('keeps binary units when summing memory', () => {
    const q = quota({ 'requests.memory': '4Gi' });
    const items = [
      { group: '', resource: 'pods', obj: pod([container('a', { memory: '512Mi' })]) },
      { group: '', resource: 'pods', obj: pod([container('a', { memory: '512Mi' })]) },
    ];
    assert.deepEqual(totalUsage(q, items, NOW), { 'requests.memory': '1Gi' });
  });
});

describe('quotaRefusal', () => {
  const svc = (type: string, ports = 1, rv = '7'): Obj => ({
    metadata: { name: 's', resourceVersion: rv },
    spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })) },
  });
  const claim = (storage: string): Obj => ({ metadata: { name: 'c', resourceVersion: '3' }, spec: { resources: { requests: { storage } } } });
  const cases: {
    name: string;
    quota: Obj;
    used: Record<string, string>;
    resource?: string;
    group?: string;
    obj: Obj;
    old?: Obj;
    want: string | undefined;
  }[] = [
    {
      name: 'pod count exceeded',
      quota: quota({ pods: '2' }),
      used: { pods: '2' },
      obj: pod([container('a')]),
      want: 'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
    },
    { name: 'room left is admitted', quota: quota({ pods: '2' }), used: { pods: '1' }, obj: pod([container('a')]), want: undefined },
    {
      name: 'several keys exceeded, sorted',
      quota: quota({ pods: '10', 'requests.memory': '1Gi', 'requests.cpu': '1' }),
      used: { pods: '1', 'requests.cpu': '800m', 'requests.memory': '900Mi' },
      obj: pod([container('a', { cpu: '500m', memory: '200Mi' })]),
      want: 'exceeded quota: q, requested: requests.cpu=500m,requests.memory=200Mi, used: requests.cpu=800m,requests.memory=900Mi, limited: requests.cpu=1,requests.memory=1Gi',
    },
    {
      name: 'must specify limits, containers and resources sorted',
      quota: quota({ 'limits.memory': '2Gi', 'limits.cpu': '2' }),
      used: { 'limits.cpu': '0', 'limits.memory': '0' },
      obj: pod([container('web', { cpu: '100m' }), container('app', { cpu: '100m' }, { memory: '1Gi' })]),
      want: 'failed quota: q: must specify limits.cpu for: app,web; limits.memory for: web',
    },
    {
      name: 'must specify covers init containers and the plain cpu/memory names',
      quota: quota({ cpu: '2', memory: '2Gi' }),
      used: { cpu: '0', memory: '0' },
      obj: pod([container('main', { cpu: '100m', memory: '1Gi' })], { initContainers: [container('init')] }),
      want: 'failed quota: q: must specify cpu for: init; memory for: init',
    },
    {
      name: 'no must specify for extended resources',
      quota: quota({ 'requests.nvidia.com/gpu': '1' }),
      used: { 'requests.nvidia.com/gpu': '0' },
      obj: pod([container('a')]),
      want: undefined,
    },
    {
      name: 'extended resources exceeded',
      quota: quota({ 'requests.nvidia.com/gpu': '1' }),
      used: { 'requests.nvidia.com/gpu': '0' },
      obj: pod([container('a', { 'nvidia.com/gpu': '2' }, { 'nvidia.com/gpu': '2' })]),
      want: 'exceeded quota: q, requested: requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=0, limited: requests.nvidia.com/gpu=1',
    },
    {
      name: 'status unknown when used lacks a tracked resource',
      quota: quota({ pods: '2', services: '1' }),
      used: {},
      obj: pod([container('a')]),
      want: 'status unknown for quota: q, resources: pods',
    },
    {
      name: 'a scoped quota ignores pods outside its scope',
      quota: quota({ pods: '1' }, { scopes: ['BestEffort'] }),
      used: { pods: '1' },
      obj: pod([container('a', { cpu: '1' })]),
      want: undefined,
    },
    {
      name: 'terminal pod is still counted as an object',
      quota: quota({ 'count/pods': '1', pods: '5' }),
      used: { 'count/pods': '1', pods: '0' },
      obj: pod([container('a')], {}, { status: { phase: 'Succeeded' } }),
      want: 'exceeded quota: q, requested: count/pods=1, used: count/pods=1, limited: count/pods=1',
    },
    {
      name: 'service update that changes nothing is admitted even over quota',
      quota: quota({ services: '1', 'services.nodeports': '0' }),
      used: { services: '2', 'services.nodeports': '3' },
      resource: 'services',
      obj: svc('NodePort', 2),
      old: svc('NodePort', 2),
      want: undefined,
    },
    {
      name: 'service update to NodePort is charged the new node ports',
      quota: quota({ 'services.nodeports': '1' }),
      used: { 'services.nodeports': '0' },
      resource: 'services',
      obj: svc('NodePort', 2),
      old: svc('ClusterIP', 2),
      want: 'exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1',
    },
    {
      name: 'service create counts load balancers',
      quota: quota({ 'services.loadbalancers': '1' }),
      used: { 'services.loadbalancers': '1' },
      resource: 'services',
      obj: svc('LoadBalancer'),
      want: 'exceeded quota: q, requested: services.loadbalancers=1, used: services.loadbalancers=1, limited: services.loadbalancers=1',
    },
    {
      name: 'pvc update that keeps its size is admitted over quota',
      quota: quota({ 'requests.storage': '5Gi' }),
      used: { 'requests.storage': '10Gi' },
      resource: 'persistentvolumeclaims',
      obj: claim('10Gi'),
      old: claim('10Gi'),
      want: undefined,
    },
    {
      name: 'pvc expansion is charged the growth',
      quota: quota({ 'requests.storage': '12Gi' }),
      used: { 'requests.storage': '10Gi' },
      resource: 'persistentvolumeclaims',
      obj: claim('15Gi'),
      old: claim('10Gi'),
      want: 'exceeded quota: q, requested: requests.storage=5Gi, used: requests.storage=10Gi, limited: requests.storage=12Gi',
    },
    {
      name: 'pvc by storage class',
      quota: quota({ 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1' }),
      used: { 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1' },
      resource: 'persistentvolumeclaims',
      obj: { metadata: { name: 'c' }, spec: { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } } },
      want:
        'exceeded quota: q, requested: gold.storageclass.storage.k8s.io/persistentvolumeclaims=1, ' +
        'used: gold.storageclass.storage.k8s.io/persistentvolumeclaims=1, limited: gold.storageclass.storage.k8s.io/persistentvolumeclaims=1',
    },
    {
      name: 'configmap create counted under the legacy name',
      quota: quota({ configmaps: '2' }),
      used: { configmaps: '2' },
      resource: 'configmaps',
      obj: { metadata: { name: 'cm' } },
      want: 'exceeded quota: q, requested: configmaps=1, used: configmaps=2, limited: configmaps=2',
    },
    {
      name: 'configmap update is not charged',
      quota: quota({ configmaps: '2' }),
      used: { configmaps: '5' },
      resource: 'configmaps',
      obj: { metadata: { name: 'cm', resourceVersion: '2' } },
      old: { metadata: { name: 'cm', resourceVersion: '2' } },
      want: undefined,
    },
    {
      name: 'grouped resource count',
      quota: quota({ 'count/deployments.apps': '1' }),
      used: { 'count/deployments.apps': '1' },
      group: 'apps',
      resource: 'deployments',
      obj: { metadata: { name: 'd' } },
      want: 'exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1',
    },
    {
      name: 'pod update without a scope change is not charged',
      quota: quota({ pods: '1' }),
      used: { pods: '3' },
      obj: pod([container('a')], {}, { metadata: { name: 'p', labels: { x: 'y' } } }),
      old: pod([container('a')]),
      want: undefined,
    },
    {
      name: 'pod update that becomes terminating is handled but charged nothing new',
      quota: quota({ pods: '1' }, { scopes: ['Terminating'] }),
      used: { pods: '1' },
      obj: pod([container('a')], { activeDeadlineSeconds: 10 }),
      old: pod([container('a')]),
      want: undefined,
    },
    {
      name: 'an old object without resourceVersion is charged in full',
      quota: quota({ services: '1' }),
      used: { services: '1' },
      resource: 'services',
      obj: svc('ClusterIP'),
      old: svc('ClusterIP', 1, ''),
      want: 'exceeded quota: q, requested: services=1, used: services=1, limited: services=1',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(refusalOf(c.quota, c.used, c.group ?? '', c.resource ?? 'pods', c.obj, c.old, '', NOW), c.want);
    });
  }

  it('a resize is charged its growth', () => {
    const q = quota({ 'requests.cpu': '1' });
    const before = pod([container('a', { cpu: '500m' })]);
    const after = pod([container('a', { cpu: '1500m' })]);
    assert.equal(refusalOf(q, { 'requests.cpu': '500m' }, '', 'pods', after, before), undefined);
    assert.equal(
      refusalOf(q, { 'requests.cpu': '500m' }, '', 'pods', after, before, 'resize', NOW),
      'exceeded quota: q, requested: requests.cpu=1, used: requests.cpu=500m, limited: requests.cpu=1',
    );
  });
});

describe('quotaDelta and addUsage', () => {
  it('the delta is restricted to the hard resources', () => {
    const q = quota({ pods: '10', 'requests.memory': '4Gi' });
    const p = pod([container('a', { cpu: '100m', memory: '512Mi' })]);
    assert.deepEqual(deltaOf(q, { pods: '0', 'requests.memory': '0' }, '', 'pods', p, undefined, '', NOW), {
      pods: '1',
      'requests.memory': '512Mi',
    });
  });
  it('is undefined when refused and empty when not charged', () => {
    const q = quota({ pods: '1' });
    assert.equal(deltaOf(q, { pods: '1' }, '', 'pods', pod([container('a')]), undefined), undefined);
    assert.deepEqual(deltaOf(q, { pods: '1' }, '', 'services', {}, undefined), {});
  });
  const cases: [Record<string, string>, Record<string, string>, Record<string, string>][] = [
    [{ pods: '1' }, { pods: '1' }, { pods: '2' }],
    [
      { pods: '1', 'requests.memory': '512Mi' },
      { pods: '1', 'requests.memory': '512Mi', 'requests.cpu': '250m' },
      { pods: '2', 'requests.cpu': '250m', 'requests.memory': '1Gi' },
    ],
    // Adding to zero takes the other side's format, so the sum prints as 1Gi, not 1073741824.
    [{ 'requests.memory': '0' }, { 'requests.memory': '1Gi' }, { 'requests.memory': '1Gi' }],
    [{ 'requests.cpu': '900m' }, { 'requests.cpu': '100m' }, { 'requests.cpu': '1' }],
  ];
  for (const [used, delta, want] of cases) {
    it(`addUsage ${JSON.stringify(used)} + ${JSON.stringify(delta)}`, () => assert.deepEqual(addUsage(used, delta), want));
  }
});
