// Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`) <-> the plain JSON
// objects the same client would have sent as JSON.
//
// A body is the 4-byte magic `k8s\0` followed by a runtime.Unknown envelope:
//   message Unknown { TypeMeta typeMeta = 1; bytes raw = 2; string contentEncoding = 3; string contentType = 4; }
//   message TypeMeta { string apiVersion = 1; string kind = 2; }
// `raw` holds the object's own message (which has no TypeMeta of its own).

import { GROUP_VERSIONS, META_KINDS, SCHEMA, type FieldDef, type MessageDef } from './schema.ts';
import {
  ProtobufDecodeError,
  Reader,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  Writer,
} from './wire.ts';

export { ProtobufDecodeError } from './wire.ts';

export const K8S_PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
export const K8S_PROTOBUF_MAGIC: Uint8Array = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

const MAX_DEPTH = 100;

// ---------------------------------------------------------------------------------------------
// Type resolution

interface Resolved {
  pkg: string;
  name: string;
  def: MessageDef;
}

type TypeSpec =
  | { kind: 'scalar'; scalar: string; mode: '' | '*' | '!' }
  | { kind: 'special'; special: string; pointer: boolean }
  | { kind: 'message'; msg: Resolved; pointer: boolean }
  | { kind: 'repeated'; elem: TypeSpec }
  | { kind: 'map'; value: TypeSpec };

const SCALARS = new Set(['string', 'int32', 'int64', 'bool', 'bytes', 'double', 'float']);
const SPECIALS = new Set([
  'meta.Time',
  'meta.MicroTime',
  'meta.Duration',
  'meta.FieldsV1',
  'runtime.RawExtension',
  'resource.Quantity',
  'intstr.IntOrString',
  'stringlist',
]);

function resolveMessage(pkg: string, name: string): Resolved {
  const dot = name.indexOf('.');
  if (dot >= 0) {
    pkg = name.slice(0, dot);
    name = name.slice(dot + 1);
  }
  for (let hops = 0; hops < 8; hops++) {
    const def = SCHEMA[pkg]?.[name];
    if (def === undefined) throw new Error(`protobuf schema: unknown message ${pkg}.${name}`);
    if (typeof def === 'string') {
      name = def;
      continue;
    }
    return { pkg, name, def };
  }
  throw new Error(`protobuf schema: alias loop at ${pkg}.${name}`);
}

const specCache = new Map<string, TypeSpec>();

function typeSpec(pkg: string, t: string): TypeSpec {
  const key = `${pkg}|${t}`;
  const hit = specCache.get(key);
  if (hit) return hit;
  let spec: TypeSpec;
  if (t.startsWith('[]')) spec = { kind: 'repeated', elem: typeSpec(pkg, t.slice(2)) };
  else if (t.startsWith('map<')) {
    const inner = t.slice(4, -1);
    const comma = inner.indexOf(',');
    spec = { kind: 'map', value: typeSpec(pkg, inner.slice(comma + 1)) };
  } else {
    let mode: '' | '*' | '!' = '';
    let base = t;
    if (t.startsWith('*') || t.startsWith('!')) {
      mode = t[0] as '*' | '!';
      base = t.slice(1);
    }
    if (SCALARS.has(base)) spec = { kind: 'scalar', scalar: base, mode };
    else if (SPECIALS.has(base)) spec = { kind: 'special', special: base, pointer: mode === '*' };
    else spec = { kind: 'message', msg: resolveMessage(pkg, base), pointer: mode === '*' };
  }
  specCache.set(key, spec);
  return spec;
}

interface FieldInfo {
  no: number;
  name: string;
  spec: TypeSpec;
}

const fieldCache = new Map<MessageDef, FieldInfo[]>();

function fieldsOf(msg: Resolved): FieldInfo[] {
  let f = fieldCache.get(msg.def);
  if (!f) {
    f = Object.entries(msg.def)
      .map(([no, d]: [string, FieldDef]) => ({ no: Number(no), name: d[0], spec: typeSpec(msg.pkg, d[1]) }))
      .sort((a, b) => a.no - b.no);
    fieldCache.set(msg.def, f);
  }
  return f;
}

function fieldByNumber(msg: Resolved, no: number): FieldInfo | undefined {
  const d = msg.def[no];
  if (d === undefined) return undefined;
  return { no, name: d[0], spec: typeSpec(msg.pkg, d[1]) };
}

