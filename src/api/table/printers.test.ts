import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnsFor, rowFor } from './index.ts';
import { NOW, ago, metadata, MIN, HOUR, DAY } from './testing/fixtures.ts';

interface Case {
  group: string;
  kind: string;
  name: string;
  obj: Record<string, any>;
  cells: unknown[];
}

const template = (containers: [string, string][], labels: Record<string, string> = { app: 'web' }) => ({
  metadata: { labels },
  spec: { containers: containers.map(([name, image]) => ({ name, image })) },
});

const cases: Case[] = [
  // ------------------------------------------------------------------ apps
  {
    group: 'apps',
    kind: 'Deployment',
    name: 'partially ready',
    obj: {
      metadata: metadata('web', 3 * DAY),
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: template([
          ['nginx', 'nginx:1.27'],
          ['sidecar', 'busybox'],
        ]),
      },
      status: { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 },
    },
    cells: ['web', '2/3', 3, 2, '3d', 'nginx,sidecar', 'nginx:1.27,busybox', 'app=web'],
  },
  {
    group: 'apps',
    kind: 'Deployment',
    name: 'fresh, with set-based selector',
    obj: {
      metadata: metadata('api', 20),
      spec: {
        replicas: 2,
        selector: {
          matchLabels: { app: 'api' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['frontend', 'backend'] },
            { key: 'env', operator: 'Exists' },
            { key: 'canary', operator: 'DoesNotExist' },
          ],
        },
        template: template([['api', 'example/api:2']]),
      },
    },
    cells: ['api', '0/2', 0, 0, '20s', 'api', 'example/api:2', 'app=api,!canary,env,tier in (backend,frontend)'],
  },
  {
    group: 'apps',
    kind: 'ReplicaSet',
    name: 'scaled',
    obj: {
      metadata: metadata('web-7d4b9c8f5', 3 * DAY),
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9c8f5' } },
        template: template([['nginx', 'nginx:1.27']]),
      },
      status: { replicas: 3, readyReplicas: 3 },
    },
    cells: ['web-7d4b9c8f5', 3, 3, 3, '3d', 'nginx', 'nginx:1.27', 'app=web,pod-template-hash=7d4b9c8f5'],
  },
  {
    group: 'apps',
    kind: 'StatefulSet',
    name: 'one of three ready',
    obj: {
      metadata: metadata('db', 10 * MIN),
      spec: { replicas: 3, serviceName: 'db', template: template([['postgres', 'postgres:16']]) },
      status: { replicas: 2, readyReplicas: 1 },
    },
    cells: ['db', '1/3', '10m', 'postgres', 'postgres:16'],
  },
  {
    group: 'apps',
    kind: 'DaemonSet',
    name: 'with node selector',
    obj: {
      metadata: metadata('fluentd', 9 * DAY),
      spec: {
        selector: { matchLabels: { name: 'fluentd' } },
        template: {
          metadata: { labels: { name: 'fluentd' } },
          spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'fluentd', image: 'fluentd:v1' }] },
        },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      },
    },
    cells: ['fluentd', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '9d', 'fluentd', 'fluentd:v1', 'name=fluentd'],
  },
  {
    group: 'apps',
    kind: 'ControllerRevision',
    name: 'owned by a DaemonSet',
    obj: {
      metadata: metadata('fluentd-5c8f7d6b9', 9 * DAY, {
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'u', controller: true }],
      }),
      revision: 3,
      data: {},
    },
    cells: ['fluentd-5c8f7d6b9', 'daemonset.apps/fluentd', 3, '9d'],
  },
  {
    group: '',
    kind: 'ReplicationController',
    name: 'legacy',
    obj: {
      metadata: metadata('frontend', 2 * HOUR),
      spec: { replicas: 2, selector: { app: 'frontend' }, template: template([['php', 'php:8']]) },
      status: { replicas: 2, readyReplicas: 1 },
    },
    cells: ['frontend', 2, 2, 1, '120m', 'php', 'php:8', 'app=frontend'],
  },
  // ------------------------------------------------------------------ batch
  {
    group: 'batch',
    kind: 'Job',
    name: 'complete',
    obj: {
      metadata: metadata('pi', 5 * MIN),
      spec: { completions: 1, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } }, template: template([['pi', 'perl:5.34']]) },
      status: {
        succeeded: 1,
        startTime: ago(5 * MIN),
        completionTime: ago(5 * MIN - 7),
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True' },
          { type: 'Complete', status: 'True' },
        ],
      },
    },
    cells: ['pi', 'Complete', '1/1', '7s', '5m', 'pi', 'perl:5.34', 'batch.kubernetes.io/controller-uid=abc'],
  },
  {
    group: 'batch',
    kind: 'Job',
    name: 'running, parallel without completions',
    obj: {
      metadata: metadata('work-queue', 10 * MIN),
      spec: { parallelism: 3, template: template([['w', 'worker']]) },
      status: { active: 3, startTime: ago(10 * MIN) },
    },
    cells: ['work-queue', 'Running', '0/1 of 3', '10m', '10m', 'w', 'worker', '<none>'],
  },
  {
    group: 'batch',
    kind: 'Job',
    name: 'failed',
    obj: {
      metadata: metadata('bad', HOUR),
      spec: { completions: 3, template: template([['b', 'b']]) },
      status: {
        failed: 7,
        succeeded: 1,
        startTime: ago(HOUR),
        conditions: [
          { type: 'FailureTarget', status: 'True' },
          { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' },
        ],
      },
    },
    cells: ['bad', 'Failed', '1/3', '60m', '60m', 'b', 'b', '<none>'],
  },
  {
    group: 'batch',
    kind: 'Job',
    name: 'suspended, not started',
    obj: {
      metadata: metadata('later', 30),
      spec: { completions: 2, suspend: true, template: template([['l', 'l']]) },
      status: { conditions: [{ type: 'Suspended', status: 'True' }] },
    },
    cells: ['later', 'Suspended', '0/2', '', '30s', 'l', 'l', '<none>'],
  },
  {
    group: 'batch',
    kind: 'Job',
    name: 'terminating beats suspended',
    obj: {
      metadata: metadata('gone', 30, { deletionTimestamp: ago(0) }),
      spec: { completions: 1, template: template([['g', 'g']]) },
      status: { conditions: [{ type: 'Suspended', status: 'True' }] },
    },
    cells: ['gone', 'Terminating', '0/1', '', '30s', 'g', 'g', '<none>'],
  },
  {
    group: 'batch',
    kind: 'CronJob',
    name: 'with a last schedule',
    obj: {
      metadata: metadata('backup', 2 * DAY),
      spec: {
        schedule: '*/5 * * * *',
        suspend: false,
        jobTemplate: { spec: { template: template([['backup', 'restic:0.16']]) } },
      },
      status: { active: [{ kind: 'Job', name: 'backup-29000000' }], lastScheduleTime: ago(2 * MIN) },
    },
    cells: ['backup', '*/5 * * * *', '<none>', 'False', 1, '2m', '2d', 'backup', 'restic:0.16', '<none>'],
  },
  {
    group: 'batch',
    kind: 'CronJob',
    name: 'never scheduled, with a time zone',
    obj: {
      metadata: metadata('report', 50 * MIN),
      spec: {
        schedule: '0 9 * * 1',
        timeZone: 'Europe/Paris',
        suspend: true,
        jobTemplate: { spec: { template: template([['r', 'report:1']]) } },
      },
      status: {},
    },
    cells: ['report', '0 9 * * 1', 'Europe/Paris', 'True', 0, '<none>', '50m', 'r', 'report:1', '<none>'],
  },
  // ------------------------------------------------------------------ core
  {
    group: '',
    kind: 'Service',
    name: 'ClusterIP with two ports',
    obj: {
      metadata: metadata('web', 5 * DAY),
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.12.7',
        clusterIPs: ['10.96.12.7'],
        selector: { app: 'web', tier: 'frontend' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
      },
    },
    cells: ['web', 'ClusterIP', '10.96.12.7', '<none>', '80/TCP,443/TCP', '5d', 'app=web,tier=frontend'],
  },
  {
    group: '',
    kind: 'Service',
    name: 'NodePort',
    obj: {
      metadata: metadata('np', 90 * MIN),
      spec: {
        type: 'NodePort',
        clusterIP: '10.96.0.50',
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 443, nodePort: 30443, protocol: 'TCP' },
          { port: 53, protocol: 'UDP', nodePort: 31053 },
        ],
        selector: { app: 'np' },
      },
    },
    cells: ['np', 'NodePort', '10.96.0.50', '<none>', '80:30080/TCP,443:30443/TCP,53:31053/UDP', '90m', 'app=np'],
  },
  {
    group: '',
    kind: 'Service',
    name: 'LoadBalancer still pending',
    obj: {
      metadata: metadata('lb', 60),
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.3.3'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] },
      status: { loadBalancer: {} },
    },
    cells: ['lb', 'LoadBalancer', '10.96.3.3', '<pending>', '80:31000/TCP', '60s', '<none>'],
  },
  {
    group: '',
    kind: 'Service',
    name: 'LoadBalancer with ingress and external IPs',
    obj: {
      metadata: metadata('lb2', 60),
      spec: {
        type: 'LoadBalancer',
        clusterIPs: ['10.96.3.4'],
        externalIPs: ['192.0.2.9'],
        ports: [{ port: 443, nodePort: 31443 }],
      },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.10' }] } },
    },
    cells: ['lb2', 'LoadBalancer', '10.96.3.4', '203.0.113.10,lb.example.com,192.0.2.9', '443:31443/TCP', '60s', '<none>'],
  },
  {
    group: '',
    kind: 'Service',
    name: 'ExternalName',
    obj: { metadata: metadata('ext', 60), spec: { type: 'ExternalName', externalName: 'db.example.com' } },
    cells: ['ext', 'ExternalName', '<none>', 'db.example.com', '<none>', '60s', '<none>'],
  },
  {
    group: '',
    kind: 'Service',
    name: 'headless',
    obj: {
      metadata: metadata('db', 60),
      spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432 }], selector: { app: 'db' } },
    },
    cells: ['db', 'ClusterIP', 'None', '<none>', '5432/TCP', '60s', 'app=db'],
  },
  {
    group: '',
    kind: 'Node',
    name: 'control plane, cordoned, tainted',
    obj: {
      metadata: metadata('cp-1', 30 * DAY, {
        labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'cp-1' },
      }),
      spec: {
        unschedulable: true,
        taints: [
          { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
          { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
        ],
      },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [
          { type: 'InternalIP', address: '172.18.0.2' },
          { type: 'Hostname', address: 'cp-1' },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.35.0',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          kernelVersion: '6.8.0-45-generic',
          containerRuntimeVersion: 'containerd://2.1.1',
        },
      },
    },
    cells: [
      'cp-1',
      'Ready,SchedulingDisabled',
      'control-plane',
      '30d',
      'v1.35.0',
      '172.18.0.2',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.8.0-45-generic',
      'containerd://2.1.1',
    ],
  },
  {
    group: '',
    kind: 'Node',
    name: 'not ready worker with two roles',
    obj: {
      metadata: metadata('w-1', 2 * 365 * DAY + 100 * DAY, {
        labels: { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'ingress', 'node-role.kubernetes.io/': '' },
      }),
      spec: {},
      status: {
        conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }],
        addresses: [
          { type: 'ExternalIP', address: '198.51.100.4' },
          { type: 'InternalIP', address: '10.0.0.4' },
        ],
        nodeInfo: { kubeletVersion: 'v1.34.2' },
      },
    },
    cells: ['w-1', 'NotReady', 'ingress,worker', '2y100d', 'v1.34.2', '10.0.0.4', '198.51.100.4', '<unknown>', '<unknown>', '<unknown>'],
  },
  {
    group: '',
    kind: 'Node',
    name: 'registering, no conditions yet',
    obj: { metadata: metadata('new', 3), status: {} },
    cells: ['new', 'Unknown', '<none>', '3s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
  },
  {
    group: '',
    kind: 'Namespace',
    name: 'active',
    obj: { metadata: metadata('kube-system', 40 * DAY), status: { phase: 'Active' } },
    cells: ['kube-system', 'Active', '40d'],
  },
  {
    group: '',
    kind: 'Namespace',
    name: 'terminating',
    obj: { metadata: metadata('old', 5 * HOUR, { deletionTimestamp: ago(10) }), status: { phase: 'Terminating' } },
    cells: ['old', 'Terminating', '5h'],
  },
  {
    group: '',
    kind: 'ConfigMap',
    name: 'data and binaryData',
    obj: { metadata: metadata('cfg', 12 * DAY), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
    cells: ['cfg', 3, '12d'],
  },
  {
    group: '',
    kind: 'ConfigMap',
    name: 'empty',
    obj: { metadata: metadata('empty', 12) },
    cells: ['empty', 0, '12s'],
  },
  {
    group: '',
    kind: 'Secret',
    name: 'tls',
    obj: { metadata: metadata('tls', 6 * HOUR), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } },
    cells: ['tls', 'kubernetes.io/tls', 2, '6h'],
  },
  {
    group: '',
    kind: 'Secret',
    name: 'opaque by default',
    obj: { metadata: metadata('plain', 100), data: { password: 'cw==' } },
    cells: ['plain', 'Opaque', 1, '100s'],
  },
  {
    group: '',
    kind: 'ServiceAccount',
    name: 'default',
    obj: { metadata: metadata('default', 10 * DAY) },
    cells: ['default', 0, '10d'],
  },
  {
    group: '',
    kind: 'ServiceAccount',
    name: 'with a token secret',
    obj: { metadata: metadata('builder', 10 * DAY), secrets: [{ name: 'builder-token' }] },
    cells: ['builder', 1, '10d'],
  },
  {
    group: '',
    kind: 'Endpoints',
    name: 'more than three',
    obj: {
      metadata: metadata('web', DAY),
      subsets: [
        {
          addresses: [{ ip: '10.244.1.5' }, { ip: '10.244.2.6' }],
          ports: [
            { name: 'http', port: 8080 },
            { name: 'https', port: 8443 },
          ],
        },
      ],
    },
    cells: ['web', '10.244.1.5:8080,10.244.2.6:8080,10.244.1.5:8443 + 1 more...', '24h'],
  },
  {
    group: '',
    kind: 'Endpoints',
    name: 'IPv6 and headless without ports',
    obj: {
      metadata: metadata('v6', DAY),
      subsets: [{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }, { addresses: [{ ip: '10.0.0.1' }] }],
    },
    cells: ['v6', '[fd00::5]:80,10.0.0.1', '24h'],
  },
  {
    group: '',
    kind: 'Endpoints',
    name: 'no subsets',
    obj: { metadata: metadata('none', DAY) },
    cells: ['none', '<none>', '24h'],
  },
  {
    group: '',
    kind: 'Event',
    name: 'repeated kubelet warning',
    obj: {
      metadata: metadata('api.17f3c5d1a2b3c4d5', 10 * MIN),
      involvedObject: { kind: 'Pod', name: 'api', namespace: 'default', fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container app in pod api_default(uid)\n',
      source: { component: 'kubelet', host: 'node-2' },
      firstTimestamp: ago(10 * MIN),
      lastTimestamp: ago(2 * MIN),
      count: 7,
      type: 'Warning',
    },
    cells: [
      '2m',
      'Warning',
      'BackOff',
      'pod/api',
      'spec.containers{app}',
      'kubelet, node-2',
      'Back-off restarting failed container app in pod api_default(uid)',
      '10m',
      7,
      'api.17f3c5d1a2b3c4d5',
    ],
  },
  {
    group: '',
    kind: 'Event',
    name: 'new-style event with a series and no legacy timestamps',
    obj: {
      metadata: metadata('web.1', 30 * MIN),
      involvedObject: { kind: 'Deployment', name: 'web' },
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set web-1 from 0 to 3',
      eventTime: '2025-06-01T11:30:00.000000Z',
      series: { count: 4, lastObservedTime: '2025-06-01T11:55:00.123456Z' },
      reportingComponent: 'deployment-controller',
      reportingInstance: '',
      type: 'Normal',
    },
    cells: [
      '4m59s',
      'Normal',
      'ScalingReplicaSet',
      'deployment/web',
      '',
      'deployment-controller',
      'Scaled up replica set web-1 from 0 to 3',
      '30m',
      4,
      'web.1',
    ],
  },
  {
    group: 'events.k8s.io',
    kind: 'Event',
    name: 'events.k8s.io/v1 fields',
    obj: {
      metadata: metadata('n.2', HOUR),
      regarding: { kind: 'Node', name: 'node-1' },
      reason: 'NodeReady',
      note: 'Node node-1 status is now: NodeReady',
      eventTime: ago(HOUR),
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
      type: 'Normal',
    },
    cells: ['60m', 'Normal', 'NodeReady', 'node/node-1', '', 'kubelet, node-1', 'Node node-1 status is now: NodeReady', '60m', 1, 'n.2'],
  },
  {
    group: '',
    kind: 'PersistentVolume',
    name: 'bound',
    obj: {
      metadata: metadata('pv-1', 8 * DAY),
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteMany', 'ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: 'standard',
        claimRef: { namespace: 'default', name: 'data' },
        volumeMode: 'Filesystem',
      },
      status: { phase: 'Bound' },
    },
    cells: ['pv-1', '10Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'standard', '<unset>', '', '8d', 'Filesystem'],
  },
  {
    group: '',
    kind: 'PersistentVolume',
    name: 'released, being deleted, beta class annotation',
    obj: {
      metadata: metadata('pv-2', 8 * DAY, {
        deletionTimestamp: ago(1),
        annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' },
      }),
      spec: { capacity: { storage: '1536Mi' }, accessModes: ['ReadWriteOncePod'], persistentVolumeReclaimPolicy: 'Delete' },
      status: { phase: 'Released', reason: 'Reclaiming' },
    },
    cells: ['pv-2', '1536Mi', 'RWOP', 'Delete', 'Terminating', '', 'slow', '<unset>', 'Reclaiming', '8d', '<unset>'],
  },
  {
    group: '',
    kind: 'PersistentVolumeClaim',
    name: 'bound',
    obj: {
      metadata: metadata('data', 8 * DAY),
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '5Gi' } },
        storageClassName: 'standard',
        volumeName: 'pv-1',
        volumeMode: 'Filesystem',
      },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
    },
    cells: ['data', 'Bound', 'pv-1', '10Gi', 'RWO', 'standard', '<unset>', '8d', 'Filesystem'],
  },
  {
    group: '',
    kind: 'PersistentVolumeClaim',
    name: 'pending',
    obj: {
      metadata: metadata('scratch', 40),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast', volumeAttributesClassName: 'gold' },
      status: { phase: 'Pending' },
    },
    cells: ['scratch', 'Pending', '', '', '', 'fast', 'gold', '40s', '<unset>'],
  },
  {
    group: '',
    kind: 'ResourceQuota',
    name: 'requests and limits split',
    obj: {
      metadata: metadata('compute', 3 * HOUR),
      spec: {},
      status: {
        hard: { cpu: '2', 'limits.memory': '2Gi', pods: '10', 'requests.memory': '1Gi', 'limits.cpu': '4' },
        used: { cpu: '500m', 'limits.memory': '512Mi', pods: '3', 'limits.cpu': '1500m' },
      },
    },
    cells: ['compute', 'cpu: 500m/2, pods: 3/10, requests.memory: 0/1Gi', 'limits.cpu: 1500m/4, limits.memory: 512Mi/2Gi', '3h'],
  },
  {
    group: '',
    kind: 'PodTemplate',
    name: 'template',
    obj: { metadata: metadata('tpl', 60), template: template([['a', 'img-a'], ['b', 'img-b']], { app: 'x', tier: 'y' }) },
    cells: ['tpl', 'a,b', 'img-a,img-b', 'app=x,tier=y'],
  },
  {
    group: '',
    kind: 'ComponentStatus',
    name: 'healthy',
    obj: { metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] },
    cells: ['etcd-0', 'Healthy', 'ok', ''],
  },
  // ------------------------------------------------------------------ autoscaling & policy
  {
    group: 'autoscaling',
    kind: 'HorizontalPodAutoscaler',
    name: 'v2 cpu utilization',
    obj: {
      metadata: metadata('web', 4 * DAY),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      },
      status: {
        currentReplicas: 3,
        desiredReplicas: 3,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 50, averageValue: '250m' } } }],
      },
    },
    cells: ['web', 'Deployment/web', 'cpu: 50%/80%', '2', 10, 3, '4d'],
  },
  {
    group: 'autoscaling',
    kind: 'HorizontalPodAutoscaler',
    name: 'v2 three metrics, no status yet',
    obj: {
      metadata: metadata('api', 30),
      spec: {
        scaleTargetRef: { kind: 'StatefulSet', name: 'api' },
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } },
          { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
          { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
        ],
      },
    },
    cells: ['api', 'StatefulSet/api', 'memory: <unknown>/512Mi, <unknown>/1k + 1 more...', '<unset>', 5, 0, '30s'],
  },
  {
    group: 'autoscaling',
    kind: 'HorizontalPodAutoscaler',
    name: 'v2 values with status',
    obj: {
      metadata: metadata('q', 30),
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'q' },
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [
          { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '1000' } } },
          { type: 'Object', object: { metric: { name: 'lag' }, target: { type: 'AverageValue', averageValue: '0.5' } } },
        ],
      },
      status: {
        currentReplicas: 2,
        currentMetrics: [
          { type: 'Pods', pods: { metric: { name: 'rps' }, current: { averageValue: '250' } } },
          { type: 'Object', object: { metric: { name: 'lag' }, current: { averageValue: '2' } } },
        ],
      },
    },
    cells: ['q', 'Deployment/q', '250/1k, 2/500m (avg)', '1', 4, 2, '30s'],
  },
  {
    group: 'autoscaling',
    kind: 'HorizontalPodAutoscaler',
    name: 'autoscaling/v1 CPU target',
    obj: {
      apiVersion: 'autoscaling/v1',
      metadata: metadata('old', 2 * HOUR),
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'old' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 },
      status: { currentReplicas: 1, currentCPUUtilizationPercentage: 20 },
    },
    cells: ['old', 'Deployment/old', 'cpu: 20%/70%', '1', 3, 1, '120m'],
  },
  {
    group: 'policy',
    kind: 'PodDisruptionBudget',
    name: 'minAvailable',
    obj: {
      metadata: metadata('web-pdb', DAY),
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
      status: { disruptionsAllowed: 1 },
    },
    cells: ['web-pdb', '2', 'N/A', 1, '24h'],
  },
  {
    group: 'policy',
    kind: 'PodDisruptionBudget',
    name: 'maxUnavailable percent',
    obj: { metadata: metadata('db-pdb', DAY), spec: { maxUnavailable: '25%' }, status: {} },
    cells: ['db-pdb', 'N/A', '25%', 0, '24h'],
  },
  // ------------------------------------------------------------------ networking
  {
    group: 'networking.k8s.io',
    kind: 'Ingress',
    name: 'TLS, class, address',
    obj: {
      metadata: metadata('site', 6 * DAY),
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['a.example.com'], secretName: 'a-tls' }],
        rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }],
      },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
    },
    cells: ['site', 'nginx', 'a.example.com,b.example.com', '192.0.2.1', '80, 443', '6d'],
  },
  {
    group: 'networking.k8s.io',
    kind: 'Ingress',
    name: 'catch-all, many hosts',
    obj: {
      metadata: metadata('many', 60),
      spec: { rules: [{ host: 'a' }, { host: 'b' }, { host: 'c' }, { host: 'd' }, { host: 'e' }] },
    },
    cells: ['many', '<none>', 'a,b,c + 2 more...', '', '80', '60s'],
  },
  {
    group: 'networking.k8s.io',
    kind: 'Ingress',
    name: 'default backend only',
    obj: { metadata: metadata('default', 60), spec: { defaultBackend: { service: { name: 'x', port: { number: 80 } } } } },
    cells: ['default', '<none>', '*', '', '80', '60s'],
  },
  {
    group: 'networking.k8s.io',
    kind: 'IngressClass',
    name: 'with parameters',
    obj: {
      metadata: metadata('nginx', DAY),
      spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } },
    },
    cells: ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/external-lb', '24h'],
  },
  {
    group: 'networking.k8s.io',
    kind: 'IngressClass',
    name: 'without parameters',
    obj: { metadata: metadata('traefik', DAY), spec: { controller: 'traefik.io/ingress-controller' } },
    cells: ['traefik', 'traefik.io/ingress-controller', '<none>', '24h'],
  },
  {
    group: 'networking.k8s.io',
    kind: 'NetworkPolicy',
    name: 'all pods',
    obj: { metadata: metadata('deny-all', DAY), spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    cells: ['deny-all', '<none>', '24h'],
  },
  {
    group: 'networking.k8s.io',
    kind: 'NetworkPolicy',
    name: 'selected pods',
    obj: { metadata: metadata('db', DAY), spec: { podSelector: { matchLabels: { role: 'db' } } } },
    cells: ['db', 'role=db', '24h'],
  },
  {
    group: 'discovery.k8s.io',
    kind: 'EndpointSlice',
    name: 'ports and endpoints',
    obj: {
      metadata: metadata('web-abc12', DAY),
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics' }],
      endpoints: [{ addresses: ['10.244.1.5'] }, { addresses: ['10.244.2.6'] }],
    },
    cells: ['web-abc12', 'IPv4', '8080,metrics', '10.244.1.5,10.244.2.6', '24h'],
  },
  {
    group: 'discovery.k8s.io',
    kind: 'EndpointSlice',
    name: 'empty',
    obj: { metadata: metadata('empty-x', 60), addressType: 'IPv6', endpoints: [] },
    cells: ['empty-x', 'IPv6', '<unset>', '<unset>', '60s'],
  },
  // ------------------------------------------------------------------ the rest
  {
    group: 'coordination.k8s.io',
    kind: 'Lease',
    name: 'held',
    obj: {
      metadata: metadata('kube-scheduler', 20 * DAY),
      spec: { holderIdentity: 'cp-1_4f1c', leaseDurationSeconds: 15, renewTime: '2025-06-01T11:59:58.000000Z' },
    },
    cells: ['kube-scheduler', 'cp-1_4f1c', '20d'],
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'RoleBinding',
    name: 'mixed subjects',
    obj: {
      metadata: metadata('devs-admin', 2 * DAY),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [
        { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'build' },
      ],
    },
    cells: ['devs-admin', 'ClusterRole/admin', '2d', 'alice, bob', 'devs', 'build/ci'],
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRoleBinding',
    name: 'group only',
    obj: {
      metadata: metadata('cluster-admin', 100 * DAY),
      roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'Group', name: 'system:masters' }],
    },
    cells: ['cluster-admin', 'ClusterRole/cluster-admin', '100d', '', 'system:masters', ''],
  },
  {
    group: 'certificates.k8s.io',
    kind: 'CertificateSigningRequest',
    name: 'approved and issued',
    obj: {
      metadata: metadata('csr-abc', 3 * MIN),
      spec: {
        signerName: 'kubernetes.io/kube-apiserver-client',
        username: 'alice',
        expirationSeconds: 86400,
        request: 'LS0t',
        usages: ['client auth'],
      },
      status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0tLS1CRUdJTg==' },
    },
    cells: ['csr-abc', '3m', 'kubernetes.io/kube-apiserver-client', 'alice', '24h', 'Approved,Issued'],
  },
  {
    group: 'certificates.k8s.io',
    kind: 'CertificateSigningRequest',
    name: 'pending',
    obj: { metadata: metadata('csr-new', 3), spec: { signerName: 'kubernetes.io/kubelet-serving', username: 'system:node:n1' } },
    cells: ['csr-new', '3s', 'kubernetes.io/kubelet-serving', 'system:node:n1', '<none>', 'Pending'],
  },
  {
    group: 'certificates.k8s.io',
    kind: 'CertificateSigningRequest',
    name: 'denied and failed',
    obj: {
      metadata: metadata('csr-no', 3),
      spec: { signerName: 'example.com/x', username: 'mallory', expirationSeconds: 600 },
      status: { conditions: [{ type: 'Denied', status: 'True' }, { type: 'Failed', status: 'True' }] },
    },
    cells: ['csr-no', '3s', 'example.com/x', 'mallory', '10m', 'Denied,Failed'],
  },
  {
    group: 'storage.k8s.io',
    kind: 'StorageClass',
    name: 'default class',
    obj: {
      metadata: metadata('standard', 30 * DAY, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }),
      provisioner: 'rancher.io/local-path',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    },
    cells: ['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '30d'],
  },
  {
    group: 'storage.k8s.io',
    kind: 'StorageClass',
    name: 'defaults filled in',
    obj: { metadata: metadata('fast', 60), provisioner: 'ebs.csi.aws.com', allowVolumeExpansion: true },
    cells: ['fast', 'ebs.csi.aws.com', 'Delete', 'Immediate', true, '60s'],
  },
  {
    group: 'storage.k8s.io',
    kind: 'CSIDriver',
    name: 'driver',
    obj: {
      metadata: metadata('ebs.csi.aws.com', DAY),
      spec: { attachRequired: true, podInfoOnMount: false, volumeLifecycleModes: ['Persistent'], tokenRequests: [{ audience: 'sts' }] },
    },
    cells: ['ebs.csi.aws.com', true, false, false, 'sts', false, 'Persistent', '24h'],
  },
  {
    group: 'storage.k8s.io',
    kind: 'VolumeAttachment',
    name: 'attached',
    obj: {
      metadata: metadata('csi-123', HOUR),
      spec: { attacher: 'ebs.csi.aws.com', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } },
      status: { attached: true },
    },
    cells: ['csi-123', 'ebs.csi.aws.com', 'pv-1', 'node-1', true, '60m'],
  },
  {
    group: 'scheduling.k8s.io',
    kind: 'PriorityClass',
    name: 'system class',
    obj: {
      metadata: metadata('system-cluster-critical', 50 * DAY),
      value: 2000000000,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'Used for system critical pods that must run in the cluster.',
    },
    cells: ['system-cluster-critical', 2000000000, false, '50d', 'PreemptLowerPriority'],
  },
  {
    group: 'node.k8s.io',
    kind: 'RuntimeClass',
    name: 'gvisor',
    obj: { metadata: metadata('gvisor', DAY), handler: 'runsc' },
    cells: ['gvisor', 'runsc', '24h'],
  },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingWebhookConfiguration',
    name: 'two webhooks',
    obj: { metadata: metadata('policy', DAY), webhooks: [{ name: 'a.example.com' }, { name: 'b.example.com' }] },
    cells: ['policy', 2, '24h'],
  },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'MutatingWebhookConfiguration',
    name: 'none',
    obj: { metadata: metadata('inject', DAY) },
    cells: ['inject', 0, '24h'],
  },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingAdmissionPolicy',
    name: 'with param kind',
    obj: {
      metadata: metadata('replicas-limit', DAY),
      spec: { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'true' }] },
    },
    cells: ['replicas-limit', 1, 'v1/ConfigMap', '24h'],
  },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingAdmissionPolicyBinding',
    name: 'named param without namespace',
    obj: { metadata: metadata('bind', DAY), spec: { policyName: 'replicas-limit', paramRef: { name: 'limits' } } },
    cells: ['bind', 'replicas-limit', '*/limits', '24h'],
  },
  {
    group: 'flowcontrol.apiserver.k8s.io',
    kind: 'PriorityLevelConfiguration',
    name: 'limited with queuing',
    obj: {
      metadata: metadata('workload-low', 30 * DAY),
      spec: {
        type: 'Limited',
        limited: { nominalConcurrencyShares: 100, limitResponse: { type: 'Queue', queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } } },
      },
    },
    cells: ['workload-low', 'Limited', 100, 128, 6, 50, '30d'],
  },
  {
    group: 'flowcontrol.apiserver.k8s.io',
    kind: 'PriorityLevelConfiguration',
    name: 'exempt',
    obj: { metadata: metadata('exempt', 30 * DAY), spec: { type: 'Exempt', exempt: {} } },
    cells: ['exempt', 'Exempt', '<none>', '<none>', '<none>', '<none>', '30d'],
  },
  {
    group: 'flowcontrol.apiserver.k8s.io',
    kind: 'FlowSchema',
    name: 'schema',
    obj: {
      metadata: metadata('service-accounts', 30 * DAY),
      spec: { priorityLevelConfiguration: { name: 'workload-low' }, matchingPrecedence: 9000, distinguisherMethod: { type: 'ByUser' } },
      status: { conditions: [{ type: 'Dangling', status: 'False' }] },
    },
    cells: ['service-accounts', 'workload-low', 9000, 'ByUser', '30d', 'False'],
  },
  {
    group: 'apiregistration.k8s.io',
    kind: 'APIService',
    name: 'local',
    obj: {
      metadata: metadata('v1.apps', 30 * DAY),
      spec: { group: 'apps', version: 'v1' },
      status: { conditions: [{ type: 'Available', status: 'True', reason: 'Local' }] },
    },
    cells: ['v1.apps', 'Local', 'True', '30d'],
  },
  {
    group: 'apiregistration.k8s.io',
    kind: 'APIService',
    name: 'unavailable service',
    obj: {
      metadata: metadata('v1beta1.metrics.k8s.io', 2 * MIN),
      spec: { service: { namespace: 'kube-system', name: 'metrics-server' }, group: 'metrics.k8s.io', version: 'v1beta1' },
      status: { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] },
    },
    cells: ['v1beta1.metrics.k8s.io', 'kube-system/metrics-server', 'False (MissingEndpoints)', '2m'],
  },
  // ------------------------------------------------------------------ no printer: NAME, CREATED AT
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: 'default table',
    obj: { metadata: { name: 'admin', creationTimestamp: '2025-05-01T10:20:30Z' }, rules: [] },
    cells: ['admin', '2025-05-01T10:20:30Z'],
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'Role',
    name: 'default table',
    obj: { metadata: { name: 'reader', creationTimestamp: '2025-05-01T12:20:30+02:00' } },
    cells: ['reader', '2025-05-01T10:20:30Z'],
  },
  {
    group: '',
    kind: 'LimitRange',
    name: 'default table',
    obj: { metadata: { name: 'limits', creationTimestamp: '2025-05-01T10:20:30.123456Z' }, spec: { limits: [] } },
    cells: ['limits', '2025-05-01T10:20:30Z'],
  },
  {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    name: 'default table',
    obj: { metadata: { name: 'widgets.example.com', creationTimestamp: '2025-01-02T03:04:05Z' } },
    cells: ['widgets.example.com', '2025-01-02T03:04:05Z'],
  },
  {
    group: 'example.com',
    kind: 'Unknown',
    name: 'no creation time',
    obj: { metadata: { name: 'x' } },
    cells: ['x', '0001-01-01T00:00:00Z'],
  },
];

for (const c of cases) {
  test(`${c.group || 'core'}/${c.kind}: ${c.name}`, () => {
    const cells = rowFor(c.group, c.kind, c.obj, NOW);
    assert.deepEqual(cells, c.cells);
    assert.equal(cells.length, columnsFor(c.group, c.kind).length, 'one cell per column');
  });
}
