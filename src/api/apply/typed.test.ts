import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, fieldPE, keyPE, pathString } from './fieldpath.ts';
import { builtinSchema, deducedSchema, schemaFor, type ApplySchema } from './schema.ts';
import { compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet, TypedValueError } from './typed.ts';

const deploy = builtinSchema('apps/v1', 'Deployment') as ApplySchema;
const pod = builtinSchema('v1', 'Pod') as ApplySchema;
const names = (s: FieldSet) => s.paths().map(pathString);
const fieldsV1 = (s: FieldSet) => JSON.stringify(s.toFieldsV1());

describe('toFieldSet', () => {
  it('the documented Deployment example', () => {
    const cfg = {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }] },
    };
    assert.equal(
      fieldsV1(toFieldSet(cfg, pod)),
      '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{}}}}}',
    );
  });

  it('atomic values are single leaves; sets list values; empty maps track nothing', () => {
    const cfg = {
      metadata: { finalizers: ['a', 'b'], annotations: {} },
      spec: { selector: { matchLabels: { app: 'x' } }, template: { spec: { tolerations: [{ key: 'k' }] } } },
    };
    assert.deepEqual(names(toFieldSet(cfg, deploy)), [
      '.metadata.finalizers[="a"]',
      '.metadata.finalizers[="b"]',
      '.spec.selector',
      '.spec.template.spec.tolerations',
    ]);
  });

  it('null: a leaf for scalars and atomic values, nothing for granular maps and lists', () => {
    assert.deepEqual(names(toFieldSet({ spec: { replicas: null, selector: null, strategy: null } }, deploy)), ['.spec.replicas', '.spec.selector']);
  });

  it('untyped objects: every key is a member', () => {
    assert.equal(fieldsV1(toFieldSet({ spec: { a: { b: 1 }, c: [1] } }, deducedSchema)), '{"f:spec":{".":{},"f:a":{".":{},"f:b":{}},"f:c":{}}}');
  });

  it('a key field missing without default, a repeated key: upstream errors', () => {
    assert.throws(
      () => toFieldSet({ spec: { containers: [{ image: 'x' }] } }, pod),
      (e: unknown) =>
        e instanceof TypedValueError &&
        e.message === '.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
    assert.throws(
      () => toFieldSet({ spec: { containers: [{ name: 'a' }, { name: 'a' }] } }, pod),
      /\.spec\.containers: duplicate entries for key \[name="a"\]$/,
    );
    assert.doesNotThrow(() => toFieldSet({ spec: { containers: [{ name: 'a' }, { name: 'a' }] } }, pod, { allowDuplicates: true }));
  });
});

describe('compare', () => {
  it('added, modified, removed; a map that appears is itself added', () => {
    const c = compare(
      { spec: { replicas: 1, paused: true } },
      { spec: { replicas: 2, strategy: { rollingUpdate: { maxSurge: 1 } } } },
      deploy,
    );
    assert.deepEqual(names(c.modified), ['.spec.replicas']);
    assert.deepEqual(names(c.removed), ['.spec.paused']);
    assert.deepEqual(names(c.added), ['.spec.strategy', '.spec.strategy.rollingUpdate', '.spec.strategy.rollingUpdate.maxSurge']);
  });

  it('list items by key, whatever their order', () => {
    const c = compare(
      { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } },
      { spec: { containers: [{ name: 'b', image: '2' }, { name: 'c' }] } },
      pod,
    );
    assert.deepEqual(names(c.modified), ['.spec.containers[name="b"].image']);
    assert.deepEqual(names(c.removed), ['.spec.containers[name="a"]', '.spec.containers[name="a"].image', '.spec.containers[name="a"].name']);
    assert.deepEqual(names(c.added), ['.spec.containers[name="c"]', '.spec.containers[name="c"].name']);
  });

  it('empty and null are leaves; null to a value is not an addition of the map', () => {
    assert.deepEqual(names(compare({ spec: {} }, { spec: { securityContext: {} } }, pod).added), ['.spec.securityContext']);
    const c = compare({ spec: { containers: null } }, { spec: { containers: [{ name: 'a' }] } }, pod);
    assert.deepEqual(names(c.added), ['.spec.containers[name="a"]', '.spec.containers[name="a"].name']);
  });
});

describe('merge', () => {
  const containers = pod.field('spec').field('containers');
  const L = (...n: string[]) => n.map((name) => ({ name }));
  const order = (v: unknown) => (v as { name: string }[]).map((c) => c.name).join(',');

  it('keeps left-only items in place, follows the right order for the rest', () => {
    assert.equal(order(merge(L('a', 'b', 'c'), L('c', 'a'), containers)), 'b,c,a');
    assert.equal(order(merge(L('a', 'b', 'c', 'd'), L('e', 'c', 'a'), containers)), 'b,e,c,d,a');
    assert.equal(order(merge(L('a', 'b'), L('x', 'b', 'y', 'a'), containers)), 'x,b,y,a');
    assert.equal(order(merge(L('a'), L(), containers)), 'a');
  });

  it('merges items by key, maps by member; atomic values are replaced', () => {
    const live = { spec: { replicas: 1, selector: { matchLabels: { a: '1', b: '2' } }, template: { spec: { containers: [{ name: 'x', image: '1', args: ['a', 'b'] }] } } } };
    const cfg = { spec: { selector: { matchLabels: { c: '3' } }, template: { spec: { containers: [{ name: 'x', image: '2', args: ['c'] }] } } } };
    assert.deepEqual(merge(live, cfg, deploy), {
      spec: { replicas: 1, selector: { matchLabels: { c: '3' } }, template: { spec: { containers: [{ name: 'x', image: '2', args: ['c'] }] } } },
    });
  });

  it('sets merge by value', () => {
    assert.deepEqual(merge({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['c', 'a'] } }, deploy), {
      metadata: { finalizers: ['c', 'a', 'b'] },
    });
  });
});

describe('removeItems and named fields', () => {
  it('removes members and whole subtrees under them; a map emptied this way stays, empty', () => {
    const v = { metadata: { labels: { a: '1' }, name: 'n' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'x', image: 'i' }, { name: 'y' }] } } } };
    const set = FieldSet.of(
      [fieldPE('metadata'), fieldPE('labels'), fieldPE('a')],
      [fieldPE('spec'), fieldPE('template'), fieldPE('spec'), fieldPE('containers'), keyPE({ name: 'x' })],
    );
    assert.deepEqual(removeItems(v, set, deploy), { metadata: { labels: {}, name: 'n' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'y' }] } } } });
    assert.deepEqual(removeItems(v, FieldSet.of([fieldPE('metadata'), fieldPE('labels')]), deploy), { metadata: { name: 'n' }, spec: v.spec });
  });

  it('declared fields with children become members, map keys do not', () => {
    const set = FieldSet.of([fieldPE('spec'), fieldPE('template'), fieldPE('metadata'), fieldPE('labels'), fieldPE('app')]);
    assert.deepEqual(names(ensureNamedFieldsAreMembers(set, deploy)), [
      '.spec',
      '.spec.template',
      '.spec.template.metadata',
      '.spec.template.metadata.labels',
      '.spec.template.metadata.labels.app',
    ]);
    assert.deepEqual(names(ensureNamedFieldsAreMembers(FieldSet.of([fieldPE('spec'), fieldPE('a'), fieldPE('b')]), schemaFor('x.io/v1', 'X'))), ['.spec.a.b']);
  });
});
