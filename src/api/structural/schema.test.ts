import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorString, formatErrors } from '../validation/errors.ts';
import { isDNS1035Label } from '../validation/names.ts';
import {
  applyDefaults,
  prune,
  pruneUnknownMetadata,
  validate,
  validateCustomResourceMeta,
  validateValues,
  type Schema,
} from './schema.ts';

const CRON = '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$';

/** The CronTab schema of "Extend the Kubernetes API with CustomResourceDefinitions" (Validation). */
const cronTab: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        cronSpec: { type: 'string', pattern: CRON },
        image: { type: 'string' },
        replicas: { type: 'integer', minimum: 1, maximum: 10 },
      },
    },
  },
};

const cr = (spec: unknown) => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'my-new-cron-object', namespace: 'default' }, spec });
const messages = (errs: { field: string }[]) => errs.map((e) => errorString(e as never));

test('CronTab from kubernetes.io: invalid cronSpec and replicas are rejected with the documented violations', () => {
  const errs = validate(cr({ cronSpec: '* * * *', image: 'my-awesome-cron-image', replicas: 15 }), cronTab);
  const msg = formatErrors('CronTab', 'stable.example.com', 'my-new-cron-object', errs);
  // the page documents these two lines of kube-openapi's validation failure list
  assert.ok(msg.includes(`spec.cronSpec in body should match '${CRON.replaceAll('\\\\', '\\')}'`), msg);
  assert.ok(msg.includes('spec.replicas in body should be less than or equal to 10'), msg);
  assert.equal(
    msg,
    `CronTab.stable.example.com "my-new-cron-object" is invalid: [spec.cronSpec: Invalid value: "* * * *": spec.cronSpec in body should match '${CRON}', ` +
      'spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10]',
  );
});

test('CronTab from kubernetes.io: valid values are accepted', () => {
  assert.deepEqual(validate(cr({ cronSpec: '* * * * */5', image: 'my-awesome-cron-image', replicas: 5 }), cronTab), []);
  assert.deepEqual(validate(cr({ cronSpec: '* * * * */5', image: 'my-awesome-cron-image' }), cronTab), []);
});

