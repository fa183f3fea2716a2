import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  ProtobufDecodeError,
  decodeK8sProtobuf,
  encodeK8sProtobuf,
  formatDuration,
  isProtobufKindSupported,
  parseDuration,
} from './index.ts';
import { Reader, Writer, WIRE_LEN, WIRE_VARINT } from './wire.ts';
import { GROUP_VERSIONS, SCHEMA } from './schema.ts';

const fixtureDir = new URL('./fixtures/', import.meta.url);
type Capture = { command: string; method: string; path: string; expectedFrom: string; expected: Record<string, unknown> };
const captures = JSON.parse(readFileSync(new URL('captures.json', fixtureDir), 'utf8')) as Record<string, Capture>;
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`${name}.bin`, fixtureDir)));

const roundTrip = (obj: Record<string, unknown>): Record<string, unknown> => decodeK8sProtobuf(encodeK8sProtobuf(obj));

function expectDecodeError(body: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeK8sProtobuf(body),
    (e: unknown) => e instanceof ProtobufDecodeError && pattern.test(e.message) && e.message.startsWith('unable to decode protobuf body: '),
  );
}

/** Builds a body by hand: magic + Unknown{typeMeta, raw}. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array, extra?: (w: Writer) => void): Uint8Array {
  const tm = new Writer().tag(1, WIRE_LEN).string(apiVersion).tag(2, WIRE_LEN).string(kind).finish();
  const w = new Writer().raw(Uint8Array.of(0x6b, 0x38, 0x73, 0)).tag(1, WIRE_LEN).bytes(tm).tag(2, WIRE_LEN).bytes(raw);
  extra?.(w);
  return w.finish();
}

describe('bodies captured from the real kubectl 1.35 and helm 4.1', () => {
  for (const [name, c] of Object.entries(captures)) {
    test(`${name}: ${c.command}`, () => {
      const body = fixture(name);
      const obj = decodeK8sProtobuf(body);
      assert.deepEqual(obj, c.expected);
      // and our encoder writes exactly what Go's marshallers wrote
      assert.deepEqual(Buffer.from(encodeK8sProtobuf(obj)).toString('hex'), Buffer.from(body).toString('hex'));
    });
  }

  test('helm release secret keeps its payload', () => {
    const obj = decodeK8sProtobuf(fixture('helm-release-create'));
    const data = obj.data as Record<string, string>;
    // the release is base64(gzip(json)) inside the secret's bytes
    const inner = Buffer.from(Buffer.from(data.release!, 'base64').toString('utf8'), 'base64');
    assert.equal(inner[0], 0x1f);
    assert.equal(inner[1], 0x8b);
    assert.equal((obj.metadata as Record<string, unknown>).name, 'sh.helm.release.v1.r.v1');
  });
});

describe('round trips', () => {
  test('a Deployment with containers, env, ports, resources, probes, volumes', () => {
    const d = {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: {
        name: 'web',
        namespace: 'prod',
        uid: '5a0e7e0c-0c5d-4e0e-9a0a-0c0c0c0c0c0c',
        resourceVersion: '12345',
        generation: 3,
        creationTimestamp: '2024-03-04T05:06:07Z',
        labels: { app: 'web', tier: 'frontend' },
        annotations: { 'deployment.kubernetes.io/revision': '2', empty: '' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 'owner', uid: 'u-1', controller: true, blockOwnerDeletion: false }],
        finalizers: ['example.com/f'],
        managedFields: [
          {
            manager: 'kubectl-create',
            operation: 'Update',
            apiVersion: 'apps/v1',
            time: '2024-03-04T05:06:07Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
          },
        ],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'edge'] }] },
        template: {
          metadata: { labels: { app: 'web', tier: 'frontend' } },
          spec: {
            terminationGracePeriodSeconds: 0,
            automountServiceAccountToken: false,
            securityContext: { runAsUser: 0, runAsNonRoot: false, fsGroup: 2000, supplementalGroups: [1, 2, 3] },
            initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'], resources: {} }],
            containers: [
              {
                name: 'app',
                image: 'registry.example.com/app:1.2.3',
                args: ['--port=8080', '--verbose'],
                ports: [
                  { name: 'http', containerPort: 8080, protocol: 'TCP' },
                  { containerPort: 9090, hostPort: 19090, protocol: 'UDP' },
                ],
                env: [
                  { name: 'PLAIN', value: 'x' },
                  { name: 'EMPTY' },
                  { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'creds', key: 'password', optional: false } } },
                  { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
                  { name: 'CPU', valueFrom: { resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } } },
                ],
                envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'app-config' } }],
                resources: {
                  limits: { cpu: '500m', memory: '256Mi', 'nvidia.com/gpu': '1' },
                  requests: { cpu: '250m', memory: '128Mi' },
                },
                livenessProbe: {
                  httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: '1' }] },
                  initialDelaySeconds: 5,
                  periodSeconds: 10,
                  failureThreshold: 3,
                },
                readinessProbe: { tcpSocket: { port: 8080 }, timeoutSeconds: 2 },
                startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, terminationGracePeriodSeconds: 0 },
                lifecycle: { preStop: { sleep: { seconds: 5 } } },
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/app', readOnly: true },
                  { name: 'scratch', mountPath: '/tmp' },
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                imagePullPolicy: 'IfNotPresent',
                terminationMessagePath: '/dev/termination-log',
                stdin: true,
                tty: true,
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'app-config', defaultMode: 420, items: [{ key: 'a', path: 'a.txt', mode: 0 }] } },
              { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
              { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'api' } }] } },
            ],
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }],
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } },
                ],
              },
            },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 2 }],
            imagePullSecrets: [{ name: 'regcred' }],
            dnsPolicy: 'ClusterFirst',
            restartPolicy: 'Always',
            enableServiceLinks: false,
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 600,
        minReadySeconds: 10,
      },
      status: {
        observedGeneration: 3,
        replicas: 2,
        readyReplicas: 2,
        conditions: [
          {
            type: 'Available',
            status: 'True',
            lastUpdateTime: '2024-03-04T05:06:30Z',
            lastTransitionTime: '2024-03-04T05:06:30Z',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          },
        ],
      },
    };
    // A zero, non-pointer, omitempty scalar is left out of JSON just as Go's encoder leaves it out:
    // `items[0].mode` is a pointer (kept), `EMPTY`'s value "" is dropped.
    const expected = structuredClone(d);
    delete (expected.spec.template.spec.containers[0]!.env[1] as { value?: string }).value;
    assert.deepEqual(roundTrip(d), expected);
  });

  test('a Secret with binary data (every byte value) and stringData', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('base64');
    const s = {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'bin', namespace: 'default' },
      type: 'Opaque',
      immutable: false,
      data: { all, empty: '', 'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64') },
      stringData: { plain: 'text' },
    };
    assert.deepEqual(roundTrip(s), s);
  });

  test('DeleteOptions with propagationPolicy and a zero grace period, under any group version', () => {
    for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1', 'batch/v1']) {
      const o = {
        kind: 'DeleteOptions',
        apiVersion,
        gracePeriodSeconds: 0,
        propagationPolicy: 'Foreground',
        preconditions: { uid: 'abc', resourceVersion: '42' },
        dryRun: ['All'],
      };
      assert.deepEqual(roundTrip(o), o);
    }
    const orphan = { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: false };
    assert.deepEqual(roundTrip(orphan), orphan);
  });

  test('Scale (autoscaling/v1): replicas in spec and status', () => {
    const s = {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'prod', resourceVersion: '7' },
      spec: { replicas: 5 },
      status: { replicas: 2, selector: 'app=web' },
    };
    assert.deepEqual(roundTrip(s), s);
    // Go's ScaleSpec.Replicas is `int32,omitempty`: a scale to zero reads as an empty spec
    const zero = roundTrip({ ...s, spec: { replicas: 0 }, status: { replicas: 0 } });
    assert.deepEqual(zero.spec, {});
    assert.deepEqual(zero.status, { replicas: 0 });
  });

  test('Lease and Events keep MicroTime to the microsecond; Time to the second', () => {
    const lease = {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { name: 'kube-scheduler', namespace: 'kube-system' },
      spec: {
        holderIdentity: 'node-1_abc',
        leaseDurationSeconds: 15,
        acquireTime: '2024-05-01T10:20:30.000000Z',
        renewTime: '2024-05-01T10:20:45.123456Z',
        leaseTransitions: 0,
      },
    };
    assert.deepEqual(roundTrip(lease), lease);
    const ev = {
      kind: 'Event',
      apiVersion: 'events.k8s.io/v1',
      metadata: { name: 'e1', namespace: 'default' },
      eventTime: '2024-05-01T10:20:30.654321Z',
      series: { count: 2, lastObservedTime: '2024-05-01T10:21:00.000001Z' },
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
      action: 'Pulling',
      reason: 'Pulling',
      regarding: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
      note: 'Pulling image',
      type: 'Normal',
      deprecatedSource: {},
    };
    assert.deepEqual(roundTrip(ev), ev);
    const core = roundTrip({
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: 'e2', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'p' },
      firstTimestamp: '2024-05-01T10:20:30.999Z', // sub-second part is not carried by metav1.Time
      lastTimestamp: '2024-05-01T12:20:30+02:00',
      count: 3,
      source: { component: 'kubelet' },
    });
    assert.equal(core.firstTimestamp, '2024-05-01T10:20:30Z');
    assert.equal(core.lastTimestamp, '2024-05-01T10:20:30Z');
  });

  test('CertificateSigningRequest with conditions, extra and certificate bytes', () => {
    const csr = {
      kind: 'CertificateSigningRequest',
      apiVersion: 'certificates.k8s.io/v1',
      metadata: { name: 'c' },
      spec: {
        request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----').toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client',
        expirationSeconds: 600,
        usages: ['client auth'],
        username: 'alice',
        groups: ['g'],
        extra: { scopes: ['a', 'b'], empty: [] },
      },
      status: {
        conditions: [{ type: 'Approved', status: 'True', reason: 'R', message: 'ok', lastUpdateTime: '2025-01-01T00:00:00Z' }],
        certificate: Buffer.from('cert').toString('base64'),
      },
    };
    assert.deepEqual(roundTrip(csr), csr);
  });

  test('other kinds kubectl sends: Service, Pod, StatefulSet, DaemonSet, CronJob, HPA v1, PVC, Ingress, TokenRequest', () => {
    const objs: Record<string, unknown>[] = [
      {
        kind: 'Service',
        apiVersion: 'v1',
        metadata: { name: 's' },
        spec: {
          ports: [
            { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' },
            { name: 'm', protocol: 'TCP', port: 9000, targetPort: 9001, appProtocol: 'kubernetes.io/h2c' },
          ],
          selector: { app: 'x' },
          clusterIP: 'None',
          type: 'ClusterIP',
          ipFamilyPolicy: 'SingleStack',
          ipFamilies: ['IPv4'],
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
          publishNotReadyAddresses: true,
        },
        status: { loadBalancer: {} },
      },
      {
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { name: 'p', generateName: 'p-' },
        spec: { containers: [{ name: 'c', image: 'i', resources: {} }], restartPolicy: 'Never', priority: 0, hostNetwork: true },
        status: {
          phase: 'Running',
          podIP: '10.0.0.5',
          podIPs: [{ ip: '10.0.0.5' }],
          startTime: '2024-01-01T00:00:00Z',
          containerStatuses: [
            {
              name: 'c',
              ready: false,
              restartCount: 0,
              image: 'i',
              started: false,
              state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2024-01-01T00:00:01Z', finishedAt: '2024-01-01T00:00:02Z' } },
              lastState: {},
            },
          ],
        },
      },
      {
        kind: 'StatefulSet',
        apiVersion: 'apps/v1',
        metadata: { name: 'db' },
        spec: {
          replicas: 3,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'pg', resources: {} }] } },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } },
              status: {},
            },
          ],
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
          podManagementPolicy: 'Parallel',
        },
        status: { replicas: 0, availableReplicas: 0 },
      },
      {
        kind: 'DaemonSet',
        apiVersion: 'apps/v1',
        metadata: { name: 'ds' },
        spec: {
          selector: { matchLabels: { a: 'b' } },
          template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'i', resources: {} }] } },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        },
        status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
      },
      {
        kind: 'CronJob',
        apiVersion: 'batch/v1',
        metadata: { name: 'cj' },
        spec: {
          schedule: '0 * * * *',
          timeZone: 'Etc/UTC',
          suspend: false,
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 0,
          jobTemplate: {
            metadata: {},
            spec: {
              backoffLimit: 0,
              parallelism: 1,
              completions: 1,
              ttlSecondsAfterFinished: 0,
              template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'i', resources: {} }], restartPolicy: 'OnFailure' } },
              podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 2, 42] } }] },
            },
          },
        },
        status: { lastScheduleTime: '2024-01-01T01:00:00Z' },
      },
      {
        kind: 'HorizontalPodAutoscaler',
        apiVersion: 'autoscaling/v1',
        metadata: { name: 'h' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'd', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 0 },
        status: { currentReplicas: 1, desiredReplicas: 0 },
      },
      {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        metadata: { name: 'pvc' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, volumeMode: 'Filesystem', storageClassName: 'standard' },
        status: {},
      },
      {
        kind: 'Ingress',
        apiVersion: 'networking.k8s.io/v1',
        metadata: { name: 'i' },
        spec: {
          ingressClassName: 'nginx',
          defaultBackend: { service: { name: 'def', port: { number: 80 } } },
          rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { name: 'web' } } } }] } }],
        },
        status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
      },
      {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name: 'sa', namespace: 'default' },
        spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600 },
        status: { token: 'xyz', expirationTimestamp: '2030-01-01T00:00:00Z' },
      },
      {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '10', continue: 'tok', remainingItemCount: 0 },
        items: [{ metadata: { name: 'a' }, data: { k: 'v' } }, { metadata: { name: 'b' }, binaryData: { k: 'AAE=' }, immutable: true }],
      },
    ];
    for (const o of objs) assert.deepEqual(roundTrip(o), o, String(o.kind));
  });

  test('IntOrString, Quantity and nested objects in maps', () => {
    const pdb = {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: { name: 'p' },
      spec: { maxUnavailable: 0, selector: {} },
      status: {
        disruptedPods: { 'pod-a': '2024-01-01T00:00:00Z' },
        disruptionsAllowed: 1,
        currentHealthy: 2,
        desiredHealthy: 2,
        expectedPods: 3,
        conditions: [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: '2024-01-01T00:00:00Z', reason: 'Ok', message: '' }],
      },
    };
    const back = roundTrip(pdb);
    // Condition.message has no special zero treatment in our tables (omitempty-less ""): dropped like any zero string
    const want = structuredClone(pdb);
    delete (want.status.conditions[0] as { message?: string }).message;
    assert.deepEqual(back, want);
  });
});

describe('supported kinds', () => {
  test('every group version resolves its object kinds and their lists', () => {
    for (const [gv, pkg] of Object.entries(GROUP_VERSIONS)) {
      for (const [name, def] of Object.entries(SCHEMA[pkg]!)) {
        if (typeof def === 'string') continue;
        if (def[1]?.[0] !== 'metadata') continue;
        assert.ok(isProtobufKindSupported(gv, name), `${gv} ${name}`);
        // an empty object of that kind encodes and decodes (all field types of the table resolve)
        const back = roundTrip({ apiVersion: gv, kind: name });
        assert.equal(back.kind, name);
      }
    }
    assert.ok(isProtobufKindSupported('v1', 'SecretList'));
    assert.ok(isProtobufKindSupported('apps/v1', 'DeleteOptions'));
    assert.ok(!isProtobufKindSupported('apps/v1', 'PodSpec'));
    assert.ok(!isProtobufKindSupported('apps/v1', 'Foo'));
  });
});

describe('errors', () => {
  test('missing magic, unknown kind, truncation, wrong wire types', () => {
    expectDecodeError(new Uint8Array(0), /missing "k8s\\0" prefix/);
    expectDecodeError(new TextEncoder().encode('{"kind":"ConfigMap"}'), /missing "k8s\\0" prefix/);
    expectDecodeError(envelope('apps/v1', 'Foo', new Uint8Array(0)), /^unable to decode protobuf body: unknown kind apps\/v1 Foo$/);
    expectDecodeError(envelope('example.com/v1', 'ConfigMap', new Uint8Array(0)), /unknown kind example\.com\/v1 ConfigMap/);
    expectDecodeError(envelope('v1', '', new Uint8Array(0)), /no kind/);
    const good = fixture('deployment');
    expectDecodeError(good.subarray(0, good.length - 3), /truncated message/);
    expectDecodeError(good.subarray(0, 30), /truncated message/);
    // metadata (field 1) sent as a varint
    expectDecodeError(envelope('v1', 'ConfigMap', new Writer().tag(1, WIRE_VARINT).varint(5).finish()), /wrong wire type varint for field ConfigMap\.metadata/);
    // a group (wire type 3) is not something Kubernetes writes
    expectDecodeError(envelope('v1', 'ConfigMap', Uint8Array.of(0x9b, 0x06)), /unsupported wire type 3/);
    // unsupported envelope encodings
    expectDecodeError(envelope('v1', 'ConfigMap', new Uint8Array(0), (w) => w.tag(3, WIRE_LEN).string('gzip')), /unsupported content encoding/);
    expectDecodeError(envelope('v1', 'ConfigMap', new Uint8Array(0), (w) => w.tag(4, WIRE_LEN).string('application/json')), /unsupported embedded content type/);
    // RawExtension / FieldsV1 must hold JSON
    const cr = new Writer().tag(2, WIRE_LEN).bytes(new Writer().tag(1, WIRE_LEN).string('{not json').finish()).finish();
    expectDecodeError(envelope('apps/v1', 'ControllerRevision', cr), /RawExtension does not hold valid JSON/);
    // a varint that never ends
    expectDecodeError(envelope('v1', 'ConfigMap', Uint8Array.of(0x38, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)), /varint overflow/);
  });

  test('unknown fields are skipped, as upstream does', () => {
    const raw = new Writer()
      .tag(1, WIRE_LEN)
      .bytes(new Writer().tag(1, WIRE_LEN).string('x').finish())
      .tag(99, WIRE_VARINT)
      .varint(7)
      .tag(100, WIRE_LEN)
      .string('ignored')
      .tag(101, 1)
      .double(1.5)
      .tag(102, 5)
      .float(2)
      .tag(2, WIRE_LEN)
      .bytes(new Writer().tag(1, WIRE_LEN).string('k').tag(2, WIRE_LEN).string('v').finish())
      .finish();
    assert.deepEqual(decodeK8sProtobuf(envelope('v1', 'ConfigMap', raw)), {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'x' },
      data: { k: 'v' },
    });
  });

  test('packed and unpacked repeated scalars both decode', () => {
    const values = [1, 2, 300];
    const packed = new Writer();
    for (const v of values) packed.varint(v);
    const unpacked = new Writer();
    for (const v of values) unpacked.tag(3, WIRE_VARINT).varint(v);
    const mk = (codes: Uint8Array): Uint8Array => {
      const rule = new Writer().tag(1, WIRE_LEN).string('FailJob').tag(2, WIRE_LEN).bytes(new Writer().tag(2, WIRE_LEN).string('In').raw(codes).finish()).finish();
      const pfp = new Writer().tag(1, WIRE_LEN).bytes(rule).finish();
      const spec = new Writer().tag(11, WIRE_LEN).bytes(pfp).finish();
      return envelope('batch/v1', 'Job', new Writer().tag(2, WIRE_LEN).bytes(spec).finish());
    };
    const a = decodeK8sProtobuf(mk(new Writer().tag(3, WIRE_LEN).bytes(packed.finish()).finish()));
    const b = decodeK8sProtobuf(mk(unpacked.finish()));
    const codes = (o: Record<string, unknown>): unknown =>
      ((((o.spec as Record<string, unknown>).podFailurePolicy as Record<string, unknown>).rules as Record<string, unknown>[])[0]!.onExitCodes as Record<string, unknown>).values;
    assert.deepEqual(codes(a), values);
    assert.deepEqual(codes(b), values);
  });

  test('negative int32 and int64 (ten-byte varints) decode', () => {
    const spec = new Writer().tag(1, WIRE_VARINT).varint(-1).tag(3, WIRE_VARINT).varint(-5n).finish();
    const o = decodeK8sProtobuf(envelope('batch/v1', 'Job', new Writer().tag(2, WIRE_LEN).bytes(spec).finish()));
    assert.deepEqual(o.spec, { parallelism: -1, activeDeadlineSeconds: -5 });
  });

  test('a nested protobuf object in a RawExtension decodes too', () => {
    const inner = encodeK8sProtobuf({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'n' } });
    const raw = new Writer().tag(2, WIRE_LEN).bytes(new Writer().tag(1, WIRE_LEN).bytes(inner).finish()).tag(3, WIRE_VARINT).varint(2).finish();
    const cr = decodeK8sProtobuf(envelope('apps/v1', 'ControllerRevision', raw));
    assert.deepEqual(cr, { kind: 'ControllerRevision', apiVersion: 'apps/v1', data: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'n' } }, revision: 2 });
  });
});

describe('durations and times', () => {
  test("Go's time.Duration strings", () => {
    const cases: [bigint, string][] = [
      [0n, '0s'],
      [1n, '1ns'],
      [1500n, '1.5µs'],
      [300_000_000n, '300ms'],
      [1_500_000_000n, '1.5s'],
      [90_000_000_000n, '1m30s'],
      [3_600_000_000_000n, '1h0m0s'],
      [-123_000_000_000n, '-2m3s'],
      [3_723_000_000_001n, '1h2m3.000000001s'],
    ];
    for (const [ns, s] of cases) {
      assert.equal(formatDuration(ns), s);
      assert.equal(parseDuration(s), ns);
    }
  });

  test('times outside what Go can print as JSON are rejected', () => {
    const t = new Writer().tag(1, WIRE_VARINT).varint(400_000_000_000n).finish(); // year ~14645
    const md = new Writer().tag(1, WIRE_LEN).string('x').tag(8, WIRE_LEN).bytes(t).finish();
    expectDecodeError(envelope('v1', 'ConfigMap', new Writer().tag(1, WIRE_LEN).bytes(md).finish()), /year outside of range/);
  });

  test('the zero time is left out, like Go (omitzero)', () => {
    const md = new Writer().tag(1, WIRE_LEN).string('x').tag(8, WIRE_LEN).bytes(new Uint8Array(0)).finish();
    const o = decodeK8sProtobuf(envelope('v1', 'ConfigMap', new Writer().tag(1, WIRE_LEN).bytes(md).finish()));
    assert.deepEqual(o.metadata, { name: 'x' });
  });
});

describe('fuzz', () => {
  const validBodies = Object.keys(captures).map(fixture);
  const onlyDecodeErrors = (body: Uint8Array): void => {
    try {
      const obj = decodeK8sProtobuf(body);
      JSON.stringify(obj); // always plain JSON
    } catch (e) {
      if (!(e instanceof ProtobufDecodeError)) throw e;
    }
  };

  test('random bytes never throw anything but the decode error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => onlyDecodeErrors(b)), { numRuns: 3000 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => onlyDecodeErrors(Uint8Array.from([0x6b, 0x38, 0x73, 0, ...b]))),
      { numRuns: 3000 },
    );
  });

  test('random raw messages under every kind never throw anything but the decode error', () => {
    const kinds: [string, string][] = [];
    for (const [gv, pkg] of Object.entries(GROUP_VERSIONS))
      for (const [name, def] of Object.entries(SCHEMA[pkg]!)) if (typeof def !== 'string' && def[1]?.[0] === 'metadata') kinds.push([gv, name]);
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 400 }), ([gv, kind], raw) => onlyDecodeErrors(envelope(gv, kind, raw))),
      { numRuns: 4000 },
    );
  });

  test('mutated valid messages never throw anything but the decode error', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: validBodies.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, muts) => {
        let b = Buffer.from(validBodies[i]!);
        for (const m of muts) {
          const at = b.length === 0 ? 0 : m.at % b.length;
          if (m.op === 'flip') b[at] = (b[at] ?? 0) ^ (1 << m.bit);
          else if (m.op === 'set') b[at] = m.value;
          else if (m.op === 'cut') b = b.subarray(0, at);
          else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
          else b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
        }
        onlyDecodeErrors(new Uint8Array(b));
      }),
      { numRuns: 5000 },
    );
  });

  test('deeply nested RawExtensions are bounded', () => {
    let body = encodeK8sProtobuf({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'n' } });
    for (let i = 0; i < 200; i++) {
      const raw = new Writer().tag(2, WIRE_LEN).bytes(new Writer().tag(1, WIRE_LEN).bytes(body).finish()).finish();
      body = envelope('apps/v1', 'ControllerRevision', raw);
    }
    expectDecodeError(body, /nested too deeply/);
  });

  test('arbitrary ConfigMaps round-trip', () => {
    const key = fc.string({ minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.record(
          {
            name: fc.string({ minLength: 1, maxLength: 20 }),
            labels: fc.dictionary(key, fc.string({ minLength: 1 })).map((d) => ({ ...d })),
            data: fc.dictionary(key, fc.string()).map((d) => ({ ...d })),
            binaryData: fc
              .dictionary(key, fc.uint8Array({ maxLength: 32 }).map((u) => Buffer.from(u).toString('base64')))
              .map((d) => ({ ...d })),
            immutable: fc.boolean(),
          },
          { requiredKeys: ['name'] },
        ),
        (r) => {
          const cm: Record<string, unknown> = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: r.name } };
          if (r.labels && Object.keys(r.labels).length) (cm.metadata as Record<string, unknown>).labels = r.labels;
          if (r.data && Object.keys(r.data).length) cm.data = r.data;
          if (r.binaryData && Object.keys(r.binaryData).length) cm.binaryData = r.binaryData;
          if (r.immutable !== undefined) cm.immutable = r.immutable;
          assert.deepEqual(roundTrip(cm), cm);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('wire', () => {
  test('varints and fixed-width values round-trip through Writer and Reader', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.double({ noNaN: true }), (v, d) => {
        const b = new Writer().varint(v).double(d).finish();
        const r = new Reader(b);
        assert.equal(BigInt.asIntN(64, r.varint64()), v);
        assert.ok(Object.is(r.double(), d));
        assert.ok(r.done);
      }),
    );
  });
});
