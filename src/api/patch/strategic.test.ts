import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PatchError } from './errors.ts';
import type { JsonMap } from './json.ts';
import { tableSchema, type TypeTable } from './schema.ts';
import { strategicMergePatch } from './strategic.ts';

// The struct upstream's strategicpatch tests patch (patch_test.go MergeItem), as a table.
const TEST_TYPES: TypeTable = {
  MergeItem: {
    mergingList: { type: 'MergeItem', strategy: 'merge', mergeKey: 'name' },
    nonMergingList: 'MergeItem',
    mergingIntList: { strategy: 'merge' },
    mergeItemPtr: { type: 'MergeItem', strategy: 'merge', mergeKey: 'name' },
    replacingItem: { strategy: 'replace' },
    retainKeysMap: { type: 'RetainKeysMergeItem', strategy: 'retainKeys' },
    retainKeysMergingList: { type: 'MergeItem', strategy: 'merge,retainKeys', mergeKey: 'name' },
  },
  RetainKeysMergeItem: {
    mergingIntList: { strategy: 'merge' },
    mergingList: { type: 'MergeItem', strategy: 'merge', mergeKey: 'name' },
    nonMergingList: 'MergeItem',
  },
};
const schema = tableSchema(TEST_TYPES, 'MergeItem');

interface Case {
  name: string;
  current: JsonMap;
  patch: JsonMap;
  result: JsonMap;
}