test('value validation, table-driven (messages as the API server prints them)', () => {
  const cases: { name: string; schema: Schema; obj: unknown; want: string[] }[] = [
    {
      name: 'integer given a string',
      schema: cronTab,
      obj: cr({ replicas: 'string' }),
      want: ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
    },
    {
      name: 'integer given a float',
      schema: cronTab,
      obj: cr({ replicas: 1.5 }),
      want: ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"'],
    },
    { name: 'number accepts an integer', schema: { type: 'object', properties: { n: { type: 'number' } } }, obj: { n: 3 }, want: [] },
    { name: 'integer accepts an integral float', schema: { type: 'object', properties: { n: { type: 'integer' } } }, obj: { n: 3.0 }, want: [] },
    {
      name: 'minimum',
      schema: cronTab,
      obj: cr({ replicas: 0 }),
      want: ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1'],
    },
    {
      name: 'exclusive bounds',
      schema: { type: 'object', properties: { n: { type: 'number', minimum: 0.5, exclusiveMinimum: true, maximum: 2, exclusiveMaximum: true } } },
      obj: { n: 0.5 },
      want: ['n: Invalid value: 0.5: n in body should be greater than 0.5'],
    },
    {
      name: 'exclusive maximum on an integer',
      schema: { type: 'object', properties: { n: { type: 'integer', maximum: 2, exclusiveMaximum: true } } },
      obj: { n: 2 },
      want: ['n: Invalid value: 2: n in body should be less than 2'],
    },
    {
      name: 'multipleOf',
      schema: { type: 'object', properties: { n: { type: 'integer', multipleOf: 5 }, f: { type: 'number', multipleOf: 0.5 } } },
      obj: { n: 7, f: 0.75 },
      want: ['n: Invalid value: 7: n in body should be a multiple of 5', 'f: Invalid value: 0.75: f in body should be a multiple of 0.5'],
    },
    {
      name: 'required',
      schema: { type: 'object', properties: { spec: { type: 'object', required: ['cronSpec', 'image'], properties: { cronSpec: { type: 'string' }, image: { type: 'string' } } } }, required: ['spec'] },
      obj: { spec: { image: 'x' } },
      want: ['spec.cronSpec: Required value'],
    },
    { name: 'required at the root', schema: { type: 'object', required: ['spec'], properties: { spec: { type: 'object' } } }, obj: {}, want: ['spec: Required value'] },
    {
      name: 'enum',
      schema: { type: 'object', properties: { mode: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer', enum: [1, 2] } } },
      obj: { mode: 'x', n: 3 },
      want: ['mode: Unsupported value: "x": supported values: "a", "b"', 'n: Unsupported value: 3: supported values: "1", "2"'],
    },
    {
      name: 'maxLength counts characters, reports bytes',
      schema: { type: 'object', properties: { s: { type: 'string', maxLength: 3 } } },
      obj: { s: 'éééé' },
      want: ['s: Too long: may not be more than 3 bytes'],
    },
    { name: 'maxLength allows multibyte within the limit', schema: { type: 'object', properties: { s: { type: 'string', maxLength: 3 } } }, obj: { s: 'ééé' }, want: [] },
    {
      name: 'minLength',
      schema: { type: 'object', properties: { s: { type: 'string', minLength: 3 } } },
      obj: { s: 'ab' },
      want: ['s: Invalid value: "ab": s in body should be at least 3 chars long'],
    },
    {
      name: 'maxItems and minItems',
      schema: { type: 'object', properties: { a: { type: 'array', items: { type: 'string' }, maxItems: 2 }, b: { type: 'array', items: { type: 'string' }, minItems: 2 } } },
      obj: { a: ['x', 'y', 'z'], b: ['x'] },
      want: ['a: Too many: 3: must have at most 2 items', 'b: Invalid value: 1: b in body should have at least 2 items'],
    },
    {
      name: 'items are validated with [i] paths',
      schema: { type: 'object', properties: { list: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer', maximum: 10 } } } } } },
      obj: { list: [{ port: 1 }, { port: 11 }] },
      want: ['list[1].port: Invalid value: 11: list[1].port in body should be less than or equal to 10'],
    },
    {
      name: 'additionalProperties values are named key-with-a-dot',
      schema: { type: 'object', properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } } },
      obj: { labels: { a: 'x', b: 1 } },
      want: ['labels.b: Invalid value: "integer": labels.b in body must be of type string: "integer"'],
    },
    {
      name: 'minProperties and maxProperties',
      schema: { type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 1 }, n: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1 } } },
      obj: { m: { a: 'x', b: 'y' }, n: {} },
      want: ['m: Too many: 2: must have at most 1 items', 'n: Invalid value: 0: n in body should have at least 1 properties'],
    },
    {
      name: 'nullable',
      schema: { type: 'object', properties: { a: { type: 'string', nullable: true }, b: { type: 'string' } } },
      obj: { a: null, b: null },
      want: ['b: Invalid value: "null": b in body must be of type string: "null"'],
    },
    {
      name: 'format date-time (checked)',
      schema: { type: 'object', properties: { t: { type: 'string', format: 'date-time' }, ok: { type: 'string', format: 'date-time' } } },
      obj: { t: 'yesterday', ok: '2024-01-02T03:04:05Z' },
      want: ['t: Invalid value: "yesterday": t in body must be of type date-time: "yesterday"'],
    },
    {
      name: 'formats upstream does not support are ignored',
      schema: { type: 'object', properties: { a: { type: 'string', format: 'my-format' }, b: { type: 'integer', format: 'int32' }, c: { type: 'integer', format: 'uint8' } } },
      obj: { a: 'anything', b: 2 ** 40, c: 300 },
      want: [],
    },
    {
      name: 'int32 format on a non-number reports the format',
      schema: { type: 'object', properties: { b: { type: 'integer', format: 'int32' } } },
      obj: { b: true },
      want: ['b: Invalid value: "": b in body must be of type int32: ""'],
    },
    {
      name: 'formats: email, ipv4, uuid, quantity, k8s-short-name',
      schema: {
        type: 'object',
        properties: {
          e: { type: 'string', format: 'email' },
          i: { type: 'string', format: 'ipv4' },
          u: { type: 'string', format: 'uuid' },
          q: { type: 'string', format: 'quantity' },
          n: { type: 'string', format: 'k8s-short-name' },
        },
      },
      obj: { e: 'a@b.c', i: '300.1.1.1', u: '123e4567-e89b-12d3-a456-426614174000', q: '500m', n: 'Bad_Name' },
      want: ['i: Invalid value: "300.1.1.1": i in body must be of type ipv4: "300.1.1.1"', 'n: Invalid value: "Bad_Name": n in body must be of type k8s-short-name: "Bad_Name"'],
    },
    {
      name: 'x-kubernetes-int-or-string accepts both, rejects others',
      schema: { type: 'object', properties: { port: { 'x-kubernetes-int-or-string': true } } },
      obj: { port: true },
      want: ['port: Invalid value: "boolean": port in body must be of type integer,string: "boolean"'],
    },
    {
      name: 'int-or-string with its anyOf pattern (a Quantity given a float)',
      schema: {
        type: 'object',
        properties: {
          cpu: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^[0-9]+m?$' },
        },
      },
      obj: { cpu: 0.5 },
      want: [
        'cpu: Invalid value: "number": cpu in body must be of type integer,string: "number"',
        '<nil>: Invalid value: "": "cpu" must validate at least one schema (anyOf)',
        'cpu: Invalid value: "number": cpu in body must be of type integer: "number"',
      ],
    },
    {
      name: 'anyOf of required fields (value validation only)',
      schema: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, anyOf: [{ required: ['a'] }, { required: ['b'] }] },
      obj: {},
      want: ['<nil>: Invalid value: "": "" must validate at least one schema (anyOf)', 'a: Required value'],
    },
    {
      name: 'oneOf with two matches',
      schema: { type: 'object', properties: { s: { type: 'string', oneOf: [{ pattern: 'a' }, { pattern: 'b' }] } } },
      obj: { s: 'ab' },
      want: ['<nil>: Invalid value: "": "s" must validate one and only one schema (oneOf). Found 2 valid alternatives'],
    },
    {
      name: 'allOf and not',
      schema: { type: 'object', properties: { s: { type: 'string', allOf: [{ minLength: 2 }, { maxLength: 3 }], not: { pattern: '^x' } } } },
      obj: { s: 'xyzw' },
      want: ['s: Too long: may not be more than 3 bytes', '<nil>: Invalid value: "": "s" must validate all the schemas (allOf)', '<nil>: Invalid value: "": "s" must not validate the schema (not)'],
    },
    {
      name: 'an invalid RE2 pattern fails the value with the parse error',
      schema: { type: 'object', properties: { s: { type: 'string', pattern: '(?=a)' } } },
      obj: { s: 'a' },
      want: ["s: Invalid value: \"a\": s in body should match '(?=a), but pattern is invalid: error parsing regexp: invalid or unsupported Perl syntax: `(?=`'"],
    },
    {
      name: 'root type mismatch has the nil path',
      schema: { type: 'object' },
      obj: [],
      want: ['<nil>: Invalid value: "array":  in body must be of type object: "array"'],
    },
  ];
  for (const c of cases) assert.deepEqual(messages(validateValues(c.obj, c.schema)), c.want, c.name);
});

