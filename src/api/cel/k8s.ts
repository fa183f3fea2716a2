// The value types of the Kubernetes CEL libraries (k8s.io/apiserver/pkg/cel/library): IP and
// CIDR (Go's net/netip parsing and printing), URL (Go's net/url ParseRequestURI), named formats,
// and semantic versions (blang/semver), with the upstream error texts.

import { goQuote } from './time.ts';
import { CelErr, type Opaque } from './values.ts';
import {
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from '../validation/names.ts';
import { ipv6Text } from '../../util/ip.ts';
import { checkStringFormat } from '../structural/formats.ts';

// ---------------------------------------------------------------------------------------------
// IP addresses

export class IPAddr implements Opaque {
  readonly celTypeName = 'net.IP';
  /** 4 bytes for IPv4, 16 for IPv6. */
  constructor(readonly bytes: Uint8Array) {}

  get is4(): boolean {
    return this.bytes.length === 4;
  }

  celEquals(other: unknown): boolean {
    return other instanceof IPAddr && other.bytes.length === this.bytes.length && other.bytes.every((b, i) => b === this.bytes[i]);
  }

  toString(): string {
    return this.is4 ? Array.from(this.bytes).join('.') : ipv6String(this.bytes);
  }

  toJs(): unknown {
    return this.toString();
  }

  private u16(i: number): number {
    return ((this.bytes[2 * i] as number) << 8) | (this.bytes[2 * i + 1] as number);
  }

  isUnspecified(): boolean {
    return this.bytes.every((b) => b === 0);
  }

  isLoopback(): boolean {
    if (this.is4) return this.bytes[0] === 127;
    return this.bytes.every((b, i) => (i === 15 ? b === 1 : b === 0));
  }

  isMulticast(): boolean {
    return this.is4 ? ((this.bytes[0] as number) & 0xf0) === 0xe0 : this.bytes[0] === 0xff;
  }

  isLinkLocalMulticast(): boolean {
    if (this.is4) return this.bytes[0] === 224 && this.bytes[1] === 0 && this.bytes[2] === 0;
    return (this.u16(0) & 0xff0f) === 0xff02;
  }

  isLinkLocalUnicast(): boolean {
    if (this.is4) return this.bytes[0] === 169 && this.bytes[1] === 254;
    return (this.u16(0) & 0xffc0) === 0xfe80;
  }

  isGlobalUnicast(): boolean {
    if (this.is4 && (this.isUnspecified() || this.bytes.every((b) => b === 255))) return false;
    return !this.isUnspecified() && !this.isLoopback() && !this.isMulticast() && !this.isLinkLocalUnicast();
  }

  is4In6(): boolean {
    return !this.is4 && this.bytes.slice(0, 10).every((b) => b === 0) && this.bytes[10] === 0xff && this.bytes[11] === 0xff;
  }
}

function ipv6String(b: Uint8Array): string {
  const is4in6 = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (is4in6) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  return ipv6Text(b);
}

class AddrError {
  constructor(
    readonly msg: string,
    readonly at?: string,
  ) {}
}

function parseIPv4Fields(s: string, fields: number[]): void {
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c >= '0' && c <= '9') {
      if (digLen === 1 && val === 0) throw new AddrError('IPv4 field has octet with leading zero');
      val = val * 10 + (c.charCodeAt(0) - 48);
      digLen++;
      if (val > 255) throw new AddrError('IPv4 field has value >255');
    } else if (c === '.') {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') throw new AddrError('IPv4 field must have at least one digit', s.slice(i));
      if (pos === 3) throw new AddrError('IPv4 address too long');
      fields[pos++] = val;
      val = 0;
      digLen = 0;
    } else {
      throw new AddrError('unexpected character', s.slice(i));
    }
  }
  if (pos < 3) throw new AddrError('IPv4 address too short');
  fields[3] = val;
}

