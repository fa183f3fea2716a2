// spec.request: base64 (as Go's JSON decoder reads []byte) of PEM (as Go's pem.Decode finds the
// first block) of a DER PKCS#10 request (as crypto/x509.ParseCertificateRequest reads it), whose
// signature is checked as CertificateRequest.CheckSignature checks it. Errors carry Go's words.

import { createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import { ipv6Text } from '../../util/ip.ts';
import {
  children,
  CONTEXT,
  decodeOid,
  decodeString,
  DerError,
  expect,
  isUniversal,
  parseOne,
  TAG,
  type Tlv,
} from './der.ts';

export type CsrErrorReason = 'base64' | 'pem' | 'parse' | 'signature';

export class CsrError extends Error {
  /**
   * Which step refused the request. `base64` is a JSON decoding failure upstream (a 400 before
   * validation runs); the rest are what validation reports on spec.request.
   */
  readonly reason: CsrErrorReason;
  constructor(message: string, reason: CsrErrorReason = 'parse') {
    super(message);
    this.name = 'CsrError';
    this.reason = reason;
  }
}

export interface ParsedCsr {
  subject: { commonName?: string; organizations: string[] };
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  publicKeyAlgorithm: string;
}

/** The subject fields Go's pkix.Name keeps; re-encoding them is what Go signs into a certificate. */
export interface GoName {
  country: string[];
  province: string[];
  locality: string[];
  streetAddress: string[];
  postalCode: string[];
  organization: string[];
  organizationalUnit: string[];
  commonName: string;
  serialNumber: string;
}

/** A parsed and signature-checked request with what signing needs beyond ParsedCsr. */
export interface CheckedCsr extends ParsedCsr {
  name: GoName;
  /** The DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** SAN IP addresses as raw 4- or 16-byte values. */
  ipBytes: Uint8Array[];
}

// ---------------------------------------------------------------------------------------------
// base64, as encoding/base64.StdEncoding.Decode (newlines skipped, padding required)

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c.charCodeAt(0), i]));

function corrupt(at: number): CsrError {
  return new CsrError(`illegal base64 data at input byte ${at}`, 'base64');
}

