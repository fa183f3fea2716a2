import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCelRules } from './cel-rules.ts';
import { errorString, validateCustomResource, type FieldError, type Schema } from './index.ts';

type Obj = Record<string, any>;
const messages = (errs: FieldError[]) => errs.map(errorString);

/** A CR schema whose spec carries the given rules and properties. */
function specSchema(props: Obj, rules: Obj[], extra: Obj = {}): Schema {
  return {
    type: 'object',
    properties: { spec: { type: 'object', properties: props, 'x-kubernetes-validations': rules, ...extra } },
  } as Schema;
}

const replicas = { minReplicas: { type: 'integer' }, replicas: { type: 'integer' }, maxReplicas: { type: 'integer' } };

interface Case {
  name: string;
  schema: Schema;
  obj: Obj;
  old?: Obj;
  want: string[];
}

const cases: Case[] = [
  {
    name: 'rule holds',
    schema: specSchema(replicas, [{ rule: 'self.minReplicas <= self.replicas' }]),
    obj: { spec: { minReplicas: 1, replicas: 3 } },
    want: [],
  },
  {
    name: 'failed rule without message',
    schema: specSchema(replicas, [{ rule: 'self.minReplicas <= self.replicas' }]),
    obj: { spec: { minReplicas: 5, replicas: 3 } },
    want: ['spec: Invalid value: "object": failed rule: self.minReplicas <= self.replicas'],
  },
  {
    name: 'message, trimmed',
    schema: specSchema(replicas, [{ rule: 'self.replicas <= self.maxReplicas', message: ' replicas should be smaller than or equal to maxReplicas. ' }]),
    obj: { spec: { replicas: 10, maxReplicas: 3 } },
    want: ['spec: Invalid value: "object": replicas should be smaller than or equal to maxReplicas.'],
  },
  {
    name: 'has() on an absent field',
    schema: specSchema({ foo: { type: 'string' } }, [{ rule: 'has(self.foo)', message: 'foo is required' }]),
    obj: { spec: {} },
    want: ['spec: Invalid value: "object": foo is required'],
  },
  {
    name: 'messageExpression',
    schema: specSchema(replicas, [{ rule: 'self.x <= self.maxLimit', messageExpression: '"x exceeded max limit of " + string(self.maxLimit)' }], {
      properties: { x: { type: 'integer' }, maxLimit: { type: 'integer' } },
    }),
    obj: { spec: { x: 11, maxLimit: 10 } },
    want: ['spec: Invalid value: "object": x exceeded max limit of 10'],
  },
  {
    name: 'messageExpression failing falls back to message',
    schema: specSchema({ x: { type: 'integer' } }, [{ rule: 'self.x < 5', message: 'x too big', messageExpression: 'string(self.missing)' }]),
    obj: { spec: { x: 9 } },
    want: ['spec: Invalid value: "object": x too big'],
  },
  {
    name: 'empty messageExpression result falls back to the default',
    schema: specSchema({ x: { type: 'integer' } }, [{ rule: 'self.x < 5', messageExpression: '"  "' }]),
    obj: { spec: { x: 9 } },
    want: ['spec: Invalid value: "object": failed rule: self.x < 5'],
  },
  {
    name: 'reason Forbidden with fieldPath',
    schema: specSchema({ x: { type: 'integer' } }, [{ rule: 'self.x < 5', message: 'x too big', reason: 'FieldValueForbidden', fieldPath: '.x' }]),
    obj: { spec: { x: 9 } },
    want: ['spec.x: Forbidden: x too big'],
  },
  {
    name: 'reason Required',
    schema: specSchema({ x: { type: 'integer' } }, [{ rule: 'has(self.x)', message: 'x must be set', reason: 'FieldValueRequired' }]),
    obj: { spec: {} },
    want: ['spec: Required value: x must be set'],
  },
  {
    name: 'reason Duplicate',
    schema: specSchema({ a: { type: 'array', items: { type: 'string' } } }, [{ rule: 'self.a.size() < 2', reason: 'FieldValueDuplicate', fieldPath: '.a' }]),
    obj: { spec: { a: ['x', 'x'] } },
    want: ['spec.a: Duplicate value: "object"'],
  },
  {
    name: 'fieldPath into a map key',
    schema: specSchema(
      { m: { type: 'object', additionalProperties: { type: 'string' } } },
      [{ rule: "self.m['a.b'] == 'ok'", fieldPath: ".m['a.b']" }],
    ),
    obj: { spec: { m: { 'a.b': 'bad' } } },
    want: ["spec.m[a.b]: Invalid value: \"object\": failed rule: self.m['a.b'] == 'ok'"],
  },
  {
    name: 'rules on list items',
    schema: specSchema(
      { items: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= 0', message: 'must be non-negative' }] } } },
      [],
    ),
    obj: { spec: { items: [1, -2, 3, -4] } },
    want: ['spec.items[1]: Invalid value: "integer": must be non-negative', 'spec.items[3]: Invalid value: "integer": must be non-negative'],
  },
  {
    name: 'rules on a list: all()',
    schema: specSchema({ names: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: "self.all(n, n.startsWith('x-'))" }] } }, []),
    obj: { spec: { names: ['x-a', 'b'] } },
    want: ['spec.names: Invalid value: "array": failed rule: self.all(n, n.startsWith(\'x-\'))'],
  },
  {
    name: 'rules on additionalProperties values',
    schema: specSchema(
      { labels: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() <= 3' }] } } },
      [],
    ),
    obj: { spec: { labels: { a: 'ok', b: 'toolong' } } },
    want: ['spec.labels[b]: Invalid value: "string": failed rule: self.size() <= 3'],
  },
  {
    name: 'rules on a map',
    schema: specSchema({ labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-validations': [{ rule: "'app' in self", message: 'app label required' }] } }, []),
    obj: { spec: { labels: { tier: 'web' } } },
    want: ['spec.labels: Invalid value: "object": app label required'],
  },
  {
    name: 'number fields are doubles',
    schema: specSchema({ ratio: { type: 'number' } }, [{ rule: 'self.ratio / 4.0 < 0.4' }]),
    obj: { spec: { ratio: 2 } },
    want: ['spec: Invalid value: "object": failed rule: self.ratio / 4.0 < 0.4'],
  },
  {
    name: 'date-time fields are timestamps',
    schema: specSchema({ t: { type: 'string', format: 'date-time' } }, [{ rule: "self.t < timestamp('2024-01-01T00:00:00Z')" }]),
    obj: { spec: { t: '2025-06-01T00:00:00Z' } },
    want: ["spec: Invalid value: \"object\": failed rule: self.t < timestamp('2024-01-01T00:00:00Z')"],
  },
  {
    name: 'duration fields are durations',
    schema: specSchema({ d: { type: 'string', format: 'duration' } }, [{ rule: "self.d <= duration('1h')" }]),
    obj: { spec: { d: '90m' } },
    want: ["spec: Invalid value: \"object\": failed rule: self.d <= duration('1h')"],
  },
  {
    name: 'int-or-string as is',
    schema: specSchema({ port: { 'x-kubernetes-int-or-string': true } }, [{ rule: 'type(self.port) == string || self.port > 0' }]),
    obj: { spec: { port: 0 } },
    want: ['spec: Invalid value: "object": failed rule: type(self.port) == string || self.port > 0'],
  },
  {
    name: 'evaluation error: no such key',
    schema: specSchema({ foo: { type: 'string' } }, [{ rule: "self.foo == 'x'" }]),
    obj: { spec: {} },
    want: ["spec: Invalid value: \"object\": no such key: foo evaluating rule: self.foo == 'x'"],
  },
  {
    name: 'transition rule skipped on create',
    schema: specSchema({ x: { type: 'string' } }, [{ rule: 'self.x == oldSelf.x', message: 'x is immutable' }]),
    obj: { spec: { x: 'b' } },
    want: [],
  },
  {
    name: 'transition rule on update',
    schema: specSchema({ x: { type: 'string' } }, [{ rule: 'self.x == oldSelf.x', message: 'x is immutable' }]),
    obj: { spec: { x: 'b' } },
    old: { spec: { x: 'a' } },
    want: ['spec: Invalid value: "object": x is immutable'],
  },
  {
    name: 'immutable field via self == oldSelf',
    schema: specSchema({ x: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'Value is immutable' }] } }, []),
    obj: { spec: { x: 'b' } },
    old: { spec: { x: 'a' } },
    want: ['spec.x: Invalid value: "string": Value is immutable'],
  },
  {
    name: 'transition rule skipped where the old value is absent',
    schema: specSchema({ x: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } }, []),
    obj: { spec: { x: 'b' } },
    old: { spec: {} },
    want: [],
  },
  {
    name: 'optionalOldSelf runs on create',
    schema: specSchema({ x: { type: 'integer' } }, [{ rule: '!oldSelf.hasValue() || self.x >= oldSelf.value().x', optionalOldSelf: true, message: 'no create with x<0' }, { rule: 'oldSelf.hasValue() || self.x >= 0', optionalOldSelf: true, message: 'x must start non-negative' }]),
    obj: { spec: { x: -1 } },
    want: ['spec: Invalid value: "object": x must start non-negative'],
  },
  {
    name: 'optionalOldSelf on update',
    schema: specSchema({ x: { type: 'integer' } }, [{ rule: '!oldSelf.hasValue() || self.x >= oldSelf.value().x', optionalOldSelf: true, message: 'x may only grow' }]),
    obj: { spec: { x: 1 } },
    old: { spec: { x: 2 } },
    want: ['spec: Invalid value: "object": x may only grow'],
  },
  {
    name: 'map-type list items correlate by key',
    schema: specSchema(
      {
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, port: { type: 'integer' } },
            'x-kubernetes-validations': [{ rule: 'self.port == oldSelf.port', message: 'port is immutable' }],
          },
        },
      },
      [],
    ),
    obj: { spec: { ports: [{ name: 'b', port: 2 }, { name: 'a', port: 9 }, { name: 'c', port: 3 }] } },
    old: { spec: { ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }] } },
    want: ['spec.ports[1]: Invalid value: "object": port is immutable'],
  },
  {
    name: 'atomic list items do not correlate',
    schema: specSchema({ xs: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } } }, []),
    obj: { spec: { xs: [5] } },
    old: { spec: { xs: [1] } },
    want: [],
  },
  {
    name: 'ratcheting: an unchanged invalid value is not reported',
    schema: specSchema(replicas, [{ rule: 'self.minReplicas <= self.replicas' }], {}),
    obj: { metadata: { labels: { new: 'x' } }, spec: { minReplicas: 5, replicas: 3 } },
    old: { spec: { minReplicas: 5, replicas: 3 } },
    want: [],
  },
  {
    name: 'ratcheting: a changed invalid value is reported',
    schema: specSchema(replicas, [{ rule: 'self.minReplicas <= self.replicas' }]),
    obj: { spec: { minReplicas: 5, replicas: 2 } },
    old: { spec: { minReplicas: 5, replicas: 3 } },
    want: ['spec: Invalid value: "object": failed rule: self.minReplicas <= self.replicas'],
  },
  {
    name: 'ratcheting: unchanged items of an atomic list ratchet with the list',
    schema: specSchema({ xs: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0' }] } }, y: { type: 'integer' } }, []),
    obj: { spec: { xs: [0], y: 2 } },
    old: { spec: { xs: [0], y: 1 } },
    want: [],
  },
  {
    name: 'ratcheting does not apply to transition rules',
    schema: specSchema({ x: { type: 'integer' } }, [{ rule: 'self.x > oldSelf.x', message: 'x must grow' }]),
    obj: { spec: { x: 1 } },
    old: { spec: { x: 1 } },
    want: ['spec: Invalid value: "object": x must grow'],
  },
  {
    name: 'rules at the root see metadata',
    schema: {
      type: 'object',
      properties: { metadata: { type: 'object' }, spec: { type: 'object' } },
      'x-kubernetes-validations': [{ rule: "self.metadata.name.startsWith('ok-')", message: 'name must start with ok-' }],
    } as Schema,
    obj: { metadata: { name: 'bad' }, spec: {} },
    want: [': Invalid value: "object": name must start with ok-'],
  },
  {
    name: 'null values are not validated',
    schema: specSchema({ x: { type: 'string', nullable: true, 'x-kubernetes-validations': [{ rule: 'self.size() > 3' }] } }, []),
    obj: { spec: { x: null } },
    want: [],
  },
];

for (const c of cases) {
  test(`CEL rules: ${c.name}`, () => {
    assert.deepEqual(messages(validateCelRules(c.obj, c.schema, c.old === undefined ? {} : { old: c.old })), c.want);
  });
}

test('CEL rules: the per-expression cost limit stops all further rules', () => {
  const schema = specSchema({ xs: { type: 'array', items: { type: 'integer' } } }, [
    { rule: 'self.xs.all(a, self.xs.all(b, a + b >= 0))' },
    { rule: 'false' },
  ]);
  const obj = { spec: { xs: Array.from({ length: 50 }, (_, i) => i) } };
  assert.deepEqual(messages(validateCelRules(obj, schema, { perCallLimit: 1000 })), [
    'spec: Invalid value: "object": \'operation cancelled: actual cost limit exceeded\': no further validation rules will be run due to call cost exceeds limit for rule: self.xs.all(a, self.xs.all(b, a + b >= 0))',
  ]);
});

test('CEL rules: the per-object budget stops the walk', () => {
  const schema = specSchema(
    { xs: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.matches('^[a-z]+$')" }] } } },
    [],
  );
  const obj = { spec: { xs: Array.from({ length: 20 }, () => 'abcdef') } };
  const errs = messages(validateCelRules(obj, schema, { costBudget: 10 }));
  assert.equal(errs.length, 1);
  assert.match(errs[0] ?? '', /^spec\.xs\[\d+\]: Invalid value: "string": validation failed due to running out of cost budget, no further validation rules will be run$/);
});

test('CEL rules: programs are compiled once per schema object', () => {
  const schema = specSchema(replicas, [{ rule: 'self.minReplicas <= self.replicas' }]);
  const a = validateCelRules({ spec: { minReplicas: 2, replicas: 1 } }, schema);
  // Mutating the rule text after the first use must not change what runs: the compiled
  // program is cached on the schema object.
  (schema as Obj).properties.spec['x-kubernetes-validations'][0].rule = 'false';
  const b = validateCelRules({ spec: { minReplicas: 2, replicas: 1 } }, schema);
  assert.deepEqual(messages(b), messages(a));
  assert.deepEqual(messages(validateCelRules({ spec: { minReplicas: 1, replicas: 1 } }, schema)), []);
});

test('validateCustomResource appends rule errors after schema errors', () => {
  const schema = specSchema({ ...replicas, name: { type: 'string', maxLength: 20 } }, [{ rule: 'self.minReplicas <= self.replicas' }]);
  const obj = { apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'n', namespace: 'd' }, spec: { minReplicas: 3, replicas: 1, name: 'ok' } };
  const opts = { schema, kind: 'X', apiVersion: 'x.io/v1', namespaced: true };
  assert.deepEqual(messages(validateCustomResource(obj, opts)), ['spec: Invalid value: "object": failed rule: self.minReplicas <= self.replicas']);
});

test('validateCustomResource reports one blocking error instead of rules when the schema fails', () => {
  const schema = specSchema({ ...replicas, name: { type: 'string', maxLength: 2 } }, [{ rule: 'self.minReplicas <= self.replicas' }]);
  const obj = { apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'n', namespace: 'd' }, spec: { minReplicas: 3, replicas: 1, name: 'toolong' } };
  const errs = validateCustomResource(obj, { schema, kind: 'X', apiVersion: 'x.io/v1', namespaced: true });
  const last = errs[errs.length - 1];
  assert.ok(errs.length >= 2);
  assert.equal(last?.type, 'FieldValueInvalid');
  assert.equal(last?.field, '');
  assert.equal(last?.detail, 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation');
  assert.ok(!messages(errs).some((m) => m.includes('failed rule')));
});

test('validateCustomResource ratchets on update', () => {
  const schema = specSchema(replicas, [{ rule: 'self.minReplicas <= self.replicas' }]);
  const old = { apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'n', namespace: 'd' }, spec: { minReplicas: 3, replicas: 1 } };
  const obj = { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } };
  assert.deepEqual(validateCustomResource(obj, { schema, kind: 'X', apiVersion: 'x.io/v1', namespaced: true, old }), []);
});
