import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lookupPatchMeta, PATCH_KINDS, PATCH_TYPES, schemaForKind, type PatchMeta } from './schema.ts';

const meta = (apiVersion: string, kind: string, path: string): PatchMeta =>
  lookupPatchMeta({ apiVersion, kind }, path.split('.'));

const CASES: [string, string, string, Partial<PatchMeta>][] = [
  ['v1', 'Pod', 'metadata.finalizers', { strategy: 'merge' }],
  ['v1', 'Pod', 'metadata.ownerReferences', { strategy: 'merge', mergeKey: 'uid' }],
  ['v1', 'Pod', 'spec.containers', { strategy: 'merge', mergeKey: 'name' }],
  ['v1', 'Pod', 'spec.containers.env', { strategy: 'merge', mergeKey: 'name' }],
  ['v1', 'Pod', 'spec.containers.ports', { strategy: 'merge', mergeKey: 'containerPort' }],
  ['v1', 'Pod', 'spec.initContainers.volumeMounts', { strategy: 'merge', mergeKey: 'mountPath' }],
  ['v1', 'Pod', 'spec.ephemeralContainers.volumeDevices', { strategy: 'merge', mergeKey: 'devicePath' }],
  ['v1', 'Pod', 'spec.volumes', { strategy: 'merge', mergeKey: 'name', retainKeys: true }],
  ['v1', 'Pod', 'spec.imagePullSecrets', { strategy: 'merge', mergeKey: 'name' }],
  ['v1', 'Pod', 'spec.tolerations', {}],
  ['v1', 'Pod', 'spec.containers.envFrom', {}],
  ['v1', 'Pod', 'status.conditions', { strategy: 'merge', mergeKey: 'type' }],
  ['v1', 'Service', 'spec.ports', { strategy: 'merge', mergeKey: 'port' }],
  ['v1', 'Node', 'spec.taints', {}],
  ['v1', 'Node', 'spec.podCIDRs', { strategy: 'merge' }],
  ['v1', 'Node', 'status.addresses', { strategy: 'merge', mergeKey: 'type' }],
  ['v1', 'ServiceAccount', 'secrets', { strategy: 'merge', mergeKey: 'name' }],
  ['v1', 'ServiceAccount', 'imagePullSecrets', {}],
  ['v1', 'ConfigMap', 'metadata.finalizers', { strategy: 'merge' }],
  ['apps/v1', 'Deployment', 'spec.template.spec.containers', { strategy: 'merge', mergeKey: 'name' }],
  ['apps/v1', 'Deployment', 'spec.strategy', { retainKeys: true }],
  ['apps/v1', 'StatefulSet', 'spec.template.metadata.finalizers', { strategy: 'merge' }],
  ['apps/v1', 'DaemonSet', 'status.conditions', { strategy: 'merge', mergeKey: 'type' }],
  ['batch/v1', 'CronJob', 'spec.jobTemplate.spec.template.spec.containers.env', { strategy: 'merge', mergeKey: 'name' }],
  ['autoscaling/v2', 'HorizontalPodAutoscaler', 'status.conditions', { strategy: 'merge', mergeKey: 'type' }],
  ['autoscaling/v1', 'HorizontalPodAutoscaler', 'status.conditions', {}],
  ['storage.k8s.io/v1', 'CSINode', 'spec.drivers', { strategy: 'merge', mergeKey: 'name' }],
  ['example.com/v1', 'Widget', 'metadata.finalizers', {}],
  ['v1', 'Pod', 'spec.nope.containers', {}],
];

describe('lookupPatchMeta', () => {
  for (const [apiVersion, kind, path, want] of CASES) {
    it(`${apiVersion} ${kind} ${path}`, () => {
      const got = meta(apiVersion, kind, path);
      assert.equal(got.strategy, want.strategy);
      assert.equal(got.mergeKey, want.mergeKey);
      assert.equal(got.retainKeys, want.retainKeys ?? false);
    });
  }
});

describe('the table', () => {
  it('names only types it defines, with known strategies', () => {
    const known = new Set(Object.keys(PATCH_TYPES));
    for (const [type, fields] of Object.entries(PATCH_TYPES)) {
      for (const [field, spec] of Object.entries(fields)) {
        const s = typeof spec === 'string' ? { type: spec } : spec;
        if (s.type) assert.ok(known.has(s.type), `${type}.${field} → ${s.type}`);
        if (s.strategy) assert.match(s.strategy, /^(merge|replace|retainKeys|merge,retainKeys)$/, `${type}.${field}`);
        if (s.mergeKey) assert.ok(s.strategy?.includes('merge'), `${type}.${field} has a merge key without merge`);
      }
    }
    for (const [apiVersion, kinds] of Object.entries(PATCH_KINDS)) {
      for (const entry of kinds) {
        const [kind = '', type] = entry.split('=');
        if (type) assert.ok(known.has(type), entry);
        assert.ok(schemaForKind(apiVersion, kind), `${apiVersion} ${kind}`);
      }
    }
  });

  it('unknown kinds have no schema', () => {
    assert.equal(schemaForKind('v1', 'Widget'), undefined);
    assert.equal(schemaForKind('example.com/v1', 'Pod'), undefined);
  });
});
