// A small DER reader and writer: enough ASN.1 for PKCS#10 requests and X.509 certificates.
// Kept in-house (rather than leaning on @peculiar/x509's parser) so that the exact bytes that
// were signed, the exact subject encoding and Go's error wording are under our control.

/** A DER problem, worded as Go's encoding/asn1 words it. */
export class DerError extends Error {}

export interface Tlv {
  /** Identifier octet class: 0 universal, 1 application, 2 context-specific, 3 private. */
  cls: number;
  constructed: boolean;
  /** Tag number. */
  tag: number;
  /** The whole element, header included (what a signature covers). */
  full: Uint8Array;
  content: Uint8Array;
}

export const UNIVERSAL = 0;
export const CONTEXT = 2;

export const TAG = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  UTF8_STRING: 12,
  SEQUENCE: 16,
  SET: 17,
  NUMERIC_STRING: 18,
  PRINTABLE_STRING: 19,
  T61_STRING: 20,
  IA5_STRING: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  BMP_STRING: 30,
} as const;

/** Reads one element at `pos`; returns it and the position after it. */
export function readTlv(buf: Uint8Array, pos = 0): { tlv: Tlv; next: number } {
  const start = pos;
  if (pos >= buf.length) throw new DerError('asn1: syntax error: data truncated');
  const id = buf[pos++] as number;
  const cls = id >> 6;
  const constructed = (id & 0x20) !== 0;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (;;) {
      if (pos >= buf.length) throw new DerError('asn1: syntax error: data truncated');
      const b = buf[pos++] as number;
      tag = tag * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
      if (tag > 0x7fffff) throw new DerError('asn1: structure error: base 128 integer too large');
    }
  }
  if (pos >= buf.length) throw new DerError('asn1: syntax error: data truncated');
  let len = buf[pos++] as number;
  if (len === 0x80) throw new DerError('asn1: syntax error: indefinite length found (not DER)');
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4) throw new DerError('asn1: structure error: length too large');
    len = 0;
    for (let i = 0; i < n; i++) {
      if (pos >= buf.length) throw new DerError('asn1: syntax error: data truncated');
      const b = buf[pos++] as number;
      if (i === 0 && b === 0) throw new DerError('asn1: structure error: superfluous leading zeros in length');
      len = len * 256 + b;
    }
    if (len < 0x80) throw new DerError('asn1: structure error: non-minimal length');
  }
  const end = pos + len;
  if (end > buf.length) throw new DerError('asn1: syntax error: data truncated');
  return { tlv: { cls, constructed, tag, full: buf.subarray(start, end), content: buf.subarray(pos, end) }, next: end };
}

/** Parses exactly one element filling `buf`. */
export function parseOne(buf: Uint8Array): Tlv {
  const { tlv, next } = readTlv(buf, 0);
  if (next !== buf.length) throw new DerError('asn1: syntax error: trailing data');
  return tlv;
}

/** The elements inside a constructed element. */
export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < t.content.length) {
    const { tlv, next } = readTlv(t.content, pos);
    out.push(tlv);
    pos = next;
  }
  return out;
}

export function isUniversal(t: Tlv | undefined, tag: number): t is Tlv {
  return t !== undefined && t.cls === UNIVERSAL && t.tag === tag;
}

/** Asserts a universal tag, as Go's struct unmarshalling does. */
export function expect(t: Tlv | undefined, tag: number): Tlv {
  if (t === undefined) throw new DerError('asn1: syntax error: sequence truncated');
  if (!isUniversal(t, tag)) throw new DerError("asn1: structure error: tags don't match");
  return t;
}

export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw new DerError('asn1: syntax error: zero length OBJECT IDENTIFIER');
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i] as number;
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        parts.push(first, v - first * 40);
      } else parts.push(v);
      v = 0;
    } else if (i === content.length - 1) {
      throw new DerError('asn1: syntax error: truncated base 128 integer');
    }
  }
  return parts.join('.');
}

