// Field sets, as server-side apply records ownership (sigs.k8s.io/structured-merge-diff
// fieldpath): a tree of path elements where each node may be a member of the set ("this
// path is owned") and may have children. A path element selects a child of an object
// (`f:name`), an item of an associative list by its key fields (`k:{"name":"nginx"}`), an item
// of a set by its value (`v:"foo"`) or an item of an atomic list by index (`i:0`).
//
// The fieldsV1 encoding of a managedFields entry is this tree as JSON: each member or parent
// is a key, `{}` for a leaf, nested objects for children, and `".": {}` inside a node that is
// both a member and a parent. Keys are written in upstream's order (fields, then keys, then
// values, then indexes; see comparePathElements), `.` first, so encoded sets compare byte for
// byte with kube-apiserver's.
//
// Sets are immutable values: every operation returns a new set. An empty path (the object
// itself) is never a member, as upstream does not track top-level ownership.

import { compareStrings, compareValues, goJSON, goString, isMap, put, valueToString, type JsonMap } from './value.ts';

export type KeyField = readonly [name: string, value: unknown];

export type PathElement =
  | { readonly field: string }
  | { readonly key: readonly KeyField[] }
  | { readonly value: unknown }
  | { readonly index: number };

export type Path = readonly PathElement[];

export const fieldPE = (name: string): PathElement => ({ field: name });

/** An associative-list key; fields are sorted by name. */
export function keyPE(fields: Readonly<Record<string, unknown>> | readonly KeyField[]): PathElement {
  const list: KeyField[] = Array.isArray(fields) ? [...(fields as readonly KeyField[])] : Object.entries(fields);
  list.sort((a, b) => compareStrings(a[0], b[0]));
  return { key: list };
}

export const valuePE = (value: unknown): PathElement => ({ value });
export const indexPE = (index: number): PathElement => ({ index });

/** The path element's fieldsV1 key: `f:name`, `k:{"name":"x"}`, `v:"x"`, `i:0`. */
export function serializePathElement(pe: PathElement): string {
  if ('field' in pe) return `f:${pe.field}`;
  if ('key' in pe) return `k:{${pe.key.map(([n, v]) => `${goString(n)}:${goJSON(v)}`).join(',')}}`;
  if ('value' in pe) return `v:${goJSON(pe.value)}`;
  return `i:${pe.index}`;
}

export class FieldPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldPathError';
  }
}

/** Parses a fieldsV1 key; undefined for an unknown element type (upstream skips those). */
export function parsePathElement(s: string): PathElement | undefined {
  if (s.length < 2) throw new FieldPathError('key must be 2 characters long:');
  if (s[1] !== ':') throw new FieldPathError(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return { field: body };
    case 'v':
      return { value: parseJSON(body, s) };
    case 'k': {
      const v = parseJSON(body, s);
      if (!isMap(v)) throw new FieldPathError(`expected key value pairs but got ${body}`);
      return keyPE(Object.entries(v));
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(body)) throw new FieldPathError(`strconv.Atoi: parsing ${JSON.stringify(body)}: invalid syntax`);
      return { index: Number(body) };
    }
    default:
      return undefined;
  }
}

function parseJSON(text: string, whole: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FieldPathError(`invalid JSON in path element ${whole}`);
  }
}

function typeRank(pe: PathElement): number {
  return 'field' in pe ? 0 : 'key' in pe ? 1 : 'value' in pe ? 2 : 3;
}

/** Upstream's order: fields by name, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if ('field' in a && 'field' in b) return compareStrings(a.field, b.field);
  if ('key' in a && 'key' in b) {
    for (let i = 0; i < Math.min(a.key.length, b.key.length); i++) {
      const [an, av] = a.key[i] as KeyField;
      const [bn, bv] = b.key[i] as KeyField;
      const c = compareStrings(an, bn) || compareValues(av, bv);
      if (c !== 0) return c;
    }
    return a.key.length === b.key.length ? 0 : a.key.length < b.key.length ? -1 : 1;
  }
  if ('value' in a && 'value' in b) return compareValues(a.value, b.value);
  const ia = (a as { index: number }).index;
  const ib = (b as { index: number }).index;
  return ia === ib ? 0 : ia < ib ? -1 : 1;
}

/** A path element as conflict messages print it: `.name`, `[name="x"]`, `[="x"]`, `[0]`. */
export function pathElementString(pe: PathElement): string {
  if ('field' in pe) return `.${pe.field}`;
  if ('key' in pe) return `[${pe.key.map(([n, v]) => `${n}=${valueToString(v)}`).join(',')}]`;
  if ('value' in pe) return `[=${valueToString(pe.value)}]`;
  return `[${pe.index}]`;
}

