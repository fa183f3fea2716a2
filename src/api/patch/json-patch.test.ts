import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PatchError } from './errors.ts';
import { applyJsonPatch } from './json-patch.ts';

const DOC = {
  metadata: { name: 'p', labels: { 'app.kubernetes.io/name': 'x', 'a~b': 'y' } },
  spec: { list: [1, 2, 3], obj: { k: 'v' }, nothing: null },
};

type Op = Record<string, unknown>;

// [name, ops, expected document] — expectations follow evanphx/json-patch v4 as kube-apiserver runs it.
const OK: [string, Op[], unknown][] = [
  ['add a member', [{ op: 'add', path: '/spec/new', value: { a: 1 } }], { ...DOC, spec: { ...DOC.spec, new: { a: 1 } } }],
  ['add overwrites a member', [{ op: 'add', path: '/spec/obj', value: 1 }], { ...DOC, spec: { ...DOC.spec, obj: 1 } }],
  ['add without value adds null', [{ op: 'add', path: '/spec/n' }], { ...DOC, spec: { ...DOC.spec, n: null } }],
  ['add inserts into an array', [{ op: 'add', path: '/spec/list/1', value: 9 }], { ...DOC, spec: { ...DOC.spec, list: [1, 9, 2, 3] } }],
  ['add at "-" appends', [{ op: 'add', path: '/spec/list/-', value: 9 }], { ...DOC, spec: { ...DOC.spec, list: [1, 2, 3, 9] } }],
  ['add at the length appends', [{ op: 'add', path: '/spec/list/3', value: 9 }], { ...DOC, spec: { ...DOC.spec, list: [1, 2, 3, 9] } }],
  ['add at a negative index counts from the end', [{ op: 'add', path: '/spec/list/-2', value: 9 }], { ...DOC, spec: { ...DOC.spec, list: [1, 2, 9, 3] } }],
  ['remove a member', [{ op: 'remove', path: '/spec/obj' }], { ...DOC, spec: { list: [1, 2, 3], nothing: null } }],
  ['remove a null member', [{ op: 'remove', path: '/spec/nothing' }], { ...DOC, spec: { list: [1, 2, 3], obj: { k: 'v' } } }],
  ['remove an element', [{ op: 'remove', path: '/spec/list/0' }], { ...DOC, spec: { ...DOC.spec, list: [2, 3] } }],
  ['remove the last element by -1', [{ op: 'remove', path: '/spec/list/-1' }], { ...DOC, spec: { ...DOC.spec, list: [1, 2] } }],
  ['replace a member', [{ op: 'replace', path: '/metadata/name', value: 'q' }], { ...DOC, metadata: { ...DOC.metadata, name: 'q' } }],
  ['replace an element', [{ op: 'replace', path: '/spec/list/2', value: 'x' }], { ...DOC, spec: { ...DOC.spec, list: [1, 2, 'x'] } }],
  ['replace of a missing member adds it (upstream)', [{ op: 'replace', path: '/spec/x', value: 1 }], { ...DOC, spec: { ...DOC.spec, x: 1 } }],
  ['replace the whole document', [{ op: 'replace', path: '', value: { a: 1 } }], { a: 1 }],
  ['move a member', [{ op: 'move', from: '/spec/obj', path: '/metadata/obj' }], { metadata: { ...DOC.metadata, obj: { k: 'v' } }, spec: { list: [1, 2, 3], nothing: null } }],
  ['move an element to the end', [{ op: 'move', from: '/spec/list/0', path: '/spec/list/-' }], { ...DOC, spec: { ...DOC.spec, list: [2, 3, 1] } }],
  ['copy a member', [{ op: 'copy', from: '/spec/obj', path: '/spec/obj2' }], { ...DOC, spec: { ...DOC.spec, obj2: { k: 'v' } } }],
  ['copy an element into the array', [{ op: 'copy', from: '/spec/list/2', path: '/spec/list/0' }], { ...DOC, spec: { ...DOC.spec, list: [3, 1, 2, 3] } }],
  ['copy of a missing member writes null (upstream)', [{ op: 'copy', from: '/spec/none', path: '/spec/c' }], { ...DOC, spec: { ...DOC.spec, c: null } }],
  ['test passes on an equal object', [{ op: 'test', path: '/spec/obj', value: { k: 'v' } }], DOC],
  ['test of null passes on a missing member', [{ op: 'test', path: '/spec/none', value: null }], DOC],
  ['test of null passes on a null member', [{ op: 'test', path: '/spec/nothing', value: null }], DOC],
  ['test of the whole document', [{ op: 'test', path: '', value: structuredClone(DOC) }], DOC],
  [
    'pointer escaping: ~1 is "/", ~0 is "~"',
    [
      { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'z' },
      { op: 'remove', path: '/metadata/labels/a~0b' },
      { op: 'add', path: '/metadata/labels/c~1d~0e', value: 'w' },
      { op: 'add', path: '/metadata/labels/~01', value: 'v' },
    ],
    { ...DOC, metadata: { name: 'p', labels: { 'app.kubernetes.io/name': 'z', 'c/d~e': 'w', '~1': 'v' } } },
  ],
  ['a path without leading "/" is read from the root (upstream)', [{ op: 'add', path: 'spec/x', value: 1 }], { ...DOC, x: 1 }],
  ['"__proto__" is an ordinary member', [{ op: 'add', path: '/spec/__proto__', value: { polluted: true } }], null],
  ['several operations in order', [
    { op: 'add', path: '/spec/list/-', value: 4 },
    { op: 'test', path: '/spec/list/3', value: 4 },
    { op: 'move', from: '/spec/list/3', path: '/spec/four' },
  ], { ...DOC, spec: { ...DOC.spec, four: 4 } }],
  ['a null patch is empty', null as unknown as Op[], DOC],
];