/** The message of a top-level object; lists (`FooList`) are built from their item kind. */
function messageForKind(apiVersion: string, kind: string): { msg: Resolved; list: boolean } | undefined {
  const pkg = GROUP_VERSIONS[apiVersion];
  const lookup = (p: string, k: string): Resolved | undefined => {
    const def = SCHEMA[p]?.[k];
    if (def === undefined || !/^[A-Z]/.test(k)) return undefined;
    const r = resolveMessage(p, k);
    // only objects (with metadata) and the option kinds are top-level kinds
    const first = r.def[1];
    const isObject = first !== undefined && first[0] === 'metadata';
    if (!isObject && !(p === 'meta' && META_KINDS.includes(k))) return undefined;
    return r;
  };
  if (pkg !== undefined) {
    const r = lookup(pkg, kind);
    if (r) return { msg: r, list: false };
    if (kind.endsWith('List')) {
      const item = lookup(pkg, kind.slice(0, -4));
      if (item && item.def[1]?.[1] === 'meta.ObjectMeta') return { msg: item, list: true };
    }
    if (META_KINDS.includes(kind)) return { msg: resolveMessage('meta', kind), list: false };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Decoding

function wireName(wt: number): string {
  return ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'][wt] ?? String(wt);
}

function expectWire(field: FieldInfo, msg: Resolved, got: number, want: number): void {
  if (got !== want)
    throw new ProtobufDecodeError(
      `wrong wire type ${wireName(got)} for field ${msg.name}.${field.name || '(inline)'} (${field.no})`,
    );
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function scalarWire(scalar: string): number {
  if (scalar === 'double') return WIRE_FIXED64;
  if (scalar === 'float') return WIRE_FIXED32;
  if (scalar === 'string' || scalar === 'bytes') return WIRE_LEN;
  return WIRE_VARINT;
}

function readScalar(r: Reader, scalar: string): unknown {
  switch (scalar) {
    case 'string':
      return r.string();
    case 'bytes':
      return base64(r.bytes());
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64();
    case 'bool':
      return r.bool();
    case 'double':
      return jsonNumber(r.double());
    case 'float':
      return jsonNumber(r.float());
  }
  throw new Error(`protobuf schema: unknown scalar ${scalar}`);
}

function jsonNumber(n: number): number {
  if (!Number.isFinite(n)) throw new ProtobufDecodeError('non-finite floating point value');
  return n;
}

function isZeroScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

const OMIT = Symbol('omit');

function readMessageBytes(r: Reader, field: FieldInfo, msg: Resolved, wt: number): Uint8Array {
  expectWire(field, msg, wt, WIRE_LEN);
  return r.bytes();
}

/** Decodes one occurrence of a (non-repeated) value of `spec` from the reader. */
function readValue(r: Reader, spec: TypeSpec, field: FieldInfo, msg: Resolved, wt: number, depth: number): unknown {
  switch (spec.kind) {
    case 'scalar':
      expectWire(field, msg, wt, scalarWire(spec.scalar));
      return readScalar(r, spec.scalar);
    case 'special':
      return decodeSpecial(spec.special, readMessageBytes(r, field, msg, wt), depth + 1);
    case 'message':
      return decodeMessage(readMessageBytes(r, field, msg, wt), spec.msg, depth + 1);
    default:
      throw new Error('protobuf schema: nested repeated/map');
  }
}

function zeroOf(spec: TypeSpec, depth: number): unknown {
  switch (spec.kind) {
    case 'scalar':
      return spec.scalar === 'string' || spec.scalar === 'bytes' ? '' : spec.scalar === 'bool' ? false : 0;
    case 'special':
      return decodeSpecial(spec.special, new Uint8Array(0), depth + 1);
    case 'message':
      return decodeMessage(new Uint8Array(0), spec.msg, depth + 1);
    default:
      throw new Error('protobuf schema: nested repeated/map');
  }
}

function decodeMessage(buf: Uint8Array, msg: Resolved, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new ProtobufDecodeError('message nested too deeply');
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done) {
    const [no, wt] = r.tag();
    const field = fieldByNumber(msg, no);
    if (!field) {
      r.skip(wt);
      continue;
    }
    const spec = field.spec;
    if (spec.kind === 'repeated') {
      const arr = (Array.isArray(out[field.name]) ? out[field.name] : (out[field.name] = [])) as unknown[];
      const elem = spec.elem;
      if (elem.kind === 'scalar' && wt === WIRE_LEN && scalarWire(elem.scalar) !== WIRE_LEN) {
        // packed
        const sub = new Reader(r.bytes());
        while (!sub.done) arr.push(readScalar(sub, elem.scalar));
      } else {
        const v = readValue(r, elem, field, msg, wt, depth);
        arr.push(v === OMIT ? null : v);
      }
      continue;
    }
    if (spec.kind === 'map') {
      expectWire(field, msg, wt, WIRE_LEN);
      const entry = new Reader(r.bytes());
      let key = '';
      let value: unknown = undefined;
      while (!entry.done) {
        const [eno, ewt] = entry.tag();
        if (eno === 1) {
          expectWire(field, msg, ewt, WIRE_LEN);
          key = entry.string();
        } else if (eno === 2) value = readValue(entry, spec.value, field, msg, ewt, depth);
        else entry.skip(ewt);
      }
      if (value === undefined) value = zeroOf(spec.value, depth);
      const m = (out[field.name] !== null && typeof out[field.name] === 'object' && !Array.isArray(out[field.name])
        ? out[field.name]
        : (out[field.name] = {})) as Record<string, unknown>;
      // an own data property even for "__proto__"
      Object.defineProperty(m, key, { value: value === OMIT ? null : value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const v = readValue(r, spec, field, msg, wt, depth);
    if (field.name === '') {
      // inlined embedded struct: its JSON fields merge into ours
      Object.assign(out, v as Record<string, unknown>);
      continue;
    }
    if (v === OMIT || (spec.kind === 'scalar' && spec.mode === '' && isZeroScalar(v))) {
      delete out[field.name];
      continue;
    }
    out[field.name] = v;
  }
  return out;
}

function decodeSpecial(special: string, buf: Uint8Array, depth: number): unknown {
  const r = new Reader(buf);
  switch (special) {
    case 'meta.Time':
    case 'meta.MicroTime': {
      if (buf.length === 0) return OMIT; // zero time: `null`, or left out (omitzero)
      let seconds = 0;
      let nanos = 0;
      while (!r.done) {
        const [no, wt] = r.tag();
        if (no === 1 && wt === WIRE_VARINT) seconds = r.int64();
        else if (no === 2 && wt === WIRE_VARINT) nanos = r.int32();
        else if (no === 1 || no === 2) throw new ProtobufDecodeError(`wrong wire type ${wireName(wt)} in ${special}`);
        else r.skip(wt);
      }
      return formatTime(seconds, special === 'meta.MicroTime' ? nanos : 0, special === 'meta.MicroTime') ?? OMIT;
    }
    case 'meta.Duration': {
      let ns = 0n;
      while (!r.done) {
        const [no, wt] = r.tag();
        if (no === 1 && wt === WIRE_VARINT) ns = BigInt.asIntN(64, r.varint64());
        else if (no === 1) throw new ProtobufDecodeError(`wrong wire type ${wireName(wt)} in meta.Duration`);
        else r.skip(wt);
      }
      return formatDuration(ns);
    }
    case 'meta.FieldsV1':
    case 'runtime.RawExtension': {
      let raw: Uint8Array | undefined;
      while (!r.done) {
        const [no, wt] = r.tag();
        if (no === 1 && wt === WIRE_LEN) raw = r.bytes();
        else if (no === 1) throw new ProtobufDecodeError(`wrong wire type ${wireName(wt)} in ${special}`);
        else r.skip(wt);
      }
      if (raw === undefined || raw.length === 0) return OMIT;
      if (special === 'runtime.RawExtension' && hasMagic(raw)) return decodeEnvelope(raw, depth + 1);
      try {
        return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')) as unknown;
      } catch {
        throw new ProtobufDecodeError(`${special} does not hold valid JSON`);
      }
    }
    case 'resource.Quantity': {
      let s = '';
      while (!r.done) {
        const [no, wt] = r.tag();
        if (no === 1 && wt === WIRE_LEN) s = r.string();
        else if (no === 1) throw new ProtobufDecodeError(`wrong wire type ${wireName(wt)} in resource.Quantity`);
        else r.skip(wt);
      }
      return s === '' ? '0' : s;
    }
    case 'intstr.IntOrString': {
      let type = 0n;
      let intVal = 0;
      let strVal = '';
      while (!r.done) {
        const [no, wt] = r.tag();
        if (no === 1 && wt === WIRE_VARINT) type = r.varint64();
        else if (no === 2 && wt === WIRE_VARINT) intVal = r.int32();
        else if (no === 3 && wt === WIRE_LEN) strVal = r.string();
        else if (no >= 1 && no <= 3) throw new ProtobufDecodeError(`wrong wire type ${wireName(wt)} in intstr.IntOrString`);
        else r.skip(wt);
      }
      return type === 1n ? strVal : intVal;
    }
    case 'stringlist': {
      const items: string[] = [];
      while (!r.done) {
        const [no, wt] = r.tag();
        if (no === 1 && wt === WIRE_LEN) items.push(r.string());
        else if (no === 1) throw new ProtobufDecodeError(`wrong wire type ${wireName(wt)} in a string list`);
        else r.skip(wt);
      }
      return items;
    }
  }
  throw new Error(`protobuf schema: unknown special type ${special}`);
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** Go's `t.UTC().Format(time.RFC3339)` (or RFC3339Micro for MicroTime). */
export function formatTime(seconds: number, nanos: number, micro: boolean): string | undefined {
  // Go's zero time.Time (0001-01-01T00:00:00Z) is what an unset Time decodes to
  if (seconds === -62135596800 && (!micro || nanos === 0)) return undefined;
  if (nanos < 0 || nanos > 999_999_999) throw new ProtobufDecodeError('time nanos out of range');
  const ms = seconds * 1000;
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) throw new ProtobufDecodeError('time out of range');
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new ProtobufDecodeError('time year outside of range [0,9999]');
  let s = `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (micro) s += `.${pad(Math.floor(nanos / 1000), 6)}`;
  return `${s}Z`;
}

/** Parses RFC3339 (as Go's time.Parse(time.RFC3339) accepts) into [seconds, nanos]. */
export function parseTime(s: string): [number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (!m) throw new Error(`invalid RFC3339 time ${JSON.stringify(s)}`);
  const [, Y, Mo, D, h, mi, se, frac, sign, oh, om] = m;
  let secs = Date.UTC(Number(Y), Number(Mo) - 1, Number(D), Number(h), Number(mi), Number(se)) / 1000;
  if (Number(Y) < 100) {
    // Date.UTC maps years 0-99 to 1900-1999
    const d = new Date(0);
    d.setUTCFullYear(Number(Y), Number(Mo) - 1, Number(D));
    d.setUTCHours(Number(h), Number(mi), Number(se), 0);
    secs = d.getTime() / 1000;
  }
  if (sign) secs -= (sign === '+' ? 1 : -1) * (Number(oh) * 3600 + Number(om) * 60);
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  return [secs, nanos];
}

/** Go's time.Duration.String(). */
export function formatDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  const u = neg ? -d : d;
  let out: string;
  if (u < 1_000_000_000n) {
    // sub-second: ns, µs, ms with a fraction
    let unit: string;
    let div: bigint;
    if (u < 1000n) return `${neg ? '-' : ''}${u}ns`;
    if (u < 1_000_000n) {
      unit = 'µs';
      div = 1000n;
    } else {
      unit = 'ms';
      div = 1_000_000n;
    }
    out = fmtFrac(u, div) + unit;
  } else {
    const secs = u / 1_000_000_000n;
    const frac = u % 1_000_000_000n;
    const h = secs / 3600n;
    const m = (secs / 60n) % 60n;
    const s = secs % 60n;
    let sec = String(s);
    if (frac !== 0n) sec += '.' + String(frac).padStart(9, '0').replace(/0+$/, '');
    out = (h > 0n ? `${h}h${m}m` : m > 0n ? `${m}m` : '') + `${sec}s`;
  }
  return (neg ? '-' : '') + out;
}

function fmtFrac(v: bigint, div: bigint): string {
  const whole = v / div;
  const frac = v % div;
  if (frac === 0n) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Parses a Go duration string ("1h2m3.5s", "300ms") into nanoseconds. */
export function parseDuration(s: string): bigint {
  if (s === '0') return 0n;
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (!m) throw new Error(`invalid duration ${JSON.stringify(s)}`);
  const units: Record<string, bigint> = { ns: 1n, us: 1000n, µs: 1000n, μs: 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
  let total = 0n;
  for (const part of s.replace(/^[+-]/, '').matchAll(/(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g)) {
    const unit = units[part[3]!]!;
    total += BigInt(part[1] || '0') * unit;
    if (part[2]) total += (BigInt(part[2]) * unit) / 10n ** BigInt(part[2].length);
  }
  return m[1] === '-' ? -total : total;
}

function hasMagic(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x6b && b[1] === 0x38 && b[2] === 0x73 && b[3] === 0x00;
}

function decodeEnvelope(body: Uint8Array, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new ProtobufDecodeError('message nested too deeply');
  if (!hasMagic(body)) throw new ProtobufDecodeError('missing "k8s\\0" prefix');
  const r = new Reader(body, 4);
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array(0);
  let contentEncoding = '';
  let contentType = '';
  while (!r.done) {
    const [no, wt] = r.tag();
    if (no >= 1 && no <= 4 && wt !== WIRE_LEN) throw new ProtobufDecodeError(`wrong wire type ${wireName(wt)} in runtime.Unknown`);
    if (no === 1) {
      const tm = new Reader(r.bytes());
      while (!tm.done) {
        const [tno, twt] = tm.tag();
        if ((tno === 1 || tno === 2) && twt !== WIRE_LEN) throw new ProtobufDecodeError(`wrong wire type ${wireName(twt)} in runtime.TypeMeta`);
        if (tno === 1) apiVersion = tm.string();
        else if (tno === 2) kind = tm.string();
        else tm.skip(twt);
      }
    } else if (no === 2) raw = r.bytes();
    else if (no === 3) contentEncoding = r.string();
    else if (no === 4) contentType = r.string();
    else r.skip(wt);
  }
  if (contentEncoding !== '') throw new ProtobufDecodeError(`unsupported content encoding ${JSON.stringify(contentEncoding)}`);
  if (contentType !== '' && contentType !== K8S_PROTOBUF_CONTENT_TYPE)
    throw new ProtobufDecodeError(`unsupported embedded content type ${JSON.stringify(contentType)}`);
  if (kind === '') throw new ProtobufDecodeError('object has no kind');
  const found = messageForKind(apiVersion, kind);
  if (!found) throw new ProtobufDecodeError(`unknown kind ${apiVersion === '' ? '(no apiVersion)' : apiVersion} ${kind}`);
  let obj: Record<string, unknown>;
  if (found.list) {
    const listMsg: Resolved = {
      pkg: found.msg.pkg,
      name: kind,
      def: { 1: ['metadata', 'meta.ListMeta'], 2: ['items', `[]${found.msg.name}`] },
    };
    obj = decodeMessage(raw, listMsg, depth + 1);
  } else obj = decodeMessage(raw, found.msg, depth + 1);
  return { kind, apiVersion, ...obj };
}

/**
 * Decodes a Kubernetes protobuf request body into the JSON object the client would have sent
 * as JSON. Throws ProtobufDecodeError (message "unable to decode protobuf body: ...") on any
 * malformed or unsupported input.
 */
export function decodeK8sProtobuf(body: Uint8Array): Record<string, unknown> {
  try {
    return decodeEnvelope(body, 0);
  } catch (e) {
    if (e instanceof ProtobufDecodeError) throw e;
    if (e instanceof RangeError) throw new ProtobufDecodeError('message too large or nested too deeply');
    throw new ProtobufDecodeError(e instanceof Error ? e.message : String(e));
  }
}

/** Whether this kind can be decoded/encoded. */
export function isProtobufKindSupported(apiVersion: string, kind: string): boolean {
  return messageForKind(apiVersion, kind) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Encoding (the inverse, byte-for-byte what Go's generated marshallers write for the same object:
// fields in number order, non-pointer fields always, map keys sorted)

export class ProtobufEncodeError extends Error {
  constructor(detail: string) {
    super(`unable to encode protobuf: ${detail}`);
    this.name = 'ProtobufEncodeError';
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toBigInt(v: unknown, path: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new ProtobufEncodeError(`${path}: expected an integer, got ${JSON.stringify(v)}`);
}

function writeScalar(w: Writer, scalar: string, v: unknown, path: string): void {
  switch (scalar) {
    case 'string':
      if (typeof v !== 'string') throw new ProtobufEncodeError(`${path}: expected a string`);
      w.string(v);
      return;
    case 'bytes':
      if (typeof v !== 'string') throw new ProtobufEncodeError(`${path}: expected a base64 string`);
      w.bytes(new Uint8Array(Buffer.from(v, 'base64')));
      return;
    case 'int32':
      w.varint(BigInt.asIntN(32, toBigInt(v, path)));
      return;
    case 'int64':
      w.varint(BigInt.asIntN(64, toBigInt(v, path)));
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw new ProtobufEncodeError(`${path}: expected a boolean`);
      w.bool(v);
      return;
    case 'double':
      if (typeof v !== 'number') throw new ProtobufEncodeError(`${path}: expected a number`);
      w.double(v);
      return;
    case 'float':
      if (typeof v !== 'number') throw new ProtobufEncodeError(`${path}: expected a number`);
      w.float(v);
      return;
  }
}

function scalarZero(scalar: string): unknown {
  return scalar === 'string' || scalar === 'bytes' ? '' : scalar === 'bool' ? false : 0;
}

function writeLenField(w: Writer, no: number, payload: Uint8Array): void {
  w.tag(no, WIRE_LEN).bytes(payload);
}

function encodeSpecial(special: string, v: unknown, path: string): Uint8Array {
  const w = new Writer(32);
  switch (special) {
    case 'meta.Time':
    case 'meta.MicroTime': {
      if (v === null || v === undefined || v === '') return w.finish(); // zero time
      if (typeof v !== 'string') throw new ProtobufEncodeError(`${path}: expected an RFC3339 time string`);
      let secs: number;
      let nanos: number;
      try {
        [secs, nanos] = parseTime(v);
      } catch (e) {
        throw new ProtobufEncodeError(`${path}: ${(e as Error).message}`);
      }
      w.tag(1, WIRE_VARINT).varint(BigInt(secs));
      // metav1.Time drops sub-second precision on the wire; MicroTime keeps it
      w.tag(2, WIRE_VARINT).varint(special === 'meta.MicroTime' ? Math.floor(nanos / 1000) * 1000 : 0);
      return w.finish();
    }
    case 'meta.Duration': {
      let ns: bigint;
      try {
        ns = v === null || v === undefined ? 0n : parseDuration(String(v));
      } catch (e) {
        throw new ProtobufEncodeError(`${path}: ${(e as Error).message}`);
      }
      w.tag(1, WIRE_VARINT).varint(ns);
      return w.finish();
    }
    case 'meta.FieldsV1':
    case 'runtime.RawExtension':
      if (v === null || v === undefined) return w.finish();
      writeLenField(w, 1, new TextEncoder().encode(JSON.stringify(v)));
      return w.finish();
    case 'resource.Quantity':
      writeLenField(w, 1, new TextEncoder().encode(v === null || v === undefined ? '0' : String(v)));
      return w.finish();
    case 'intstr.IntOrString': {
      const isStr = typeof v === 'string';
      w.tag(1, WIRE_VARINT).varint(isStr ? 1 : 0);
      w.tag(2, WIRE_VARINT).varint(BigInt.asIntN(32, isStr || v === null || v === undefined ? 0n : toBigInt(v, path)));
      w.tag(3, WIRE_LEN).string(isStr ? v : '');
      return w.finish();
    }
    case 'stringlist':
      if (Array.isArray(v)) for (const s of v) w.tag(1, WIRE_LEN).string(String(s));
      return w.finish();
  }
  throw new Error(`protobuf schema: unknown special type ${special}`);
}

function encodeValue(spec: TypeSpec, v: unknown, path: string, depth: number): Uint8Array {
  if (spec.kind === 'special') return encodeSpecial(spec.special, v, path);
  if (spec.kind === 'message') {
    if (v !== undefined && v !== null && !isObj(v)) throw new ProtobufEncodeError(`${path}: expected an object`);
    return encodeMessage(isObj(v) ? v : {}, spec.msg, path, depth + 1);
  }
  throw new Error('protobuf schema: not a message type');
}

function encodeMessage(obj: Record<string, unknown>, msg: Resolved, path: string, depth: number): Uint8Array {
  if (depth > MAX_DEPTH) throw new ProtobufEncodeError(`${path}: nested too deeply`);
  const w = new Writer();
  for (const f of fieldsOf(msg)) {
    const fpath = f.name ? `${path}.${f.name}` : path;
    const spec = f.spec;
    if (f.name === '') {
      // inlined struct: its fields live in this same JSON object
      writeLenField(w, f.no, encodeValue(spec, obj, fpath, depth));
      continue;
    }
    const v = Object.prototype.hasOwnProperty.call(obj, f.name) ? obj[f.name] : undefined;
    switch (spec.kind) {
      case 'scalar': {
        if (v === undefined || v === null) {
          if (spec.mode === '*') continue;
          if (spec.scalar === 'bytes') continue; // nil []byte is not written
          w.tag(f.no, scalarWire(spec.scalar));
          writeScalar(w, spec.scalar, scalarZero(spec.scalar), fpath);
          continue;
        }
        if (spec.scalar === 'bytes' && v === '') continue;
        w.tag(f.no, scalarWire(spec.scalar));
        writeScalar(w, spec.scalar, v, fpath);
        continue;
      }
      case 'special':
      case 'message':
        if ((v === undefined || v === null) && spec.pointer) continue;
        if ((v === undefined || v === null) && spec.kind === 'special' && spec.special === 'runtime.RawExtension') continue;
        if ((v === undefined || v === null) && spec.kind === 'special' && spec.special === 'meta.FieldsV1') continue;
        writeLenField(w, f.no, encodeValue(spec, v, fpath, depth));
        continue;
      case 'repeated': {
        if (v === undefined || v === null) continue;
        if (!Array.isArray(v)) throw new ProtobufEncodeError(`${fpath}: expected an array`);
        v.forEach((el, i) => {
          const epath = `${fpath}[${i}]`;
          if (spec.elem.kind === 'scalar') {
            w.tag(f.no, scalarWire(spec.elem.scalar));
            writeScalar(w, spec.elem.scalar, el ?? scalarZero(spec.elem.scalar), epath);
          } else writeLenField(w, f.no, encodeValue(spec.elem, el, epath, depth));
        });
        continue;
      }
      case 'map': {
        if (v === undefined || v === null) continue;
        if (!isObj(v)) throw new ProtobufEncodeError(`${fpath}: expected an object`);
        for (const key of Object.keys(v).sort(goStringLess)) {
          const val = v[key];
          const e = new Writer(64);
          e.tag(1, WIRE_LEN).string(key);
          const vs = spec.value;
          if (vs.kind === 'scalar') {
            if (!(vs.scalar === 'bytes' && (val === null || val === undefined))) {
              e.tag(2, scalarWire(vs.scalar));
              writeScalar(e, vs.scalar, val ?? scalarZero(vs.scalar), `${fpath}[${key}]`);
            }
          } else writeLenField(e, 2, encodeValue(vs, val, `${fpath}[${key}]`, depth));
          writeLenField(w, f.no, e.finish());
        }
        continue;
      }
    }
  }
  return w.finish();
}

/** Go sorts map keys by bytes; for UTF-16 JS strings compare by UTF-8 bytes. */
function goStringLess(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Encodes a JSON object (with apiVersion and kind) as a Kubernetes protobuf body:
 * `k8s\0` + runtime.Unknown{typeMeta, raw}. Throws ProtobufEncodeError on unknown kinds or
 * values of the wrong JSON type.
 */
export function encodeK8sProtobuf(obj: Record<string, unknown>): Uint8Array {
  const apiVersion = obj.apiVersion;
  const kind = obj.kind;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') throw new ProtobufEncodeError('object needs apiVersion and kind');
  const found = messageForKind(apiVersion, kind);
  if (!found) throw new ProtobufEncodeError(`unknown kind ${apiVersion} ${kind}`);
  const msg: Resolved = found.list
    ? { pkg: found.msg.pkg, name: kind, def: { 1: ['metadata', 'meta.ListMeta'], 2: ['items', `[]${found.msg.name}`] } }
    : found.msg;
  const raw = encodeMessage(obj, msg, kind, 0);
  const tm = new Writer(64);
  tm.tag(1, WIRE_LEN).string(apiVersion);
  tm.tag(2, WIRE_LEN).string(kind);
  const w = new Writer(raw.length + 64);
  w.raw(K8S_PROTOBUF_MAGIC);
  writeLenField(w, 1, tm.finish());
  writeLenField(w, 2, raw);
  w.tag(3, WIRE_LEN).string('');
  w.tag(4, WIRE_LEN).string('');
  return w.finish();
}