/** `.spec.template.spec.containers[name="nginx"].image` */
export function pathString(path: Path): string {
  return path.map(pathElementString).join('');
}

/** One node of a set: a path element, whether it is a member, and its children (if any). */
export interface FieldSetNode {
  readonly pe: PathElement;
  readonly member: boolean;
  readonly children?: FieldSet;
}

interface MutableNode {
  pe: PathElement;
  member: boolean;
  children?: FieldSet;
}

export class FieldSet {
  /** Serialized path element → node. Invariant: every node is a member or has a non-empty child set. */
  readonly #nodes: Map<string, MutableNode>;
  #sorted?: MutableNode[];

  private constructor(nodes: Map<string, MutableNode>) {
    this.#nodes = nodes;
  }

  static empty(): FieldSet {
    return new FieldSet(new Map());
  }

  /** A set of these paths. */
  static of(...paths: Path[]): FieldSet {
    const s = FieldSet.empty();
    for (const p of paths) s.#insert(p, 0);
    return s;
  }

  /** A set from nodes (children that are empty are dropped). */
  static fromNodes(nodes: Iterable<FieldSetNode>): FieldSet {
    const m = new Map<string, MutableNode>();
    for (const n of nodes) {
      const children = n.children && !n.children.isEmpty ? n.children : undefined;
      if (!n.member && !children) continue;
      m.set(serializePathElement(n.pe), { pe: n.pe, member: n.member, ...(children ? { children } : {}) });
    }
    return new FieldSet(m);
  }

  get isEmpty(): boolean {
    return this.#nodes.size === 0;
  }

