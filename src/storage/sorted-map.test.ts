import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SortedMap } from './sorted-map.ts';

type Op = { set: string; v: number } | { del: string };

test('SortedMap behaves like a sorted Map under random sets and deletes', () => {
  const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '/', '0'), maxLength: 6 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ set: key, v: fc.integer() }),
    fc.record({ del: key }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000 }), key, (ops, from) => {
      const m = new SortedMap<number>();
      const model = new Map<string, number>();
      for (const o of ops) {
        if ('set' in o) {
          m.set(o.set, o.v);
          model.set(o.set, o.v);
        } else {
          assert.equal(m.delete(o.del), model.delete(o.del));
        }
      }
      const sorted = [...model.keys()].sort();
      assert.equal(m.size, model.size);
      assert.deepEqual([...m.entries()].map(([k]) => k), sorted);
      for (const k of sorted) assert.equal(m.get(k), model.get(k));
      assert.deepEqual([...m.entries(from)].map(([k]) => k), sorted.filter((k) => k >= from));
      assert.deepEqual([...m.entries(from, true)].map(([k]) => k), sorted.filter((k) => k > from));
    }),
    { numRuns: 60 },
  );
});

test('SortedMap keeps order across chunk splits with sequential and reverse inserts', () => {
  const m = new SortedMap<number>();
  for (let i = 0; i < 5000; i++) m.set(`k${String(i).padStart(5, '0')}`, i);
  for (let i = 9999; i >= 5000; i--) m.set(`k${String(i).padStart(5, '0')}`, i);
  const keys = [...m.entries()].map(([k]) => k);
  assert.equal(keys.length, 10000);
  assert.deepEqual(keys, [...keys].sort());
  let n = 0;
  m.scan('k05000', false, (k) => {
    assert.ok(k >= 'k05000');
    return ++n < 10;
  });
  assert.equal(n, 10);
});
