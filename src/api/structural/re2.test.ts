import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRE2, MAX_PROGRAM, RE2, RegexpSyntaxError } from './re2.ts';

function re(p: string): RE2 {
  const r = compileRE2(p);
  if (r instanceof RegexpSyntaxError) throw r;
  return r;
}

test('RE2 matching: a pattern matches anywhere unless anchored (Go MatchString)', () => {
  const cases: [string, string, boolean][] = [
    // the CronTab pattern from kubernetes.io
    ['^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$', '* * * * */5', true],
    ['^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$', '* * * *', false],
    ['^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$', '5 0 * * *', true],
    ['abc', 'xxabcxx', true],
    ['^abc', 'xxabc', false],
    ['abc$', 'abc\n', false], // $ is \z without (?m)
    ['(?m)abc$', 'abc\nx', true],
    ['(?m)^x', 'abc\nx', true],
    ['^a.c$', 'a\nc', false],
    ['(?s)^a.c$', 'a\nc', true],
    ['(?i)hello', 'HeLLo', true],
    ['(?i:a)b', 'Ab', true],
    ['(?i:a)b', 'AB', false],
    ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', 'my-name', true],
    ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', '-bad', false],
    ['^[^a-z]+$', 'ABC\n', true], // a negated class matches a newline (ClassNL)
    ['^[[:alpha:]]+$', 'abcXYZ', true],
    ['^[[:^digit:]]+$', 'abc', true],
    ['^\\pL+$', 'héllo', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\PL+$', '123', true],
    ['^\\w+$', 'héllo', false], // \w is ASCII-only in RE2
    ['^\\d{2,3}$', '1234', false],
    ['^\\d{2,3}$', '123', true],
    ['^a{2,}$', 'aaaa', true],
    ['^a{0}b$', 'b', true],
    ['a{,2}', 'a{,2}', true], // not a repeat: literal
    ['\\bfoo\\b', 'a foo b', true],
    ['\\bfoo\\b', 'afoob', false],
    ['\\Bfoo', 'afoo', true],
    ['\\Aab\\z', 'ab', true],
    ['\\Q.*\\E', 'a.*b', true],
    ['\\Q.*\\E', 'ab', false],
    ['^\\x41\\x{42}\\101$', 'ABA', true],
    ['^(a|b)*c$', 'ababc', true],
    ['^(a*)*$', 'aaaa', true],
    ['^(a|)+$', 'aa', true],
    ['(?P<name>x)y', 'xy', true],
    ['(?<name>x)y', 'xy', true],
    ['^[\\d.-]+$', '1.2-3', true],
    ['^[]a]+$', ']a', true],
    ['^😀+$', '😀😀', true],
    ['^.$', '😀', true], // one code point
    ['', 'anything', true],
  ];
  for (const [p, input, want] of cases) assert.equal(re(p).test(input), want, `${p} on ${JSON.stringify(input)}`);
});

test('RE2 syntax errors use Go wording', () => {
  const cases: [string, string][] = [
    ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['(?!a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?!`'],
    ['(a', 'error parsing regexp: missing closing ): `(a`'],
    ['a)', 'error parsing regexp: unexpected ): `a)`'],
    ['[a-', 'error parsing regexp: missing closing ]: `[a-`'],
    ['[z-a]', 'error parsing regexp: invalid character class range: `z-a`'],
    ['*a', 'error parsing regexp: missing argument to repetition operator: `*`'],
    ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
    ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
    ['a{2,1}', 'error parsing regexp: invalid repeat count: `{2,1}`'],
    ['(a)\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['\\Z', 'error parsing regexp: invalid escape sequence: `\\Z`'],
    ['a\\', 'error parsing regexp: trailing backslash at end of expression: ``'],
    ['\\p{Foo}', 'error parsing regexp: invalid character class range: `\\p{Foo}`'],
    ['[[:foo:]]', 'error parsing regexp: invalid character class range: `[:foo:]`'],
  ];
  for (const [p, msg] of cases) {
    const r = compileRE2(p);
    assert.ok(r instanceof RegexpSyntaxError, p);
    assert.equal(r.message, msg, p);
  }
});

test('RE2 runs in linear time on patterns that make backtracking engines explode', () => {
  const evil = re('^(a+)+$');
  const input = 'a'.repeat(50_000) + 'b';
  const t0 = Date.now();
  assert.equal(evil.test(input), false);
  assert.ok(Date.now() - t0 < 2000, 'took too long');
  assert.equal(re('^(a|a)*$').test('a'.repeat(10_000)), true);
  assert.equal(re('(x+x+)+y').test('x'.repeat(5_000)), false);
});

test('RE2 refuses programs that are too large', () => {
  const r = compileRE2('((((a{100}){100}){100}){100})');
  assert.ok(r instanceof RegexpSyntaxError);
  assert.match(r.message, /expression too large|invalid repeat count/);
  assert.ok(re('[a-z]{1,63}').programSize < MAX_PROGRAM);
});
