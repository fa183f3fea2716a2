// CEL functions: the standard definitions (cel-spec langdef.md), the cel-go extensions that
// Kubernetes enables (strings v2, sets, optional types, two-variable comprehensions live in the
// evaluator), a few list extensions, and the Kubernetes libraries (lists, regex, urls, quantity,
// ip, cidr, format, semver). Error texts follow cel-go where it has one.

import { RegexpSyntaxError } from '../structural/re2.ts';
import { compileRE2 } from '../structural/re2.ts';
import { parseQuantity, Quantity, QuantityError } from '../validation/quantity.ts';
import {
  CIDR,
  FORMATS,
  IPAddr,
  NamedFormat,
  parseCIDR,
  parseIP,
  parseSemver,
  parseSemverNormalized,
  parseURL,
  Semver,
  splitN,
  URLValue,
} from './k8s.ts';
import {
  durationField,
  durationInRange,
  formatDuration,
  formatTimestamp,
  parseDuration,
  parseTimestamp,
  MAX_UNIX,
  MIN_UNIX,
  type TimeField,
  timestampField,
  timestampInRange,
  goQuote,
} from './time.ts';
import {
  CelErr,
  CelMap,
  celCompare,
  celEquals,
  CelType,
  Duration,
  formatDouble,
  INT64_MAX,
  INT64_MIN,
  isList,
  isMap,
  List,
  listGet,
  listItems,
  listSize,
  mapEntries,
  mapHas,
  mapSize,
  noSuchOverload,
  numericValue,
  Optional,
  OPTIONAL_NONE,
  Timestamp,
  typeName,
  typeOf,
  Uint,
  UINT64_MAX,
} from './values.ts';

export type Impl = (args: unknown[]) => unknown;

export interface Builtin {
  /** Argument counts accepted in global call style `f(a, b)`. */
  global?: number[];
  /** Argument counts (receiver excluded) accepted in member style `a.f(b)`. */
  member?: number[];
  /** Receives evaluated, error-free arguments, the receiver first in member style. */
  impl: (args: unknown[], member: boolean) => unknown;
  /** Extra evaluation cost beyond the call's base cost of 1. */
  cost?: (args: unknown[]) => number;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const intOverflow = () => new CelErr('integer overflow');
const uintOverflow = () => new CelErr('unsigned integer overflow');

export function checkInt(v: bigint): bigint | CelErr {
  return v > INT64_MAX || v < INT64_MIN ? intOverflow() : v;
}

function checkUint(v: bigint): Uint | CelErr {
  return v > UINT64_MAX || v < 0n ? uintOverflow() : new Uint(v);
}

export function cpLen(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function strTravCost(s: unknown): number {
  if (typeof s === 'string') return Math.ceil(s.length * 0.1);
  if (s instanceof Uint8Array) return Math.ceil(s.length * 0.1);
  return 0;
}

function sizeOf(v: unknown): number {
  if (typeof v === 'string' || v instanceof Uint8Array) return v.length;
  if (isList(v)) return listSize(v);
  if (isMap(v)) return mapSize(v);
  return 1;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function keyString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatDouble(v);
  if (v instanceof Uint) return v.v.toString();
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Arithmetic operators

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint') return typeof b === 'bigint' ? checkInt(a + b) : noSuchOverload();
  if (typeof a === 'number') return typeof b === 'number' ? a + b : noSuchOverload();
  if (typeof a === 'string') return typeof b === 'string' ? a + b : noSuchOverload();
  if (a instanceof Uint) return b instanceof Uint ? checkUint(a.v + b.v) : noSuchOverload();
  if (isList(a)) return isList(b) ? new List([...listItems(a), ...listItems(b)]) : noSuchOverload();
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array)) return noSuchOverload();
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }
  if (a instanceof Timestamp) return b instanceof Duration ? tsAdd(a.ns + b.ns) : noSuchOverload();
  if (a instanceof Duration) {
    if (b instanceof Duration) return durAdd(a.ns + b.ns);
    if (b instanceof Timestamp) return tsAdd(a.ns + b.ns);
  }
  return noSuchOverload();
}

function tsAdd(ns: bigint): Timestamp | CelErr {
  return timestampInRange(ns) ? new Timestamp(ns) : new CelErr('timestamp overflow');
}

function durAdd(ns: bigint): Duration | CelErr {
  return durationInRange(ns) ? new Duration(ns) : new CelErr('duration overflow');
}

export function sub(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint') return typeof b === 'bigint' ? checkInt(a - b) : noSuchOverload();
  if (typeof a === 'number') return typeof b === 'number' ? a - b : noSuchOverload();
  if (a instanceof Uint) return b instanceof Uint ? checkUint(a.v - b.v) : noSuchOverload();
  if (a instanceof Timestamp) {
    if (b instanceof Duration) return tsAdd(a.ns - b.ns);
    if (b instanceof Timestamp) return durAdd(a.ns - b.ns);
  }
  if (a instanceof Duration && b instanceof Duration) return durAdd(a.ns - b.ns);
  return noSuchOverload();
}

export function mul(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint') return typeof b === 'bigint' ? checkInt(a * b) : noSuchOverload();
  if (typeof a === 'number') return typeof b === 'number' ? a * b : noSuchOverload();
  if (a instanceof Uint) return b instanceof Uint ? checkUint(a.v * b.v) : noSuchOverload();
  return noSuchOverload();
}

