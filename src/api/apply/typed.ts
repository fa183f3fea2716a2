// Walks of decoded objects against an ApplySchema, as structured-merge-diff's typed package does
// them: the field set of a value, the comparison of two values (added / modified / removed
// paths), the merge of an applied configuration into a live object, and the removal of the
// items a field set names. Inputs are never changed; results may share subtrees with inputs.
//
// Shared rules (upstream's):
//   - An atomic map or list, or a map or list that is empty (or null) on both sides, is a leaf.
//   - A granular object's members are walked by name; a granular list's items by their path
//     element (the key fields of an associative list, the value of a set).
//   - A struct's declared fields are not members of a field set by themselves, a map's keys and
//     a list's items are (hence `".": {}` on list items).

import {
  FieldSet,
  fieldPE,
  indexPE,
  keyPE,
  pathString,
  serializePathElement,
  valuePE,
  type KeyField,
  type Path,
  type PathElement,
} from './fieldpath.ts';
import type { ApplySchema, ListType } from './schema.ts';
import { equalValues, get, isMap, put, type JsonMap } from './value.ts';

/** A value that does not fit its schema (upstream's ValidationErrors), worded as upstream. */
export class TypedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TypedValueError';
  }
}

function fail(path: Path, message: string): never {
  throw new TypedValueError(path.length ? `${pathString(path)}: ${message}` : message);
}

/** The path element of a list item. */
export function listItemElement(list: ListType, item: unknown, index: number, path: Path = []): PathElement {
  switch (list.type) {
    case 'atomic':
      return indexPE(index);
    case 'set':
      if (isMap(item) || Array.isArray(item)) fail(path, `element ${index}: only lists of scalars may be sets`);
      return valuePE(item);
    case 'map': {
      if (!isMap(item)) fail(path, `element ${index}: associative list with keys may only contain maps`);
      const fields: KeyField[] = [];
      for (const k of list.keys) {
        const v = get(item, k);
        if (v !== undefined) fields.push([k, v]);
        else if (list.defaults && Object.hasOwn(list.defaults, k)) fields.push([k, list.defaults[k]]);
        else {
          const what = `omits key field ${JSON.stringify(k)} (and doesn't have default value)`;
          fail(path, `element ${index}: associative list with keys has an element that ${what}`);
        }
      }
      return keyPE(fields);
    }
  }
}

type Shape = 'map' | 'list' | 'leaf';

/** How a pair of values (either may be absent) is walked under `s`. */
function shapeOf(s: ApplySchema, a: unknown, b: unknown): Shape {
  const nullable = (v: unknown) => v === undefined || (v === null && s.kind !== 'scalar' && s.kind !== 'untyped');
  if ((isMap(a) || isMap(b)) && (isMap(a) || nullable(a)) && (isMap(b) || nullable(b))) return 'map';
  if ((Array.isArray(a) || Array.isArray(b)) && (Array.isArray(a) || nullable(a)) && (Array.isArray(b) || nullable(b))) return 'list';
  return 'leaf';
}

const emptyMap = (v: unknown) => !isMap(v) || Object.keys(v).length === 0;
const emptyList = (v: unknown) => !Array.isArray(v) || v.length === 0;

/** Is this pair a leaf: atomic, or empty/null on both sides? */
function leafPair(s: ApplySchema, shape: Shape, a: unknown, b: unknown): boolean {
  if (shape === 'map') return s.map === 'atomic' || (emptyMap(a) && emptyMap(b));
  if (shape === 'list') return s.list.type === 'atomic' || (emptyList(a) && emptyList(b));
  return true;
}

interface IndexedList {
  order: PathElement[];
  items: Map<string, unknown>;
}

function indexList(s: ApplySchema, list: unknown, path: Path, strict: boolean): IndexedList {
  const out: IndexedList = { order: [], items: new Map() };
  if (!Array.isArray(list)) return out;
  list.forEach((item, i) => {
    const pe = listItemElement(s.list, item, i, path);
    const k = serializePathElement(pe);
    if (out.items.has(k)) {
      if (strict) fail(path, `duplicate entries for key ${pathString([pe])}`);
      return;
    }
    out.items.set(k, item);
    out.order.push(pe);
  });
  return out;
}

export interface ToFieldSetOptions {
  /** Accept associative lists with repeated keys (live objects may have them); default false. */
  allowDuplicates?: boolean;
}