describe('applyJsonPatch', () => {
  for (const [name, ops, want] of OK) {
    it(name, () => {
      const doc = structuredClone(DOC);
      const got = applyJsonPatch(doc, ops);
      assert.deepEqual(doc, DOC, 'input unchanged');
      if (name.includes('__proto__')) {
        const spec = (got as { spec: Record<string, unknown> }).spec;
        assert.ok(Object.hasOwn(spec, '__proto__'));
        assert.equal(Object.getPrototypeOf(spec), Object.prototype);
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
        return;
      }
      assert.deepEqual(got, want);
    });
  }
});

// [name, ops, upstream's error text (the cause of the 422)]
const FAIL: [string, Op[], string][] = [
  ['test of a different value', [{ op: 'test', path: '/metadata/name', value: 'q' }], 'testing value /metadata/name failed: test failed'],
  ['test of a missing member', [{ op: 'test', path: '/metadata/nope', value: 'q' }], 'testing value /metadata/nope failed: test failed'],
  ['test under a missing parent', [{ op: 'test', path: '/nope/x', value: 1 }], 'test operation does not apply: is missing path: /nope/x: missing value'],
  ['test without a value', [{ op: 'test', path: '/metadata/name' }], 'testing value /metadata/name failed: test failed'],
  ['test of the document against another', [{ op: 'test', path: '', value: {} }], 'testing value  failed: test failed'],
  ['add under a missing parent', [{ op: 'add', path: '/nope/x', value: 1 }], 'add operation does not apply: doc is missing path: "/nope/x": missing value'],
  ['add to the root', [{ op: 'add', path: '', value: {} }], 'add operation does not apply: doc is missing path: "": missing value'],
  ['add through a primitive', [{ op: 'add', path: '/metadata/name/x', value: 1 }], 'add operation does not apply: doc is missing path: "/metadata/name/x": missing value'],
  [
    'add at a non-numeric index',
    [{ op: 'add', path: '/spec/list/x', value: 1 }],
    `error in add for path: '/spec/list/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
  ],
  ['add past the end', [{ op: 'add', path: '/spec/list/5', value: 1 }], "error in add for path: '/spec/list/5': Unable to access invalid index: 5: invalid index referenced"],
  ['remove a missing member', [{ op: 'remove', path: '/spec/nope' }], "error in remove for path: '/spec/nope': Unable to remove nonexistent key: nope: missing value"],
  ['remove past the end', [{ op: 'remove', path: '/spec/list/3' }], "error in remove for path: '/spec/list/3': Unable to access invalid index: 3: invalid index referenced"],
  ['remove "-"', [{ op: 'remove', path: '/spec/list/-' }], `error in remove for path: '/spec/list/-': strconv.Atoi: parsing "-": invalid syntax`],
  ['remove under a missing parent', [{ op: 'remove', path: '/a/b' }], 'remove operation does not apply: doc is missing path: "/a/b": missing value'],
  ['replace past the end', [{ op: 'replace', path: '/spec/list/9', value: 1 }], 'replace operation does not apply: doc is missing key: /spec/list/9: missing value'],
  ['replace under a missing parent', [{ op: 'replace', path: '/a/b', value: 1 }], 'replace operation does not apply: doc is missing path: /a/b: missing value'],
  ['replace the document by a string', [{ op: 'replace', path: '', value: 'x' }], 'replace operation value must be object or array: %!w(<nil>)'],
  ['move a missing member', [{ op: 'move', from: '/spec/nope', path: '/spec/x' }], "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value"],
  ['move into its own child', [{ op: 'move', from: '/spec/obj', path: '/spec/obj/k2' }], 'move operation does not apply: doc is missing destination path: /spec/obj/k2: missing value'],
  ['move without from', [{ op: 'move', path: '/spec/x' }], 'move operation failed to decode from: operation, missing from field: missing value'],
  ['copy from a missing parent', [{ op: 'copy', from: '/nope/x', path: '/spec/x' }], 'copy operation does not apply: doc is missing from path: /nope/x: missing value'],
  ['copy to a missing parent', [{ op: 'copy', from: '/spec/obj', path: '/nope/x' }], 'copy operation does not apply: doc is missing destination path: /nope/x: missing value'],
  ['copy from past the end', [{ op: 'copy', from: '/spec/list/7', path: '/spec/x' }], "error in copy for from: '/spec/list/7': Unable to access invalid index: 7: invalid index referenced"],
  ['an unknown op', [{ op: 'frob', path: '/a' }], 'Unexpected kind: frob'],
  ['no op', [{ path: '/a' }], 'Unexpected kind: unknown'],
  ['a null operation', [null as unknown as Op], 'Unexpected kind: unknown'],
  ['add without path', [{ op: 'add', value: 1 }], 'add operation failed to decode path: missing value'],
  ['replace without path', [{ op: 'replace', value: 1 }], 'replace operation failed to decode path: operation missing path field: missing value'],
  ['test with a numeric path', [{ op: 'test', path: 5, value: 1 }], 'test operation failed to decode path: json: cannot unmarshal number into Go value of type string'],
];

describe('applyJsonPatch failures (422)', () => {
  for (const [name, ops, detail] of FAIL) {
    it(name, () => {
      const doc = structuredClone(DOC);
      assert.throws(
        () => applyJsonPatch(doc, [{ op: 'add', path: '/spec/first', value: 1 }, ...ops]),
        (err: unknown) => {
          assert.ok(err instanceof PatchError);
          assert.equal(err.code, 422);
          assert.equal(err.reason, 'Invalid');
          assert.equal(err.message, 'the server rejected our request due to an error in our request');
          assert.equal(err.detail, detail);
          return true;
        },
      );
      assert.deepEqual(doc, DOC, 'nothing applied');
    });
  }
});

describe('applyJsonPatch decoding (400)', () => {
  const cases: [string, unknown, string][] = [
    ['an object body', { op: 'add' }, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['a string operation', ['add'], 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'],
    ['a number body', 5, 'json: cannot unmarshal number into Go value of type jsonpatch.Patch'],
  ];
  for (const [name, patch, message] of cases) {
    it(name, () => {
      assert.throws(
        () => applyJsonPatch(DOC, patch),
        (err: unknown) => err instanceof PatchError && err.code === 400 && err.message === message,
      );
    });
  }
});