export function div(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint') {
    if (typeof b !== 'bigint') return noSuchOverload();
    if (b === 0n) return new CelErr('division by zero');
    return checkInt(a / b);
  }
  if (typeof a === 'number') return typeof b === 'number' ? a / b : noSuchOverload();
  if (a instanceof Uint) {
    if (!(b instanceof Uint)) return noSuchOverload();
    if (b.v === 0n) return new CelErr('division by zero');
    return new Uint(a.v / b.v);
  }
  return noSuchOverload();
}

export function mod(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint') {
    if (typeof b !== 'bigint') return noSuchOverload();
    if (b === 0n) return new CelErr('modulus by zero');
    if (a === INT64_MIN && b === -1n) return intOverflow();
    return a % b;
  }
  if (a instanceof Uint) {
    if (!(b instanceof Uint)) return noSuchOverload();
    if (b.v === 0n) return new CelErr('modulus by zero');
    return new Uint(a.v % b.v);
  }
  return noSuchOverload();
}

export function neg(a: unknown): unknown {
  if (typeof a === 'bigint') return checkInt(-a);
  if (typeof a === 'number') return -a;
  if (a instanceof Duration) return durAdd(-a.ns);
  return noSuchOverload();
}

export function inOp(elem: unknown, container: unknown): unknown {
  if (isList(container)) {
    const n = listSize(container);
    for (let i = 0; i < n; i++) if (celEquals(elem, listGet(container, i))) return true;
    return false;
  }
  if (isMap(container)) return mapHas(container, elem);
  return noSuchOverload();
}

// ---------------------------------------------------------------------------------------------
// Conversions

const goIntRe = /^[+-]?[0-9]+$/;

function toInt(v: unknown): unknown {
  if (typeof v === 'bigint') return v;
  if (v instanceof Uint) return v.v > INT64_MAX ? intOverflow() : v.v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= -9223372036854775808 || v >= 9223372036854775807) return intOverflow();
    return BigInt(Math.trunc(v));
  }
  if (typeof v === 'string') {
    if (!goIntRe.test(v)) return new CelErr(`strconv.ParseInt: parsing ${goQuote(v)}: invalid syntax`);
    const n = BigInt(v);
    if (n > INT64_MAX || n < INT64_MIN) return new CelErr(`strconv.ParseInt: parsing ${goQuote(v)}: value out of range`);
    return n;
  }
  if (v instanceof Timestamp) return v.ns >= 0n ? v.ns / 1_000_000_000n : -((-v.ns + 999_999_999n) / 1_000_000_000n);
  if (v instanceof Duration) return v.ns;
  return noSuchOverload();
}

function toUint(v: unknown): unknown {
  if (v instanceof Uint) return v;
  if (typeof v === 'bigint') return v < 0n ? uintOverflow() : new Uint(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0 || v >= 18446744073709551615) return uintOverflow();
    return new Uint(BigInt(Math.trunc(v)));
  }
  if (typeof v === 'string') {
    if (!/^[0-9]+$/.test(v)) return new CelErr(`strconv.ParseUint: parsing ${goQuote(v)}: invalid syntax`);
    const n = BigInt(v);
    if (n > UINT64_MAX) return new CelErr(`strconv.ParseUint: parsing ${goQuote(v)}: value out of range`);
    return new Uint(n);
  }
  return noSuchOverload();
}

function toDouble(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint) return Number(v.v);
  if (typeof v === 'string') {
    const t = v;
    if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/i.test(t)) return NaN;
    if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(t)) {
      return new CelErr(`strconv.ParseFloat: parsing ${goQuote(v)}: invalid syntax`);
    }
    const f = Number(t);
    if (!Number.isFinite(f)) return new CelErr(`strconv.ParseFloat: parsing ${goQuote(v)}: value out of range`);
    return f;
  }
  return noSuchOverload();
}

export function toStringValue(v: unknown): unknown {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatDouble(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Uint) return v.v.toString();
  if (v instanceof Uint8Array) {
    try {
      return dec.decode(v);
    } catch {
      return new CelErr('invalid UTF-8 in bytes, cannot convert to string');
    }
  }
  if (v instanceof Timestamp) return formatTimestamp(v);
  if (v instanceof Duration) return formatDuration(v);
  if (v instanceof IPAddr || v instanceof CIDR || v instanceof Semver) return v.toString();
  if (v instanceof CelType) return v.name;
  return noSuchOverload();
}

function toBool(v: unknown): unknown {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
    return new CelErr(`strconv.ParseBool: parsing ${goQuote(v)}: invalid syntax`);
  }
  return noSuchOverload();
}

function toBytes(v: unknown): unknown {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return enc.encode(v);
  return noSuchOverload();
}

function toTimestamp(v: unknown): unknown {
  if (v instanceof Timestamp) return v;
  if (typeof v === 'string') return parseTimestamp(v);
  if (typeof v === 'bigint') {
    if (v < MIN_UNIX || v > MAX_UNIX) return new CelErr('timestamp overflow');
    return new Timestamp(v * 1_000_000_000n);
  }
  return noSuchOverload();
}

function toDuration(v: unknown): unknown {
  if (v instanceof Duration) return v;
  if (typeof v === 'string') return parseDuration(v);
  return noSuchOverload();
}