/** Every path of `value` (upstream's TypedValue.ToFieldSet). Throws TypedValueError. */
export function toFieldSet(value: unknown, schema: ApplySchema, opts: ToFieldSetOptions = {}): FieldSet {
  const paths: PathElement[][] = [];
  const walk = (v: unknown, s: ApplySchema, path: PathElement[]): void => {
    if (isMap(v)) {
      if (s.map === 'atomic') {
        paths.push(path);
        return;
      }
      for (const k of Object.keys(v)) {
        const p = [...path, fieldPE(k)];
        walk(v[k], s.field(k), p);
        if (!s.named(k)) paths.push(p);
      }
    } else if (Array.isArray(v)) {
      if (s.list.type === 'atomic') {
        paths.push(path);
        return;
      }
      const indexed = indexList(s, v, path, !opts.allowDuplicates);
      const items = s.items();
      for (const pe of indexed.order) {
        const p = [...path, pe];
        walk(indexed.items.get(serializePathElement(pe)), items, p);
        paths.push(p);
      }
    } else if (v === null && s.kind === 'map') {
      if (s.map === 'atomic') paths.push(path);
    } else if (v === null && s.kind === 'list') {
      if (s.list.type === 'atomic') paths.push(path);
    } else {
      paths.push(path);
    }
  };
  walk(value, schema, []);
  return FieldSet.of(...paths);
}

export interface Comparison {
  /** Paths present only on the right. */
  added: FieldSet;
  /** Leaves present on both sides with different values. */
  modified: FieldSet;
  /** Paths present only on the left. */
  removed: FieldSet;
}

/** What changed from `lhs` to `rhs` (upstream's TypedValue.Compare). Throws TypedValueError. */
export function compare(lhs: unknown, rhs: unknown, schema: ApplySchema): Comparison {
  const added: Path[] = [];
  const modified: Path[] = [];
  const removed: Path[] = [];
  const walk = (l: unknown, r: unknown, s: ApplySchema, path: PathElement[]): void => {
    const shape = shapeOf(s, l, r);
    if (leafPair(s, shape, l, r)) {
      if (l === undefined) added.push(path);
      else if (r === undefined) removed.push(path);
      else if (!equalValues(l, r)) modified.push(path);
      return;
    }
    if (shape === 'map') {
      const lm = isMap(l) ? l : {};
      const rm = isMap(r) ? r : {};
      for (const k of Object.keys(lm)) walk(lm[k], get(rm, k), s.field(k), [...path, fieldPE(k)]);
      for (const k of Object.keys(rm)) if (!Object.hasOwn(lm, k)) walk(undefined, rm[k], s.field(k), [...path, fieldPE(k)]);
    } else {
      const li = indexList(s, l, path, false);
      const ri = indexList(s, r, path, false);
      const items = s.items();
      for (const pe of li.order) {
        const k = serializePathElement(pe);
        walk(li.items.get(k), ri.items.get(k), items, [...path, pe]);
      }
      for (const pe of ri.order) {
        const k = serializePathElement(pe);
        if (!li.items.has(k)) walk(undefined, ri.items.get(k), items, [...path, pe]);
      }
    }
    // A map or list that appears or disappears is itself added or removed.
    if (l === undefined) added.push(path);
    else if (r === undefined) removed.push(path);
  };
  walk(lhs, rhs, schema, []);
  return { added: FieldSet.of(...added), modified: FieldSet.of(...modified), removed: FieldSet.of(...removed) };
}

/**
 * The configuration `rhs` merged into `lhs` (upstream's TypedValue.Merge): leaves and atomic
 * values from `rhs` win; objects are merged member by member; associative lists and sets item by
 * item, with `rhs`'s items in `rhs`'s order and `lhs`-only items kept where they were. Throws
 * TypedValueError (for instance when `rhs` repeats a key).
 */
