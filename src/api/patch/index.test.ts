import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, patchTypeOf, PatchError, type JsonMap, type PatchType } from './index.ts';

const POD = { apiVersion: 'v1', kind: 'Pod' };
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };

function deployment(spec: JsonMap, template: JsonMap = {}): JsonMap {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' } },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { ...template } },
      ...spec,
    },
  };
}

const app = { name: 'app', image: 'nginx:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80 }] };
const sidecar = { name: 'sidecar', image: 'envoy:1', volumeMounts: [{ name: 'cfg', mountPath: '/etc/envoy' }] };
const containersOf = (o: JsonMap): JsonMap[] =>
  (((o['spec'] as JsonMap)['template'] as JsonMap)['spec'] as JsonMap)['containers'] as JsonMap[];

interface Case {
  name: string;
  target: { apiVersion: string; kind: string };
  original: JsonMap;
  patch: unknown;
  check: (result: JsonMap) => void;
}

const CASES: Case[] = [
  {
    name: 'containers merge by name (kubectl set image)',
    target: DEPLOY,
    original: deployment({}, { containers: [app, sidecar] }),
    patch: { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } } } },
    check: (r) => assert.deepEqual(containersOf(r), [{ ...app, image: 'nginx:2' }, sidecar]),
  },
  {
    name: 'env merges by name inside a merged container',
    target: DEPLOY,
    original: deployment({}, { containers: [app] }),
    patch: { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }] }] } } } },
    check: (r) =>
      assert.deepEqual(containersOf(r)[0]?.['env'], [
        { name: 'A', value: '1' },
        { name: 'B', value: 'two' },
        { name: 'C', value: '3' },
      ]),
  },
  {
    name: '$patch: delete removes one container',
    target: DEPLOY,
    original: deployment({}, { containers: [app, sidecar] }),
    patch: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
    check: (r) => assert.deepEqual(containersOf(r), [app]),
  },
  {
    name: '$retainKeys on the deployment strategy drops rollingUpdate',
    target: DEPLOY,
    original: deployment({}, { containers: [app] }),
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    check: (r) => assert.deepEqual((r['spec'] as JsonMap)['strategy'], { type: 'Recreate' }),
  },
  {
    name: 'without $retainKeys the strategy merges (rollingUpdate kept)',
    target: DEPLOY,
    original: deployment({}, { containers: [app] }),
    patch: { spec: { strategy: { type: 'Recreate' } } },
    check: (r) =>
      assert.deepEqual((r['spec'] as JsonMap)['strategy'], {
        type: 'Recreate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      }),
  },
  {
    name: '$setElementOrder reorders containers (client-side apply)',
    target: DEPLOY,
    original: deployment({}, { containers: [app, sidecar] }),
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'init' }, { name: 'app' }],
            containers: [{ name: 'init', image: 'busybox' }],
          },
        },
      },
    },
    check: (r) => assert.deepEqual(containersOf(r).map((c) => c['name']), ['sidecar', 'init', 'app']),
  },
  {
    name: 'null deletes a label; other labels stay',
    target: DEPLOY,
    original: deployment({}, { containers: [app] }),
    patch: { metadata: { labels: { tier: null, new: 'x' } } },
    check: (r) => assert.deepEqual((r['metadata'] as JsonMap)['labels'], { app: 'web', new: 'x' }),
  },
  {
    name: 'finalizers merge as a set of primitives',
    target: POD,
    original: { metadata: { name: 'p', finalizers: ['a', 'b'] } },
    patch: { metadata: { finalizers: ['c', 'a'] } },
    check: (r) => assert.deepEqual((r['metadata'] as JsonMap)['finalizers'], ['c', 'a', 'b']),
  },
  {
    name: '$deleteFromPrimitiveList removes a finalizer',
    target: POD,
    original: { metadata: { name: 'p', finalizers: ['a', 'b', 'c'] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    check: (r) => assert.deepEqual((r['metadata'] as JsonMap)['finalizers'], ['a', 'c']),
  },
  {
    name: 'tolerations have no strategy: replaced',
    target: POD,
    original: { spec: { tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] } },
    patch: { spec: { tolerations: [{ key: 'c', operator: 'Exists' }] } },
    check: (r) => assert.deepEqual((r['spec'] as JsonMap)['tolerations'], [{ key: 'c', operator: 'Exists' }]),
  },
  {
    name: 'ownerReferences merge by uid',
    target: POD,
    original: { metadata: { ownerReferences: [{ uid: '1', kind: 'ReplicaSet', name: 'rs' }] } },
    patch: { metadata: { ownerReferences: [{ uid: '1', controller: true }, { uid: '2', kind: 'Job', name: 'j' }] } },
    check: (r) =>
      assert.deepEqual((r['metadata'] as JsonMap)['ownerReferences'], [
        { uid: '1', kind: 'ReplicaSet', name: 'rs', controller: true },
        { uid: '2', kind: 'Job', name: 'j' },
      ]),
  },
  {
    name: 'volumeMounts merge by mountPath, ports by containerPort, volumes by name',
    target: POD,
    original: {
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'c' } }],
        containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }], volumeMounts: [{ name: 'cfg', mountPath: '/c' }] }],
      },
    },
    patch: {
      spec: {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [{ name: 'a', ports: [{ containerPort: 80, protocol: 'TCP' }], volumeMounts: [{ name: 'data', mountPath: '/d' }] }],
      },
    },
    check: (r) =>
      assert.deepEqual(r['spec'], {
        volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }],
        containers: [
          {
            name: 'a',
            ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
            volumeMounts: [{ name: 'data', mountPath: '/d' }, { name: 'cfg', mountPath: '/c' }],
          },
        ],
      }),
  },
  {
    name: 'Service ports merge by port',
    target: { apiVersion: 'v1', kind: 'Service' },
    original: { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
    check: (r) => assert.deepEqual((r['spec'] as JsonMap)['ports'], [{ port: 80, targetPort: 9090 }, { port: 443 }]),
  },
  {
    name: 'Node status conditions merge by type; taints are replaced',
    target: { apiVersion: 'v1', kind: 'Node' },
    original: {
      spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] },
      status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'DiskPressure', status: 'False' }] },
    },
    patch: {
      spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    },
    check: (r) =>
      assert.deepEqual(r, {
        spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] },
        status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'DiskPressure', status: 'False' }] },
      }),
  },
  {
    name: 'CronJob containers merge through jobTemplate.spec.template',
    target: { apiVersion: 'batch/v1', kind: 'CronJob' },
    original: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b' }] } } } } } },
    patch: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '2' }] } } } } } },
    check: (r) =>
      assert.deepEqual(r, {
        spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '2' }, { name: 'b' }] } } } } },
      }),
  },
  {
    name: 'custom resources have no strategies: lists replaced, maps merged',
    target: { apiVersion: 'example.com/v1', kind: 'Widget' },
    original: { metadata: { finalizers: ['a'], labels: { x: '1' } }, spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    patch: { metadata: { finalizers: ['b'], labels: { y: '2' } }, spec: { containers: [{ name: 'a', image: 'x' }] } },
    check: (r) =>
      assert.deepEqual(r, {
        metadata: { finalizers: ['b'], labels: { x: '1', y: '2' } },
        spec: { containers: [{ name: 'a', image: 'x' }] },
      }),
  },
  {
    name: 'directive members left in copied values are stripped',
    target: DEPLOY,
    original: deployment({}, { containers: [app] }),
    patch: { spec: { template: { spec: { $patch: 'replace', containers: [{ name: 'x', '$setElementOrder/env': [] }] } } } },
    check: (r) => assert.deepEqual((((r['spec'] as JsonMap)['template'] as JsonMap)['spec'] as JsonMap), { containers: [{ name: 'x' }] }),
  },
  {
    name: 'a strategic patch sent as text',
    target: POD,
    original: { metadata: { name: 'p' } },
    patch: '{"metadata":{"labels":{"a":"b"}}}',
    check: (r) => assert.deepEqual(r, { metadata: { name: 'p', labels: { a: 'b' } } }),
  },
  {
    name: 'a strategic patch sent as bytes',
    target: POD,
    original: { metadata: { name: 'p' } },
    patch: new TextEncoder().encode('{"metadata":{"labels":{"a":"b"}}}'),
    check: (r) => assert.deepEqual(r, { metadata: { name: 'p', labels: { a: 'b' } } }),
  },
  {
    name: 'a null strategic patch is a no-op',
    target: POD,
    original: { metadata: { name: 'p' } },
    patch: 'null',
    check: (r) => assert.deepEqual(r, { metadata: { name: 'p' } }),
  },
];