// ---------------------------------------------------------------------------------------------
// Strings

const UNICODE_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
const isGoSpace = (cp: number) => UNICODE_SPACE.has(cp) || (cp >= 0x2000 && cp <= 0x200a);

function trimSpace(s: string): string {
  const cps = Array.from(s);
  let a = 0;
  let b = cps.length;
  while (a < b && isGoSpace(cps[a]!.codePointAt(0)!)) a++;
  while (b > a && isGoSpace(cps[b - 1]!.codePointAt(0)!)) b--;
  return cps.slice(a, b).join('');
}

const rangeErr = (i: bigint) => new CelErr(`index out of range: ${i}`);

function indexOfRunes(hay: string[], needle: string[], from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function lastIndexOfRunes(hay: string[], needle: string[], from: number): number {
  outer: for (let i = Math.min(from, hay.length - needle.length); i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Go's strings.Replace. */
function goReplace(s: string, old: string, repl: string, n: number): string {
  if (n === 0 || old === repl) return s;
  if (old === '') {
    const cps = Array.from(s);
    let out = '';
    let count = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (n < 0 || count < n) {
        out += repl;
        count++;
      }
      if (i < cps.length) out += cps[i];
    }
    return out;
  }
  if (n < 0) return s.split(old).join(repl);
  let out = '';
  let rest = s;
  for (let k = 0; k < n; k++) {
    const i = rest.indexOf(old);
    if (i < 0) break;
    out += rest.slice(0, i) + repl;
    rest = rest.slice(i + old.length);
  }
  return out + rest;
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      default: {
        const c = ch.codePointAt(0) as number;
        out += c >= 0xd800 && c <= 0xdfff ? '\ufffd' : ch;
      }
    }
  }
  return out + '"';
}

// string.format (cel-go ext strings): %s %d %f %e %b %o %x %X %%, with an optional precision

function formatError(msg: string): CelErr {
  return new CelErr(`error during formatting: ${msg}`);
}

function fmtString(v: unknown, nested: boolean): string | CelErr {
  if (typeof v === 'string') return nested ? JSON.stringify(v) : v;
  if (v === null) return 'null';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return fixedShortest(v);
  }
  if (v instanceof Uint8Array) {
    const s = toStringValue(v);
    if (s instanceof CelErr) return s;
    return nested ? JSON.stringify(s) : (s as string);
  }
  if (isList(v)) {
    const parts: string[] = [];
    for (const e of listItems(v)) {
      const s = fmtString(e, true);
      if (s instanceof CelErr) return s;
      parts.push(s);
    }
    return `[${parts.join(', ')}]`;
  }
  if (isMap(v)) {
    const parts: [string, string][] = [];
    for (const [k, val] of mapEntries(v)) {
      const ks = fmtString(k, true);
      if (ks instanceof CelErr) return ks;
      const vs = fmtString(val, true);
      if (vs instanceof CelErr) return vs;
      parts.push([ks, vs]);
    }
    parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${parts.map(([k, s]) => `${k}: ${s}`).join(', ')}}`;
  }
  const s = toStringValue(v);
  if (s instanceof CelErr) return formatError(`string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${typeName(v)}`);
  return s as string;
}

/** A double without exponent, shortest digits (Go's FormatFloat(f, 'f', -1, 64)). */
function fixedShortest(f: number): string {
  if (Number.isInteger(f) && Math.abs(f) < 1e21) return f.toFixed(0) === '-0' ? '-0' : f.toFixed(0);
  const s = String(f);
  if (!/e/.test(s)) return s;
  const [m, e] = s.split('e') as [string, string];
  const exp = Number(e);
  const neg = m.startsWith('-');
  const digits = m.replace('-', '').replace('.', '');
  const intLen = (m.replace('-', '').indexOf('.') < 0 ? m.replace('-', '').length : m.replace('-', '').indexOf('.')) + exp;
  let out: string;
  if (intLen <= 0) out = '0.' + '0'.repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + '.' + digits.slice(intLen);
  return (neg ? '-' : '') + out;
}

function goExp(f: number, prec: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  const s = f.toExponential(prec);
  const [m, e] = s.split('e') as [string, string];
  const exp = Number(e);
  const a = Math.abs(exp);
  return `${m}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' + a : a}`;
}

