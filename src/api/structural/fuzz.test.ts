// Properties over arbitrary input: nothing here may throw on any JSON, whatever the schema.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyDefaults,
  compileRE2,
  prune,
  pruneUnknownMetadata,
  RE2,
  validate,
  validateCrd,
  validateCustomResource,
  validateScale,
} from './index.ts';
import { errorString, type FieldError } from '../validation/errors.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const json = fc.jsonValue({ maxDepth: 5 });

const typeName = fc.constantFrom('object', 'array', 'string', 'integer', 'number', 'boolean', '', 'null', 'bogus');
const formatName = fc.constantFrom('date-time', 'date', 'int32', 'int64', 'double', 'email', 'uuid', 'byte', 'quantity', 'k8s-short-name', 'nope');
const pattern = fc.constantFrom('^a+$', '(?i)x', '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', '(?=bad)', '\\d{2,3}', '(', '^(a+)+$');

/** Schema-shaped objects using the JSONSchemaProps vocabulary, with values of plausible and wrong types. */
function schemaOf(depth: number, defaults: fc.Arbitrary<unknown> = json): fc.Arbitrary<Record<string, unknown>> {
  const leaf = fc.record({ type: typeName, format: formatName, pattern, nullable: fc.boolean(), default: defaults }, { requiredKeys: [] });
  if (depth <= 0) return leaf;
  const sub = schemaOf(depth - 1, defaults);
  return fc.record(
    {
      type: typeName,
      format: formatName,
      pattern,
      nullable: fc.boolean(),
      default: defaults,
      enum: fc.array(json, { maxLength: 3 }),
      required: fc.array(fc.constantFrom('a', 'b', 'spec', 'metadata', 'name'), { maxLength: 3 }),
      minimum: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true })),
      maximum: fc.integer({ min: -5, max: 5 }),
      exclusiveMinimum: fc.boolean(),
      multipleOf: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constant(0.5)),
      maxLength: fc.integer({ min: 0, max: 4 }),
      minLength: fc.integer({ min: 0, max: 4 }),
      maxItems: fc.integer({ min: 0, max: 3 }),
      minItems: fc.integer({ min: 0, max: 3 }),
      uniqueItems: fc.boolean(),
      maxProperties: fc.integer({ min: 0, max: 3 }),
      minProperties: fc.integer({ min: 0, max: 3 }),
      properties: fc.dictionary(fc.constantFrom('a', 'b', 'spec', 'metadata', 'kind', 'apiVersion', 'name', '__proto__', 'constructor'), sub, { maxKeys: 3 }),
      additionalProperties: fc.oneof(fc.boolean(), sub),
      items: fc.oneof(sub, fc.array(sub, { maxLength: 2 })),
      allOf: fc.array(sub, { maxLength: 2 }),
      anyOf: fc.array(sub, { maxLength: 2 }),
      oneOf: fc.array(sub, { maxLength: 2 }),
      not: sub,
      'x-kubernetes-preserve-unknown-fields': fc.boolean(),
      'x-kubernetes-int-or-string': fc.boolean(),
      'x-kubernetes-embedded-resource': fc.boolean(),
      'x-kubernetes-list-type': fc.constantFrom('atomic', 'set', 'map', 'x'),
      'x-kubernetes-list-map-keys': fc.array(fc.constantFrom('a', 'name'), { maxLength: 2 }),
      'x-kubernetes-map-type': fc.constantFrom('atomic', 'granular'),
      'x-kubernetes-validations': fc.array(fc.record({ rule: fc.string(), message: fc.string() }), { maxLength: 1 }),
      $ref: fc.string(),
      id: fc.string(),
    },
    { requiredKeys: [] },
  );
}

const schema = schemaOf(3);
const nonNullDefaults = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), fc.array(fc.integer(), { maxLength: 3 }));
const schemaWithoutNullDefaults = schemaOf(3, nonNullDefaults);

/** Objects that look like custom resources often enough to reach the deep paths. */
const resource = fc.record(
  {
    apiVersion: fc.oneof(fc.constant('stable.example.com/v1'), json),
    kind: fc.oneof(fc.constant('CronTab'), json),
    metadata: fc.oneof(fc.record({ name: fc.string(), namespace: fc.string(), labels: json, finalizers: json }, { requiredKeys: [] }), json),
    spec: json,
    status: json,
    a: json,
    b: json,
    name: json,
  },
  { requiredKeys: [] },
);

const anySchema = fc.oneof(schema, json);
const anyObject = fc.oneof(resource, json);

function wellFormed(errs: FieldError[]): void {
  for (const e of errs) {
    assert.equal(typeof e.field, 'string');
    assert.equal(typeof e.detail, 'string');
    assert.equal(typeof errorString(e), 'string');
  }
}

test('validate, prune, applyDefaults and pruneUnknownMetadata never throw on arbitrary JSON', () => {
  fc.assert(
    fc.property(anyObject, anySchema, (obj, s) => {
      const sch = s as Record<string, unknown>;
      const copy = structuredClone(obj);
      wellFormed(validate(copy, sch));
      applyDefaults(copy, sch);
      const pruned = prune(copy, sch);
      assert.ok(Array.isArray(pruned));
      // pruning is idempotent
      assert.deepEqual(prune(copy, sch), []);
      pruneUnknownMetadata(copy, sch);
      wellFormed(validate(copy, sch));
    }),
    { numRuns: RUNS },
  );
});

