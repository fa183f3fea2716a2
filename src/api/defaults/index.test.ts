import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, defaultPullPolicy, generateJobSelector, parseImageName } from './index.ts';

type Obj = Record<string, any>;

function defaulted(obj: Obj): Obj {
  const o = structuredClone(obj);
  applyDefaults(o);
  return o;
}

// What `kubectl get pod nginx -o yaml` shows for `kubectl run nginx --image=nginx`, less what
// other layers add (service account and its token volume, tolerations, priority, node, status).
test('minimal Pod matches a real cluster', () => {
  const got = defaulted({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', labels: { run: 'nginx' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
  });
  assert.deepEqual(got, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', labels: { run: 'nginx' } },
    spec: {
      containers: [
        {
          image: 'nginx',
          imagePullPolicy: 'Always',
          name: 'nginx',
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    },
  });
});

// `kubectl create deployment web --image=nginx:1.25 --port=80`, then `kubectl get -o yaml`.
test('minimal Deployment matches a real cluster', () => {
  const got = defaulted({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }], resources: {} }] },
      },
    },
  });
  // Pod-only defaults stay out of templates.
  assert.equal(got.spec.template.spec.enableServiceLinks, undefined);
  assert.deepEqual(got.spec, {
    progressDeadlineSeconds: 600,
    replicas: 1,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'web' } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            image: 'nginx:1.25',
            imagePullPolicy: 'IfNotPresent',
            name: 'nginx',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
    },
  });
});

// `kubectl expose deployment web --port=80 --target-port=8080`, less the allocated cluster IPs
// and ipFamilies/ipFamilyPolicy.
test('Service defaults match a real cluster', () => {
  const got = defaulted({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { ports: [{ port: 80, targetPort: 8080 }, { name: 'metrics', port: 9090 }], selector: { app: 'web' } },
  });
  assert.deepEqual(got.spec, {
    internalTrafficPolicy: 'Cluster',
    ports: [
      { port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 },
    ],
    selector: { app: 'web' },
    sessionAffinity: 'None',
    type: 'ClusterIP',
  });
  assert.deepEqual(got.status, { loadBalancer: {} });

  const lb = defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 443 }] } });
  assert.equal(lb.spec.externalTrafficPolicy, 'Cluster');
  assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
  const ext = defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'e' }, spec: { type: 'ExternalName', externalName: 'a.b' } });
  assert.equal(ext.spec.internalTrafficPolicy, undefined);
  const sticky = defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { sessionAffinity: 'ClientIP', ports: [{ port: 1 }] } });
  assert.deepEqual(sticky.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
});

test('container, probe, volume and resource defaults', () => {
  const got = defaulted({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.local:5000/app:v2',
          resources: { limits: { cpu: '1000m', memory: '1024Mi' }, requests: { cpu: 0.25 } },
          livenessProbe: { httpGet: { port: 8080 } },
          readinessProbe: { grpc: { port: 9000 } },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
          lifecycle: { preStop: { httpGet: { port: 80, path: '/quit' } } },
        },
      ],
      volumes: [
        { name: 'scratch' },
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'sec', secret: { secretName: 's' } },
        { name: 'host', hostPath: { path: '/var/log' } },
        { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        { name: 'dapi', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'tmp', emptyDir: { sizeLimit: '1024Mi' } },
      ],
    },
  });
  const c = got.spec.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(c.resources, { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m', memory: '1Gi' } });
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(c.readinessProbe.grpc, { port: 9000, service: '' });
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.deepEqual(c.lifecycle.preStop.httpGet, { port: 80, path: '/quit', scheme: 'HTTP' });
  const vols = Object.fromEntries(got.spec.volumes.map((v: Obj) => [v.name, v]));
  assert.deepEqual(vols.scratch, { name: 'scratch', emptyDir: {} });
  assert.equal(vols.cfg.configMap.defaultMode, 420);
  assert.equal(vols.sec.secret.defaultMode, 420);
  assert.equal(vols.host.hostPath.type, '');
  assert.equal(vols.proj.projected.defaultMode, 420);
  assert.equal(vols.proj.projected.sources[0].serviceAccountToken.expirationSeconds, 3600);
  assert.equal(vols.dapi.downwardAPI.defaultMode, 420);
  assert.equal(vols.dapi.downwardAPI.items[0].fieldRef.apiVersion, 'v1');
  assert.equal(vols.tmp.emptyDir.sizeLimit, '1Gi');
});

test('hostNetwork pods default hostPort to containerPort', () => {
  const got = defaulted({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { hostNetwork: true, containers: [{ name: 'a', image: 'a:1', ports: [{ containerPort: 53, protocol: 'UDP' }] }] },
  });
  assert.deepEqual(got.spec.containers[0].ports, [{ containerPort: 53, protocol: 'UDP', hostPort: 53 }]);
});

