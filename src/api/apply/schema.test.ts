import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinSchema, crdSchema, deducedSchema, patchTableSchema, schemaFor, type ApplySchema } from './schema.ts';

function at(s: ApplySchema, ...path: string[]): ApplySchema {
  for (const step of path) s = step === '[]' ? s.items() : s.field(step);
  return s;
}

describe('builtinSchema (OpenAPI catalogue)', () => {
  const deploy = builtinSchema('apps/v1', 'Deployment') as ApplySchema;
  const podSpec = at(deploy, 'spec', 'template', 'spec');

  it('finds built-in kinds, not custom ones', () => {
    assert.ok(deploy);
    assert.ok(builtinSchema('v1', 'ConfigMap'));
    assert.equal(builtinSchema('stable.example.com/v1', 'CronTab'), undefined);
    assert.equal(builtinSchema('apps/v1', 'Nope'), undefined);
  });

  it('containers are keyed by name; ports by containerPort and protocol (default TCP)', () => {
    assert.deepEqual(at(podSpec, 'containers').list, { type: 'map', keys: ['name'] });
    assert.deepEqual(at(podSpec, 'containers', '[]', 'ports').list, {
      type: 'map',
      keys: ['containerPort', 'protocol'],
      defaults: { protocol: 'TCP' },
    });
    assert.deepEqual(at(podSpec, 'containers', '[]', 'env').list, { type: 'map', keys: ['name'] });
  });

  it('atomic lists and maps, sets', () => {
    assert.equal(at(podSpec, 'tolerations').list.type, 'atomic');
    assert.equal(at(podSpec, 'containers', '[]', 'args').list.type, 'atomic');
    assert.equal(at(deploy, 'spec', 'selector').map, 'atomic');
    assert.equal(at(podSpec, 'nodeSelector').map, 'atomic');
    assert.equal(at(deploy, 'metadata', 'finalizers').list.type, 'set');
    assert.deepEqual(at(deploy, 'metadata', 'ownerReferences').list, { type: 'map', keys: ['uid'] });
  });

  it('structs have named fields, maps data keys', () => {
    assert.equal(at(deploy, 'spec').map, 'struct');
    assert.ok(at(deploy, 'spec').named('replicas'));
    assert.equal(at(deploy, 'metadata', 'labels').map, 'map');
    assert.equal(at(deploy, 'metadata', 'labels').named('app'), false);
    assert.equal(at(deploy, 'spec', 'replicas').kind, 'scalar');
  });
});

describe('patchTableSchema', () => {
  it('merge lists with a key are associative, without one sets, others atomic', () => {
    const pod = patchTableSchema('v1', 'Pod') as ApplySchema;
    assert.deepEqual(at(pod, 'spec', 'containers').list, { type: 'map', keys: ['name'] });
    assert.deepEqual(at(pod, 'spec', 'containers', '[]', 'ports').list.type, 'map');
    assert.deepEqual(at(pod, 'spec', 'containers', '[]', 'ports').list, {
      type: 'map',
      keys: ['containerPort', 'protocol'],
      defaults: { protocol: 'TCP' },
    });
    assert.equal(at(pod, 'metadata', 'finalizers').list.type, 'set');
    assert.equal(at(pod, 'spec', 'tolerations').list.type, 'atomic');
    assert.equal(patchTableSchema('example.com/v1', 'Widget'), undefined);
  });
});

describe('custom resources', () => {
  it('without a schema: objects granular (keys are members), lists atomic, metadata typed', () => {
    const s = schemaFor('example.com/v1', 'Widget');
    assert.equal(at(s, 'spec').map, 'map');
    assert.equal(at(s, 'spec', 'items').list.type, 'atomic');
    assert.equal(s.named('spec'), false);
    assert.equal(at(s, 'metadata', 'finalizers').list.type, 'set');
    assert.equal(deducedSchema.field('x'), deducedSchema);
  });

  it('a structural schema provides list types and map keys; lists default to atomic', () => {
    const s = crdSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            ports: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['port', 'protocol'],
              items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } },
            },
            tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
            args: { type: 'array', items: { type: 'string' } },
            selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { a: { type: 'string' } } },
            extra: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    });
    assert.deepEqual(at(s, 'spec', 'ports').list, { type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } });
    assert.equal(at(s, 'spec', 'tags').list.type, 'set');
    assert.equal(at(s, 'spec', 'args').list.type, 'atomic');
    assert.equal(at(s, 'spec', 'selector').map, 'atomic');
    assert.equal(at(s, 'spec', 'extra').map, 'map');
    assert.ok(at(s, 'spec').named('ports'));
    assert.equal(at(s, 'metadata', 'labels').map, 'map');
  });
});
