import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  duplicate,
  errorBody,
  forbidden,
  formatErrors,
  goQuote,
  goStringMap,
  goStringSlice,
  GoValue,
  invalid,
  notFound,
  notSupported,
  required,
  toStatusCauses,
  tooLong,
  tooMany,
  type FieldError,
} from './errors.ts';
import { parseQuantity } from './quantity.ts';

test('error bodies read as upstream ErrorBody prints them', () => {
  const cases: [FieldError, string][] = [
    [required('spec.containers[0].image'), 'Required value'],
    [required('metadata.name', 'name or generateName is required'), 'Required value: name or generateName is required'],
    [invalid('spec.replicas', -1, 'must be greater than or equal to 0'), 'Invalid value: -1: must be greater than or equal to 0'],
    [invalid('metadata.name', 'MyPod', 'bad'), 'Invalid value: "MyPod": bad'],
    [invalid('x', true, 'bad'), 'Invalid value: true: bad'],
    [invalid('x', null, 'bad'), 'Invalid value: null: bad'],
    [invalid('x', 0.5, 'bad'), 'Invalid value: 0.5: bad'],
    [invalid('x', { app: 'x', a: 'b' }, 'bad'), 'Invalid value: map[string]string{"a":"b", "app":"x"}: bad'],
    [invalid('x', ['a', 'b'], 'bad'), 'Invalid value: []string{"a", "b"}: bad'],
    [invalid('x', new GoValue('500m'), 'must be an integer'), 'Invalid value: 500m: must be an integer'],
    [
      invalid('x', parseQuantity('500m'), 'quantity'),
      'Invalid value: resource.Quantity{i:resource.int64Amount{value:500, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"500m", Format:"DecimalSI"}: quantity',
    ],
    [duplicate('spec.containers[1].name', 'app'), 'Duplicate value: "app"'],
    [notFound('spec.containers[0].volumeMounts[0].name', 'data'), 'Not found: "data"'],
    [
      notSupported('spec.restartPolicy', 'Sometimes', ['Always', 'OnFailure', 'Never']),
      'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ],
    [forbidden('spec', 'nope'), 'Forbidden: nope'],
    [tooLong('metadata.annotations', '', 262144), 'Too long: must have at most 262144 bytes'],
    [tooMany('spec.rules', 25, 20), 'Too many: 25: must have at most 20 items'],
  ];
  for (const [err, want] of cases) assert.equal(errorBody(err), want);
});

test('messages: one error plainly, several in brackets, repeats once', () => {
  assert.equal(
    formatErrors('Deployment', 'apps', 'web', [invalid('spec.replicas', -1, 'must be greater than or equal to 0')]),
    'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  );
  const two = [required('spec.containers[0].name'), required('spec.containers[0].image')];
  assert.equal(
    formatErrors('Pod', '', 'p', two),
    'Pod "p" is invalid: [spec.containers[0].name: Required value, spec.containers[0].image: Required value]',
  );
  assert.equal(
    formatErrors('Pod', '', 'p', [required('spec.x'), required('spec.x')]),
    'Pod "p" is invalid: spec.x: Required value',
  );
  assert.deepEqual(toStatusCauses(two), [
    { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].name' },
    { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
  ]);
});

test('strings are quoted as Go strconv.Quote does', () => {
  const cases: [string, string][] = [
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['tab\there', '"tab\\there"'],
    ['new\nline', '"new\\nline"'],
    ['\x00\x7f', '"\\x00\\x7f"'],
    ['héllo', '"héllo"'],
    ['\u200b', '"\\u200b"'],
    ['', '""'],
  ];
  for (const [input, want] of cases) assert.equal(goQuote(input), want);
  assert.equal(goStringMap(undefined).repr, 'map[string]string(nil)');
  assert.equal(goStringMap({}).repr, 'map[string]string{}');
  assert.equal(goStringSlice(undefined).repr, '[]string(nil)');
});