  /** The number of member paths. */
  get size(): number {
    let n = 0;
    for (const node of this.#nodes.values()) n += (node.member ? 1 : 0) + (node.children?.size ?? 0);
    return n;
  }

  /** The nodes of the first level, in upstream's order. */
  nodes(): readonly FieldSetNode[] {
    this.#sorted ??= [...this.#nodes.values()].sort((a, b) => comparePathElements(a.pe, b.pe));
    return this.#sorted;
  }

  /** A new set with `path` added. */
  with(path: Path): FieldSet {
    const s = this.#copy();
    s.#insert(path, 0);
    return s;
  }

  /** Whether `path` is a member. */
  has(path: Path): boolean {
    let set: FieldSet | undefined = this;
    for (let i = 0; i < path.length; i++) {
      const node: MutableNode | undefined = set.#nodes.get(serializePathElement(path[i] as PathElement));
      if (!node) return false;
      if (i === path.length - 1) return node.member;
      set = node.children;
      if (!set) return false;
    }
    return false;
  }

  /** Whether the element is a member at this level. */
  hasMember(pe: PathElement): boolean {
    return this.#nodes.get(serializePathElement(pe))?.member ?? false;
  }

  /** The children under `pe` (upstream's WithPrefix), if any. */
  child(pe: PathElement): FieldSet | undefined {
    return this.#nodes.get(serializePathElement(pe))?.children;
  }

  union(o: FieldSet): FieldSet {
    if (o.isEmpty) return this;
    if (this.isEmpty) return o;
    const m = new Map(this.#nodes);
    for (const [k, b] of o.#nodes) {
      const a = m.get(k);
      if (!a) {
        m.set(k, b);
        continue;
      }
      const children = a.children && b.children ? a.children.union(b.children) : (a.children ?? b.children);
      m.set(k, { pe: a.pe, member: a.member || b.member, ...(children ? { children } : {}) });
    }
    return new FieldSet(m);
  }

  intersection(o: FieldSet): FieldSet {
    const m = new Map<string, MutableNode>();
    for (const [k, a] of this.#nodes) {
      const b = o.#nodes.get(k);
      if (!b) continue;
      const children = a.children && b.children ? a.children.intersection(b.children) : undefined;
      const member = a.member && b.member;
      if (member || (children && !children.isEmpty)) {
        m.set(k, { pe: a.pe, member, ...(children && !children.isEmpty ? { children } : {}) });
      }
    }
    return new FieldSet(m);
  }

  /** Members of this set that are not members of `o` (children of o's members stay). */
  difference(o: FieldSet): FieldSet {
    if (o.isEmpty || this.isEmpty) return this;
    return this.#subtract(o, false);
  }

  /** Like difference, but everything under a member of `o` goes too. */
  recursiveDifference(o: FieldSet): FieldSet {
    if (o.isEmpty || this.isEmpty) return this;
    return this.#subtract(o, true);
  }

  #subtract(o: FieldSet, recursive: boolean): FieldSet {
    const m = new Map<string, MutableNode>();
    for (const [k, a] of this.#nodes) {
      const b = o.#nodes.get(k);
      if (!b) {
        m.set(k, a);
        continue;
      }
      if (recursive && b.member) continue;
      const member = a.member && !b.member;
      let children = a.children;
      if (children && b.children) children = children.#subtract(b.children, recursive);
      if (member || (children && !children.isEmpty)) {
        m.set(k, { pe: a.pe, member, ...(children && !children.isEmpty ? { children } : {}) });
      }
    }
    return new FieldSet(m);
  }

  equals(o: FieldSet): boolean {
    if (this.#nodes.size !== o.#nodes.size) return false;
    for (const [k, a] of this.#nodes) {
      const b = o.#nodes.get(k);
      if (!b || a.member !== b.member) return false;
      if (a.children || b.children) {
        if (!a.children || !b.children || !a.children.equals(b.children)) return false;
      }
    }
    return true;
  }

  /** Every member path, in upstream's iteration order (a level's members, then its children). */
  paths(): Path[] {
    const out: Path[] = [];
    this.#collect([], out);
    return out;
  }

  #collect(prefix: PathElement[], out: Path[]): void {
    const nodes = this.nodes();
    for (const n of nodes) if (n.member) out.push([...prefix, n.pe]);
    for (const n of nodes) if (n.children) n.children.#collect([...prefix, n.pe], out);
  }

  /** The fieldsV1 JSON value of this set. */
  toFieldsV1(): JsonMap {
    const out: JsonMap = {};
    for (const n of this.nodes()) {
      const key = serializePathElement(n.pe);
      if (n.children) {
        const inner: JsonMap = n.member ? { '.': {} } : {};
        Object.assign(inner, n.children.toFieldsV1());
        put(out, key, inner);
      } else {
        put(out, key, {});
      }
    }
    return out;
  }

  /** Parses a fieldsV1 JSON value. Throws FieldPathError when it is not one. */
  static fromFieldsV1(v: unknown): FieldSet {
    if (v === null || v === undefined) return FieldSet.empty();
    if (!isMap(v)) throw new FieldPathError('fieldsV1 must be a JSON object');
    return readLevel(v);
  }

  toString(): string {
    return this.paths().map(pathString).join('\n');
  }

  #copy(): FieldSet {
    return new FieldSet(new Map(this.#nodes));
  }

  /** Inserts in place; only on sets this module has just built. */
  #insert(path: Path, from: number): void {
    if (from >= path.length) return;
    this.#sorted = undefined;
    const pe = path[from] as PathElement;
    const k = serializePathElement(pe);
    const existing = this.#nodes.get(k);
    if (from === path.length - 1) {
      this.#nodes.set(k, { pe, member: true, ...(existing?.children ? { children: existing.children } : {}) });
      return;
    }
    const children = existing?.children ? existing.children.#copy() : FieldSet.empty();
    children.#insert(path, from + 1);
    this.#nodes.set(k, { pe, member: existing?.member ?? false, children });
  }
}

function readLevel(obj: JsonMap): FieldSet {
  const nodes: FieldSetNode[] = [];
  for (const key of Object.keys(obj)) {
    if (key === '.') continue;
    const pe = parsePathElement(key);
    if (!pe) continue;
    const inner = obj[key];
    if (!isMap(inner)) throw new FieldPathError(`expected an object for ${key}`);
    const keys = Object.keys(inner);
    // `{}` and `{".": {}}` are members; anything else is children, and a member too with ".".
    const member = keys.length === 0 || Object.hasOwn(inner, '.');
    const children = keys.some((k) => k !== '.') ? readLevel(inner) : undefined;
    nodes.push({ pe, member: member || !children || children.isEmpty, ...(children ? { children } : {}) });
  }
  return FieldSet.fromNodes(nodes);
}
