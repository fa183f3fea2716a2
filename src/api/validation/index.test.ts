import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index.ts';
import { formatErrors, groupOf, validate } from './index.ts';

type Obj = Record<string, any>;

/** What the API server would answer: defaults applied, validated, the message formatted. */
function message(obj: Obj, old?: Obj): string {
  const o = structuredClone(obj);
  applyDefaults(o);
  let prev: Obj | undefined;
  if (old) {
    prev = structuredClone(old);
    applyDefaults(prev);
  }
  const errs = validate(o, prev);
  if (errs.length === 0) return '';
  return formatErrors(o.kind, groupOf(o.apiVersion), o.metadata?.name ?? '', errs);
}

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

function pod(name: string, containers: Obj[], extra: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers, ...extra } };
}

function deployment(name: string, spec: Obj): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } },
      ...spec,
    },
  };
}

function service(name: string, spec: Obj): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec };
}

const validCases: [string, Obj][] = [
  ['minimal pod', pod('nginx', [{ name: 'nginx', image: 'nginx' }])],
  ['minimal deployment', deployment('web', {})],
  ['service', service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] })],
  ['headless service without ports', service('db', { clusterIP: 'None', selector: { app: 'db' } })],
  ['external name service', service('ext', { type: 'ExternalName', externalName: 'example.com' })],
  ['configmap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { 'app.properties': 'a=b' } }],
  ['secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token: 'c2VjcmV0' } }],
  ['namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }],
  [
    'job',
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', uid: '3f1b8e7a-0000-4000-8000-000000000001' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } },
    },
  ],
  [
    'cronjob',
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'hello' },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      },
    },
  ],
  [
    'statefulset',
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
        ],
      },
    },
  ],
  [
    'daemonset',
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } },
      },
    },
  ],
  [
    'rolebinding',
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'read' },
      roleRef: { kind: 'Role', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'default' }, { kind: 'User', name: 'jane' }],
    },
  ],
  [
    'pvc',
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
    },
  ],
  [
    'ingress',
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web' },
      spec: {
        rules: [
          {
            host: 'example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
          },
        ],
      },
    },
  ],
  [
    'hpa',
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 },
    },
  ],
  [
    'pod with volumes, probes, env and resources',
    pod(
      'full',
      [
        {
          name: 'app',
          image: 'registry.example.com:5000/team/app@sha256:' + 'a'.repeat(64),
          ports: [{ name: 'http', containerPort: 8080 }],
          env: [
            { name: 'MODE', value: 'prod' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'KEY', valueFrom: { secretKeyRef: { name: 's', key: 'token' } } },
          ],
          resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m' } },
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/app' },
            { name: 'scratch', mountPath: '/tmp' },
          ],
          livenessProbe: { httpGet: { port: 'http' } },
          readinessProbe: { tcpSocket: { port: 8080 } },
        },
      ],
      { volumes: [{ name: 'cfg', configMap: { name: 'app' } }, { name: 'scratch' }] },
    ),
  ],
];

for (const [name, obj] of validCases) {
  test(`valid: ${name}`, () => {
    assert.equal(message(obj), '');
  });
}