test('x-kubernetes-list-type set and map: duplicates are reported at their first repetition', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
      },
      pairs: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['a', 'b'],
        items: { type: 'object', required: ['a', 'b'], properties: { a: { type: 'string' }, b: { type: 'integer' } } },
      },
      atomic: { type: 'array', items: { type: 'string' } },
    },
  };
  const obj = {
    tags: ['x', 'y', 'x', 'x', 'y'],
    ports: [{ name: 'http', port: 1 }, { name: 'http', port: 2 }, { port: 3 }, { port: 4 }],
    pairs: [{ a: 'x', b: 1 }, { b: 1, a: 'x' }],
    atomic: ['x', 'x'],
  };
  assert.deepEqual(messages(validate(obj, schema)), [
    'tags[2]: Duplicate value: "x"',
    'tags[4]: Duplicate value: "y"',
    'ports[1]: Duplicate value: map[string]interface {}{"name":"http"}',
    'ports[3]: Duplicate value: map[string]interface {}{}',
    'pairs[1]: Duplicate value: map[string]interface {}{"a":"x", "b":1}',
  ]);
  assert.deepEqual(messages(validate({ ports: ['http'] }, schema)), [
    'ports[0]: Invalid value: "string": ports[0] in body must be of type object: "string"',
    'ports[0]: Invalid value: "http": must be an object for an array of list-type map',
  ]);
});

test('embedded resources: apiVersion/kind required, metadata checked as ObjectMeta', () => {
  const schema: Schema = {
    type: 'object',
    properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } },
  };
  const dns1035 = isDNS1035Label('my_kind').join(',');
  const cases: { obj: unknown; want: string[] }[] = [
    { obj: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } } }, want: [] },
    { obj: { template: { apiVersion: 'v1', kind: 'Pod' } }, want: [] },
    {
      obj: { template: { metadata: { name: 'a/b' } } },
      want: ['template.apiVersion: Required value', 'template.kind: Required value', "template.metadata.name: Invalid value: \"a/b\": may not contain '/'"],
    },
    {
      obj: { template: { apiVersion: 'a/b/c', kind: 'my_kind', metadata: 'x' } },
      want: [
        'template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c',
        `template.kind: Invalid value: "my_kind": may have mixed case, but should otherwise match: ${dns1035}`,
        'template.metadata: Invalid value: "x": json: cannot unmarshal string into Go value of type v1.ObjectMeta',
      ],
    },
    {
      obj: { template: { apiVersion: 7, kind: '', metadata: { labels: { a: 1 } } } },
      want: [
        'template.apiVersion: Invalid value: 7: must be a string',
        'template.kind: Required value',
        'template.metadata: Invalid value: map[string]interface {}{"labels":map[string]interface {}{"a":1}}: json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string',
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(messages(validate(c.obj, schema)), c.want);
});