function parseIPv6(input: string): { bytes: Uint8Array; zone: string } {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct >= 0) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') throw new AddrError('zone must be a non-empty string');
  }
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === '') return { bytes: ip, zone };
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s[off] as string;
      const d = /[0-9a-fA-F]/.test(c) ? parseInt(c, 16) : -1;
      if (d < 0) break;
      acc = acc * 16 + d;
      if (off > 3) throw new AddrError('each colon-separated field must have at most 4 hex digits', s);
      if (acc > 0xffff) throw new AddrError('IPv6 field has value >=2^16', s);
    }
    if (off === 0) throw new AddrError('each colon-separated field must have at least one digit', s);
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) throw new AddrError('embedded IPv4 address must replace the final 2 fields of the address', s);
      if (i + 4 > 16) throw new AddrError('too many hex fields to fit an embedded IPv4 at the end of the address', s);
      const f: number[] = [];
      parseIPv4Fields(s, f);
      for (let k = 0; k < 4; k++) ip[i + k] = f[k] as number;
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s === '') break;
    if (s[0] !== ':') throw new AddrError('unexpected character, want colon', s);
    if (s.length === 1) throw new AddrError('colon must be followed by more characters', s);
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) throw new AddrError('multiple :: in address', s);
      ellipsis = i;
      s = s.slice(1);
      if (s === '') break;
    }
  }
  if (s !== '') throw new AddrError('trailing garbage after address', s);
  if (i < 16) {
    if (ellipsis < 0) throw new AddrError('address string too short');
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j] as number;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    throw new AddrError('the :: must expand to at least one field of zeros', s);
  }
  return { bytes: ip, zone };
}

/** Go's netip.ParseAddr: the address and zone, or the error text. */
export function parseAddr(s: string): { ip: IPAddr; zone: string } | string {
  const err = (e: AddrError) => `ParseAddr(${goQuote(s)}): ${e.msg}` + (e.at !== undefined ? ` (at ${goQuote(e.at)})` : '');
  try {
    for (const c of s) {
      if (c === '.') {
        const f: number[] = [];
        parseIPv4Fields(s, f);
        return { ip: new IPAddr(new Uint8Array(f)), zone: '' };
      }
      if (c === ':') {
        const r = parseIPv6(s);
        return { ip: new IPAddr(r.bytes), zone: r.zone };
      }
      if (c === '%') return err(new AddrError('missing IPv6 address'));
    }
    return err(new AddrError('unable to parse IP'));
  } catch (e) {
    if (e instanceof AddrError) return err(e);
    throw e;
  }
}

/** The Kubernetes library's parseIPAddr: no zones, no IPv4-mapped IPv6. */
export function parseIP(raw: string): IPAddr | CelErr {
  const r = parseAddr(raw);
  if (typeof r === 'string') return new CelErr(`IP Address ${goQuote(raw)} parse error during conversion from string: ${r}`);
  if (r.zone) return new CelErr(`IP address ${goQuote(raw)} with zone value is not allowed`);
  if (r.ip.is4In6()) return new CelErr(`IPv4-mapped IPv6 address ${goQuote(raw)} is not allowed`);
  return r.ip;
}

// ---------------------------------------------------------------------------------------------
// CIDR

export class CIDR implements Opaque {
  readonly celTypeName = 'net.CIDR';
  constructor(
    readonly ip: IPAddr,
    readonly bits: number,
  ) {}

  celEquals(other: unknown): boolean {
    return other instanceof CIDR && other.bits === this.bits && other.ip.celEquals(this.ip);
  }

  toString(): string {
    return `${this.ip.toString()}/${this.bits}`;
  }

  toJs(): unknown {
    return this.toString();
  }

  masked(): CIDR {
    const b = new Uint8Array(this.ip.bytes);
    for (let i = 0; i < b.length; i++) {
      const keep = Math.max(0, Math.min(8, this.bits - i * 8));
      b[i] = (b[i] as number) & ((0xff << (8 - keep)) & 0xff);
    }
    return new CIDR(new IPAddr(b), this.bits);
  }

  containsIP(ip: IPAddr): boolean {
    if (ip.bytes.length !== this.ip.bytes.length) return false;
    return new CIDR(ip, this.bits).masked().ip.celEquals(this.masked().ip);
  }

  containsCIDR(other: CIDR): boolean {
    if (other.ip.bytes.length !== this.ip.bytes.length) return false;
    return this.masked().celEquals(new CIDR(other.ip, this.bits).masked()) && this.bits <= other.bits;
  }
}

/** Go's netip.ParsePrefix with the Kubernetes library's extra checks. */
export function parseCIDR(raw: string): CIDR | CelErr {
  const prefixErr = (msg: string) =>
    new CelErr(
      `network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix(${goQuote(raw)}): ${msg}`,
    );
  const slash = raw.lastIndexOf('/');
  if (slash < 0) return prefixErr("no '/'");
  const a = parseAddr(raw.slice(0, slash));
  if (typeof a === 'string') return prefixErr(a);
  if (!a.ip.is4 && a.zone) return prefixErr('IPv6 zones cannot be present in a prefix');
  const bitsStr = raw.slice(slash + 1);
  if ((bitsStr.length > 1 && (bitsStr[0]! < '1' || bitsStr[0]! > '9')) || !/^[0-9]+$/.test(bitsStr)) {
    return prefixErr(`bad bits after slash: ${goQuote(bitsStr)}`);
  }
  const bits = Number(bitsStr);
  if (bits > (a.ip.is4 ? 32 : 128)) return prefixErr('prefix length out of range');
  if (a.ip.is4In6()) {
    return new CelErr(
      `network address parse error during conversion from string: IPv4-mapped IPv6 address ${goQuote(raw)} is not allowed`,
    );
  }
  return new CIDR(a.ip, bits);
}