const invalidCases: [string, Obj, string, Obj?][] = [
  [
    'deployment whose selector does not match its template',
    deployment('web', { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } }),
    'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`',
  ],
  [
    'deployment without selector',
    deployment('nginx', { selector: undefined, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } }),
    'Deployment.apps "nginx" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`]',
  ],
  [
    'deployment without a template',
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } } } },
    'Deployment.apps "web" is invalid: [spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`, spec.template.spec.containers: Required value]',
  ],
  [
    'probe without a handler',
    pod('p', [{ name: 'app', image: 'a', livenessProbe: { initialDelaySeconds: 5 } }]),
    'Pod "p" is invalid: spec.containers[0].livenessProbe: Required value: must specify a handler type',
  ],
  [
    'httpGet probe without a port',
    pod('p', [{ name: 'app', image: 'a', readinessProbe: { httpGet: { path: '/healthz' } } }]),
    'Pod "p" is invalid: spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive',
  ],
  [
    'deployment with negative replicas',
    deployment('web', { replicas: -1 }),
    'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  ],
  [
    'deployment with maxSurge and maxUnavailable both 0',
    deployment('web', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }),
    'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
  ],
  [
    'deployment with an unknown strategy',
    deployment('web', { strategy: { type: 'BlueGreen' } }),
    'Deployment.apps "web" is invalid: spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
  ],
  [
    'deployment with an empty selector',
    deployment('web', { selector: {} }),
    'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
  ],
  [
    'deployment selector changed on update',
    deployment('web', { selector: { matchLabels: { app: 'web2' } }, template: { metadata: { labels: { app: 'web2' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } }),
    'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    deployment('web', {}),
  ],
  [
    'pod without image',
    pod('p', [{ name: 'c' }]),
    'Pod "p" is invalid: spec.containers[0].image: Required value',
  ],
  [
    'pod container without name and image',
    pod('p', [{}]),
    'Pod "p" is invalid: [spec.containers[0].name: Required value, spec.containers[0].image: Required value]',
  ],
  [
    'pod name with uppercase letters',
    pod('MyPod', [{ name: 'c', image: 'nginx' }]),
    `Pod "MyPod" is invalid: metadata.name: Invalid value: "MyPod": ${SUBDOMAIN_MSG}`,
  ],
  [
    'pod without containers',
    pod('p', []),
    'Pod "p" is invalid: spec.containers: Required value',
  ],
  [
    'pod without a name',
    { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
  ],
  [
    'container name that is not a DNS label',
    pod('p', [{ name: 'My_App', image: 'nginx' }]),
    `Pod "p" is invalid: spec.containers[0].name: Invalid value: "My_App": ${LABEL_MSG}`,
  ],
  [
    'duplicate container names',
    pod('p', [{ name: 'app', image: 'a' }, { name: 'app', image: 'b' }]),
    'Pod "p" is invalid: spec.containers[1].name: Duplicate value: "app"',
  ],
  [
    'container port out of range',
    pod('p', [{ name: 'app', image: 'a', ports: [{ containerPort: 70000 }] }]),
    'Pod "p" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
  ],
  [
    'unsupported restart policy',
    pod('p', [{ name: 'app', image: 'a' }], { restartPolicy: 'Sometimes' }),
    'Pod "p" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
  ],
  [
    'volume mount of a missing volume',
    pod('p', [{ name: 'app', image: 'a', volumeMounts: [{ name: 'data', mountPath: '/data' }] }]),
    'Pod "p" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data"',
  ],
  [
    'duplicate volume names',
    pod('p', [{ name: 'app', image: 'a' }], { volumes: [{ name: 'v' }, { name: 'v' }] }),
    'Pod "p" is invalid: spec.volumes[1].name: Duplicate value: "v"',
  ],
  [
    'request above limit',
    pod('p', [{ name: 'app', image: 'a', resources: { limits: { cpu: '1' }, requests: { cpu: '2' } } }]),
    'Pod "p" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
  ],
  [
    'malformed quantity',
    pod('p', [{ name: 'app', image: 'a', resources: { limits: { memory: '1GB' } } }]),
    // Pods copy limits into missing requests before validation, so both are reported.
    'Pod "p" is invalid: [spec.containers[0].resources.limits[memory]: Invalid value: "1GB": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\', spec.containers[0].resources.requests[memory]: Invalid value: "1GB": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\']',
  ],
  [
    'unknown resource name',
    pod('p', [{ name: 'app', image: 'a', resources: { limits: { gpu: '1' } } }]),
    'Pod "p" is invalid: [spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified, spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers, spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified, spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers]',
  ],
  [
    'env var name with an equals sign',
    pod('p', [{ name: 'app', image: 'a', env: [{ name: 'A=B', value: 'x' }] }]),
    'Pod "p" is invalid: spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
  ],
  [
    'env var with value and valueFrom',
    pod('p', [{ name: 'app', image: 'a', env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }]),
    'Pod "p" is invalid: spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
  ],
  [
    'invalid label value',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', labels: { app: 'bad value' } } },
    'ConfigMap "cm" is invalid: metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')',
  ],
  [
    'invalid label key',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', labels: { 'a/b/c': 'x' } } },
    'ConfigMap "cm" is invalid: metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\') with an optional DNS subdomain prefix and \'/\' (e.g. \'example.com/MyName\')',
  ],
  [
    'annotations over 256 KiB',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', annotations: { big: 'x'.repeat(256 * 1024) } } },
    'ConfigMap "cm" is invalid: metadata.annotations: Too long: must have at most 262144 bytes',
  ],
  [
    'configmap key with a space',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { 'a b': 'x' } },
    "ConfigMap \"cm\" is invalid: data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  ],
  [
    'configmap over 1 MiB',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { big: 'x'.repeat(1024 * 1024 + 1) } },
    'ConfigMap "cm" is invalid: []: Too long: must have at most 1048576 bytes',
  ],
  [
    'tls secret without a key',
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==' } },
    'Secret "tls" is invalid: data[tls.key]: Required value',
  ],
  [
    'secret type changed on update',
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/basic-auth', data: { username: 'YQ==' } },
    'Secret "s" is invalid: type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { username: 'YQ==' } },
  ],
  [
    'immutable configmap changed',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, immutable: true, data: { a: '2' } },
    'ConfigMap "cm" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, immutable: true, data: { a: '1' } },
  ],
  [
    'service name starting with a digit',
    service('1web', { ports: [{ port: 80 }] }),
    `Service "1web" is invalid: metadata.name: Invalid value: "1web": ${DNS1035_MSG}`,
  ],
  [
    'service without ports',
    service('web', { selector: { app: 'web' } }),
    'Service "web" is invalid: spec.ports: Required value',
  ],
  [
    'service with two unnamed ports',
    service('web', { ports: [{ port: 80 }, { port: 443 }] }),
    'Service "web" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]',
  ],
  [
    'service nodePort with type ClusterIP',
    service('web', { ports: [{ port: 80, nodePort: 30080 }] }),
    "Service \"web\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
  ],
  [
    'service with an unknown type',
    service('web', { type: 'Internal', ports: [{ port: 80 }] }),
    'Service "web" is invalid: spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ],
  [
    'service port out of range',
    service('web', { ports: [{ port: 0 }] }),
    'Service "web" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive]',
  ],
  [
    'duplicate service ports',
    service('web', { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }),
    'Service "web" is invalid: spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
  ],
  [
    'service clusterIP changed',
    service('web', { clusterIP: '10.96.0.20', ports: [{ port: 80 }] }),
    'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.20"}: may not change once set',
    service('web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80 }] }),
  ],
  [
    'namespace with uppercase letters',
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Team' } },
    `Namespace "Team" is invalid: metadata.name: Invalid value: "Team": ${LABEL_MSG}`,
  ],
  [
    'job with restartPolicy Always',
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', uid: '3f1b8e7a-0000-4000-8000-000000000001' },
      spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } },
    },
    'Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  ],
  [
    'job template changed on update',
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', uid: 'u1' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:2' }] } } },
    },
    'Job.batch "pi" is invalid: spec.template: Invalid value: core.PodTemplateSpec{',
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', uid: 'u1' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } },
    },
  ],
  [
    'cronjob with a bad schedule',
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { schedule: 'error', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'b' }] } } } } },
    },
    'CronJob.batch "c" is invalid: spec.schedule: Invalid value: "error": expected exactly 5 fields, found 1: [error]',
  ],
  [
    'cronjob minute out of range',
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { schedule: '60 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'b' }] } } } } },
    },
    'CronJob.batch "c" is invalid: spec.schedule: Invalid value: "60 * * * *": end of range (60) above maximum (59): 60',
  ],
  [
    'rolebinding roleRef changed',
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'b' },
      subjects: [{ kind: 'User', name: 'jane' }],
    },
    'RoleBinding.rbac.authorization.k8s.io "rb" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"b"}: cannot change roleRef',
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'a' },
      subjects: [{ kind: 'User', name: 'jane' }],
    },
  ],
  [
    'rolebinding without roleRef name',
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb' },
      roleRef: { kind: 'Role' },
    },
    'RoleBinding.rbac.authorization.k8s.io "rb" is invalid: roleRef.name: Required value',
  ],
  [
    'pvc spec changed on update',
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '5Gi' } } },
    },
    'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
    },
  ],
  [
    'pvc without storage request',
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } },
    'PersistentVolumeClaim "data" is invalid: spec.resources[storage]: Required value',
  ],
  [
    'statefulset spec change outside the allowed fields',
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db2',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres' }] } },
      },
    },
    "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres' }] } },
      },
    },
  ],
  [
    'pod spec change outside image',
    pod('p', [{ name: 'app', image: 'a', command: ['sleep', '2'] }]),
    'Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    pod('p', [{ name: 'app', image: 'a', command: ['sleep', '1'] }]),
  ],
  [
    'ingress path without pathType',
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web' },
      spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    },
    'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
  ],
  [
    'hpa with maxReplicas below minReplicas',
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 3, maxReplicas: 2 },
    },
    'HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
  ],
];

for (const [name, obj, want, old] of invalidCases) {
  test(`invalid: ${name}`, () => {
    const got = message(obj, old);
    if (want.endsWith('{') || name.startsWith('pod spec change') || name.startsWith('pvc spec changed')) {
      assert.ok(got.startsWith(want), `${got}\n  does not start with\n${want}`);
    } else {
      assert.equal(got, want);
    }
  });
}

test('pods generated from generateName are checked with a masked trailing dash', () => {
  const o = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', name: 'web-x7k2p' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
  applyDefaults(o);
  assert.deepEqual(validate(o), []);
  const bad = { ...o, metadata: { generateName: 'Web-', name: 'web-abcde' } };
  assert.deepEqual(
    validate(bad).map((e) => `${e.field}: ${e.type}`),
    ['metadata.generateName: FieldValueInvalid'],
  );
});

test('unknown kinds still get metadata checks', () => {
  const errs = validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'Bad_Name' } });
  assert.equal(errs.length, 1);
  assert.equal(errs[0]?.field, 'metadata.name');
});
