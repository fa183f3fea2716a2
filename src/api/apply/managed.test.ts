import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, fieldPE } from './fieldpath.ts';
import {
  ANCIENT_CHANGES,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  isResetManagedFields,
  ManagedFieldsError,
  managerId,
  type Managed,
  type ManagerEntry,
} from './managed.ts';

const entry = (over: Record<string, unknown> = {}) => ({
  manager: 'kubectl',
  operation: 'Apply',
  apiVersion: 'apps/v1',
  time: '2024-05-01T10:00:00Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:spec': { 'f:replicas': {} } },
  ...over,
});

describe('managedFields entries', () => {
  it('decode and encode round-trip in upstream’s shape and key order', () => {
    const list = [entry(), entry({ manager: 'ctl', operation: 'Update', apiVersion: 'v1', subresource: 'status', fieldsV1: { 'f:status': { 'f:phase': {} } } })];
    const back = encodeManagedFields(decodeManagedFields(list));
    assert.deepEqual(back, list);
    assert.deepEqual(Object.keys(back?.[1] ?? {}), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource']);
  });

  it('identities: Apply entries ignore the apiVersion, Update entries do not', () => {
    assert.equal(managerId({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1' }), '{"manager":"kubectl","operation":"Apply"}');
    assert.equal(
      managerId({ manager: 'k', operation: 'Update', apiVersion: 'v1', subresource: 'status' }),
      '{"manager":"k","operation":"Update","apiVersion":"v1","subresource":"status"}',
    );
    const m = decodeManagedFields([entry({ apiVersion: 'apps/v1' }), entry({ apiVersion: 'apps/v1beta1' })]);
    assert.equal(m.size, 1);
  });

  it('sorted: Apply before Update, then oldest first, then manager', () => {
    const list = [
      entry({ manager: 'z', operation: 'Update', time: '2024-05-01T09:00:00Z' }),
      entry({ manager: 'b', time: '2024-05-01T11:00:00Z' }),
      entry({ manager: 'a', time: '2024-05-01T11:00:00Z' }),
      entry({ manager: 'c', time: '2024-05-01T10:00:00Z' }),
    ];
    assert.deepEqual(encodeManagedFields(decodeManagedFields(list))?.map((e) => e.manager), ['c', 'a', 'b', 'z']);
  });

  it('times are RFC 3339 in UTC, whole seconds', () => {
    assert.equal(formatTime(new Date('2024-05-01T10:00:00.999Z')), '2024-05-01T10:00:00Z');
    const m = decodeManagedFields([entry({ time: '2024-05-01T12:00:00.5+02:00' })]);
    assert.equal([...m.values()][0]?.time, '2024-05-01T10:00:00Z');
  });

  const BAD: [string, unknown, RegExp][] = [
    ['unknown operation', [entry({ operation: 'Patch' })], /operation must be `Apply` or `Update`/],
    ['no apiVersion', [entry({ apiVersion: '' })], /apiVersion must not be empty/],
    ['no fieldsType', [entry({ fieldsType: undefined })], /missing fieldsType in managed fields entry 0/],
    ['other fieldsType', [entry({ fieldsType: 'FieldsV2' })], /invalid fieldsType "FieldsV2" in managed fields entry 0/],
    ['fieldsV1 not a set', [entry({ fieldsV1: { 'f:a': 3 } })], /error decoding set/],
    ['not a list', { a: 1 }, /must be a list/],
    ['bad time', [entry({ time: 'yesterday' })], /invalid time/],
  ];
  for (const [name, list, re] of BAD) {
    it(`refuses ${name}`, () => {
      assert.throws(() => decodeManagedFields(list), (e: unknown) => e instanceof ManagedFieldsError && re.test(e.message));
    });
  }

  it('clearing requests: [] and [{}]', () => {
    assert.ok(isResetManagedFields([]));
    assert.ok(isResetManagedFields([{}]));
    assert.ok(!isResetManagedFields(undefined));
    assert.ok(!isResetManagedFields(null));
    assert.ok(!isResetManagedFields([entry()]));
  });
});

describe('capUpdateManagers', () => {
  const update = (i: number, apiVersion = 'v1'): [string, ManagerEntry] => {
    const e: ManagerEntry = {
      manager: `m${String(i).padStart(2, '0')}`,
      operation: 'Update',
      apiVersion,
      time: formatTime(new Date(Date.UTC(2024, 0, 1, 0, 0, i))),
      set: FieldSet.of([fieldPE('data'), fieldPE(`k${i}`)]),
    };
    return [managerId(e), e];
  };

  it('keeps ten Update entries, merging the oldest into ancient-changes', () => {
    const m: Managed = new Map(Array.from({ length: 12 }, (_, i) => update(i)));
    m.set('{"manager":"a","operation":"Apply"}', { manager: 'a', operation: 'Apply', apiVersion: 'v1', set: FieldSet.of([fieldPE('x')]) });
    const capped = capUpdateManagers(m);
    const updates = [...capped.values()].filter((e) => e.operation === 'Update');
    assert.equal(updates.length, 10);
    const bucket = updates.find((e) => e.manager === ANCIENT_CHANGES);
    assert.ok(bucket);
    // m00, m01 and m02 merged; the bucket has the time of the newest of them
    assert.deepEqual(bucket.set.paths().map((p) => p.map((x) => ('field' in x ? x.field : '')).join('.')), ['data.k0', 'data.k1', 'data.k2']);
    assert.equal(bucket.time, '2024-01-01T00:00:02Z');
    assert.ok(capped.has('{"manager":"a","operation":"Apply"}'));
  });

  it('one bucket per apiVersion', () => {
    const m: Managed = new Map([...Array.from({ length: 6 }, (_, i) => update(i, 'v1')), ...Array.from({ length: 6 }, (_, i) => update(i + 6, 'v2'))]);
    const capped = capUpdateManagers(m);
    assert.equal(capped.size, 10);
    assert.deepEqual(
      [...capped.values()].filter((e) => e.manager === ANCIENT_CHANGES).map((e) => e.apiVersion),
      ['v1'],
    );
  });

  it('ten or fewer: unchanged', () => {
    const m: Managed = new Map(Array.from({ length: 10 }, (_, i) => update(i)));
    assert.equal(capUpdateManagers(m), m);
  });
});
