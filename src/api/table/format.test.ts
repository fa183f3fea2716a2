import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRFC3339, humanDuration, parseTime, shortHumanDuration, translateTimestampSince } from './duration.ts';
import { formatQuantity, formatQuantityPtr } from './quantity.ts';
import { formatLabels, formatLabelSelector, selectorString } from './labels.ts';
import { evaluate, goFloat, printResult } from './jsonpath.ts';
import { NOW } from './testing/fixtures.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

test('humanDuration: boundaries of every band', () => {
  const table: [number, string][] = [
    [-2 * S, '<invalid>'],
    [-1999, '0s'], // up to a second (truncated) of skew reads as now
    [-1 * S, '0s'],
    [0, '0s'],
    [999, '0s'],
    [5 * S, '5s'],
    [59 * S, '59s'],
    [60 * S, '60s'],
    [119 * S + 999, '119s'],
    [2 * M, '2m'],
    [3 * M + 2 * S, '3m2s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 59 * S, '10m'],
    [179 * M + 59 * S, '179m'],
    [3 * H, '3h'],
    [3 * H + 20 * M, '3h20m'],
    [7 * H + 59 * M + 59 * S, '7h59m'],
    [8 * H, '8h'],
    [8 * H + 30 * M, '8h'],
    [47 * H + 59 * M, '47h'],
    [48 * H, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [8 * D + 23 * H, '8d'],
    [400 * D, '400d'],
    [2 * Y - H, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 100 * D, '2y100d'],
    [7 * Y + 364 * D, '7y364d'],
    [8 * Y, '8y'],
    [8 * Y + 200 * D, '8y'],
    [120 * Y, '120y'],
  ];
  for (const [ms, want] of table) assert.equal(humanDuration(ms), want, `humanDuration(${ms})`);
});

test('shortHumanDuration', () => {
  assert.equal(shortHumanDuration(59 * S), '59s');
  assert.equal(shortHumanDuration(60 * S), '1m');
  assert.equal(shortHumanDuration(23 * H), '23h');
  assert.equal(shortHumanDuration(364 * D), '364d');
  assert.equal(shortHumanDuration(3 * Y), '3y');
  assert.equal(shortHumanDuration(-5 * S), '<invalid>');
});

test('translateTimestampSince and RFC 3339 parsing', () => {
  assert.equal(translateTimestampSince('2025-06-01T11:56:58Z', NOW), '3m2s');
  assert.equal(translateTimestampSince('2025-06-01T13:56:58+02:00', NOW), '3m2s');
  assert.equal(translateTimestampSince('2025-06-01T11:59:59.999999Z', NOW), '0s');
  assert.equal(translateTimestampSince(undefined, NOW), '<unknown>');
  assert.equal(translateTimestampSince(null, NOW), '<unknown>');
  assert.equal(translateTimestampSince('', NOW), '<unknown>');
  assert.equal(translateTimestampSince('0001-01-01T00:00:00Z', NOW), '<unknown>');
  assert.equal(translateTimestampSince('yesterday', NOW), '<unknown>');
  assert.equal(translateTimestampSince('2025-06-01T12:00:05Z', NOW), '<invalid>');
  assert.equal(parseTime('2025-06-01T12:00:00.5Z'), Date.UTC(2025, 5, 1, 12, 0, 0, 500));
  assert.equal(formatRFC3339('2025-06-01T12:00:00.987654Z'), '2025-06-01T12:00:00Z');
  assert.equal(formatRFC3339(undefined), '0001-01-01T00:00:00Z');
});

test('quantities print in canonical form', () => {
  const table: [unknown, string][] = [
    ['10Gi', '10Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['512', '512'],
    ['1023Ki', '1023Ki'],
    ['500m', '500m'],
    ['0.5', '500m'],
    ['2000m', '2'],
    ['1500m', '1500m'],
    ['0.1', '100m'],
    ['1000', '1k'],
    ['12000', '12k'],
    ['1001', '1001'],
    ['129M', '129M'],
    ['128974848', '128974848'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['100u', '100u'],
    ['-250m', '-250m'],
    [3, '3'],
    ['0', '0'],
    ['0Gi', '0'],
    [undefined, '0'],
  ];
  for (const [q, want] of table) assert.equal(formatQuantity(q), want, `formatQuantity(${String(q)})`);
  assert.equal(formatQuantityPtr(undefined), '<nil>');
  assert.equal(formatQuantityPtr('1Ki'), '1Ki');
});

test('labels and selectors', () => {
  assert.equal(formatLabels({ tier: 'web', app: 'x' }), 'app=x,tier=web');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels(undefined), '<none>');
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(
    formatLabelSelector({
      matchLabels: { b: '2', a: '1' },
      matchExpressions: [
        { key: 'z', operator: 'NotIn', values: ['q', 'p'] },
        { key: 'c', operator: 'In', values: ['x'] },
      ],
    }),
    'a=1,b=2,c in (x),z notin (p,q)',
  );
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
  assert.equal(selectorString(undefined), '');
  assert.equal(selectorString({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), undefined);
});

test('jsonpath subset', () => {
  const obj = {
    metadata: { name: 'w', labels: { 'app.kubernetes.io/name': 'widget' } },
    spec: { replicas: 3, ratio: 0.25, big: 1234567.5, tags: ['a', 'b'], nested: { b: 1, a: '<x>' } },
    status: {
      conditions: [
        { type: 'Synced', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'Waiting' },
      ],
      nodes: [{ name: 'n1', ready: true }, { name: 'n2' }, { name: 'n3', ready: false }],
    },
  };
  assert.deepEqual(evaluate('.spec.replicas', obj), [3]);
  assert.deepEqual(evaluate('{.spec.replicas}', obj), [3]);
  assert.deepEqual(evaluate('spec.replicas', obj), [3]);
  assert.deepEqual(evaluate('.spec.missing.deeper', obj), []);
  assert.deepEqual(evaluate('.status.conditions[?(@.type=="Ready")].status', obj), ['False']);
  assert.deepEqual(evaluate(".status.conditions[?(@.type=='Ready')].reason", obj), ['Waiting']);
  assert.deepEqual(evaluate('.status.conditions[?(@.status!="True")].type', obj), ['Ready']);
  assert.deepEqual(evaluate('.status.conditions[0].type', obj), ['Synced']);
  assert.deepEqual(evaluate('.status.conditions[-1].type', obj), ['Ready']);
  assert.deepEqual(evaluate('.status.conditions[*].type', obj), ['Synced', 'Ready']);
  assert.deepEqual(evaluate('.status.conditions[0:1].type', obj), ['Synced']);
  assert.deepEqual(evaluate('.status.nodes[?(@.ready)].name', obj), ['n1', 'n3']);
  assert.deepEqual(evaluate('.status.nodes[?(@.ready==true)].name', obj), ['n1']);
  assert.deepEqual(evaluate(".metadata.labels['app.kubernetes.io/name']", obj), ['widget']);
  assert.deepEqual(evaluate('.metadata.labels.app\\.kubernetes\\.io/name', obj), ['widget']);
  assert.deepEqual(evaluate('..reason', obj), ['Waiting']);
  assert.deepEqual(evaluate('.status..name', obj), ['n1', 'n2', 'n3']);
  assert.equal(printResult(3), '3');
  assert.equal(printResult(0.25), '0.25');
  assert.equal(printResult(1234567.5), '1.2345675e+06');
  assert.equal(printResult(true), 'true');
  assert.equal(printResult(['a', 'b']), '["a","b"]');
  assert.equal(printResult({ b: 1, a: '<x>' }), '{"a":"\\u003cx\\u003e","b":1}');
  assert.equal(printResult(null), undefined);
  assert.equal(goFloat(0.0001), '0.0001');
  assert.equal(goFloat(0.00001), '1e-05');
  assert.equal(goFloat(123456.5), '123456.5');
  assert.equal(goFloat(1e21), '1e+21');
});
