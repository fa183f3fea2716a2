import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PatchError } from './errors.ts';
import type { JsonMap } from './json.ts';
import { applyMergePatch, createMergePatch } from './merge-patch.ts';
import { noSchema } from './schema.ts';
import { strategicMergePatch } from './strategic.ts';

// RFC 7386 appendix A, where upstream agrees with it, plus upstream's own answers.
const CASES: [string, unknown, unknown, unknown][] = [
  ['replace a member', { a: 'b' }, { a: 'c' }, { a: 'c' }],
  ['add a member', { a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  ['null removes', { a: 'b' }, { a: null }, {}],
  ['null removes one of two', { a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  ['array replaced by string', { a: ['b'] }, { a: 'c' }, { a: 'c' }],
  ['string replaced by array', { a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  ['nested merge with removal', { a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  ['array replaced whole', { a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  ['array document and patch', ['a', 'b'], ['c', 'd'], ['c', 'd']],
  ['array patch replaces an object', { a: 'b' }, ['c'], ['c']],
  ['existing nulls are kept', { e: null }, { a: 1 }, { e: null, a: 1 }],
  ['object patch on an array document', [1, 2], { a: 'b', c: null }, { a: 'b' }],
  ['nulls pruned in new objects', {}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ['nulls pruned in new arrays (upstream)', {}, { a: [1, null, { b: null }] }, { a: [1, {}] }],
  ['nulls kept in an array replacing an object (upstream)', { a: { x: 1 } }, { a: [null, 1] }, { a: [null, 1] }],
  ['nulls pruned in an object replacing a primitive', { a: 1 }, { a: { b: null, c: 2 } }, { a: { c: 2 } }],
  ['labels: add one, remove one', { metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { b: null, c: '3' } } }, { metadata: { labels: { a: '1', c: '3' } } }],
];

describe('applyMergePatch', () => {
  for (const [name, doc, patch, want] of CASES) {
    it(name, () => {
      const before = structuredClone(doc);
      assert.deepEqual(applyMergePatch(doc, patch), want);
      assert.deepEqual(doc, before, 'document unchanged');
    });
  }

  for (const [name, patch] of [
    ['null', null],
    ['a string', 'bar'],
    ['a number', 1],
    ['a boolean', true],
  ] as const) {
    it(`a ${name} patch is "Invalid JSON Patch" (400)`, () => {
      assert.throws(
        () => applyMergePatch({ a: 1 }, patch),
        (err: unknown) => err instanceof PatchError && err.code === 400 && err.message === 'Invalid JSON Patch',
      );
    });
  }

  it('"__proto__" members stay own data', () => {
    const got = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":1}}')) as JsonMap;
    assert.ok(Object.hasOwn(got, '__proto__'));
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
  });
});

// JSON without nulls (a merge patch cannot set a member to null), with keys that collide often.
const key = fc.oneof(fc.constantFrom('a', 'b', 'c', 'spec', 'name', '$x', '__proto__'), fc.string({ maxLength: 3 }));
const { value: jsonValue } = fc.letrec<{ value: unknown; object: JsonMap }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 4 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('object'),
  ),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
}));
const jsonObject = fc.dictionary(key, jsonValue, { maxKeys: 5, noNullPrototype: true });

describe('merge patch properties', () => {
  it('applying the diff of two objects turns the first into the second', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (a, b) => {
        const before = structuredClone(a);
        const patch = createMergePatch(a, b);
        assert.deepEqual(applyMergePatch(a, patch), b);
        assert.deepEqual(a, before);
        // The patch survives the wire.
        assert.deepEqual(applyMergePatch(a, JSON.parse(JSON.stringify(patch))), b);
      }),
      { numRuns: 500 },
    );
  });

  it('the diff of an object with itself is empty', () => {
    fc.assert(fc.property(jsonObject, (a) => Object.keys(createMergePatch(a, structuredClone(a))).length === 0));
  });

  it('a strategic merge patch without tags or directives agrees with the merge patch', () => {
    const noDirectiveKeys = (v: unknown): boolean =>
      Array.isArray(v)
        ? v.every(noDirectiveKeys)
        : v !== null && typeof v === 'object'
          ? Object.entries(v).every(([k, x]) => !k.startsWith('$') && noDirectiveKeys(x))
          : true;
    fc.assert(
      fc.property(jsonObject, jsonObject, (a, b) => {
        fc.pre(noDirectiveKeys(a) && noDirectiveKeys(b));
        assert.deepEqual(strategicMergePatch(a, createMergePatch(a, b), noSchema), b);
      }),
      { numRuns: 300 },
    );
  });
});
