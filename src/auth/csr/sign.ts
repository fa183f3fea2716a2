// The built-in signers of kube-controller-manager's csrsigning controller: which requests each
// accepts (pkg/controller/certificates/signer, pkg/apis/certificates/helpers.go) and how the
// cluster CA turns an approved request into a certificate (controller/certificates/authority:
// PermissiveSigningPolicy, then x509.CreateCertificate's encoding).

import { createPrivateKey, createPublicKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import {
  bitString,
  bool,
  children,
  CONTEXT,
  decodeOid,
  decodeTime,
  explicit,
  expect,
  goString,
  ia5,
  implicitPrim,
  nullValue,
  octets,
  oid,
  parseOne,
  seq,
  set,
  smallInt,
  TAG,
  time,
  type Tlv,
  unsignedInt,
} from './der.ts';
import { goQuote } from '../../api/validation/errors.ts';
import { checkRequest, CsrError, pemDecode, type CheckedCsr, type GoName, type ParsedCsr } from './parse.ts';

export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN = 'kubernetes.io/legacy-unknown';

/** The signers this cluster's CA issues for. legacy-unknown is never signed (v1 refuses it). */
export const SIGNERS: readonly string[] = Object.freeze([KUBE_APISERVER_CLIENT, KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING]);

/** The reason upstream's signer puts on the Failed condition when signerRefusal says no. */
export const SIGNER_VALIDATION_FAILURE = 'SignerValidationFailure';

// ---------------------------------------------------------------------------------------------
// Which requests a signer accepts

function sameSet(usages: readonly string[], want: readonly string[]): boolean {
  const a = new Set(usages);
  return a.size === want.length && want.every((u) => a.has(u));
}

/** Go's %v of a []string. */
const goList = (xs: readonly string[]): string => `[${xs.join(' ')}]`;

const KUBELET_CLIENT_USAGES = ['client auth', 'digital signature', 'key encipherment'];
const KUBELET_CLIENT_USAGES_NO_RSA = ['client auth', 'digital signature'];
const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
const KUBELET_SERVING_USAGES_NO_RSA = ['digital signature', 'server auth'];

const onlySystemNodes = (csr: ParsedCsr): boolean => csr.subject.organizations.length === 1 && csr.subject.organizations[0] === 'system:nodes';
const nodeCommonName = (csr: ParsedCsr): boolean => (csr.subject.commonName ?? '').startsWith('system:node:');

function kubeletClientRefusal(csr: ParsedCsr, usages: readonly string[]): string | undefined {
  if (!onlySystemNodes(csr)) return 'subject organization is not system:nodes';
  if (csr.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
  if (csr.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (csr.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
  if (csr.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!nodeCommonName(csr)) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, KUBELET_CLIENT_USAGES) && !sameSet(usages, KUBELET_CLIENT_USAGES_NO_RSA)) {
    return `usages did not match ${goList(KUBELET_CLIENT_USAGES)}`;
  }
  return undefined;
}

function kubeletServingRefusal(csr: ParsedCsr, usages: readonly string[]): string | undefined {
  if (!onlySystemNodes(csr)) return 'subject organization is not system:nodes';
  if (csr.dnsNames.length === 0 && csr.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (csr.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (csr.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, KUBELET_SERVING_USAGES) && !sameSet(usages, KUBELET_SERVING_USAGES_NO_RSA)) {
    return `usages did not match ${goList(KUBELET_SERVING_USAGES)}`;
  }
  if (!nodeCommonName(csr)) return 'subject common name does not begin with system:node:';
  return undefined;
}

function apiserverClientRefusal(usages: readonly string[]): string | undefined {
  let hasClientAuth = false;
  for (const u of usages) {
    if (u === 'client auth') hasClientAuth = true;
    else if (u !== 'digital signature' && u !== 'key encipherment') return `invalid usage for client certificate: ${u}`;
  }
  if (!hasClientAuth) return 'missing required usage for client certificate: client auth';
  return undefined;
}

/**
 * Why the built-in signer refuses this request, or undefined if it may sign. No signer accepts
 * "cert sign" (the usages are fixed sets), and issued certificates are never CAs. A name outside
 * SIGNERS gets upstream's `unrecognized signerName`; a signing loop should leave such requests
 * alone rather than mark them Failed, as upstream's controllers ignore signers they do not own.
 */
export function signerRefusal(signerName: string, csr: ParsedCsr, usages: string[]): string | undefined {
  switch (signerName) {
    case KUBE_APISERVER_CLIENT:
      return apiserverClientRefusal(usages);
    case KUBE_APISERVER_CLIENT_KUBELET:
      return kubeletClientRefusal(csr, usages);
    case KUBELET_SERVING:
      return kubeletServingRefusal(csr, usages);
    default:
      return `unrecognized signerName: ${goQuote(signerName)}`;
  }
}

/**
 * The CertificateSubjectRestriction admission plugin (on by default): on create, a request for
 * kube-apiserver-client may not ask for the system:masters group. The message goes in a 403
 * (`certificatesigningrequests.certificates.k8s.io "<name>" is forbidden: <message>`).
 */
export function subjectRestriction(signerName: string, csr: ParsedCsr): string | undefined {
  if (signerName !== KUBE_APISERVER_CLIENT) return undefined;
  if (csr.subject.organizations.includes('system:masters')) {
    return `use of ${KUBE_APISERVER_CLIENT} signer with system:masters group is not allowed`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Signing

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** kube-controller-manager's --cluster-signing-duration default (8760h). */
export const DEFAULT_CERT_TTL_MS = 8760 * HOUR;
const BACKDATE = 5 * MINUTE;
/** Below this the end time is not backdated (5 minutes is about 1% of 8 hours). */
const SHORT = 8 * HOUR;
const MIN_TTL = 10 * MINUTE;

/** The lifetime the signer grants: the request's, within [10m, the signer's maximum]. */
export function grantedTtl(expirationSeconds: number | undefined, maxTtlMs = DEFAULT_CERT_TTL_MS): number {
  if (expirationSeconds === undefined || expirationSeconds === null) return maxTtlMs;
  const requested = expirationSeconds * SECOND;
  if (requested > maxTtlMs) return maxTtlMs;
  if (requested < MIN_TTL) return MIN_TTL;
  return requested;
}

const KEY_USAGE_BITS: Record<string, number> = {
  signing: 1 << 0,
  'digital signature': 1 << 0,
  'content commitment': 1 << 1,
  'key encipherment': 1 << 2,
  'data encipherment': 1 << 3,
  'key agreement': 1 << 4,
  'cert sign': 1 << 5,
  'crl sign': 1 << 6,
  'encipher only': 1 << 7,
  'decipher only': 1 << 8,
};

/** Extended key usages by Go's x509.ExtKeyUsage value, which orders them in the certificate. */
const EXT_KEY_USAGES: Record<string, [number, string]> = {
  any: [0, '2.5.29.37.0'],
  'server auth': [1, '1.3.6.1.5.5.7.3.1'],
  'client auth': [2, '1.3.6.1.5.5.7.3.2'],
  'code signing': [3, '1.3.6.1.5.5.7.3.3'],
  'email protection': [4, '1.3.6.1.5.5.7.3.4'],
  's/mime': [4, '1.3.6.1.5.5.7.3.4'],
  'ipsec end system': [5, '1.3.6.1.5.5.7.3.5'],
  'ipsec tunnel': [6, '1.3.6.1.5.5.7.3.6'],
  'ipsec user': [7, '1.3.6.1.5.5.7.3.7'],
  timestamping: [8, '1.3.6.1.5.5.7.3.8'],
  'ocsp signing': [9, '1.3.6.1.5.5.7.3.9'],
  'microsoft sgc': [10, '1.3.6.1.4.1.311.10.3.3'],
  'netscape sgc': [11, '2.16.840.1.113730.4.1'],
};

function usagesToX509(usages: readonly string[]): { keyUsage: number; extKeyUsages: string[] } {
  let keyUsage = 0;
  const ext = new Map<number, string>();
  const unrecognized: string[] = [];
  for (const u of usages) {
    const bit = KEY_USAGE_BITS[u];
    const eku = EXT_KEY_USAGES[u];
    if (bit !== undefined) keyUsage |= bit;
    else if (eku !== undefined) ext.set(eku[0], eku[1]);
    else unrecognized.push(u);
  }
  if (unrecognized.length > 0) {
    throw new CsrError(`unrecognized usage values: [${unrecognized.map(goQuote).join(' ')}]`);
  }
  return { keyUsage, extKeyUsages: [...ext.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]) };
}

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if (b & (1 << i)) r |= 1 << (7 - i);
  return r;
}

/** The KeyUsage BIT STRING, trimmed after its last set bit as Go trims it. */
function keyUsageValue(ku: number): Uint8Array {
  const a = [reverseBits(ku & 0xff), reverseBits((ku >> 8) & 0xff)];
  const bytes = a[1] !== 0 ? a : [a[0] as number];
  let bitLen = bytes.length * 8;
  outer: for (let i = bytes.length - 1; i >= 0; i--) {
    for (let bit = 0; bit < 8; bit++) {
      if (((bytes[i] as number) >> bit) & 1) break outer;
      bitLen--;
    }
  }
  return bitString(Uint8Array.from(bytes), bytes.length * 8 - bitLen);
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/** pkix.Name.ToRDNSequence, marshalled: one RDN per attribute type, values sorted as a DER SET. */
function encodeName(n: GoName): Uint8Array {
  const rdns: Uint8Array[] = [];
  const add = (type: string, values: string[]): void => {
    if (values.length === 0) return;
    const atvs = values.map((v) => seq(oid(type), goString(v))).sort((a, b) => Buffer.compare(a, b));
    rdns.push(set(...atvs));
  };
  add('2.5.4.6', n.country);
  add('2.5.4.8', n.province);
  add('2.5.4.7', n.locality);
  add('2.5.4.9', n.streetAddress);
  add('2.5.4.17', n.postalCode);
  add('2.5.4.10', n.organization);
  add('2.5.4.11', n.organizationalUnit);
  if (n.commonName !== '') add('2.5.4.3', [n.commonName]);
  if (n.serialNumber !== '') add('2.5.4.5', [n.serialNumber]);
  return seq(...rdns);
}

function sanValue(c: CheckedCsr): Uint8Array {
  const names: Uint8Array[] = [];
  for (const d of c.dnsNames) names.push(ia5(d, 0x82));
  for (const e of c.emailAddresses) names.push(ia5(e, 0x81));
  for (const ip of c.ipBytes) {
    const v4 = ip.length === 16 && ip.subarray(0, 10).every((x) => x === 0) && ip[10] === 0xff && ip[11] === 0xff ? ip.subarray(12) : ip;
    names.push(implicitPrim(7, v4));
  }
  for (const u of c.uris) names.push(ia5(u, 0x86));
  return seq(...names);
}

interface CaCert {
  subject: Uint8Array;
  notAfter: number;
  subjectKeyId: Uint8Array | undefined;
}

function parseCaCert(pem: string): CaCert {
  const found = pemDecode(pem);
  if (found === undefined || found.block.type !== 'CERTIFICATE') throw new CsrError('error reading CA cert: data does not contain any valid RSA or ECDSA certificates');
  const [tbs] = children(expect(parseOne(found.block.bytes), TAG.SEQUENCE));
  let fields = children(expect(tbs, TAG.SEQUENCE));
  if (fields[0]?.cls === CONTEXT && fields[0].tag === 0) fields = fields.slice(1);
  const [, , , validity, subject, , ...rest] = fields;
  const [, notAfter] = children(expect(validity, TAG.SEQUENCE));
  let subjectKeyId: Uint8Array | undefined;
  const extsTlv = rest.find((t) => t.cls === CONTEXT && t.tag === 3);
  if (extsTlv) {
    for (const ext of children(children(extsTlv)[0] as Tlv)) {
      const parts = children(ext);
      if (decodeOid((parts[0] as Tlv).content) !== '2.5.29.14') continue;
      const value = (parts[parts.length - 1] as Tlv).content;
      subjectKeyId = Uint8Array.from(expect(parseOne(value), TAG.OCTET_STRING).content);
    }
  }
  return { subject: Uint8Array.from((subject as Tlv).full), notAfter: decodeTime(notAfter as Tlv), subjectKeyId };
}

/** Go's signingParamsForKey: the signature algorithm a CA key signs with. */
function signingParams(key: KeyObject): { algId: Uint8Array; hash: string | null; ecdsa: boolean } {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return { algId: seq(oid('1.2.840.10045.4.3.3')), hash: 'sha384', ecdsa: true };
      if (curve === 'secp521r1') return { algId: seq(oid('1.2.840.10045.4.3.4')), hash: 'sha512', ecdsa: true };
      return { algId: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256', ecdsa: true };
    }
    case 'rsa':
      return { algId: seq(oid('1.2.840.113549.1.1.11'), nullValue()), hash: 'sha256', ecdsa: false };
    case 'ed25519':
      return { algId: seq(oid('1.3.101.112')), hash: null, ecdsa: false };
    default:
      throw new CsrError(`x509: unknown key type ${String(key.asymmetricKeyType)}`);
  }
}

/** Go's time.Time String() for a UTC time. */
function goTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' +0000 UTC');
}

function serialNumber(): Uint8Array {
  // Upstream draws uniformly from [0, 2^128); zero is redrawn so the serial stays positive.
  for (;;) {
    const b = randomBytes(16);
    if (b.some((x) => x !== 0)) return unsignedInt(b);
  }
}

export function pemEncode(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** The certificate (DER) the signer issues for a checked request. */
export function issueCertificate(
  ca: { cert: string; key: string },
  csr: CheckedCsr,
  usages: readonly string[],
  expirationSeconds: number | undefined,
  now: number,
  maxTtlMs = DEFAULT_CERT_TTL_MS,
): Uint8Array {
  const caCert = parseCaCert(ca.cert);
  const caKey = createPrivateKey(ca.key);
  const notBefore = now - BACKDATE;
  if (notBefore >= caCert.notAfter) throw new CsrError(`the signer has expired: NotAfter=${goTime(caCert.notAfter)}`);

  const ttl = grantedTtl(expirationSeconds, maxTtlMs);
  const { keyUsage, extKeyUsages } = usagesToX509(usages);
  let notAfter = ttl < SHORT ? now + ttl : now + ttl - BACKDATE;
  if (notAfter >= caCert.notAfter) notAfter = caCert.notAfter;
  if (now >= caCert.notAfter) {
    throw new CsrError(`refusing to sign a certificate that expired in the past: NotAfter=${goTime(caCert.notAfter)}`);
  }

  const subject = encodeName(csr.name);
  const exts: Uint8Array[] = [];
  if (keyUsage !== 0) exts.push(extension('2.5.29.15', true, keyUsageValue(keyUsage)));
  if (extKeyUsages.length > 0) exts.push(extension('2.5.29.37', false, seq(...extKeyUsages.map(oid))));
  exts.push(extension('2.5.29.19', true, seq())); // CA:FALSE, no path length
  if (caCert.subjectKeyId && Buffer.compare(caCert.subject, subject) !== 0) {
    exts.push(extension('2.5.29.35', false, seq(implicitPrim(0, caCert.subjectKeyId))));
  }
  if (csr.dnsNames.length + csr.emailAddresses.length + csr.ipBytes.length + csr.uris.length > 0) {
    // An empty subject makes the SAN extension critical (RFC 5280 4.2.1.6).
    exts.push(extension('2.5.29.17', subject.length === 2, sanValue(csr)));
  }

  const params = signingParams(caKey);
  const spki = createPublicKey({ key: Buffer.from(csr.spki), format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
  const tbs = seq(
    explicit(0, smallInt(2)),
    serialNumber(),
    params.algId,
    caCert.subject,
    seq(time(notBefore), time(notAfter)),
    subject,
    spki,
    explicit(3, seq(...exts)),
  );
  const signature = cryptoSign(params.hash, tbs, params.ecdsa ? { key: caKey, dsaEncoding: 'der' } : caKey);
  return seq(tbs, params.algId, bitString(signature));
}

/**
 * Signs an approved request as the csrsigning controller does and returns base64 of the PEM
 * certificate (what status.certificate holds). The certificate carries the request's subject
 * (re-encoded as Go re-encodes it), SANs and public key, key usages and extended key usages
 * from `usages`, CA:FALSE, and runs from now-5m for the granted lifetime (the end backdated
 * too when that is 8h or more), never past the CA's own expiry.
 */
export async function signCsr(
  ca: { cert: string; key: string },
  requestBase64: string,
  usages: string[],
  expirationSeconds: number | undefined,
  now: number,
): Promise<string> {
  const csr = checkRequest(requestBase64);
  const der = issueCertificate(ca, csr, usages, expirationSeconds, now);
  return Buffer.from(pemEncode('CERTIFICATE', der)).toString('base64');
}
