import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FieldPathError,
  FieldSet,
  comparePathElements,
  fieldPE,
  indexPE,
  keyPE,
  parsePathElement,
  pathString,
  serializePathElement,
  valuePE,
  type Path,
  type PathElement,
} from './fieldpath.ts';

const f = fieldPE;
const p = (...names: string[]): Path => names.map(f);

describe('path elements', () => {
  const CASES: [string, PathElement, string, string][] = [
    ['field', f('replicas'), 'f:replicas', '.replicas'],
    ['field with dots and slashes', f('app.kubernetes.io/name'), 'f:app.kubernetes.io/name', '.app.kubernetes.io/name'],
    ['key', keyPE({ name: 'nginx' }), 'k:{"name":"nginx"}', '[name="nginx"]'],
    ['key fields sorted by name', keyPE({ protocol: 'TCP', containerPort: 80 }), 'k:{"containerPort":80,"protocol":"TCP"}', '[containerPort=80,protocol="TCP"]'],
    ['string value', valuePE('foregroundDeletion'), 'v:"foregroundDeletion"', '[="foregroundDeletion"]'],
    ['number value', valuePE(3), 'v:3', '[=3]'],
    ['boolean value', valuePE(true), 'v:true', '[=true]'],
    ['index', indexPE(2), 'i:2', '[2]'],
    ['HTML characters escaped as Go does', valuePE('a<b&c>'), 'v:"a\\u003cb\\u0026c\\u003e"', '[="a<b&c>"]'],
  ];
  for (const [name, pe, serialized, printed] of CASES) {
    it(name, () => {
      assert.equal(serializePathElement(pe), serialized);
      assert.equal(pathString([pe]), printed);
      assert.equal(serializePathElement(parsePathElement(serialized) as PathElement), serialized);
    });
  }

  it('a path prints as upstream conflict messages do', () => {
    assert.equal(pathString([...p('spec', 'template', 'spec', 'containers'), keyPE({ name: 'nginx' }), f('image')]), '.spec.template.spec.containers[name="nginx"].image');
  });

  it('unknown element types are skipped, malformed ones refused', () => {
    assert.equal(parsePathElement('r:aab'), undefined);
    assert.throws(() => parsePathElement('f'), FieldPathError);
    assert.throws(() => parsePathElement('fx'), /missing colon/);
    assert.throws(() => parsePathElement('k:[1]'), /expected key value pairs/);
    assert.throws(() => parsePathElement('i:x'), /invalid syntax/);
    assert.throws(() => parsePathElement('v:{'), FieldPathError);
  });

  it('order: fields, keys, values (numbers, strings, booleans), indexes', () => {
    const sorted = [
      f('aaa'),
      f('aab'),
      keyPE({ name: 'first' }),
      keyPE({ name: 'second' }),
      keyPE({ port: 443, protocol: 'tcp' }),
      keyPE({ port: 443, protocol: 'udp' }),
      valuePE(1),
      valuePE(2),
      valuePE('aa'),
      valuePE('ab'),
      valuePE(true),
      indexPE(1),
      indexPE(4),
    ];
    const shuffled = [...sorted].reverse().sort(comparePathElements);
    assert.deepEqual(shuffled.map(serializePathElement), sorted.map(serializePathElement));
  });
});

