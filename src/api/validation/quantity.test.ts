import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalQuantity,
  compare,
  ERR_FORMAT_WRONG,
  ERR_SUFFIX,
  parse,
  parseQuantity,
  QuantityError,
  tryParseQuantity,
} from './quantity.ts';

test('quantities print in upstream canonical form', () => {
  const cases: [string | number, string][] = [
    ['100m', '100m'],
    ['1', '1'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['0.5', '500m'],
    ['.5', '500m'],
    ['2000', '2k'],
    ['1500', '1500'],
    ['1k', '1k'],
    ['1M', '1M'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['8Mi', '8Mi'],
    ['512Ki', '512Ki'],
    ['0.5Ki', '512'],
    ['1e3', '1e3'],
    ['1E3', '1E3'],
    ['12e-3', '12e-3'],
    ['0.0000000001', '1n'],
    ['1u', '1u'],
    ['-1', '-1'],
    ['-100m', '-100m'],
    ['01', '01'], // upstream keeps a string it considers canonical
    ['0', '0'],
    ['000', '0'],
    ['0.000', '0'],
    [1, '1'],
    [0.25, '250m'],
    [1536, '1536'],
  ];
  for (const [input, want] of cases) {
    assert.equal(parseQuantity(input).toString(), want, `canonical form of ${JSON.stringify(input)}`);
  }
});

test('malformed quantities fail with upstream messages', () => {
  const cases: [string, string][] = [
    ['', ERR_FORMAT_WRONG],
    ['abc', ERR_FORMAT_WRONG],
    ['1x', ERR_FORMAT_WRONG],
    ['1.5.5', ERR_FORMAT_WRONG],
    ['1Kb', ERR_FORMAT_WRONG],
    ['1K', ERR_SUFFIX],
    ['1mi', ERR_SUFFIX],
    ['1e', ERR_SUFFIX],
  ];
  for (const [input, msg] of cases) {
    assert.throws(() => parseQuantity(input), (e: unknown) => e instanceof QuantityError && e.message === msg, input);
  }
  assert.equal(
    ERR_FORMAT_WRONG,
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  );
  assert.equal(tryParseQuantity('nope'), undefined);
  assert.equal(tryParseQuantity({}), undefined);
});

test('compare orders quantities by value, across suffixes', () => {
  const cases: [string, string, number][] = [
    ['1', '1000m', 0],
    ['1Gi', '1024Mi', 0],
    ['1G', '1Gi', -1],
    ['500m', '0.5', 0],
    ['2', '1500m', 1],
    ['1e3', '1k', 0],
    ['-1', '0', -1],
    ['100Mi', '100M', 1],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(compare(a, b), want, `${a} vs ${b}`);
    assert.equal(compare(b, a), want === 0 ? 0 : -want, `${b} vs ${a}`);
  }
});

test('values, milli-values, rounding and arithmetic', () => {
  assert.equal(parse('1500m').value(), 2n);
  assert.equal(parse('1500m').milliValue(), 1500n);
  assert.equal(parse('1Ki').value(), 1024n);
  assert.equal(parse('0.1m').milliValue(), 1n);
  assert.equal(parse('1n').roundUp(-3).toString(), '1m');
  assert.equal(parse('100m').roundUp(-3).toString(), '100m');
  assert.equal(parse('1').add(parse('500m')).toString(), '1500m');
  assert.equal(parse('1Gi').sub(parse('512Mi')).toString(), '512Mi');
  assert.equal(parse('3').neg().toString(), '-3');
  assert.equal(canonicalQuantity('2048Ki'), '2Mi');
  assert.equal(JSON.stringify({ cpu: parse('0.25') }), '{"cpu":"250m"}');
  assert.equal(parse('2').sign(), 1);
  assert.ok(parse('0m').isZero());
});
