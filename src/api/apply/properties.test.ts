// Properties of apply and update over random histories of Pods written by several managers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyObject, decodeManagedFields, FieldSet, recordUpdate, schemaFor, stripManagedFields, toFieldSet, pathString, fieldPE, type Path } from './index.ts';
import { isMap, type JsonMap } from './value.ts';

const schema = schemaFor('v1', 'Pod');
const at = (i: number) => new Date(Date.UTC(2024, 4, 1, 10, 0, i));

interface Container {
  name: string;
  image?: string;
  args?: string[];
}

const arbLabels = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('1', '2'), { maxKeys: 3 });
const arbContainers = fc.uniqueArray(
  fc.record({ name: fc.constantFrom('x', 'y', 'z'), image: fc.constantFrom('i1', 'i2'), args: fc.array(fc.constantFrom('-v', '-q'), { maxLength: 2 }) }, { requiredKeys: ['name'] }),
  { selector: (c) => c.name, maxLength: 3 },
);
const arbFinalizers = fc.uniqueArray(fc.constantFrom('f1', 'f2'), { maxLength: 2 });

const arbConfig: fc.Arbitrary<JsonMap> = fc
  .record({ labels: fc.option(arbLabels, { nil: undefined }), finalizers: fc.option(arbFinalizers, { nil: undefined }), containers: fc.option(arbContainers, { nil: undefined }) })
  .map(({ labels, finalizers, containers }) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...(labels ? { labels } : {}), ...(finalizers ? { finalizers } : {}) },
    ...(containers ? { spec: { containers } } : {}),
  }));

type Edit = { label: string; value?: string } | { container: string; image?: string };
const arbEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ label: fc.constantFrom('a', 'b', 'c'), value: fc.option(fc.constantFrom('1', '3'), { nil: undefined }) }),
  fc.record({ container: fc.constantFrom('x', 'y', 'w'), image: fc.option(fc.constantFrom('i1', 'i3'), { nil: undefined }) }),
);

type Op = { kind: 'apply'; manager: string; config: JsonMap } | { kind: 'update'; manager: string; edits: Edit[] };
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('apply' as const), manager: fc.constantFrom('alice', 'bob', 'carol'), config: arbConfig }),
  fc.record({ kind: fc.constant('update' as const), manager: fc.constantFrom('kubectl-edit', 'controller'), edits: fc.array(arbEdit, { minLength: 1, maxLength: 3 }) }),
);

function edit(obj: JsonMap, edits: Edit[]): JsonMap {
  const next = structuredClone(obj) as { metadata: JsonMap; spec?: { containers?: Container[] } };
  for (const e of edits) {
    if ('label' in e) {
      const labels = { ...((next.metadata.labels as Record<string, string>) ?? {}) };
      if (e.value === undefined) delete labels[e.label];
      else labels[e.label] = e.value;
      next.metadata.labels = labels;
    } else {
      const containers = [...(next.spec?.containers ?? [])];
      const i = containers.findIndex((c) => c.name === e.container);
      if (e.image === undefined) {
        if (i >= 0) containers.splice(i, 1);
      } else if (i >= 0) containers[i] = { ...containers[i], name: e.container, image: e.image };
      else containers.push({ name: e.container, image: e.image });
      next.spec = { ...(next.spec ?? {}), containers };
    }
  }
  return next;
}

function run(ops: Op[]): JsonMap | undefined {
  let obj: JsonMap | undefined;
  ops.forEach((op, i) => {
    if (op.kind === 'apply') obj = applyObject(obj, op.config, { manager: op.manager, force: true, apiVersion: 'v1', kind: 'Pod', now: at(i) });
    else if (obj) obj = recordUpdate(obj, edit(obj, op.edits), { manager: op.manager, apiVersion: 'v1', now: at(i) });
  });
  return obj;
}

const NEVER_OWNED = FieldSet.of([fieldPE('apiVersion')], [fieldPE('kind')], [fieldPE('metadata'), fieldPE('name')]);

/** The paths of scalar leaves (and atomic values) of an object. */
function leafPaths(obj: JsonMap): Path[] {
  const set = toFieldSet(stripManagedFields(obj), schema, { allowDuplicates: true }).difference(NEVER_OWNED);
  const out: Path[] = [];
  const walk = (s: FieldSet, prefix: Path) => {
    for (const n of s.nodes()) {
      if (n.children) walk(n.children, [...prefix, n.pe]);
      else if (n.member) out.push([...prefix, n.pe]);
    }
  };
  walk(set, []);
  return out;
}

function owned(obj: JsonMap): FieldSet {
  let all = FieldSet.empty();
  const meta = obj.metadata;
  for (const e of decodeManagedFields(isMap(meta) ? meta.managedFields : undefined).values()) all = all.union(e.set);
  return all;
}

describe('properties', () => {
  it('applying the same configuration twice is a no-op (time included)', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 6 }), arbConfig, fc.constantFrom('alice', 'dave'), (ops, config, manager) => {
        const before = run(ops);
        const once = applyObject(before, config, { manager, force: true, apiVersion: 'v1', kind: 'Pod', now: at(100) });
        const twice = applyObject(once, config, { manager, force: false, apiVersion: 'v1', kind: 'Pod', now: at(200) });
        assert.deepEqual(twice, once);
      }),
      { numRuns: 300 },
    );
  });

  it('every field of the object is owned by some manager', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { minLength: 1, maxLength: 8 }), (ops) => {
        const obj = run(ops);
        if (!obj) return;
        const all = owned(obj);
        for (const p of leafPaths(obj)) assert.ok(all.has(p), `${pathString(p)} is owned by nobody`);
      }),
      { numRuns: 300 },
    );
  });

  it('an applier owns exactly the fields of its last configuration', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 6 }), arbConfig, (ops, config) => {
        const obj = applyObject(run(ops), config, { manager: 'zed', force: true, apiVersion: 'v1', kind: 'Pod', now: at(100) });
        const meta = obj.metadata as JsonMap;
        const entry = [...decodeManagedFields(meta.managedFields).values()].find((e) => e.manager === 'zed');
        const want = toFieldSet(config, schema).difference(NEVER_OWNED).difference(FieldSet.of([fieldPE('metadata')]));
        assert.ok(want.isEmpty ? entry === undefined : entry?.set.equals(want), `${entry?.set.toString()}\n!=\n${want.toString()}`);
      }),
      { numRuns: 300 },
    );
  });

  it('what an applier leaves out is gone unless someone else owns it', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 6 }), arbConfig, (ops, config) => {
        const obj = applyObject(run(ops), config, { manager: 'zed', force: true, apiVersion: 'v1', kind: 'Pod', now: at(100) });
        const emptied = applyObject(obj, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }, { manager: 'zed', force: false, apiVersion: 'v1', kind: 'Pod', now: at(101) });
        const all = owned(emptied);
        for (const p of leafPaths(emptied)) assert.ok(all.has(p), `${pathString(p)} left behind`);
      }),
      { numRuns: 300 },
    );
  });
});
