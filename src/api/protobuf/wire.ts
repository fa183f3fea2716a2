// Protocol-buffers wire format: a bounds-checked reader and a growable writer.
// Only what Kubernetes' gogo-generated messages use: varints (int32, int64, bool,
// enums as int64), length-delimited (string, bytes, messages, packed scalars),
// fixed64 (double) and fixed32 (float). Groups (wire types 3/4) are rejected.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Every malformed-input problem is reported with this error (message fit for a 400). */
export class ProtobufDecodeError extends Error {
  constructor(detail: string) {
    super(`unable to decode protobuf body: ${detail}`);
    this.name = 'ProtobufDecodeError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Enc = new TextEncoder();

export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as an unsigned 64-bit bigint. */
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('truncated message (varint)');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufDecodeError('varint overflow');
  }

  /** A varint known to be small (tags, lengths): as a number; throws past 2^53. */
  uint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('truncated message (varint)');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER) throw new ProtobufDecodeError('varint too large');
        return result;
      }
      mul *= 128;
    }
    throw new ProtobufDecodeError('varint overflow');
  }

  int32(): number {
    return Number(BigInt.asIntN(32, this.varint64()));
  }

  /** int64 as a JS number (exact up to 2^53, as JSON consumers would see it). */
  int64(): number {
    return Number(BigInt.asIntN(64, this.varint64()));
  }

  bool(): boolean {
    return this.varint64() !== 0n;
  }

  fixed64(): DataView {
    if (this.end - this.pos < 8) throw new ProtobufDecodeError('truncated message (fixed64)');
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return dv;
  }

  fixed32(): DataView {
    if (this.end - this.pos < 4) throw new ProtobufDecodeError('truncated message (fixed32)');
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4);
    this.pos += 4;
    return dv;
  }

  double(): number {
    return this.fixed64().getFloat64(0, true);
  }

  float(): number {
    return this.fixed32().getFloat32(0, true);
  }

  /** The payload of a length-delimited field, as a view (no copy). */
  bytes(): Uint8Array {
    const len = this.uint();
    if (len > this.end - this.pos) throw new ProtobufDecodeError('truncated message (length-delimited field)');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** A string; invalid UTF-8 is replaced (as Go's encoding/json does when re-encoding). */
  string(): string {
    return utf8.decode(this.bytes());
  }

  /** A tag: [fieldNumber, wireType]. */
  tag(): [number, number] {
    const t = this.uint();
    const field = Math.floor(t / 8);
    const wt = t & 7;
    if (field === 0) throw new ProtobufDecodeError('illegal field number 0');
    return [field, wt];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.fixed64();
        return;
      case WIRE_LEN:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.fixed32();
        return;
      default:
        throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
    }
  }
}

export function isValidUtf8(b: Uint8Array): boolean {
  try {
    utf8Strict.decode(b);
    return true;
  } catch {
    return false;
  }
}

export class Writer {
  private buf: Uint8Array;
  private len = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  get length(): number {
    return this.len;
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Unsigned varint of a non-negative safe integer or a bigint (negatives: two's complement, 10 bytes). */
  varint(v: number | bigint): this {
    let x: bigint;
    if (typeof v === 'bigint') x = BigInt.asUintN(64, v);
    else if (v >= 0 && v <= 0x7fffffff) {
      // fast path
      this.ensure(5);
      let n = v;
      while (n > 0x7f) {
        this.buf[this.len++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
      this.buf[this.len++] = n;
      return this;
    } else x = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    this.ensure(10);
    while (x > 0x7fn) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  bool(b: boolean): this {
    return this.varint(b ? 1 : 0);
  }

  bytes(b: Uint8Array): this {
    this.varint(b.length);
    return this.raw(b);
  }

  string(s: string): this {
    return this.bytes(utf8Enc.encode(s));
  }

  double(d: number): this {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, d, true);
    this.len += 8;
    return this;
  }

  float(f: number): this {
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, f, true);
    this.len += 4;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