test('defaulting is idempotent when defaults hold no nulls', () => {
  // (a default containing null can be pruned by the next round, upstream as here)
  fc.assert(
    fc.property(anyObject, schemaWithoutNullDefaults, (obj, sch) => {
      const once = applyDefaults(structuredClone(obj), sch);
      const twice = applyDefaults(structuredClone(once), sch);
      assert.deepEqual(twice, once);
    }),
    { numRuns: RUNS },
  );
});

test('validateCrd never throws on arbitrary CRD-shaped input, nor on updates', () => {
  const version = fc.record(
    {
      name: fc.oneof(fc.constantFrom('v1', 'v1beta1', 'V2'), json),
      served: fc.oneof(fc.boolean(), json),
      storage: fc.oneof(fc.boolean(), json),
      deprecated: fc.boolean(),
      deprecationWarning: fc.oneof(fc.string(), json),
      schema: fc.oneof(fc.record({ openAPIV3Schema: anySchema }), json),
      subresources: fc.oneof(fc.record({ status: json, scale: fc.oneof(json, fc.record({ specReplicasPath: fc.string(), statusReplicasPath: fc.string() })) }, { requiredKeys: [] }), json),
      additionalPrinterColumns: fc.oneof(fc.array(fc.record({ name: json, type: json, jsonPath: json }, { requiredKeys: [] })), json),
    },
    { requiredKeys: [] },
  );
  const crd = fc.record(
    {
      metadata: fc.oneof(fc.record({ name: fc.string(), annotations: json }, { requiredKeys: [] }), json),
      spec: fc.oneof(
        fc.record(
          {
            group: fc.oneof(fc.constantFrom('stable.example.com', 'x.k8s.io'), json),
            scope: fc.oneof(fc.constantFrom('Namespaced', 'Cluster'), json),
            names: fc.oneof(fc.record({ plural: json, kind: json, singular: json, listKind: json, shortNames: json }, { requiredKeys: [] }), json),
            versions: fc.oneof(fc.array(version, { maxLength: 3 }), json),
            conversion: fc.oneof(fc.record({ strategy: fc.constantFrom('None', 'Webhook', 'x'), webhook: json }, { requiredKeys: [] }), json),
            preserveUnknownFields: fc.oneof(fc.boolean(), json),
          },
          { requiredKeys: [] },
        ),
        json,
      ),
      status: json,
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(crd, fc.option(crd, { nil: undefined }), (c, old) => {
      wellFormed(validateCrd(c, old));
    }),
    { numRuns: RUNS },
  );
});

test('validateCustomResource and validateScale never throw', () => {
  fc.assert(
    fc.property(anyObject, anySchema, fc.option(anyObject, { nil: undefined }), (obj, s, old) => {
      const sch = s as Record<string, unknown>;
      const scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };
      wellFormed(validateCustomResource(obj, { schema: sch, kind: 'CronTab', apiVersion: 'stable.example.com/v1', namespaced: true, scale, old }));
      wellFormed(validateScale(obj, scale));
    }),
    { numRuns: RUNS },
  );
});

test('RE2 never throws: arbitrary patterns either compile or give a syntax error, and matching terminates', () => {
  const patternChars = fc.string({ unit: fc.constantFrom(...'ab()[]{}|*+?.^$\\-:=!<>PpdwsQEzAbB0123,iUms'.split('')), maxLength: 16 });
  fc.assert(
    fc.property(fc.oneof(patternChars, fc.string()), fc.string({ maxLength: 40 }), (p, input) => {
      const r = compileRE2(p);
      if (r instanceof RE2) assert.equal(typeof r.test(input), 'boolean');
      else assert.match(r.message, /^error parsing regexp: /);
    }),
    { numRuns: RUNS * 3 },
  );
});

test('input nested tens of thousands of levels deep is handled without exhausting the stack', () => {
  const depth = 20_000;
  const deepArray = JSON.parse('['.repeat(depth) + ']'.repeat(depth));
  const deepObject = JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        properties: { e: { type: 'array', items: { type: 'array' }, enum: [[1]] }, m: { type: 'object', additionalProperties: true } },
      },
      l: { type: 'array', 'x-kubernetes-list-type': 'set', items: { 'x-kubernetes-preserve-unknown-fields': true } },
    },
  };
  const obj = { spec: { a: deepArray, b: deepObject, e: deepArray, m: { k: deepArray } }, l: [deepArray, deepArray], junk: deepObject };
  wellFormed(validate(obj, schema));
  applyDefaults(obj, schema);
  assert.deepEqual(prune(obj, schema), ['junk']);
  wellFormed(validateCustomResource(obj, { schema }));

  // a schema nested that deep is refused with an error rather than a crash
  let deepSchema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < depth; i++) deepSchema = { type: 'object', properties: { a: deepSchema } };
  wellFormed(validate(deepObject, deepSchema));
  wellFormed(validateCrd({ spec: { versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: deepSchema } }] } }));
  prune(JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)), deepSchema);
});