// ---------------------------------------------------------------------------------------------
// URLs (Go's net/url)

export class URLValue implements Opaque {
  readonly celTypeName = 'kubernetes.URL';
  constructor(
    readonly raw: string,
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly rawQuery: string,
  ) {}

  celEquals(other: unknown): boolean {
    return other instanceof URLValue && other.raw === this.raw;
  }

  toJs(): unknown {
    return this.raw;
  }

  hostname(): string {
    const h = this.host;
    if (h.startsWith('[')) {
      const i = h.lastIndexOf(']');
      return i < 0 ? h.slice(1) : h.slice(1, i);
    }
    const c = h.lastIndexOf(':');
    return c >= 0 && validOptionalPort(h.slice(c)) ? h.slice(0, c) : h;
  }

  port(): string {
    const h = this.host;
    const c = h.lastIndexOf(':');
    if (c < 0) return '';
    if (h.startsWith('[') && c < h.lastIndexOf(']')) return '';
    const p = h.slice(c);
    return validOptionalPort(p) ? p.slice(1) : '';
  }

  escapedPath(): string {
    return escapePath(this.path);
  }

  query(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const part of this.rawQuery.split('&')) {
      if (part === '' || part.includes(';')) continue;
      const eq = part.indexOf('=');
      const k = queryUnescape(eq < 0 ? part : part.slice(0, eq));
      const v = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
      if (k === undefined || v === undefined) continue;
      const l = out.get(k);
      if (l) l.push(v);
      else out.set(k, [v]);
    }
    return out;
  }
}

function validOptionalPort(p: string): boolean {
  if (p === '') return true;
  return p[0] === ':' && /^[0-9]*$/.test(p.slice(1));
}

function unhex(c: string): number {
  return parseInt(c, 16);
}

/** Go's unescape in path mode: the decoded text, or the error for a bad %-escape. */
function unescapePath(s: string): string | Error {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; ) {
    if (s[i] === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        let esc = s.slice(i, i + 3);
        if (esc.length > 3) esc = esc.slice(0, 3);
        return new Error(`invalid URL escape ${goQuote(esc)}`);
      }
      bytes.push(unhex(h));
      i += 3;
    } else {
      const cp = s.codePointAt(i) as number;
      const enc: number[] = [];
      const str = String.fromCodePoint(cp);
      for (const b of new TextEncoder().encode(str)) enc.push(b);
      bytes.push(...enc);
      i += str.length;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function queryUnescape(s: string): string | undefined {
  const r = unescapePath(s.replaceAll('+', ' '));
  return r instanceof Error ? undefined : r;
}

function escapePath(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c)) out += c;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function validHostChar(c: string): boolean {
  return /[A-Za-z0-9\-_.~!$&'()*+,;=:\[\]<>"%]/.test(c) || c.charCodeAt(0) >= 0x80;
}

/** Go's url.ParseRequestURI: the parsed URL, or the error text (`parse "x": ...`). */
export function parseRequestURI(raw: string): URLValue | string {
  const fail = (msg: string) => `parse ${goQuote(raw)}: ${msg}`;
  if (/[\x00-\x1f\x7f]/.test(raw)) return fail('net/url: invalid control character in URL');
  if (raw === '') return fail('empty url');
  if (raw === '*') return new URLValue(raw, '', '', '*', '');
  // scheme
  let scheme = '';
  let rest = raw;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ':') {
      if (i === 0) return fail('missing protocol scheme');
      scheme = raw.slice(0, i).toLowerCase();
      rest = raw.slice(i + 1);
    }
    break;
  }
  let rawQuery = '';
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return new URLValue(raw, scheme, '', '', rawQuery);
    return fail('invalid URI for request');
  }
  let host = '';
  if (scheme !== '' && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = slash >= 0 ? authority.slice(slash) : '';
    if (slash >= 0) authority = authority.slice(0, slash);
    const at = authority.lastIndexOf('@');
    let hostPart = authority;
    if (at >= 0) {
      const user = authority.slice(0, at);
      if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(user)) return fail('net/url: invalid userinfo');
      hostPart = authority.slice(at + 1);
    }
    if (hostPart.startsWith('[')) {
      const close = hostPart.lastIndexOf(']');
      if (close < 0) return fail("missing ']' in host");
      const colonPort = hostPart.slice(close + 1);
      if (!validOptionalPort(colonPort)) return fail(`invalid port ${goQuote(colonPort)} after host`);
    } else {
      const c = hostPart.lastIndexOf(':');
      if (c >= 0) {
        const colonPort = hostPart.slice(c);
        if (!validOptionalPort(colonPort)) return fail(`invalid port ${goQuote(colonPort)} after host`);
      }
    }
    for (const ch of hostPart) {
      if (!validHostChar(ch)) return fail(`invalid character ${goQuote(ch)} in host name`);
    }
    const h = unescapePath(hostPart);
    if (h instanceof Error) return fail(h.message);
    host = h;
  }
  const path = unescapePath(rest);
  if (path instanceof Error) return fail(path.message);
  return new URLValue(raw, scheme, host, path, rawQuery);
}