test('workload defaults', () => {
  const tmpl = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x:1' }] } };
  const rs = defaulted({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'x' }, spec: { template: tmpl } });
  assert.equal(rs.spec.replicas, 1);
  assert.equal(rs.spec.template.spec.dnsPolicy, 'ClusterFirst');

  const ss = defaulted({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: { template: tmpl, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }] },
  });
  assert.equal(ss.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(ss.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(ss.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(ss.spec.replicas, 1);
  assert.equal(ss.spec.revisionHistoryLimit, 10);
  assert.equal(ss.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  assert.deepEqual(ss.spec.volumeClaimTemplates[0].status, { phase: 'Pending' });

  const ds = defaulted({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { template: tmpl } });
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec.revisionHistoryLimit, 10);

  const recreate = defaulted({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'r' }, spec: { strategy: { type: 'Recreate' }, template: tmpl } });
  assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' });

  const job = defaulted({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' }, spec: { template: { ...tmpl, spec: { ...tmpl.spec, restartPolicy: 'Never' } } } });
  assert.equal(job.spec.completions, 1);
  assert.equal(job.spec.parallelism, 1);
  assert.equal(job.spec.backoffLimit, 6);
  const perIndex = defaulted({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi2' }, spec: { completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1, template: { ...tmpl, spec: { ...tmpl.spec, restartPolicy: 'Never' } } } });
  assert.equal(perIndex.spec.backoffLimit, 2147483647, 'a per-index limit turns the job-wide one off');
  assert.equal(job.spec.completionMode, 'NonIndexed');
  assert.equal(job.spec.suspend, false);
  assert.equal(job.spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(job.metadata.labels, { app: 'x' });
  const parallel = defaulted({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'p' }, spec: { parallelism: 3, template: tmpl } });
  assert.equal(parallel.spec.completions, undefined);
  assert.equal(parallel.spec.parallelism, 3);

  const cj = defaulted({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: tmpl } } } });
  assert.equal(cj.spec.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.restartPolicy, 'Always');
  assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined);

  const rc = defaulted({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { template: tmpl } });
  assert.deepEqual(rc.spec.selector, { app: 'x' });
  assert.deepEqual(rc.metadata.labels, { app: 'x' });
  assert.equal(rc.spec.replicas, 1);
});

test('job selectors are generated from the uid', () => {
  const job: Obj = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', uid: 'abc' }, spec: { template: { spec: {} } } };
  applyDefaults(job);
  assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } });
  assert.deepEqual(job.spec.template.metadata.labels, {
    'batch.kubernetes.io/controller-uid': 'abc',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'abc',
    'job-name': 'pi',
  });
  const manual: Obj = { metadata: { name: 'm', uid: 'u' }, spec: { manualSelector: true } };
  generateJobSelector(manual);
  assert.equal(manual.spec.selector, undefined);
});

test('cluster and other defaults', () => {
  const ns = defaulted({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
  assert.deepEqual(ns, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev' } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
  assert.equal(defaulted({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }).type, 'Opaque');
  assert.equal(defaulted({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/tls' }).type, 'kubernetes.io/tls');

  const pvc = defaulted({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: { requests: { storage: '1024Mi' } } } });
  assert.equal(pvc.spec.volumeMode, 'Filesystem');
  assert.equal(pvc.spec.resources.requests.storage, '1Gi');
  assert.equal(pvc.status.phase, 'Pending');

  const pv = defaulted({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec: { capacity: { storage: '10Gi' }, hostPath: { path: '/d' } } });
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.spec.volumeMode, 'Filesystem');
  assert.equal(pv.spec.hostPath.type, '');
  assert.equal(pv.status.phase, 'Pending');

  const node = defaulted({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4', memory: '8Gi' } } });
  assert.deepEqual(node.status.allocatable, { cpu: '4', memory: '8Gi' });

  const ep = defaulted({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] });
  assert.equal(ep.subsets[0].ports[0].protocol, 'TCP');

  const lr = defaulted({
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: 'l' },
    spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }, { type: 'Pod', max: { cpu: '4' } }] },
  });
  assert.deepEqual(lr.spec.limits[0], { type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '64Mi' } });
  assert.deepEqual(lr.spec.limits[1], { type: 'Pod', max: { cpu: '4' } });

  const rq = defaulted({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { 'requests.cpu': '1000m', pods: 10 } } });
  assert.deepEqual(rq.spec.hard, { 'requests.cpu': '1', pods: '10' });

  const np = defaulted({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } });
  assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(np.spec.egress[0].ports[0].protocol, 'TCP');
  const np2 = defaulted({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {} } });
  assert.deepEqual(np2.spec.policyTypes, ['Ingress']);

  const hpa = defaulted({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
  });
  assert.equal(hpa.spec.minReplicas, 1);
  assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.deepEqual(hpa.spec.behavior, {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 60 },
  });

  const rb = defaulted({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'b' },
    roleRef: { kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }],
  });
  assert.equal(rb.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  assert.equal(rb.subjects[0].apiGroup, 'rbac.authorization.k8s.io');
  assert.equal(rb.subjects[1].apiGroup, undefined);

  const sc = defaulted({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 's' }, provisioner: 'x.io/y' });
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'Immediate');
  const pc = defaulted({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'p' }, value: 10 });
  assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');
  const es = defaulted({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e' }, addressType: 'IPv4', ports: [{ port: 80 }] });
  assert.deepEqual(es.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
});

test('lists are defaulted item by item; unknown kinds are left alone', () => {
  const list: Obj = { apiVersion: 'v1', kind: 'SecretList', items: [{ metadata: { name: 'a' } }] };
  applyDefaults(list);
  assert.deepEqual(list.items[0], { metadata: { name: 'a' }, type: 'Opaque' });
  const widget: Obj = { apiVersion: 'example.com/v1', kind: 'Widget', spec: {} };
  applyDefaults(widget);
  assert.deepEqual(widget, { apiVersion: 'example.com/v1', kind: 'Widget', spec: {} });
});

test('image pull policy follows the tag', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['docker.io/library/nginx', 'Always'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v1', 'IfNotPresent'],
    ['nginx@sha256:' + 'a'.repeat(64), 'IfNotPresent'],
    ['nginx:latest@sha256:' + 'a'.repeat(64), 'Always'],
    ['Nginx', 'IfNotPresent'],
    ['', 'IfNotPresent'],
  ];
  for (const [image, want] of cases) assert.equal(defaultPullPolicy(image), want, image);
  assert.deepEqual(parseImageName('ghcr.io/org/app:v3'), { name: 'ghcr.io/org/app', tag: 'v3', digest: '' });
});