// Current + ThreeWay → Result cases from upstream's strategicMergePatchRawTestCases.
const UPSTREAM: Case[] = [
  {
    name: 'add an item in a list and preserve order',
    current: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
    patch: { '$setElementOrder/mergingList': [{ name: 3 }, { name: 1 }, { name: 2 }], mergingList: [{ name: 3, value: 3 }] },
    result: { mergingList: [{ name: 3, value: 3 }, { name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
  },
  {
    name: 'add multiple items in a list and preserve order',
    current: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
    patch: {
      '$setElementOrder/mergingList': [{ name: 1 }, { name: 4 }, { name: 2 }, { name: 3 }],
      mergingList: [{ name: 4, value: 4 }, { name: 3, value: 3 }],
    },
    result: {
      mergingList: [{ name: 1, other: 'a' }, { name: 4, value: 4 }, { name: 2, value: 2, other: 'b' }, { name: 3, value: 3 }],
    },
  },
  {
    name: 'delete an item in a list and preserve order',
    current: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }, { name: 3, value: 3 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }], mergingList: [{ name: 3, $patch: 'delete' }] },
    result: { mergingList: [{ name: 2, value: 2, other: 'b' }, { name: 1, other: 'a' }] },
  },
  {
    name: 'add and delete an item in a list and preserve order',
    current: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }, { name: 3, value: 3 }] },
    patch: {
      '$setElementOrder/mergingList': [{ name: 4 }, { name: 2 }, { name: 1 }],
      mergingList: [{ name: 4, value: 4 }, { name: 3, $patch: 'delete' }],
    },
    result: { mergingList: [{ name: 4, value: 4 }, { name: 2, value: 2, other: 'b' }, { name: 1, other: 'a' }] },
  },
  {
    name: 'set elements order in a list with server-only items 2',
    current: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2 }, { name: 9 }, { name: 3, value: 3 }, { name: 4, value: 4 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }] },
    result: { mergingList: [{ name: 2, value: 2 }, { name: 1, other: 'a' }, { name: 9 }, { name: 4, value: 4 }, { name: 3, value: 3 }] },
  },
  {
    name: 'set elements order in a list with server-only items 3',
    current: {
      mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2 }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 3, value: 3 }, { name: 4, value: 4 }],
    },
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }] },
    result: {
      mergingList: [{ name: 2, value: 2 }, { name: 1, other: 'a' }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 4, value: 4 }, { name: 3, value: 3 }],
    },
  },
  {
    name: 'set elements order in a int list with server-only items 2',
    current: { mergingIntList: [1, 2, 9, 3, 4] },
    patch: { '$setElementOrder/mergingIntList': [2, 1, 4, 3] },
    result: { mergingIntList: [2, 1, 9, 4, 3] },
  },
  {
    name: 'delete an item in a int list and preserve order',
    current: { mergingIntList: [1, 2, 3] },
    patch: { '$setElementOrder/mergingIntList': [2, 1], '$deleteFromPrimitiveList/mergingIntList': [3] },
    result: { mergingIntList: [2, 1] },
  },
  {
    name: 'add and delete an item in a int list and preserve order',
    current: { mergingIntList: [1, 2, 3] },
    patch: { '$setElementOrder/mergingIntList': [4, 2, 1], mergingIntList: [4], '$deleteFromPrimitiveList/mergingIntList': [3] },
    result: { mergingIntList: [4, 2, 1] },
  },
  {
    name: 'merge lists of scalars',
    current: { mergingIntList: [1, 2, 4] },
    patch: { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3] },
    result: { mergingIntList: [1, 2, 3, 4] },
  },
  {
    name: 'add map to merging list by pointer',
    current: { mergeItemPtr: [{ name: 1, other: 'a' }, { name: 3 }] },
    patch: { '$setElementOrder/mergeItemPtr': [{ name: 1 }, { name: 2 }], mergeItemPtr: [{ name: 2 }] },
    result: { mergeItemPtr: [{ name: 1, other: 'a' }, { name: 2 }, { name: 3 }] },
  },
  {
    name: 'delete missing field from map in merging list',
    current: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
    patch: { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }], mergingList: [{ name: 1, value: null }] },
    result: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
  },
  {
    name: 'replace non merging list nested in merging list',
    current: {
      mergingList: [{ name: 1, other: 'a', nonMergingList: [{ name: 1 }, { name: 2, value: 2 }] }, { name: 2, other: 'b' }],
    },
    patch: {
      '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }],
      mergingList: [{ name: 1, nonMergingList: [{ name: 1, value: 1 }] }],
    },
    result: { mergingList: [{ name: 1, other: 'a', nonMergingList: [{ name: 1, value: 1 }] }, { name: 2, other: 'b' }] },
  },
  {
    name: 'add field to map in merging list nested in merging list with deletion conflict (reordered)',
    current: {
      mergingList: [{ name: 1, other: 'a', mergingList: [{ name: 2, value: 2, other: 'd' }] }, { name: 2, other: 'b' }],
    },
    patch: {
      '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }],
      mergingList: [{ '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }], name: 1, mergingList: [{ name: 1, value: 1 }] }],
    },
    result: {
      mergingList: [
        { name: 1, other: 'a', mergingList: [{ name: 2, value: 2, other: 'd' }, { name: 1, value: 1 }] },
        { name: 2, other: 'b' },
      ],
    },
  },
  {
    name: 'behavior of set element order for a merging list with duplicate',
    current: { mergingList: [{ name: 1 }, { name: 2, value: 'dup1' }, { name: 3 }, { name: 2, value: 'dup2' }, { name: 4 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }, { name: 2 }] },
    result: { mergingList: [{ name: 2, value: 'dup1' }, { name: 2, value: 'dup2' }, { name: 1 }, { name: 4 }, { name: 3 }] },
  },
  {
    name: 'behavior of set element order for a merging int list with duplicate',
    current: { mergingIntList: [1, 2, 3, 2, 4] },
    patch: { '$setElementOrder/mergingIntList': [2, 1, 4, 3, 2] },
    result: { mergingIntList: [2, 2, 1, 4, 3] },
  },
  {
    name: 'retainKeys map adds a field and clear a field',
    current: { retainKeysMap: { name: 'foo', other: 'a' } },
    patch: { retainKeysMap: { $retainKeys: ['name', 'value'], value: 'bar' } },
    result: { retainKeysMap: { name: 'foo', value: 'bar' } },
  },
  {
    name: 'retainKeys map deletes a field and clears a field',
    current: { retainKeysMap: { name: 'foo', value: 'bar', other: 'a' } },
    patch: { retainKeysMap: { $retainKeys: ['name'], value: null } },
    result: { retainKeysMap: { name: 'foo' } },
  },
  {
    name: 'retainKeys map clears a field',
    current: { retainKeysMap: { name: 'foo', value: 'bar', other: 'a' } },
    patch: { retainKeysMap: { $retainKeys: ['name', 'value'] } },
    result: { retainKeysMap: { name: 'foo', value: 'bar' } },
  },
  {
    name: 'retainKeys map adds an item and deletes an item in nested merging int list',
    current: { retainKeysMap: { name: 'foo', mergingIntList: [1, 2, 3, 4] } },
    patch: {
      retainKeysMap: {
        $retainKeys: ['mergingIntList', 'name'],
        mergingIntList: [5],
        '$deleteFromPrimitiveList/mergingIntList': [2],
        '$setElementOrder/mergingIntList': [1, 3, 5],
      },
    },
    result: { retainKeysMap: { name: 'foo', mergingIntList: [1, 3, 5, 4] } },
  },
  {
    name: 'retainKeys map deletes nested non-merging list',
    current: { retainKeysMap: { name: 'foo', nonMergingList: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } },
    patch: { retainKeysMap: { $retainKeys: ['name', 'value'], value: 'bar', nonMergingList: null } },
    result: { retainKeysMap: { name: 'foo', value: 'bar' } },
  },
];

// Behaviour of upstream's code paths that its raw test cases do not spell out.
const MORE: Case[] = [
  {
    name: 'without $setElementOrder a new element goes before the live-only ones',
    current: { mergingList: [{ name: 'a' }, { name: 'b' }] },
    patch: { mergingList: [{ name: 'c', value: 1 }] },
    result: { mergingList: [{ name: 'c', value: 1 }, { name: 'a' }, { name: 'b' }] },
  },
  {
    name: 'without $setElementOrder merged elements keep their place',
    current: { mergingList: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
    patch: { mergingList: [{ name: 'c', value: 1 }] },
    result: { mergingList: [{ name: 'a' }, { name: 'b' }, { name: 'c', value: 1 }] },
  },
  {
    name: 'without $setElementOrder the patch order wins over the live order',
    current: { mergingList: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
    patch: { mergingList: [{ name: 'c' }, { name: 'a' }] },
    result: { mergingList: [{ name: 'b' }, { name: 'c' }, { name: 'a' }] },
  },
  {
    name: 'primitive merge list is a set',
    current: { mergingIntList: [1, 2] },
    patch: { mergingIntList: [3, 1, 3] },
    result: { mergingIntList: [3, 1, 2] },
  },
  {
    name: 'non-merging list is replaced',
    current: { nonMergingList: [{ name: 'a', value: 1 }, { name: 'b' }] },
    patch: { nonMergingList: [{ name: 'a' }] },
    result: { nonMergingList: [{ name: 'a' }] },
  },
  {
    name: '$patch: replace on a list element replaces the list',
    current: { mergingList: [{ name: 'a', value: 1 }, { name: 'b' }] },
    patch: { mergingList: [{ name: 'x' }, { $patch: 'replace' }] },
    result: { mergingList: [{ name: 'x' }] },
  },
  {
    name: '$patch: replace on a map replaces it',
    current: { mergeItemPtr: [{ name: 'a' }], simpleMap: { a: '1', b: '2' } },
    patch: { simpleMap: { $patch: 'replace', c: '3' } },
    result: { mergeItemPtr: [{ name: 'a' }], simpleMap: { c: '3' } },
  },
  {
    name: '$patch: delete on a map empties it',
    current: { simpleMap: { a: '1' }, name: 'x' },
    patch: { simpleMap: { $patch: 'delete' } },
    result: { simpleMap: {}, name: 'x' },
  },
  {
    name: '$patch: delete on the root',
    current: { simpleMap: { a: '1' }, name: 'x' },
    patch: { $patch: 'delete' },
    result: {},
  },
  {
    name: 'patchStrategy replace on a map',
    current: { replacingItem: { a: 1, b: 2 } },
    patch: { replacingItem: { c: 3 } },
    result: { replacingItem: { c: 3 } },
  },
  {
    name: 'null deletes a member and is dropped inside new values',
    current: { simpleMap: { a: '1', b: '2' }, name: 'x' },
    patch: { simpleMap: { a: null }, name: null, other: { x: null, y: 1 } },
    result: { simpleMap: { b: '2' }, other: { y: 1 } },
  },
  {
    name: 'a new value drops maps holding $patch',
    current: {},
    patch: { nonMergingList: [{ name: 'a' }, { name: 'b', $patch: 'delete' }] },
    result: { nonMergingList: [{ name: 'a' }] },
  },
  {
    name: '$deleteFromPrimitiveList on a list without merge strategy still deletes',
    current: { nonMergingIntList: [1, 2, 3] },
    patch: { '$deleteFromPrimitiveList/nonMergingIntList': [2] },
    result: { nonMergingIntList: [1, 3] },
  },
  {
    name: 'a list of another type is replaced',
    current: { mergingIntList: [1, 2] },
    patch: { mergingIntList: 'x' },
    result: { mergingIntList: 'x' },
  },
  {
    name: 'deleting a missing element is a no-op',
    current: { mergingList: [{ name: 'a' }] },
    patch: { mergingList: [{ name: 'z', $patch: 'delete' }] },
    result: { mergingList: [{ name: 'a' }] },
  },
];

describe('strategicMergePatch: upstream cases', () => {
  for (const c of [...UPSTREAM, ...MORE]) {
    it(c.name, () => {
      const current = structuredClone(c.current);
      const patch = structuredClone(c.patch);
      assert.deepEqual(strategicMergePatch(current, patch, schema), c.result);
      assert.deepEqual(current, c.current, 'original unchanged');
      assert.deepEqual(patch, c.patch, 'patch unchanged');
    });
  }

  it('a null patch changes nothing', () => {
    assert.deepEqual(strategicMergePatch({ a: 1 }, null, schema), { a: 1 });
  });
});

interface ErrorCase {
  name: string;
  current: JsonMap;
  patch: JsonMap;
  code: number;
  message: string;
}

const ERRORS: ErrorCase[] = [
  {
    name: 'element without the merge key',
    current: { mergingList: [{ name: 'a' }] },
    patch: { mergingList: [{ value: 'x' }] },
    code: 500,
    message: 'map: map[value:x] does not contain declared merge key: name',
  },
  {
    name: '$patch: delete element without the merge key',
    current: { mergingList: [{ name: 'a' }] },
    patch: { mergingList: [{ $patch: 'delete', value: 1 }] },
    code: 500,
    message: 'map: map[$patch:delete value:1] does not contain declared merge key: name',
  },
  {
    name: '$patch: merge on a list element',
    current: { mergingList: [{ name: 'a' }] },
    patch: { mergingList: [{ name: 'a', $patch: 'merge' }] },
    code: 500,
    message: 'merging lists cannot yet be specified in the patch',
  },
  {
    name: 'unknown $patch on a list element',
    current: { mergingList: [{ name: 'a' }] },
    patch: { mergingList: [{ name: 'a', $patch: 'bogus' }] },
    code: 500,
    message: 'unknown patch type: bogus in map: map[$patch:bogus name:a]',
  },
  {
    name: '$patch: merge on a map',
    current: { simpleMap: { a: '1' } },
    patch: { simpleMap: { $patch: 'merge' } },
    code: 500,
    message: 'unknown patch type: merge in map: map[$patch:merge]',
  },
  {
    name: 'non-string $patch',
    current: {},
    patch: { $patch: 1 },
    code: 500,
    message: 'unknown patch type: %!s(int64=1) in map: map[$patch:1]',
  },
  {
    name: '$retainKeys not a list',
    current: { retainKeysMap: { name: 'a' } },
    patch: { retainKeysMap: { $retainKeys: 'name' } },
    code: 400,
    message: 'invalid patch format of retainKeys',
  },
  {
    name: 'patch field missing from $retainKeys',
    current: { retainKeysMap: { name: 'a' } },
    patch: { retainKeysMap: { $retainKeys: ['name'], value: 'x' } },
    code: 400,
    message: 'invalid patch format of retainKeys',
  },
  {
    name: 'malformed $deleteFromPrimitiveList key',
    current: { mergingIntList: [1] },
    patch: { $deleteFromPrimitiveListmergingIntList: [1] },
    code: 400,
    message: 'invalid patch format of primitive list',
  },
  {
    name: 'malformed $setElementOrder key',
    current: { mergingIntList: [1] },
    patch: { $setElementOrder: [1] },
    code: 400,
    message: 'invalid patch format of setElementOrder list',
  },
  {
    name: '$setElementOrder not a list',
    current: { mergingIntList: [1] },
    patch: { '$setElementOrder/mergingIntList': 'x' },
    code: 500,
    message: 'expected a []interface {}, but received a string',
  },
  {
    name: '$setElementOrder not matching the patch list',
    current: { mergingList: [{ name: 'a' }] },
    patch: { '$setElementOrder/mergingList': [{ name: 'a' }], mergingList: [{ name: 'b' }] },
    code: 500,
    message: "the order in patch list:\n[map[name:b]]\n doesn't match $setElementOrder list:\n[map[name:a]]",
  },
  {
    name: 'lists of lists',
    current: { mergingIntList: [[1]] },
    patch: { mergingIntList: [[2]] },
    code: 422,
    message: 'the server rejected our request due to an error in our request',
  },
  {
    name: 'mixed element types',
    current: { mergingIntList: [1] },
    patch: { mergingIntList: ['a'] },
    code: 500,
    message: 'list element types are not identical: [[1] [a]]',
  },
  {
    name: 'merged list of maps without a merge key',
    current: { mergingIntList: [{ a: 1 }] },
    patch: { mergingIntList: [{ a: 2 }] },
    code: 500,
    message: 'cannot merge lists without merge key for string',
  },
];

describe('strategicMergePatch: errors', () => {
  for (const c of ERRORS) {
    it(c.name, () => {
      assert.throws(
        () => strategicMergePatch(c.current, c.patch, schema),
        (err: unknown) => {
          assert.ok(err instanceof PatchError);
          assert.equal(err.code, c.code);
          assert.equal(err.message, c.message);
          return true;
        },
      );
    });
  }
});