export function merge(lhs: unknown, rhs: unknown, schema: ApplySchema): unknown {
  const walk = (l: unknown, r: unknown, s: ApplySchema, path: PathElement[]): unknown => {
    const shape = shapeOf(s, l, r);
    if (leafPair(s, shape, l, r)) return r !== undefined ? r : l;
    if (shape === 'map') {
      const lm = isMap(l) ? l : {};
      const rm = isMap(r) ? r : {};
      const out: JsonMap = {};
      for (const k of Object.keys(lm)) put(out, k, walk(lm[k], get(rm, k), s.field(k), [...path, fieldPE(k)]));
      for (const k of Object.keys(rm)) {
        if (!Object.hasOwn(lm, k)) put(out, k, walk(undefined, rm[k], s.field(k), [...path, fieldPE(k)]));
      }
      return out;
    }
    const li = indexList(s, l, path, false);
    const ri = indexList(s, r, path, true);
    const items = s.items();
    const out: unknown[] = [];
    const item = (pe: PathElement) => {
      const k = serializePathElement(pe);
      out.push(walk(li.items.get(k), ri.items.get(k), items, [...path, pe]));
    };
    mergeOrder(li.order, ri.order, item);
    return out;
  };
  return walk(lhs, rhs, schema, []);
}

/**
 * The order of a merged list: items of both lists follow the right-hand order; items only on
 * the left stay where they were relative to their neighbours; items only on the right come in
 * at their right-hand position.
 */
function mergeOrder(left: PathElement[], right: PathElement[], emit: (pe: PathElement) => void): void {
  const key = serializePathElement;
  const inLeft = new Set(left.map(key));
  const inRight = new Set(right.map(key));
  const shared = right.filter((pe) => inLeft.has(key(pe))).map(key);
  let nextShared = 0;
  const done = new Set<string>();
  let l = 0;
  let r = 0;
  while (l < left.length || r < right.length) {
    const lk = l < left.length ? key(left[l] as PathElement) : undefined;
    const rk = r < right.length ? key(right[r] as PathElement) : undefined;
    if (lk !== undefined && rk !== undefined) {
      if (lk === rk) {
        emit(right[r] as PathElement);
        done.add(rk);
        l++;
        r++;
        nextShared++;
        continue;
      }
      // A shared item out of the right-hand order: it is emitted when the right side gets to it.
      if (inRight.has(lk) && nextShared < shared.length && shared[nextShared] !== lk) {
        l++;
        continue;
      }
    }
    if (lk !== undefined) {
      if (!inRight.has(lk)) {
        emit(left[l] as PathElement);
        l++;
        continue;
      }
      if (done.has(lk)) {
        l++;
        continue;
      }
    }
    if (rk !== undefined) {
      emit(right[r] as PathElement);
      done.add(rk);
      r++;
      if (nextShared < shared.length && shared[nextShared] === rk) nextShared++;
    }
  }
}

/**
 * `value` without the items `set` names (upstream's RemoveItems). A map or list whose members
 * all go stays, empty (upstream leaves a null there, which its typed objects then drop or turn
 * into an empty struct); removing the map or list itself takes its own member in `set`.
 */
export function removeItems(value: unknown, set: FieldSet, schema: ApplySchema): unknown {
  const walk = (v: unknown, toRemove: FieldSet, s: ApplySchema, path: PathElement[]): unknown => {
    if (isMap(v)) {
      if (s.map === 'atomic' || Object.keys(v).length === 0) return v;
      const out: JsonMap = {};
      for (const k of Object.keys(v)) {
        const pe = fieldPE(k);
        if (toRemove.hasMember(pe)) continue;
        const sub = toRemove.child(pe);
        put(out, k, sub ? walk(v[k], sub, s.field(k), [...path, pe]) : v[k]);
      }
      return out;
    }
    if (Array.isArray(v)) {
      if (s.list.type === 'atomic' || v.length === 0) return v;
      const items = s.items();
      const out: unknown[] = [];
      v.forEach((item, i) => {
        const pe = listItemElement(s.list, item, i, path);
        if (toRemove.hasMember(pe)) return;
        const sub = toRemove.child(pe);
        out.push(sub ? walk(item, sub, items, [...path, pe]) : item);
      });
      return out;
    }
    return v;
  };
  return walk(value, set, schema, []);
}

/**
 * `set` plus every declared field that has children in it (upstream's
 * EnsureNamedFieldsAreMembers), so that removing such a field removes the whole of it.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, schema: ApplySchema): FieldSet {
  return FieldSet.fromNodes(
    set.nodes().map((n) => {
      if (!n.children) return n;
      const named = 'field' in n.pe && schema.kind !== 'list' && schema.named(n.pe.field);
      const childSchema = 'field' in n.pe ? schema.field(n.pe.field) : schema.items();
      return { pe: n.pe, member: n.member || named, children: ensureNamedFieldsAreMembers(n.children, childSchema) };
    }),
  );
}