/** Decodes `src` (bytes as a latin1 string) with Go's error positions. */
export function goBase64Decode(src: string): Uint8Array {
  const out: number[] = [];
  const n = src.length;
  const isNl = (c: number): boolean => c === 0x0a || c === 0x0d;
  let si = 0;
  while (si < n) {
    const q = [0, 0, 0, 0];
    let j = 0;
    let dlen = 4;
    while (j < 4) {
      if (si === n) {
        if (j === 0) return Uint8Array.from(out);
        throw corrupt(si - j);
      }
      const c = src.charCodeAt(si++);
      const v = B64_INDEX.get(c);
      if (v !== undefined) {
        q[j++] = v;
        continue;
      }
      if (isNl(c)) continue;
      if (c !== 0x3d) throw corrupt(si - 1);
      // '=' padding ends the input.
      if (j < 2) throw corrupt(si - 1);
      if (j === 2) {
        while (si < n && isNl(src.charCodeAt(si))) si++;
        if (si === n) throw corrupt(n);
        if (src.charCodeAt(si) !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      while (si < n && isNl(src.charCodeAt(si))) si++;
      if (si < n) throw corrupt(si);
      dlen = j;
      break;
    }
    const [a, b, c, d] = q as [number, number, number, number];
    const word = (a << 18) | (b << 12) | (c << 6) | d;
    out.push((word >> 16) & 0xff);
    if (dlen >= 3) out.push((word >> 8) & 0xff);
    if (dlen === 4) out.push(word & 0xff);
    if (dlen < 4) break;
  }
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------------------
// PEM, as encoding/pem.Decode

export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Uint8Array;
}

function getLine(s: string): [string, string] {
  const i = s.indexOf('\n');
  const line = i < 0 ? s : s.slice(0, i);
  const rest = i < 0 ? '' : s.slice(i + 1);
  return [line.replace(/[ \t\r]+$/, ''), rest];
}

/** The first well-formed PEM block in `data` (bytes as latin1), and what follows it. */
export function pemDecode(data: string): { block: PemBlock; rest: string } | undefined {
  let rest = data;
  for (;;) {
    if (rest.startsWith('-----BEGIN ')) rest = rest.slice('-----BEGIN '.length);
    else {
      const i = rest.indexOf('\n-----BEGIN ');
      if (i < 0) return undefined;
      rest = rest.slice(i + '\n-----BEGIN '.length);
    }
    let typeLine: string;
    [typeLine, rest] = getLine(rest);
    if (!typeLine.endsWith('-----')) continue;
    typeLine = typeLine.slice(0, -5);
    const headers: Record<string, string> = {};
    let truncated = false;
    for (;;) {
      if (rest.length === 0) {
        truncated = true;
        break;
      }
      const [line, next] = getLine(rest);
      const colon = line.indexOf(':');
      if (colon < 0) break;
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      rest = next;
    }
    if (truncated) return undefined;
    let endIndex: number;
    let endTrailerIndex: number;
    if (Object.keys(headers).length === 0 && rest.startsWith('-----END ')) {
      endIndex = 0;
      endTrailerIndex = '-----END '.length;
    } else {
      endIndex = rest.indexOf('\n-----END ');
      endTrailerIndex = endIndex + '\n-----END '.length;
    }
    if (endIndex < 0) continue;
    const trailerLen = typeLine.length + 5;
    const endTrailer = rest.slice(endTrailerIndex);
    if (endTrailer.length < trailerLen) continue;
    const trailer = endTrailer.slice(0, trailerLen);
    if (!trailer.startsWith(typeLine) || !trailer.endsWith('-----')) continue;
    if (getLine(endTrailer.slice(trailerLen))[0].length !== 0) continue;
    let bytes: Uint8Array;
    try {
      bytes = goBase64Decode(rest.slice(0, endIndex).replace(/[ \t]/g, ''));
    } catch {
      continue;
    }
    const after = getLine(rest.slice(endIndex + '\n-----END '.length - 1))[1];
    return { block: { type: typeLine, headers, bytes }, rest: after };
  }
}

// ---------------------------------------------------------------------------------------------
// PKCS#10

const OID = {
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  dsa: '1.2.840.10040.4.1',
  rsaPss: '1.2.840.113549.1.1.10',
};

const CURVES: Record<string, string> = {
  '1.3.132.0.33': 'P-224',
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

type KeyAlgo = 'RSA' | 'DSA' | 'ECDSA' | 'Ed25519';

/** Go's signatureAlgorithmDetails: name, the key algorithm it needs, and its hash. */
const SIG_ALGS: Record<string, { name: string; key: KeyAlgo; hash: string | null }> = {
  '1.2.840.113549.1.1.4': { name: 'MD5-RSA', key: 'RSA', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'SHA1-RSA', key: 'RSA', hash: 'sha1' },
  '1.3.14.3.2.29': { name: 'SHA1-RSA', key: 'RSA', hash: 'sha1' },
  '1.2.840.113549.1.1.11': { name: 'SHA256-RSA', key: 'RSA', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'SHA384-RSA', key: 'RSA', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'SHA512-RSA', key: 'RSA', hash: 'sha512' },
  '1.2.840.10040.4.3': { name: 'DSA-SHA1', key: 'DSA', hash: 'sha1' },
  '2.16.840.1.101.3.4.3.2': { name: 'DSA-SHA256', key: 'DSA', hash: 'sha256' },
  '1.2.840.10045.4.1': { name: 'ECDSA-SHA1', key: 'ECDSA', hash: 'sha1' },
  '1.2.840.10045.4.3.2': { name: 'ECDSA-SHA256', key: 'ECDSA', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ECDSA-SHA384', key: 'ECDSA', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ECDSA-SHA512', key: 'ECDSA', hash: 'sha512' },
  '1.3.101.112': { name: 'Ed25519', key: 'Ed25519', hash: null },
};

const PSS_HASHES: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const GO_KEY_TYPE: Record<KeyAlgo, string> = {
  RSA: '*rsa.PublicKey',
  DSA: '*dsa.PublicKey',
  ECDSA: '*ecdsa.PublicKey',
  Ed25519: 'ed25519.PublicKey',
};

const ERR_UNSUPPORTED = 'x509: cannot verify signature: algorithm unimplemented';

function emptyName(): GoName {
  return {
    country: [],
    province: [],
    locality: [],
    streetAddress: [],
    postalCode: [],
    organization: [],
    organizationalUnit: [],
    commonName: '',
    serialNumber: '',
  };
}

/** pkix.Name.FillFromRDNSequence over a DER Name. */
function parseName(t: Tlv): GoName {
  const name = emptyName();
  expect(t, TAG.SEQUENCE);
  for (const rdn of children(t)) {
    expect(rdn, TAG.SET);
    for (const atv of children(rdn)) {
      expect(atv, TAG.SEQUENCE);
      const [typ, val] = children(atv);
      const type = decodeOid(expect(typ, TAG.OID).content);
      if (val === undefined) throw new DerError('asn1: syntax error: sequence truncated');
      const value = decodeString(val);
      if (value === undefined || !type.startsWith('2.5.4.') || type.split('.').length !== 4) continue;
      switch (type.split('.')[3]) {
        case '3':
          name.commonName = value;
          break;
        case '5':
          name.serialNumber = value;
          break;
        case '6':
          name.country.push(value);
          break;
        case '7':
          name.locality.push(value);
          break;
        case '8':
          name.province.push(value);
          break;
        case '9':
          name.streetAddress.push(value);
          break;
        case '10':
          name.organization.push(value);
          break;
        case '11':
          name.organizationalUnit.push(value);
          break;
        case '17':
          name.postalCode.push(value);
          break;
      }
    }
  }
  return name;
}

/** net.IP.String(). */
export function ipString(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const v4mapped = b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (v4mapped) return [...b.subarray(12)].join('.');
  return ipv6Text(b);
}

function isIA5(b: Uint8Array): boolean {
  return b.every((x) => x < 0x80);
}

function parseSans(value: Uint8Array, out: CheckedCsr): void {
  let seqTlv: Tlv;
  try {
    seqTlv = parseOne(value);
  } catch {
    throw new CsrError('x509: invalid subject alternative names');
  }
  if (!isUniversal(seqTlv, TAG.SEQUENCE)) throw new CsrError('x509: invalid subject alternative names');
  let names: Tlv[];
  try {
    names = children(seqTlv);
  } catch {
    throw new CsrError('x509: invalid subject alternative name');
  }
  for (const n of names) {
    if (n.cls !== CONTEXT || n.constructed) continue;
    const s = Buffer.from(n.content).toString('latin1');
    switch (n.tag) {
      case 1:
        if (!isIA5(n.content)) throw new CsrError('x509: SAN rfc822Name is malformed');
        out.emailAddresses.push(s);
        break;
      case 2:
        if (!isIA5(n.content)) throw new CsrError('x509: SAN dNSName is malformed');
        out.dnsNames.push(s);
        break;
      case 6:
        if (!isIA5(n.content)) throw new CsrError('x509: SAN uniformResourceIdentifier is malformed');
        out.uris.push(s);
        break;
      case 7:
        if (n.content.length !== 4 && n.content.length !== 16) {
          throw new CsrError(`x509: cannot parse IP address of length ${n.content.length}`);
        }
        out.ipBytes.push(Uint8Array.from(n.content));
        out.ipAddresses.push(ipString(n.content));
        break;
    }
  }
}

/** The requested extensions (pkcs10 extensionRequest attributes), as parseCSRExtensions reads them. */
function parseRequestedExtensions(attrs: Tlv): { id: string; value: Uint8Array }[] {
  const exts: { id: string; value: Uint8Array }[] = [];
  const seen = new Set<string>();
  for (const attr of children(attrs)) {
    let id: string;
    let values: Tlv[];
    try {
      expect(attr, TAG.SEQUENCE);
      const [idTlv, setTlv, ...extra] = children(attr);
      if (extra.length > 0) continue;
      id = decodeOid(expect(idTlv, TAG.OID).content);
      values = children(expect(setTlv, TAG.SET));
    } catch {
      continue; // attributes that do not parse are ignored
    }
    if (values.length === 0 || id !== OID.extensionRequest) continue;
    const list = values[0] as Tlv;
    expect(list, TAG.SEQUENCE);
    for (const ext of children(list)) {
      expect(ext, TAG.SEQUENCE);
      const parts = children(ext);
      const extId = decodeOid(expect(parts[0], TAG.OID).content);
      const valueTlv = isUniversal(parts[1], TAG.BOOLEAN) ? parts[2] : parts[1];
      const extValue = expect(valueTlv, TAG.OCTET_STRING).content;
      if (seen.has(extId)) throw new CsrError('x509: certificate request contains duplicate requested extensions');
      seen.add(extId);
      exts.push({ id: extId, value: extValue });
    }
  }
  return exts;
}

interface PublicKeyInfo {
  algo: KeyAlgo | 'Unknown';
  key: KeyObject | undefined;
}

function parsePublicKey(spki: Tlv): PublicKeyInfo {
  const [algId] = children(expect(spki, TAG.SEQUENCE));
  const [algOid, params] = children(expect(algId, TAG.SEQUENCE));
  const oid = decodeOid(expect(algOid, TAG.OID).content);
  const load = (err: string): KeyObject => {
    try {
      return createPublicKey({ key: Buffer.from(spki.full), format: 'der', type: 'spki' });
    } catch {
      throw new CsrError(err);
    }
  };
  switch (oid) {
    case OID.rsaEncryption:
      if (params !== undefined && !isUniversal(params, TAG.NULL)) throw new CsrError('x509: RSA key missing NULL parameters');
      return { algo: 'RSA', key: load('x509: invalid RSA public key') };
    case OID.ecPublicKey: {
      const curve = params !== undefined && isUniversal(params, TAG.OID) ? CURVES[decodeOid(params.content)] : undefined;
      if (curve === undefined) throw new CsrError('x509: unsupported elliptic curve');
      return { algo: 'ECDSA', key: load('x509: failed to unmarshal elliptic curve point') };
    }
    case OID.ed25519:
      if (params !== undefined) throw new CsrError('x509: Ed25519 key encoded with illegal parameters');
      return { algo: 'Ed25519', key: load('x509: wrong Ed25519 public key size') };
    case OID.dsa:
      // Go still parses DSA keys but no longer verifies with them.
      return { algo: 'DSA', key: undefined };
    default:
      return { algo: 'Unknown', key: undefined };
  }
}

/** CertificateRequest.CheckSignature (SHA-1 allowed, as it is for requests). */
function checkSignature(algTlv: Tlv, tbs: Uint8Array, signature: Uint8Array, pub: PublicKeyInfo): void {
  const [algOid, params] = children(expect(algTlv, TAG.SEQUENCE));
  const oid = decodeOid(expect(algOid, TAG.OID).content);
  let alg = SIG_ALGS[oid];
  let pss = false;
  if (oid === OID.rsaPss) {
    const hashAlg = params === undefined ? undefined : children(params).find((c) => c.cls === CONTEXT && c.tag === 0);
    const hashOid = hashAlg ? decodeOid(children(children(hashAlg)[0] as Tlv)[0]?.content ?? new Uint8Array()) : '';
    const hash = PSS_HASHES[hashOid];
    if (hash) {
      alg = { name: `${hash.toUpperCase()}-RSAPSS`, key: 'RSA', hash };
      pss = true;
    }
  }
  if (alg === undefined) throw new CsrError(ERR_UNSUPPORTED, 'signature');
  if (alg.hash === 'md5') throw new CsrError(`x509: cannot verify signature: insecure algorithm ${alg.name}`, 'signature');
  if (pub.key === undefined || pub.algo === 'Unknown' || pub.algo === 'DSA') throw new CsrError(ERR_UNSUPPORTED, 'signature');
  if (alg.key !== pub.algo) {
    throw new CsrError(
      `x509: signature algorithm specifies an ${alg.key} public key, but have public key of type ${GO_KEY_TYPE[pub.algo]}`,
      'signature',
    );
  }
  let ok: boolean;
  try {
    if (pub.algo === 'RSA') {
      ok = verify(
        alg.hash,
        tbs,
        pss ? { key: pub.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : pub.key,
        signature,
      );
    } else if (pub.algo === 'ECDSA') {
      ok = verify(alg.hash, tbs, { key: pub.key, dsaEncoding: 'der' }, signature);
    } else {
      ok = verify(null, tbs, pub.key, signature);
    }
  } catch {
    ok = false;
  }
  if (!ok) {
    const msg =
      pub.algo === 'RSA' ? 'crypto/rsa: verification error' : pub.algo === 'ECDSA' ? 'x509: ECDSA verification failure' : 'x509: Ed25519 verification failure';
    throw new CsrError(msg, 'signature');
  }
}

/** x509.ParseCertificateRequest followed by CheckSignature, on DER bytes. */
export function parseCsrDer(der: Uint8Array): CheckedCsr {
  try {
    const outer = parseOne(der);
    const [tbsTlv, sigAlg, sigTlv] = children(expect(outer, TAG.SEQUENCE));
    const tbs = expect(tbsTlv, TAG.SEQUENCE);
    const [version, subject, spki, attrs] = children(tbs);
    expect(version, TAG.INTEGER);
    if (subject === undefined || spki === undefined) throw new DerError('asn1: syntax error: sequence truncated');
    if (attrs === undefined || attrs.cls !== CONTEXT || attrs.tag !== 0 || !attrs.constructed) {
      throw new DerError("asn1: structure error: tags don't match");
    }
    const alg = expect(sigAlg, TAG.SEQUENCE);
    const sig = expect(sigTlv, TAG.BIT_STRING).content;
    if (sig.length === 0) throw new DerError('asn1: syntax error: zero length BIT STRING');

    const pub = parsePublicKey(spki);
    const out: CheckedCsr = {
      subject: { organizations: [] },
      dnsNames: [],
      ipAddresses: [],
      emailAddresses: [],
      uris: [],
      publicKeyAlgorithm: pub.algo,
      name: parseName(subject),
      spki: Uint8Array.from(spki.full),
      ipBytes: [],
    };
    if (out.name.commonName !== '') out.subject.commonName = out.name.commonName;
    out.subject.organizations = [...out.name.organization];
    for (const ext of parseRequestedExtensions(attrs)) {
      if (ext.id === OID.subjectAltName) parseSans(ext.value, out);
    }
    // The signature's first byte counts unused bits; signatures are whole bytes.
    checkSignature(alg, tbs.full, sig.subarray(1), pub);
    return out;
  } catch (err) {
    if (err instanceof DerError) throw new CsrError(err.message, 'parse');
    throw err;
  }
}

/** ParseCSR: the first PEM block must be a CERTIFICATE REQUEST. */
export function csrDerFromPem(pemBytes: Uint8Array): Uint8Array {
  const found = pemDecode(Buffer.from(pemBytes).toString('latin1'));
  if (found === undefined || found.block.type !== 'CERTIFICATE REQUEST') {
    throw new CsrError('PEM block type must be CERTIFICATE REQUEST', 'pem');
  }
  return found.block.bytes;
}

/** spec.request as JSON carries it (base64) to the checked request. */
export function checkRequest(requestBase64: string): CheckedCsr {
  return parseCsrDer(csrDerFromPem(decodeJsonBytes(requestBase64)));
}

/** A JSON string holding []byte: Go counts error positions in UTF-8 bytes. */
export function decodeJsonBytes(s: string): Uint8Array {
  return goBase64Decode(Buffer.from(s, 'utf8').toString('latin1'));
}

/** The public part of a checked request. */
export function publicView(c: CheckedCsr): ParsedCsr {
  const subject: ParsedCsr['subject'] = { organizations: [...c.subject.organizations] };
  if (c.subject.commonName !== undefined) subject.commonName = c.subject.commonName;
  return {
    subject,
    dnsNames: [...c.dnsNames],
    ipAddresses: [...c.ipAddresses],
    emailAddresses: [...c.emailAddresses],
    uris: [...c.uris],
    publicKeyAlgorithm: c.publicKeyAlgorithm,
  };
}
