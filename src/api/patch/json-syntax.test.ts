import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goJsonSyntaxError } from './json-syntax.ts';

// [text, Go's encoding/json error]
const CASES: [string, string][] = [
  ['', 'unexpected end of JSON input'],
  ['{"a":', 'unexpected end of JSON input'],
  ['tru', 'unexpected end of JSON input'],
  ['x', "invalid character 'x' looking for beginning of value"],
  ["'a'", "invalid character '\\'' looking for beginning of value"],
  ['{"a" 1}', "invalid character '1' after object key"],
  ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
  ['{a:1}', "invalid character 'a' looking for beginning of object key string"],
  ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
  ['[1 2]', "invalid character '2' after array element"],
  ['[1,]', "invalid character ']' looking for beginning of value"],
  ['trux', "invalid character 'x' in literal true (expecting 'e')"],
  ['{}x', "invalid character 'x' after top-level value"],
  ['01', "invalid character '1' after top-level value"],
  ['"a\\q"', "invalid character 'q' in string escape code"],
  ['"a\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
  ['"a\nb"', "invalid character '\\n' in string literal"],
  ['-x', "invalid character 'x' in numeric literal"],
  ['1.x', "invalid character 'x' after decimal point in numeric literal"],
  ['1ex', "invalid character 'x' in exponent of numeric literal"],
];

describe('goJsonSyntaxError', () => {
  for (const [text, want] of CASES) {
    it(JSON.stringify(text), () => {
      assert.throws(() => JSON.parse(text));
      assert.equal(goJsonSyntaxError(text), want);
    });
  }
});
