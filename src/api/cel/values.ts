// CEL runtime values.
//
// Representation (chosen so that JSON handed in by the caller is used in place, without a copy):
//   int        bigint (always within int64; arithmetic is checked)
//   uint       Uint
//   double     number
//   bool       boolean
//   string     string
//   bytes      Uint8Array
//   null       null
//   list       List (built by the evaluator) or a raw JS array (caller data)
//   map        CelMap (built by the evaluator) or a raw plain object (caller data)
//   timestamp  Timestamp, duration Duration, type CelType, optional Optional
//   others     library objects (Quantity, IP, CIDR, URL...) and caller-supplied opaque objects.
//
// Raw caller data is converted element by element as it is read (fromJs): a JS number is an int
// when it is integral and a double otherwise, unless the caller wrapped it in Double. Values the
// evaluator builds never go back through fromJs, which is why it keeps its own List/CelMap
// classes: a double 2.0 stored in a raw array would come back as the int 2.

import { Quantity } from '../validation/quantity.ts';

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

/** An evaluation error travelling as a value (CEL errors are values until they reach the top). */
export class CelErr {
  constructor(readonly message: string) {}
}

export const noSuchOverload = (): CelErr => new CelErr('no such overload');

export class Uint {
  constructor(readonly v: bigint) {}
}

/** Marks a caller-supplied number as a CEL double even when its value is integral. */
export class Double {
  constructor(readonly v: number) {}
}

export class List {
  constructor(readonly items: unknown[]) {}
}

type MapKey = string | bigint | boolean;

export class CelMap {
  readonly m = new Map<MapKey, [unknown, unknown]>();
  /** Set for message construction (`Type{field: value}`): the type name the object was built as. */
  typeName?: string;
}

export class Timestamp {
  /** Nanoseconds since the Unix epoch (UTC). */
  constructor(readonly ns: bigint) {}
}

export class Duration {
  constructor(readonly ns: bigint) {}
}

export class CelType {
  constructor(readonly name: string) {}
}

export class Optional {
  constructor(readonly value: unknown) {}
  get hasValue(): boolean {
    return this.value !== undefined;
  }
}

export const OPTIONAL_NONE = new Optional(undefined);

/** A value of a library type: equality and type name are delegated to the object. */
export interface Opaque {
  readonly celTypeName: string;
  celEquals(other: unknown): boolean;
  toJs(): unknown;
}

export function isOpaque(v: unknown): v is Opaque {
  return typeof v === 'object' && v !== null && typeof (v as Opaque).celEquals === 'function' && typeof (v as Opaque).celTypeName === 'string';
}

export const T = {
  int: new CelType('int'),
  uint: new CelType('uint'),
  double: new CelType('double'),
  bool: new CelType('bool'),
  string: new CelType('string'),
  bytes: new CelType('bytes'),
  null: new CelType('null_type'),
  list: new CelType('list'),
  map: new CelType('map'),
  timestamp: new CelType('google.protobuf.Timestamp'),
  duration: new CelType('google.protobuf.Duration'),
  type: new CelType('type'),
  optional: new CelType('optional_type'),
  quantity: new CelType('kubernetes.Quantity'),
  dyn: new CelType('dyn'),
};

/** Type identifiers usable as values in expressions (`type(x) == int`). */
export const TYPE_IDENTS: Record<string, CelType> = {
  int: T.int,
  uint: T.uint,
  double: T.double,
  bool: T.bool,
  string: T.string,
  bytes: T.bytes,
  null_type: T.null,
  list: T.list,
  map: T.map,
  type: T.type,
  'google.protobuf.Timestamp': T.timestamp,
  'google.protobuf.Duration': T.duration,
  optional_type: T.optional,
};

function isPlainObject(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Converts a value read from caller data into its CEL representation. */
export function fromJs(v: unknown): unknown {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808 ? BigInt(v) : v;
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'undefined':
      return null;
    case 'object':
      if (v === null) return null;
      if (v instanceof Double) return v.v;
      if (v instanceof Date) return new Timestamp(BigInt(v.getTime()) * 1_000_000n);
      // an optional handed in by the caller (optionalOldSelf) holds caller data
      if (v instanceof Optional && v.hasValue) return new Optional(fromJs(v.value));
      return v;
    default:
      return v;
  }
}

export function isList(v: unknown): v is List | unknown[] {
  return v instanceof List || Array.isArray(v);
}