/** The Kubernetes url() conversion: ParseRequestURI to validate, then Parse (fragment split). */
export function parseURL(raw: string): URLValue | CelErr {
  const r = parseRequestURI(raw);
  if (typeof r === 'string') return new CelErr(`URL parse error during conversion from string: ${r}`);
  const hash = raw.indexOf('#');
  if (hash < 0) return r;
  const noFrag = parseRequestURI(raw.slice(0, hash));
  if (typeof noFrag === 'string') return r;
  return new URLValue(raw, noFrag.scheme, noFrag.host, noFrag.path, noFrag.rawQuery);
}

// ---------------------------------------------------------------------------------------------
// Named formats (format.dns1123Label() ... validate())

export class NamedFormat implements Opaque {
  readonly celTypeName = 'kubernetes.NamedFormat';
  constructor(
    readonly name: string,
    readonly validate: (s: string) => string[],
  ) {}

  celEquals(other: unknown): boolean {
    return other === this;
  }

  toJs(): unknown {
    return this.name;
  }
}

const strfmt = (fmt: string, msg: string) => (s: string) => (checkStringFormat(fmt, s) ? [] : [msg]);

export const FORMATS: Record<string, NamedFormat> = {
  dns1123Label: new NamedFormat('DNS1123Label', (s) => nameIsDNSLabel(s, false)),
  dns1123Subdomain: new NamedFormat('DNS1123Subdomain', (s) => nameIsDNSSubdomain(s, false)),
  dns1035Label: new NamedFormat('DNS1035Label', (s) => nameIsDNS1035Label(s, false)),
  qualifiedName: new NamedFormat('QualifiedName', isQualifiedName),
  portName: new NamedFormat('PortName', isValidPortName),
  dns1123LabelPrefix: new NamedFormat('DNS1123LabelPrefix', (s) => nameIsDNSLabel(s, true)),
  dns1123SubdomainPrefix: new NamedFormat('DNS1123SubdomainPrefix', (s) => nameIsDNSSubdomain(s, true)),
  dns1035LabelPrefix: new NamedFormat('DNS1035LabelPrefix', (s) => nameIsDNS1035Label(s, true)),
  labelValue: new NamedFormat('LabelValue', isValidLabelValue),
  uri: new NamedFormat('URI', (s) => {
    const r = parseRequestURI(s);
    return typeof r === 'string' ? [r] : [];
  }),
  uuid: new NamedFormat('uuid', strfmt('uuid', 'does not match the UUID format')),
  byte: new NamedFormat('byte', strfmt('byte', 'invalid base64')),
  date: new NamedFormat('date', strfmt('date', 'invalid date')),
  datetime: new NamedFormat('datetime', strfmt('datetime', 'invalid datetime')),
};

// ---------------------------------------------------------------------------------------------
// Semantic versions (blang/semver)