test('pruning, table-driven (the examples of kubernetes.io)', () => {
  const cases: { name: string; schema: Schema; obj: unknown; want: unknown; pruned: string[] }[] = [
    {
      name: 'someRandomField is pruned',
      schema: cronTab,
      obj: cr({ cronSpec: '* * * * */5', image: 'my-awesome-cron-image', someRandomField: 42 }),
      want: cr({ cronSpec: '* * * * */5', image: 'my-awesome-cron-image' }),
      pruned: ['spec.someRandomField'],
    },
    {
      name: 'x-kubernetes-preserve-unknown-fields keeps anything, but specified properties are pruned again',
      schema: {
        type: 'object',
        properties: {
          json: {
            'x-kubernetes-preserve-unknown-fields': true,
            type: 'object',
            properties: { spec: { type: 'object', properties: { foo: { type: 'string' }, bar: { type: 'string' } } } },
          },
        },
      },
      obj: { json: { spec: { foo: 'abc', bar: 'def', something: 'x' }, status: { something: 'x' } } },
      want: { json: { spec: { foo: 'abc', bar: 'def' }, status: { something: 'x' } } },
      pruned: ['json.spec.something'],
    },
    {
      name: 'apiVersion, kind and metadata are kept at the root, and in embedded resources',
      schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } } },
          },
        },
      },
      obj: { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' }, other: 1, spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: {} }, spec: { a: 'x', b: 'y' }, junk: 1 } } },
      want: { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' }, spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: {} }, spec: { a: 'x' } } } },
      pruned: ['other', 'spec.template.junk', 'spec.template.spec.b'],
    },
    {
      name: 'fields of array items and map values',
      schema: {
        type: 'object',
        properties: {
          list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
          map: { type: 'object', additionalProperties: { type: 'object', properties: { a: { type: 'string' } } } },
        },
      },
      obj: { list: [{ a: 'x', b: 1 }, { c: 2 }], map: { k: { a: 'x', z: 1 } } },
      want: { list: [{ a: 'x' }, {}], map: { k: { a: 'x' } } },
      pruned: ['list[0].b', 'list[1].c', 'map.k.z'],
    },
    {
      name: 'metadata/kind/apiVersion below the root are ordinary fields',
      schema: { type: 'object', properties: { spec: { type: 'object', properties: {} } } },
      obj: { spec: { metadata: {}, kind: 'x' } },
      want: { spec: {} },
      pruned: ['spec.kind', 'spec.metadata'],
    },
  ];
  for (const c of cases) {
    const pruned = prune(c.obj, c.schema);
    assert.deepEqual(c.obj, c.want, c.name);
    assert.deepEqual(pruned, c.pruned, c.name);
  }
});

test('unknown metadata fields are dropped as ObjectMeta decoding drops them', () => {
  const schema: Schema = { type: 'object', properties: { t: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } } };
  const obj = { metadata: { name: 'a', foo: 1, labels: 'bad' }, t: { apiVersion: 'v1', kind: 'X', metadata: { bar: 2, name: 'b' } } };
  assert.deepEqual(pruneUnknownMetadata(obj, schema), ['metadata.foo', 't.metadata.bar']);
  assert.deepEqual(obj, { metadata: { name: 'a' }, t: { apiVersion: 'v1', kind: 'X', metadata: { name: 'b' } } });
});