function intRadix(v: unknown, radix: number, clause: string): string | CelErr {
  if (typeof v === 'bigint') return v.toString(radix);
  if (v instanceof Uint) return v.v.toString(radix);
  if (radix === 2 && typeof v === 'boolean') return v ? '1' : '0';
  if (radix === 16) {
    if (typeof v === 'string') return Array.from(enc.encode(v), (b) => b.toString(16).padStart(2, '0')).join('');
    if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return formatError(`${clause} clause can only be used on integers, was given ${typeName(v)}`);
}

export function stringFormat(fmt: string, args: unknown[]): unknown {
  let out = '';
  let argi = 0;
  const cps = Array.from(fmt);
  for (let i = 0; i < cps.length; i++) {
    const ch = cps[i] as string;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    i++;
    if (cps[i] === '%') {
      out += '%';
      continue;
    }
    let prec: number | undefined;
    if (cps[i] === '.') {
      let digits = '';
      i++;
      while (i < cps.length && /[0-9]/.test(cps[i] as string)) digits += cps[i++];
      if (digits === '') return new CelErr('could not parse formatting clause: unable to find end of precision specifier');
      prec = Number(digits);
    }
    const verb = cps[i];
    if (verb === undefined) return new CelErr('could not parse formatting clause: unexpected end of string');
    if (!'sdfeboxX'.includes(verb)) return new CelErr(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    if (argi >= args.length) return new CelErr(`index ${argi} out of range`);
    const arg = args[argi++];
    let s: string | CelErr;
    switch (verb) {
      case 's':
        s = fmtString(arg, false);
        break;
      case 'd':
        if (typeof arg === 'bigint') s = arg.toString();
        else if (arg instanceof Uint) s = arg.v.toString();
        else if (typeof arg === 'number' && !Number.isFinite(arg)) s = Number.isNaN(arg) ? 'NaN' : arg > 0 ? 'Infinity' : '-Infinity';
        else s = formatError(`decimal clause can only be used on integers, was given ${typeName(arg)}`);
        break;
      case 'f':
      case 'e': {
        const f = typeof arg === 'number' ? arg : typeof arg === 'bigint' ? Number(arg) : arg instanceof Uint ? Number(arg.v) : undefined;
        if (f === undefined) {
          s = formatError(`${verb === 'f' ? 'fixed-point' : 'scientific'} clause can only be used on doubles, was given ${typeName(arg)}`);
        } else if (Number.isNaN(f)) s = 'NaN';
        else if (!Number.isFinite(f)) s = f > 0 ? 'Infinity' : '-Infinity';
        else s = verb === 'f' ? f.toFixed(prec ?? 6) : goExp(f, prec ?? 6);
        break;
      }
      case 'b':
        s = intRadix(arg, 2, 'binary');
        break;
      case 'o':
        s = intRadix(arg, 8, 'octal');
        break;
      case 'x':
        s = intRadix(arg, 16, 'hex');
        break;
      default: {
        const r = intRadix(arg, 16, 'hex');
        s = r instanceof CelErr ? r : r.toUpperCase();
      }
    }
    if (s instanceof CelErr) return s;
    out += s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Regular expressions

function re2(pattern: string): ReturnType<typeof compileRE2> {
  return compileRE2(pattern);
}

const jsRegexCache = new Map<string, RegExp | null>();

/** A JS RegExp for extracting matches (find/findAll); RE2 validates the pattern first. */
function toJsRegex(pattern: string): RegExp | null {
  const hit = jsRegexCache.get(pattern);
  if (hit !== undefined) return hit;
  let src = pattern;
  let flags = 'gu';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    const f = lead[1] as string;
    if (f.includes('U')) {
      jsRegexCache.set(pattern, null);
      return null;
    }
    if (f.includes('i')) flags += 'i';
    if (f.includes('m')) flags += 'm';
    if (f.includes('s')) flags += 's';
    src = src.slice(lead[0].length);
  }
  src = src
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\\A/g, '^')
    .replace(/\\p([A-Z])/g, '\\p{$1}')
    .replace(/\\P([A-Z])/g, '\\P{$1}')
    .replace(/\[\[:(\^?)([a-z]+):\]\]/g, (_m, neg: string, cls: string) => `[${neg}${POSIX_JS[cls] ?? ''}]`)
    .replace(/\(\?P</g, '(?<');
  let re: RegExp | null;
  try {
    re = new RegExp(src, flags);
  } catch {
    re = null;
  }
  jsRegexCache.set(pattern, re);
  return re;
}

const POSIX_JS: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function regexFind(s: string, pattern: string, limit: number): string[] | CelErr {
  const r = re2(pattern);
  if (r instanceof RegexpSyntaxError) return new CelErr(`Illegal regex: ${r.message}`);
  const re = toJsRegex(pattern);
  if (!re) return new CelErr(`Illegal regex: unsupported pattern ${goQuote(pattern)}`);
  const out: string[] = [];
  re.lastIndex = 0;
  let prevEnd = -1;
  while (limit < 0 || out.length < limit) {
    const m = re.exec(s);
    if (!m) break;
    if (m[0] === '') {
      // Go skips an empty match right after the previous match
      if (m.index === prevEnd) {
        re.lastIndex = m.index + (s.codePointAt(m.index)! > 0xffff ? 2 : 1);
        if (re.lastIndex > s.length) break;
        continue;
      }
      re.lastIndex = m.index + (m.index < s.length && s.codePointAt(m.index)! > 0xffff ? 2 : 1);
    }
    out.push(m[0]);
    prevEnd = m.index + m[0].length;
    if (re.lastIndex > s.length) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lists

function listArg(v: unknown): unknown[] | undefined {
  return isList(v) ? listItems(v) : undefined;
}

function listMinMax(l: unknown[], name: string, prefer: number): unknown {
  if (l.length === 0) return new CelErr(`${name} called on empty list`);
  let best = l[0];
  for (let i = 1; i < l.length; i++) {
    const c = celCompare(best, l[i]);
    if (c instanceof CelErr) return c;
    if (c === prefer) best = l[i];
  }
  return best;
}

function flatten(l: unknown[], depth: number): unknown[] {
  const out: unknown[] = [];
  for (const e of l) {
    if (isList(e) && depth > 0) out.push(...flatten(listItems(e), depth - 1));
    else out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Quantity helpers

function asQuantityInt(q: Quantity): bigint | undefined {
  const r = q.asScale(0);
  if (!r.exact || r.value > INT64_MAX || r.value < INT64_MIN) return undefined;
  return r.value;
}

function quantityArg(v: unknown): Quantity | undefined {
  return v instanceof Quantity ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// The table

const S = (v: unknown): v is string => typeof v === 'string';
const I = (v: unknown): v is bigint => typeof v === 'bigint';

function timeAccessor(field: TimeField): Builtin {
  return {
    member: [0, 1],
    impl: ([t, tz]) => {
      if (tz !== undefined && !S(tz)) return noSuchOverload();
      if (t instanceof Timestamp) return timestampField(t, field, tz as string | undefined);
      if (t instanceof Duration && tz === undefined) return durationField(t, field);
      return noSuchOverload();
    },
  };
}

function unary(pred: (v: unknown) => unknown): Builtin {
  return { global: [1], impl: ([v]) => pred(v) };
}

export const BUILTINS = new Map<string, Builtin>();

function def(name: string, b: Builtin): void {
  BUILTINS.set(name, b);
}

def('size', {
  global: [1],
  member: [0],
  impl: ([v]) => {
    if (typeof v === 'string') return BigInt(cpLen(v));
    if (v instanceof Uint8Array) return BigInt(v.length);
    if (isList(v)) return BigInt(listSize(v));
    if (isMap(v)) return BigInt(mapSize(v));
    return noSuchOverload();
  },
});
def('contains', {
  member: [1],
  impl: ([s, t]) => (S(s) && S(t) ? s.includes(t) : noSuchOverload()),
  cost: ([s, t]) => strTravCost(s) * Math.max(1, strTravCost(t)),
});
def('startsWith', {
  member: [1],
  impl: ([s, t]) => (S(s) && S(t) ? s.startsWith(t) : noSuchOverload()),
  cost: ([, t]) => strTravCost(t),
});
def('endsWith', {
  member: [1],
  impl: ([s, t]) => (S(s) && S(t) ? s.endsWith(t) : noSuchOverload()),
  cost: ([, t]) => strTravCost(t),
});
def('matches', {
  global: [2],
  member: [1],
  impl: ([s, p]) => {
    if (!S(s) || !S(p)) return noSuchOverload();
    const r = re2(p);
    if (r instanceof RegexpSyntaxError) return new CelErr(r.message);
    return r.test(s);
  },
  cost: ([s, p]) => Math.ceil((1 + sizeOf(s)) * 0.1) * Math.ceil(sizeOf(p) * 0.25),
});

def('int', unary(toInt));
def('uint', unary(toUint));
def('double', unary(toDouble));
def('string', unary(toStringValue));
def('bool', unary(toBool));
def('bytes', unary(toBytes));
def('timestamp', unary(toTimestamp));
def('duration', unary(toDuration));
def('dyn', unary((v) => v));
def('type', unary((v) => typeOf(v)));

for (const f of [
  'getFullYear', 'getMonth', 'getDate', 'getDayOfMonth', 'getDayOfWeek', 'getDayOfYear', 'getHours', 'getMinutes',
  'getSeconds', 'getMilliseconds',
] as TimeField[]) {
  def(f, timeAccessor(f));
}

// --- strings extension (cel-go ext.Strings, version 2) ---
def('charAt', {
  member: [1],
  impl: ([s, i]) => {
    if (!S(s) || !I(i)) return noSuchOverload();
    const cps = Array.from(s);
    if (i < 0n || i > BigInt(cps.length)) return rangeErr(i);
    return cps[Number(i)] ?? '';
  },
});
def('indexOf', {
  member: [1, 2],
  impl: ([s, sub, off]) => {
    if (isList(s) && off === undefined) {
      const n = listSize(s);
      for (let i = 0; i < n; i++) if (celEquals(listGet(s, i), sub)) return BigInt(i);
      return -1n;
    }
    if (!S(s) || !S(sub) || (off !== undefined && !I(off))) return noSuchOverload();
    const hay = Array.from(s);
    const from = off ?? 0n;
    if (from < 0n || from > BigInt(hay.length)) return rangeErr(from);
    return BigInt(indexOfRunes(hay, Array.from(sub), Number(from)));
  },
  cost: ([s]) => Math.ceil(sizeOf(s) * 0.1),
});
def('lastIndexOf', {
  member: [1, 2],
  impl: ([s, sub, off]) => {
    if (isList(s) && off === undefined) {
      for (let i = listSize(s) - 1; i >= 0; i--) if (celEquals(listGet(s, i), sub)) return BigInt(i);
      return -1n;
    }
    if (!S(s) || !S(sub) || (off !== undefined && !I(off))) return noSuchOverload();
    const hay = Array.from(s);
    const from = off ?? BigInt(hay.length);
    if (from < 0n || from > BigInt(hay.length)) return rangeErr(from);
    return BigInt(lastIndexOfRunes(hay, Array.from(sub), Number(from)));
  },
  cost: ([s]) => Math.ceil(sizeOf(s) * 0.1),
});
def('lowerAscii', {
  member: [0],
  impl: ([s]) => (S(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : noSuchOverload()),
  cost: ([s]) => strTravCost(s),
});
def('upperAscii', {
  member: [0],
  impl: ([s]) => (S(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : noSuchOverload()),
  cost: ([s]) => strTravCost(s),
});
def('replace', {
  member: [2, 3],
  impl: ([s, o, r, n]) => {
    if (!S(s) || !S(o) || !S(r) || (n !== undefined && !I(n))) return noSuchOverload();
    return goReplace(s, o, r, n === undefined ? -1 : Number(n));
  },
  cost: ([s]) => strTravCost(s),
});
def('split', {
  member: [1, 2],
  impl: ([s, sep, n]) => {
    if (!S(s) || !S(sep) || (n !== undefined && !I(n))) return noSuchOverload();
    return new List(splitN(s, sep, n === undefined ? -1 : Number(n)));
  },
  cost: ([s]) => strTravCost(s),
});
def('substring', {
  member: [1, 2],
  impl: ([s, a, b]) => {
    if (!S(s) || !I(a) || (b !== undefined && !I(b))) return noSuchOverload();
    const cps = Array.from(s);
    const len = BigInt(cps.length);
    const end = b ?? len;
    if (b !== undefined && a > b) return new CelErr(`invalid substring range. start: ${a}, end: ${b}`);
    if (a < 0n || a > len) return rangeErr(a);
    if (end < 0n || end > len) return rangeErr(end);
    return cps.slice(Number(a), Number(end)).join('');
  },
});
def('trim', {
  member: [0],
  impl: ([s]) => (S(s) ? trimSpace(s) : noSuchOverload()),
  cost: ([s]) => strTravCost(s),
});
def('join', {
  member: [0, 1],
  impl: ([l, sep]) => {
    const items = listArg(l);
    if (!items || (sep !== undefined && !S(sep))) return noSuchOverload();
    if (!items.every(S)) return noSuchOverload();
    return items.join(sep ?? '');
  },
  cost: ([l]) => (isList(l) ? listSize(l) : 0),
});
def('format', {
  member: [1],
  impl: ([s, l]) => {
    const items = listArg(l);
    if (!S(s) || !items) return noSuchOverload();
    return stringFormat(s, items);
  },
  cost: ([s]) => strTravCost(s),
});
def('strings.quote', { global: [1], impl: ([s]) => (S(s) ? quote(s) : noSuchOverload()) });

// --- regex (Kubernetes) ---
def('find', {
  member: [1],
  impl: ([s, p]) => {
    if (!S(s) || !S(p)) return noSuchOverload();
    const r = regexFind(s, p, 1);
    return r instanceof CelErr ? r : (r[0] ?? '');
  },
  cost: ([s, p]) => Math.ceil((1 + sizeOf(s)) * 0.1) * Math.ceil(sizeOf(p) * 0.25),
});
def('findAll', {
  member: [1, 2],
  impl: ([s, p, n]) => {
    if (!S(s) || !S(p) || (n !== undefined && !I(n))) return noSuchOverload();
    const r = regexFind(s, p, n === undefined ? -1 : Number(n));
    return r instanceof CelErr ? r : new List(r);
  },
  cost: ([s, p]) => Math.ceil((1 + sizeOf(s)) * 0.1) * Math.ceil(sizeOf(p) * 0.25),
});

// --- lists (Kubernetes, and cel-go ext.Lists slice/flatten) ---
def('isSorted', {
  member: [0],
  impl: ([l]) => {
    const items = listArg(l);
    if (!items) return noSuchOverload();
    for (let i = 1; i < items.length; i++) {
      const c = celCompare(items[i - 1], items[i]);
      if (c instanceof CelErr) return c;
      if (c === 1) return false;
    }
    return true;
  },
  cost: ([l]) => sizeOf(l),
});
def('sum', {
  member: [0],
  impl: ([l]) => {
    const items = listArg(l);
    if (!items) return noSuchOverload();
    if (items.length === 0) return 0n;
    let acc = items[0];
    if (numericValue(acc) === undefined && !(acc instanceof Duration)) return noSuchOverload();
    for (let i = 1; i < items.length; i++) {
      acc = add(acc, items[i]);
      if (acc instanceof CelErr) return acc;
    }
    return acc;
  },
  cost: ([l]) => sizeOf(l),
});
def('min', { member: [0], impl: ([l]) => { const i = listArg(l); return i ? listMinMax(i, 'min', 1) : noSuchOverload(); }, cost: ([l]) => sizeOf(l) });
def('max', { member: [0], impl: ([l]) => { const i = listArg(l); return i ? listMinMax(i, 'max', -1) : noSuchOverload(); }, cost: ([l]) => sizeOf(l) });
def('slice', {
  member: [2],
  impl: ([l, a, b]) => {
    const items = listArg(l);
    if (!items || !I(a) || !I(b)) return noSuchOverload();
    if (a < 0n || b < 0n) return new CelErr(`cannot slice(${a}, ${b}), negative indexes not supported`);
    if (a > b) return new CelErr(`cannot slice(${a}, ${b}), start index must be less than or equal to end index`);
    if (b > BigInt(items.length)) return new CelErr(`cannot slice(${a}, ${b}), list is length ${items.length}`);
    return new List(items.slice(Number(a), Number(b)));
  },
});
def('flatten', {
  member: [0, 1],
  impl: ([l, d]) => {
    const items = listArg(l);
    if (!items || (d !== undefined && !I(d))) return noSuchOverload();
    if (d !== undefined && d < 0n) return new CelErr('level must be non-negative');
    return new List(flatten(items, d === undefined ? 1 : Number(d)));
  },
});

// --- sets (cel-go ext.Sets) ---
function setsFn(test: (a: unknown[], b: unknown[]) => boolean): Builtin {
  return {
    global: [2],
    impl: ([x, y]) => {
      const a = listArg(x);
      const b = listArg(y);
      return a && b ? test(a, b) : noSuchOverload();
    },
    cost: ([x, y]) => sizeOf(x) * sizeOf(y),
  };
}
const containsAll = (a: unknown[], b: unknown[]) => b.every((e) => a.some((f) => celEquals(e, f)));
def('sets.contains', setsFn(containsAll));
def('sets.equivalent', setsFn((a, b) => containsAll(a, b) && containsAll(b, a)));
def('sets.intersects', setsFn((a, b) => a.some((e) => b.some((f) => celEquals(e, f)))));

// --- optional types ---
def('optional.of', { global: [1], impl: ([v]) => new Optional(v) });
def('optional.none', { global: [0], impl: () => OPTIONAL_NONE });
def('optional.ofNonZeroValue', { global: [1], impl: ([v]) => (isZeroValue(v) ? OPTIONAL_NONE : new Optional(v)) });
def('hasValue', { member: [0], impl: ([o]) => (o instanceof Optional ? o.hasValue : noSuchOverload()) });
def('value', {
  member: [0],
  impl: ([o]) => {
    if (!(o instanceof Optional)) return noSuchOverload();
    return o.hasValue ? o.value : new CelErr('optional.none() dereference');
  },
});
def('or', { member: [1], impl: ([o, p]) => (o instanceof Optional && p instanceof Optional ? (o.hasValue ? o : p) : noSuchOverload()) });
def('orValue', { member: [1], impl: ([o, v]) => (o instanceof Optional ? (o.hasValue ? o.value : v) : noSuchOverload()) });
def('first', { member: [0], impl: ([l]) => (isList(l) ? (listSize(l) ? new Optional(listGet(l, 0)) : OPTIONAL_NONE) : noSuchOverload()) });
def('last', { member: [0], impl: ([l]) => (isList(l) ? (listSize(l) ? new Optional(listGet(l, listSize(l) - 1)) : OPTIONAL_NONE) : noSuchOverload()) });

function isZeroValue(v: unknown): boolean {
  if (v === null || v === false || v === '' || v === 0n || v === 0) return true;
  if (v instanceof Uint) return v.v === 0n;
  if (v instanceof Uint8Array) return v.length === 0;
  if (isList(v)) return listSize(v) === 0;
  if (isMap(v)) return mapSize(v) === 0;
  if (v instanceof Duration || v instanceof Timestamp) return v.ns === 0n;
  return false;
}

// --- URLs (Kubernetes) ---
def('url', { global: [1], impl: ([s]) => (S(s) ? parseURL(s) : noSuchOverload()) });
def('isURL', { global: [1], impl: ([s]) => (S(s) ? !(parseURL(s) instanceof CelErr) : noSuchOverload()) });
function urlGetter(get: (u: URLValue) => unknown): Builtin {
  return { member: [0], impl: ([u]) => (u instanceof URLValue ? get(u) : noSuchOverload()) };
}
def('getScheme', urlGetter((u) => u.scheme));
def('getHost', urlGetter((u) => u.host));
def('getHostname', urlGetter((u) => u.hostname()));
def('getPort', urlGetter((u) => u.port()));
def('getEscapedPath', urlGetter((u) => u.escapedPath()));
def('getQuery', urlGetter((u) => {
  const m = new CelMap();
  for (const [k, v] of u.query()) m.m.set(k, [k, new List(v)]);
  return m;
}));

// --- quantity (Kubernetes) ---
def('quantity', {
  global: [1],
  impl: ([s]) => {
    if (!S(s)) return noSuchOverload();
    try {
      return parseQuantity(s);
    } catch (e) {
      if (e instanceof QuantityError) return new CelErr(e.message);
      throw e;
    }
  },
});
def('isQuantity', {
  global: [1],
  impl: ([s]) => {
    if (!S(s)) return noSuchOverload();
    try {
      parseQuantity(s);
      return true;
    } catch {
      return false;
    }
  },
});
def('sign', {
  global: [1],
  member: [0],
  impl: ([q]) => (q instanceof Quantity ? BigInt(q.sign()) : noSuchOverload()),
});
def('asApproximateFloat', { member: [0], impl: ([q]) => (q instanceof Quantity ? q.toNumber() : noSuchOverload()) });
def('asInteger', {
  member: [0],
  impl: ([q]) => {
    if (!(q instanceof Quantity)) return noSuchOverload();
    const v = asQuantityInt(q);
    return v === undefined ? new CelErr('cannot convert value to integer') : v;
  },
});
def('isInteger', { member: [0], impl: ([q]) => (q instanceof Quantity ? asQuantityInt(q) !== undefined : noSuchOverload()) });
function quantityArith(op: 'add' | 'sub'): Builtin {
  return {
    member: [1],
    impl: ([q, o]) => {
      if (!(q instanceof Quantity)) return noSuchOverload();
      const other = I(o) ? new Quantity(o, 0, 'DecimalExponent') : quantityArg(o);
      if (!other) return noSuchOverload();
      return op === 'add' ? q.add(other) : q.sub(other);
    },
  };
}
def('add', quantityArith('add'));
def('sub', quantityArith('sub'));
function comparison(result: (c: number) => unknown): Builtin {
  return {
    member: [1],
    impl: ([a, b]) => {
      if (a instanceof Quantity && b instanceof Quantity) return result(a.cmp(b));
      if (a instanceof Semver && b instanceof Semver) return result(a.compare(b));
      return noSuchOverload();
    },
  };
}
def('isGreaterThan', comparison((c) => c === 1));
def('isLessThan', comparison((c) => c === -1));
def('compareTo', comparison((c) => BigInt(c)));

// --- IP and CIDR (Kubernetes) ---
def('ip', {
  global: [1],
  member: [0],
  impl: ([v], member) => {
    if (member) return v instanceof CIDR ? v.ip : noSuchOverload();
    return S(v) ? parseIP(v) : noSuchOverload();
  },
});
def('isIP', { global: [1], impl: ([s]) => (S(s) ? !(parseIP(s) instanceof CelErr) : noSuchOverload()) });
def('ip.isCanonical', {
  global: [1],
  impl: ([s]) => {
    if (!S(s)) return noSuchOverload();
    const ip = parseIP(s);
    return ip instanceof CelErr ? ip : ip.toString() === s;
  },
});
function ipPred(f: (ip: IPAddr) => unknown): Builtin {
  return { member: [0], impl: ([v]) => (v instanceof IPAddr ? f(v) : noSuchOverload()) };
}
def('family', ipPred((ip) => (ip.is4 ? 4n : 6n)));
def('isUnspecified', ipPred((ip) => ip.isUnspecified()));
def('isLoopback', ipPred((ip) => ip.isLoopback()));
def('isLinkLocalMulticast', ipPred((ip) => ip.isLinkLocalMulticast()));
def('isLinkLocalUnicast', ipPred((ip) => ip.isLinkLocalUnicast()));
def('isGlobalUnicast', ipPred((ip) => ip.isGlobalUnicast()));
def('cidr', { global: [1], impl: ([s]) => (S(s) ? parseCIDR(s) : noSuchOverload()) });
def('isCIDR', { global: [1], impl: ([s]) => (S(s) ? !(parseCIDR(s) instanceof CelErr) : noSuchOverload()) });
def('containsIP', {
  member: [1],
  impl: ([c, v]) => {
    if (!(c instanceof CIDR)) return noSuchOverload();
    const ip = S(v) ? parseIP(v) : v;
    if (ip instanceof CelErr) return ip;
    return ip instanceof IPAddr ? c.containsIP(ip) : noSuchOverload();
  },
});
def('containsCIDR', {
  member: [1],
  impl: ([c, v]) => {
    if (!(c instanceof CIDR)) return noSuchOverload();
    const o = S(v) ? parseCIDR(v) : v;
    if (o instanceof CelErr) return o;
    return o instanceof CIDR ? c.containsCIDR(o) : noSuchOverload();
  },
});
def('prefixLength', { member: [0], impl: ([c]) => (c instanceof CIDR ? BigInt(c.bits) : noSuchOverload()) });
def('masked', { member: [0], impl: ([c]) => (c instanceof CIDR ? c.masked() : noSuchOverload()) });

// --- named formats (Kubernetes) ---
def('format.named', { global: [1], impl: ([s]) => (S(s) ? (FORMATS[s] ? new Optional(FORMATS[s]) : OPTIONAL_NONE) : noSuchOverload()) });
for (const [name, f] of Object.entries(FORMATS)) def(`format.${name}`, { global: [0], impl: () => f });
def('validate', {
  member: [1],
  impl: ([f, s]) => {
    if (!(f instanceof NamedFormat) || !S(s)) return noSuchOverload();
    const errs = f.validate(s);
    return errs.length ? new Optional(new List(errs)) : OPTIONAL_NONE;
  },
});

// --- semver (Kubernetes) ---
def('semver', {
  global: [1, 2],
  impl: ([s, n]) => {
    if (!S(s) || (n !== undefined && typeof n !== 'boolean')) return noSuchOverload();
    return n ? parseSemverNormalized(s) : parseSemver(s);
  },
});
def('isSemver', {
  global: [1, 2],
  impl: ([s, n]) => {
    if (!S(s) || (n !== undefined && typeof n !== 'boolean')) return noSuchOverload();
    return !((n ? parseSemverNormalized(s) : parseSemver(s)) instanceof CelErr);
  },
});
def('major', { member: [0], impl: ([v]) => (v instanceof Semver ? v.major : noSuchOverload()) });
def('minor', { member: [0], impl: ([v]) => (v instanceof Semver ? v.minor : noSuchOverload()) });
def('patch', { member: [0], impl: ([v]) => (v instanceof Semver ? v.patch : noSuchOverload()) });

/** Names of the macros, which the checker accepts without a function declaration. */
export const MACRO_NAMES = new Set([
  'has', 'all', 'exists', 'exists_one', 'existsOne', 'map', 'filter', 'transformList', 'transformMap', 'transformMapEntry',
  'optMap', 'optFlatMap',
]);