describe('applyPatch strategic on built-in kinds', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const before = structuredClone(c.original);
      c.check(applyPatch('strategic', c.original, c.patch, c.target));
      assert.deepEqual(c.original, before, 'original unchanged');
    });
  }
});

interface ErrorCase {
  name: string;
  type: PatchType;
  patch: unknown;
  code: number;
  reason?: string;
  message: string;
  cause?: string;
}

const ERRORS: ErrorCase[] = [
  {
    name: 'strategic: body is an array',
    type: 'strategic',
    patch: '[1]',
    code: 400,
    reason: 'BadRequest',
    message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
  },
  { name: 'strategic: not JSON', type: 'strategic', patch: '{"a":', code: 400, reason: 'BadRequest', message: 'unexpected end of JSON input' },
  {
    name: 'json: not JSON',
    type: 'json',
    patch: '[{"op":"add",}]',
    code: 400,
    reason: 'BadRequest',
    message: "invalid character '}' looking for beginning of object key string",
  },
  {
    name: 'strategic: missing merge key is a 500 without reason',
    type: 'strategic',
    patch: { spec: { containers: [{ image: 'x' }] } },
    code: 500,
    message: 'map: map[image:x] does not contain declared merge key: name',
  },
  { name: 'merge: a string patch', type: 'merge', patch: '"x"', code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' },
  { name: 'merge: not JSON', type: 'merge', patch: '{', code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' },
  {
    name: 'merge: an array patch replaces the object and cannot be decoded',
    type: 'merge',
    patch: [1, null, 2],
    code: 422,
    reason: 'Invalid',
    message:
      ' "" is invalid: patch: Invalid value: "[1,2]": couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }',
  },
  {
    name: 'json: body is an object',
    type: 'json',
    patch: { op: 'add' },
    code: 400,
    reason: 'BadRequest',
    message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  },
  {
    name: 'json: an operation fails',
    type: 'json',
    patch: [{ op: 'remove', path: '/metadata/nope' }],
    code: 422,
    reason: 'Invalid',
    message: 'the server rejected our request due to an error in our request',
    cause: "error in remove for path: '/metadata/nope': Unable to remove nonexistent key: nope: missing value",
  },
  {
    name: 'json: too many operations',
    type: 'json',
    patch: Array.from({ length: 10001 }, () => ({ op: 'test', path: '/metadata' })),
    code: 413,
    reason: 'RequestEntityTooLarge',
    message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
  },
];

describe('applyPatch errors', () => {
  for (const c of ERRORS) {
    it(c.name, () => {
      assert.throws(
        () => applyPatch(c.type, { metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }] } }, c.patch, POD),
        (err: unknown) => {
          assert.ok(err instanceof PatchError);
          assert.equal(err.code, c.code);
          assert.equal(err.message, c.message);
          const status = err.toStatus();
          assert.equal(status.kind, 'Status');
          assert.equal(status.code, c.code);
          assert.equal(status.message, c.message);
          assert.equal(status.reason, c.reason);
          if (c.cause) {
            assert.equal(err.detail, c.cause);
            assert.deepEqual(status.details?.causes, [{ reason: 'UnexpectedServerResponse', message: c.cause }]);
          }
          return true;
        },
      );
    });
  }
});

describe('patchTypeOf', () => {
  it('maps the PATCH content types', () => {
    assert.equal(patchTypeOf('application/json-patch+json'), 'json');
    assert.equal(patchTypeOf('application/merge-patch+json; charset=utf-8'), 'merge');
    assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
    assert.equal(patchTypeOf('application/apply-patch+yaml'), undefined);
  });
});