/** A string-typed value as Go's asn1 reads it into a string, or undefined for other types. */
export function decodeString(t: Tlv): string | undefined {
  if (t.cls !== UNIVERSAL) return undefined;
  switch (t.tag) {
    case TAG.UTF8_STRING: {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(t.content);
      } catch {
        throw new DerError('asn1: syntax error: invalid UTF-8 string');
      }
    }
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.NUMERIC_STRING:
      for (const b of t.content) if (b >= 0x80) throw new DerError('asn1: syntax error: IA5String contains invalid character');
      return Buffer.from(t.content).toString('latin1');
    case TAG.T61_STRING:
      return Buffer.from(t.content).toString('latin1');
    case TAG.BMP_STRING: {
      if (t.content.length % 2 !== 0) throw new DerError('pkcs12: odd-length BMP string');
      let s = '';
      for (let i = 0; i < t.content.length; i += 2) s += String.fromCharCode(((t.content[i] as number) << 8) | (t.content[i + 1] as number));
      return s;
    }
    default:
      return undefined;
  }
}

/** UTCTime or GeneralizedTime content to epoch milliseconds. */
export function decodeTime(t: Tlv): number {
  const s = Buffer.from(t.content).toString('latin1');
  let m: RegExpMatchArray | null;
  if (t.tag === TAG.UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    const yy = Number(m[1]);
    const year = yy < 50 ? 2000 + yy : 1900 + yy;
    return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  if (t.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  throw new DerError('asn1: time did not serialize back to the original value and may be invalid');
}

// ---------------------------------------------------------------------------------------------
// Writing

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return [0x80 | out.length, ...out];
}

export function tlv(idOctet: number, content: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.from([idOctet, ...lengthBytes(content.length)]), content]);
}

export const seq = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, Buffer.concat(parts));
export const set = (...parts: Uint8Array[]): Uint8Array => tlv(0x31, Buffer.concat(parts));
export const octets = (b: Uint8Array): Uint8Array => tlv(0x04, b);
export const nullValue = (): Uint8Array => Uint8Array.from([0x05, 0x00]);
export const bool = (v: boolean): Uint8Array => Uint8Array.from([0x01, 0x01, v ? 0xff : 0x00]);
/** [n] EXPLICIT. */
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner);
/** [n] IMPLICIT, primitive. */
export const implicitPrim = (n: number, content: Uint8Array): Uint8Array => tlv(0x80 | n, content);

export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(0x03, Buffer.concat([Uint8Array.from([unusedBits]), bytes]));
}

/** A non-negative INTEGER from big-endian magnitude bytes. */
export function unsignedInt(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let b = magnitude.subarray(i);
  if (b.length === 0) b = Uint8Array.from([0]);
  if (((b[0] as number) & 0x80) !== 0) b = Buffer.concat([Uint8Array.from([0]), b]);
  return tlv(0x02, b);
}

export function smallInt(n: number): Uint8Array {
  return unsignedInt(Uint8Array.from([n]));
}

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number);
  const body: number[] = [];
  const push = (v: number): void => {
    const tmp = [v & 0x7f];
    v = Math.floor(v / 128);
    while (v > 0) {
      tmp.unshift(0x80 | (v & 0x7f));
      v = Math.floor(v / 128);
    }
    body.push(...tmp);
  };
  push((parts[0] as number) * 40 + (parts[1] as number));
  for (const p of parts.slice(2)) push(p);
  return tlv(0x06, Uint8Array.from(body));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * A string as Go's asn1.Marshal writes one without an explicit type: PrintableString when
 * every character allows it ('*' and '&' do not), UTF8String otherwise.
 */
export function goString(s: string): Uint8Array {
  if (PRINTABLE.test(s)) return tlv(0x13, Buffer.from(s, 'latin1'));
  return tlv(0x0c, Buffer.from(s, 'utf8'));
}

export function ia5(s: string, idOctet = 0x16): Uint8Array {
  return tlv(idOctet, Buffer.from(s, 'latin1'));
}

/** UTCTime for 1950..2049, GeneralizedTime otherwise, to whole seconds (as Go encodes). */
export function time(ms: number): Uint8Array {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  const y = d.getUTCFullYear();
  if (y >= 1950 && y < 2050) return tlv(0x17, Buffer.from(`${p(y % 100)}${rest}`, 'latin1'));
  return tlv(0x18, Buffer.from(`${p(y, 4)}${rest}`, 'latin1'));
}