export function isMap(v: unknown): v is CelMap | Record<string, unknown> {
  return v instanceof CelMap || (typeof v === 'object' && v !== null && !Array.isArray(v) && isPlainObject(v));
}

export function listSize(l: List | unknown[]): number {
  return l instanceof List ? l.items.length : l.length;
}

export function listGet(l: List | unknown[], i: number): unknown {
  return l instanceof List ? l.items[i] : fromJs(l[i]);
}

export function listItems(l: List | unknown[]): unknown[] {
  return l instanceof List ? l.items : l.map(fromJs);
}

export function mapSize(m: CelMap | Record<string, unknown>): number {
  return m instanceof CelMap ? m.m.size : Object.keys(m).length;
}

/** The normalized key, or undefined when the value cannot be a map key (or never matches one). */
export function mapKey(k: unknown): MapKey | undefined {
  switch (typeof k) {
    case 'string':
    case 'bigint':
    case 'boolean':
      return k;
    case 'number':
      // a double finds the entry of the equal int or uint key (heterogeneous equality)
      return Number.isInteger(k) ? BigInt(k) : undefined;
    default:
      return k instanceof Uint ? k.v : undefined;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The entry's value, or undefined when absent. */
export function mapGet(m: CelMap | Record<string, unknown>, key: unknown): unknown {
  if (m instanceof CelMap) {
    const nk = mapKey(key);
    if (nk === undefined) return undefined;
    const e = m.m.get(nk);
    return e === undefined ? undefined : e[1];
  }
  if (typeof key !== 'string' || !hasOwn.call(m, key)) return undefined;
  return fromJs(m[key]);
}

export function mapHas(m: CelMap | Record<string, unknown>, key: unknown): boolean {
  if (m instanceof CelMap) {
    const nk = mapKey(key);
    return nk !== undefined && m.m.has(nk);
  }
  return typeof key === 'string' && hasOwn.call(m, key);
}

export function mapKeys(m: CelMap | Record<string, unknown>): unknown[] {
  if (m instanceof CelMap) return Array.from(m.m.values(), (e) => e[0]);
  return Object.keys(m);
}

export function mapEntries(m: CelMap | Record<string, unknown>): [unknown, unknown][] {
  if (m instanceof CelMap) return Array.from(m.m.values());
  return Object.keys(m).map((k) => [k, fromJs(m[k])]);
}

export function typeOf(v: unknown): CelType {
  switch (typeof v) {
    case 'bigint':
      return T.int;
    case 'number':
      return T.double;
    case 'boolean':
      return T.bool;
    case 'string':
      return T.string;
    case 'object':
      if (v === null) return T.null;
      if (v instanceof Uint) return T.uint;
      if (v instanceof Uint8Array) return T.bytes;
      if (v instanceof List || Array.isArray(v)) return T.list;
      if (v instanceof CelMap) return v.typeName ? new CelType(v.typeName) : T.map;
      if (v instanceof Timestamp) return T.timestamp;
      if (v instanceof Duration) return T.duration;
      if (v instanceof CelType) return T.type;
      if (v instanceof Optional) return T.optional;
      if (v instanceof Quantity) return T.quantity;
      if (isOpaque(v)) return new CelType(v.celTypeName);
      if (isPlainObject(v)) return T.map;
      return new CelType((v as object).constructor?.name ?? 'object');
    default:
      return T.dyn;
  }
}

export function typeName(v: unknown): string {
  return typeOf(v).name;
}

// ---------------------------------------------------------------------------------------------
// Equality and ordering

function numEq(a: unknown, b: unknown): boolean | undefined {
  const x = numericValue(a);
  if (x === undefined) return undefined;
  const y = numericValue(b);
  if (y === undefined) return undefined;
  return compareNumeric(x, y) === 0;
}

/** bigint for int/uint, number for double; undefined for non-numbers. */
export function numericValue(v: unknown): bigint | number | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (v instanceof Uint) return v.v;
  return undefined;
}

/**
 * Compares two numbers of any CEL numeric types as cel-go does: int and uint exactly, and an
 * integer against a double by converting the integer to a double (so 2^63-1 equals 2^63.0).
 * NaN when unordered.
 */
export function compareNumeric(x: bigint | number, y: bigint | number): number {
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  const a = typeof x === 'bigint' ? Number(x) : x;
  const b = typeof y === 'bigint' ? Number(y) : y;
  return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
}

function bytesCompare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Compares strings by code point (as Go compares UTF-8 bytes), not by UTF-16 code unit. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // surrogates (astral code points) sort after U+E000..U+FFFF
      if (x >= 0xd800 && x <= 0xdfff) x += 0x2000;
      else if (x >= 0xe000) x -= 0x800;
      if (y >= 0xd800 && y <= 0xdfff) y += 0x2000;
      else if (y >= 0xe000) y -= 0x800;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}