test('defaulting, table-driven (the examples of kubernetes.io)', () => {
  const cases: { name: string; schema: Schema; obj: unknown; want: unknown }[] = [
    {
      name: 'cronSpec and replicas are defaulted',
      schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: {
              cronSpec: { type: 'string', pattern: CRON, default: '5 0 * * *' },
              image: { type: 'string' },
              replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
            },
          },
        },
      },
      obj: cr({ image: 'my-awesome-cron-image' }),
      want: cr({ image: 'my-awesome-cron-image', cronSpec: '5 0 * * *', replicas: 1 }),
    },
    {
      name: 'defaulting and nullable: foo defaulted, bar kept null, baz pruned',
      schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: { foo: { type: 'string', nullable: false, default: 'default' }, bar: { type: 'string', nullable: true }, baz: { type: 'string' } },
          },
        },
      },
      obj: { spec: { foo: null, bar: null, baz: null } },
      want: { spec: { foo: 'default', bar: null } },
    },
    {
      name: 'defaults inside defaults, array items and map values',
      schema: {
        type: 'object',
        properties: {
          spec: { type: 'object', default: {}, properties: { a: { type: 'string', default: 'A' } } },
          list: { type: 'array', items: { type: 'object', properties: { p: { type: 'integer', default: 80 } } } },
          map: { type: 'object', additionalProperties: { type: 'object', properties: { q: { type: 'boolean', default: true } } } },
        },
      },
      obj: { list: [{}, { p: 1 }], map: { x: {}, y: { q: false } } },
      want: { spec: { a: 'A' }, list: [{ p: 80 }, { p: 1 }], map: { x: { q: true }, y: { q: false } } },
    },
    {
      name: 'null array items get the items default',
      schema: { type: 'object', properties: { list: { type: 'array', items: { type: 'string', default: 'z' } } } },
      obj: { list: ['a', null] },
      want: { list: ['a', 'z'] },
    },
    {
      name: 'defaults are copied, not shared',
      schema: { type: 'object', properties: { a: { type: 'object', default: { x: [1] } }, b: { type: 'object', default: { x: [1] } } } },
      obj: {},
      want: { a: { x: [1] }, b: { x: [1] } },
    },
  ];
  for (const c of cases) assert.deepEqual(applyDefaults(c.obj, c.schema), c.want, c.name);
  const shared = applyDefaults({} as { a?: { x: number[] } }, { type: 'object', properties: { a: { type: 'object', default: { x: [1] } } } });
  shared.a?.x.push(2);
  assert.deepEqual(applyDefaults({}, { type: 'object', properties: { a: { type: 'object', default: { x: [1] } } } }), { a: { x: [1] } });
});

test('custom resource metadata: name is a DNS subdomain, namespace by scope, kind and apiVersion', () => {
  const cases: { name: string; obj: unknown; opts: Parameters<typeof validateCustomResourceMeta>[1]; want: string[] }[] = [
    { name: 'valid', obj: cr({}), opts: { kind: 'CronTab', apiVersion: 'stable.example.com/v1', namespaced: true }, want: [] },
    {
      name: 'wrong kind and apiVersion only',
      obj: { ...cr({}), kind: 'Other', apiVersion: 'x/v1', metadata: { name: 'BAD' } },
      opts: { kind: 'CronTab', apiVersion: 'stable.example.com/v1', namespaced: true },
      want: ['kind: Invalid value: "Other": must be CronTab', 'apiVersion: Invalid value: "x/v1": must be stable.example.com/v1'],
    },
    {
      name: 'name must be a DNS subdomain',
      obj: { metadata: { name: 'My_Cron', namespace: 'default' } },
      opts: { namespaced: true },
      want: [
        "metadata.name: Invalid value: \"My_Cron\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
    { name: 'namespace required', obj: { metadata: { name: 'a' } }, opts: { namespaced: true }, want: ['metadata.namespace: Required value'] },
    { name: 'namespace forbidden', obj: { metadata: { name: 'a', namespace: 'x' } }, opts: { namespaced: false }, want: ['metadata.namespace: Forbidden: not allowed on this type'] },
    { name: 'name or generateName', obj: { metadata: {} }, opts: {}, want: ['metadata.name: Required value: name or generateName is required'] },
    { name: 'unqualified finalizers are only a warning upstream', obj: { metadata: { name: 'a', finalizers: ['mine'] } }, opts: {}, want: [] },
    {
      name: 'update: name immutable',
      obj: { metadata: { name: 'b', namespace: 'd' } },
      opts: { old: { metadata: { name: 'a', namespace: 'd' } } },
      want: ['metadata.name: Invalid value: "b": field is immutable'],
    },
  ];
  for (const c of cases) assert.deepEqual(messages(validateCustomResourceMeta(c.obj, c.opts)), c.want, c.name);
});

test('a schema on metadata.name restricts names further', () => {
  const schema: Schema = { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 5 } } } } };
  assert.deepEqual(messages(validateValues({ metadata: { name: 'toolong' } }, schema)), ['metadata.name: Too long: may not be more than 5 bytes']);
});