describe('FieldSet', () => {
  it('encodes fieldsV1 as upstream: `.` for members with children, keys in order', () => {
    const set = FieldSet.of(
      p('spec', 'template', 'spec', 'containers'),
      [...p('spec', 'template', 'spec', 'containers'), keyPE({ name: 'nginx' })],
      [...p('spec', 'template', 'spec', 'containers'), keyPE({ name: 'nginx' }), f('name')],
      [...p('spec', 'template', 'spec', 'containers'), keyPE({ name: 'nginx' }), f('image')],
      p('metadata', 'labels', 'app'),
      p('spec', 'replicas'),
    );
    assert.equal(
      JSON.stringify(set.toFieldsV1()),
      '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{".":{},"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}',
    );
  });

  it('reads back what it writes; upstream golden data round-trips byte for byte', () => {
    const golden =
      '{"f:aaa":{},"f:aab":{},"f:aac":{},"k:{\\"name\\":\\"first\\"}":{},"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{},"v:1":{},"v:2":{},"v:\\"aa\\"":{},"v:true":{},"i:1":{},"i:2":{}}';
    assert.equal(JSON.stringify(FieldSet.fromFieldsV1(JSON.parse(golden)).toFieldsV1()), golden);
    const nested = '{"f:a":{".":{},"f:b":{"k:{\\"x\\":1}":{".":{},"f:c":{}}},"v:3":{}},"f:d":{}}';
    assert.equal(JSON.stringify(FieldSet.fromFieldsV1(JSON.parse(nested)).toFieldsV1()), nested);
  });

  it('fieldsV1 reading: `{}` and `{".":{}}` are members, unknown element types dropped', () => {
    const set = FieldSet.fromFieldsV1({ 'f:a': {}, 'f:b': { '.': {} }, 'r:c': {}, 'f:d': { 'f:e': {} } });
    assert.deepEqual(set.paths().map(pathString), ['.a', '.b', '.d.e']);
    assert.deepEqual(FieldSet.fromFieldsV1({ 'f:x': { 'r:y': {} } }).paths().map(pathString), ['.x']);
    assert.ok(FieldSet.fromFieldsV1(null).isEmpty);
    assert.throws(() => FieldSet.fromFieldsV1([]), FieldPathError);
    assert.throws(() => FieldSet.fromFieldsV1({ 'f:a': 1 }), FieldPathError);
  });

  it('the empty path is never a member', () => {
    assert.ok(FieldSet.of([]).isEmpty);
  });

  it('has, union, intersection, difference, recursiveDifference', () => {
    const a = FieldSet.of(p('a'), p('a', 'b'), p('c', 'd'));
    const b = FieldSet.of(p('a'), p('c', 'e'));
    assert.ok(a.has(p('a', 'b')) && !a.has(p('c')) && !a.has(p('x')));
    assert.deepEqual(a.union(b).paths().map(pathString), ['.a', '.a.b', '.c.d', '.c.e']);
    assert.deepEqual(a.intersection(b).paths().map(pathString), ['.a']);
    // difference only removes members: `.a.b` survives the removal of `.a`
    assert.deepEqual(a.difference(b).paths().map(pathString), ['.a.b', '.c.d']);
    assert.deepEqual(a.recursiveDifference(b).paths().map(pathString), ['.c.d']);
    assert.equal(a.size, 3);
    assert.ok(a.union(b).intersection(a).equals(a));
  });

  it('iterates a level’s members before its children, as upstream', () => {
    const set = FieldSet.of(p('spec', 'template', 'x'), p('spec', 'replicas'), p('metadata', 'labels', 'a'));
    assert.deepEqual(set.paths().map(pathString), ['.metadata.labels.a', '.spec.replicas', '.spec.template.x']);
  });

  const arbPE: fc.Arbitrary<PathElement> = fc.oneof(
    fc.constantFrom('a', 'b', 'c', 'name', 'é').map(f),
    fc.record({ name: fc.constantFrom('x', 'y'), port: fc.integer({ min: 1, max: 3 }) }).map((k) => keyPE(k)),
    fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('p', 'q'), fc.boolean()).map(valuePE),
    fc.integer({ min: 0, max: 3 }).map(indexPE),
  );
  const arbSet = fc.array(fc.array(arbPE, { minLength: 1, maxLength: 4 }), { maxLength: 12 }).map((paths) => FieldSet.of(...paths));

  it('property: fieldsV1 round-trips', () => {
    fc.assert(
      fc.property(arbSet, (s) => {
        const back = FieldSet.fromFieldsV1(JSON.parse(JSON.stringify(s.toFieldsV1())));
        assert.ok(back.equals(s));
        assert.equal(JSON.stringify(back.toFieldsV1()), JSON.stringify(s.toFieldsV1()));
      }),
    );
  });

  it('property: set algebra on member paths', () => {
    fc.assert(
      fc.property(arbSet, arbSet, (a, b) => {
        const key = (s: FieldSet) => new Set(s.paths().map((x) => x.map(serializePathElement).join('/')));
        const [ka, kb] = [key(a), key(b)];
        assert.deepEqual(key(a.union(b)), new Set([...ka, ...kb]));
        assert.deepEqual(key(a.intersection(b)), new Set([...ka].filter((x) => kb.has(x))));
        assert.deepEqual(key(a.difference(b)), new Set([...ka].filter((x) => !kb.has(x))));
        const rd = key(a.recursiveDifference(b));
        for (const x of rd) assert.ok(ka.has(x) && ![...kb].some((y) => x === y || x.startsWith(`${y}/`)));
      }),
    );
  });
});