/** CEL heterogeneous equality: values of different types are unequal, numbers compare by value. */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a);
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'string' || tb === 'string' || ta === 'boolean' || tb === 'boolean') return false;
  const n = numEq(a, b);
  if (n !== undefined) return n;
  if (a === null || b === null || ta !== 'object' || tb !== 'object') return false;
  if (isList(a)) {
    if (!isList(b)) return false;
    const n2 = listSize(a);
    if (n2 !== listSize(b)) return false;
    for (let i = 0; i < n2; i++) if (!celEquals(listGet(a, i), listGet(b, i))) return false;
    return true;
  }
  if (isMap(a)) {
    if (!isMap(b)) return false;
    if (a instanceof CelMap && b instanceof CelMap && (a.typeName ?? '') !== (b.typeName ?? '')) return false;
    if (mapSize(a) !== mapSize(b)) return false;
    for (const [k, v] of mapEntries(a)) {
      if (!mapHas(b, k)) return false;
      if (!celEquals(v, mapGet(b, k))) return false;
    }
    return true;
  }
  if (a instanceof Uint8Array) return b instanceof Uint8Array && bytesCompare(a, b) === 0;
  if (a instanceof Timestamp) return b instanceof Timestamp && a.ns === b.ns;
  if (a instanceof Duration) return b instanceof Duration && a.ns === b.ns;
  if (a instanceof CelType) return b instanceof CelType && a.name === b.name;
  if (a instanceof Optional) {
    if (!(b instanceof Optional)) return false;
    if (!a.hasValue || !b.hasValue) return a.hasValue === b.hasValue;
    return celEquals(a.value, b.value);
  }
  if (a instanceof Quantity) return b instanceof Quantity && a.cmp(b) === 0;
  if (isOpaque(a)) return a.celEquals(b);
  return false;
}

/** Ordering for <, <=, >, >=: -1/0/1, NaN when unordered, or an error for unsupported operands. */
export function celCompare(a: unknown, b: unknown): number | CelErr {
  const x = numericValue(a);
  if (x !== undefined) {
    const y = numericValue(b);
    if (y === undefined) return noSuchOverload();
    return compareNumeric(x, y);
  }
  if (typeof a === 'string') return typeof b === 'string' ? compareStrings(a, b) : noSuchOverload();
  if (typeof a === 'boolean') return typeof b === 'boolean' ? (a === b ? 0 : a ? 1 : -1) : noSuchOverload();
  if (a instanceof Uint8Array) return b instanceof Uint8Array ? bytesCompare(a, b) : noSuchOverload();
  if (a instanceof Timestamp) return b instanceof Timestamp ? (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0) : noSuchOverload();
  if (a instanceof Duration) return b instanceof Duration ? (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0) : noSuchOverload();
  return noSuchOverload();
}

// ---------------------------------------------------------------------------------------------
// Go-compatible number formatting

/** Go's strconv.FormatFloat(f, 'g', -1, 64) (how CEL prints a double as a string). */
export function formatDouble(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const neg = f < 0;
  // shortest round-trip digits, as Go's shortest formatting produces the same digits
  const e = Math.abs(f).toExponential();
  const [mant, expStr] = e.split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expStr);
  let out: string;
  if (exp < -4 || exp >= 6) {
    // Go's shortest 'g' format uses the exponent form from 1e+06 on (eprec = 6)
    out = expForm(digits, exp);
  } else if (exp >= digits.length) {
    out = digits + '0'.repeat(exp - digits.length + 1);
  } else if (exp >= 0) {
    out = digits.slice(0, exp + 1) + (digits.length > exp + 1 ? '.' + digits.slice(exp + 1) : '');
  } else {
    out = '0.' + '0'.repeat(-exp - 1) + digits;
  }
  return (neg ? '-' : '') + out;
}

function expForm(digits: string, exp: number): string {
  const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  const a = Math.abs(exp);
  return `${m}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' + a : a}`;
}
