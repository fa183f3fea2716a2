import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RevLog } from './rev-log.ts';

type Op = { push: number } | { pop: true } | { drop: number } | { between: [number, number] };

test('RevLog matches a plain array under pushes, pops, drops and slices', () => {
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ push: fc.nat(5) }) },
    { weight: 1, arbitrary: fc.record({ pop: fc.constant(true as const) }) },
    { weight: 1, arbitrary: fc.record({ drop: fc.nat(12_000) }) },
    { weight: 2, arbitrary: fc.record({ between: fc.tuple(fc.nat(12_000), fc.nat(12_000)) }) },
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 1, max: 5000 }), (ops, burst) => {
      const log = new RevLog<number>(1);
      const model = new Map<number, number>();
      let first = 1;
      let end = 1;
      for (const o of ops) {
        if ('push' in o) {
          // Bursts cross chunk boundaries; value 0 stands for a hole.
          for (let i = 0; i < (o.push === 5 ? burst : 1); i++) {
            const v = o.push === 0 ? undefined : end;
            log.push(end, v);
            if (v !== undefined) model.set(end, v);
            end++;
          }
        } else if ('pop' in o) {
          if (end > first) {
            log.pop();
            end--;
            model.delete(end);
          }
        } else if ('drop' in o) {
          log.dropBefore(o.drop);
          if (o.drop > first) {
            for (let r = first; r < Math.min(o.drop, end); r++) model.delete(r);
            first = o.drop;
            if (first > end) end = first;
          }
        } else {
          const [a, b] = o.between;
          const want: number[] = [];
          for (let r = a; r <= b; r++) if (model.has(r)) want.push(model.get(r)!);
          assert.deepEqual(log.between(a, b), want);
        }
        assert.equal(log.first, first);
      }
    }),
    { numRuns: 200 },
  );
});