export class Semver implements Opaque {
  readonly celTypeName = 'kubernetes.Semver';
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: string[],
    readonly build: string[],
  ) {}

  celEquals(other: unknown): boolean {
    return other instanceof Semver && this.compare(other) === 0;
  }

  toString(): string {
    let s = `${this.major}.${this.minor}.${this.patch}`;
    if (this.pre.length) s += '-' + this.pre.join('.');
    if (this.build.length) s += '+' + this.build.join('.');
    return s;
  }

  toJs(): unknown {
    return this.toString();
  }

  compare(o: Semver): number {
    for (const [a, b] of [
      [this.major, o.major],
      [this.minor, o.minor],
      [this.patch, o.patch],
    ] as const) {
      if (a !== b) return a < b ? -1 : 1;
    }
    if (!this.pre.length && !o.pre.length) return 0;
    if (!this.pre.length) return 1;
    if (!o.pre.length) return -1;
    for (let i = 0; ; i++) {
      const a = this.pre[i];
      const b = o.pre[i];
      if (a === undefined && b === undefined) return 0;
      if (a === undefined) return -1;
      if (b === undefined) return 1;
      const an = /^[0-9]+$/.test(a);
      const bn = /^[0-9]+$/.test(b);
      if (an && bn) {
        const x = BigInt(a);
        const y = BigInt(b);
        if (x !== y) return x < y ? -1 : 1;
      } else if (an !== bn) {
        return an ? -1 : 1;
      } else if (a !== b) {
        return a < b ? -1 : 1;
      }
    }
  }
}

const ALNUM_HYPHEN = /^[0-9A-Za-z-]+$/;

/** blang/semver's Parse (strict semver 2.0.0), with its error texts. */
export function parseSemver(s: string): Semver | CelErr {
  if (s === '') return new CelErr('Version string empty');
  const parts = s.split('.');
  if (parts.length < 3) return new CelErr('No Major.Minor.Patch elements found');
  const first = parts.slice(0, 2);
  let rest = s.slice(first[0]!.length + first[1]!.length + 2);
  const nums: bigint[] = [];
  for (const [i, name] of (['major', 'minor'] as const).entries()) {
    const p = first[i] as string;
    if (!/^[0-9]+$/.test(p)) return new CelErr(`Invalid character(s) found in ${name} number ${goQuote(p)}`);
    if (p.length > 1 && p[0] === '0') return new CelErr(`${name === 'major' ? 'Major' : 'Minor'} number must not contain leading zeroes ${goQuote(p)}`);
    nums.push(BigInt(p));
  }
  let build: string[] = [];
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    build = rest.slice(plus + 1).split('.');
    rest = rest.slice(0, plus);
  }
  let pre: string[] = [];
  const dash = rest.indexOf('-');
  let patch = rest;
  if (dash >= 0) {
    pre = rest.slice(dash + 1).split('.');
    patch = rest.slice(0, dash);
  }
  if (!/^[0-9]+$/.test(patch)) return new CelErr(`Invalid character(s) found in patch number ${goQuote(patch)}`);
  if (patch.length > 1 && patch[0] === '0') return new CelErr(`Patch number must not contain leading zeroes ${goQuote(patch)}`);
  for (const p of pre) {
    if (p === '') return new CelErr('Prerelease is empty');
    if (!ALNUM_HYPHEN.test(p)) return new CelErr(`Invalid character(s) found in prerelease ${goQuote(p)}`);
    if (/^[0-9]+$/.test(p) && p.length > 1 && p[0] === '0') return new CelErr(`Numeric PreRelease version must not contain leading zeroes ${goQuote(p)}`);
  }
  for (const b of build) {
    if (b === '') return new CelErr(`Build meta data can not be empty ${goQuote(b)}`);
    if (!ALNUM_HYPHEN.test(b)) return new CelErr(`Invalid character(s) found in build meta data ${goQuote(b)}`);
  }
  return new Semver(nums[0] as bigint, nums[1] as bigint, BigInt(patch), pre, build);
}

/** The library's normalizeAndParse (strip `v`, fill missing parts, drop leading zeros). */
export function parseSemverNormalized(s: string): Semver | CelErr {
  if (s.startsWith('v')) s = s.slice(1);
  const parts = splitN(s, '.', 3);
  for (let i = 0; i < parts.length; i++) {
    let p = parts[i] as string;
    if (p.length > 1) {
      p = p.replace(/^0+/, '');
      if (p.length === 0 || !/[0-9]/.test(p[0] as string)) p = '0' + p;
      parts[i] = p;
    }
  }
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1] as string)) return new CelErr('short version cannot contain PreRelease/Build meta data');
    while (parts.length < 3) parts.push('0');
  }
  return parseSemver(parts.join('.'));
}

/** Go's strings.SplitN. */
export function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const cps = Array.from(s);
    if (n < 0 || n >= cps.length) return cps;
    return [...cps.slice(0, n - 1), cps.slice(n - 1).join('')];
  }
  const out: string[] = [];
  let rest = s;
  while (n < 0 || out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}
