// The cluster's PKI: a CA, the API server's serving certificate and the admin's client
// certificate, made on first start and kept in `<data-dir>/pki`. ECDSA P-256 keys: as strong
// as RSA 3072 for TLS and made in a millisecond, so the first `kubelite up` stays fast.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSigningKey } from './tokens.ts';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR = 365 * 24 * 3600 * 1000;

export interface KeyPair {
  cert: string;
  key: string;
}

export interface Pki {
  ca: KeyPair;
  server: KeyPair;
  admin: KeyPair;
  /** Signs ServiceAccount tokens (PKCS#8 PEM, ECDSA P-256). */
  serviceAccountKey: string;
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decode(pem)[0]!, ALG, true, ['sign']);
}

function serial(): string {
  return webcrypto.getRandomValues(new Uint8Array(16)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '7');
}

async function issue(options: {
  subject: string;
  issuer: { cert: x509.X509Certificate; key: CryptoKey } | undefined;
  years: number;
  ca?: boolean;
  serverNames?: { dns: string[]; ips: string[] };
  client?: boolean;
}): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.ca ?? false, undefined, true),
    new x509.KeyUsagesExtension(
      options.ca
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature
        : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (options.serverNames || options.client) {
    const usages: string[] = [];
    if (options.serverNames) usages.push(x509.ExtendedKeyUsage.serverAuth);
    if (options.client) usages.push(x509.ExtendedKeyUsage.clientAuth);
    extensions.push(new x509.ExtendedKeyUsageExtension(usages));
  }
  if (options.serverNames) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...options.serverNames.dns.map((value) => ({ type: 'dns' as const, value })),
        ...options.serverNames.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  if (options.issuer) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(options.issuer.cert));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: options.subject,
    issuer: options.issuer ? options.issuer.cert.subject : options.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + options.years * YEAR),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: options.issuer ? options.issuer.key : keys.privateKey,
    extensions,
  });
  return { cert, keys };
}

async function pair(r: { cert: x509.X509Certificate; keys: CryptoKeyPair }): Promise<KeyPair> {
  return { cert: r.cert.toString('pem'), key: await exportKey(r.keys.privateKey) };
}

/** The names the serving certificate is valid for: what clients inside and outside use. */
export const SERVER_NAMES = {
  dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
  ips: ['127.0.0.1', '::1', '10.96.0.1'],
};

export async function generatePki(): Promise<Pki> {
  const ca = await issue({ subject: 'CN=kubelite-ca', issuer: undefined, years: 10, ca: true });
  const issuer = { cert: ca.cert, key: ca.keys.privateKey };
  const server = await issue({ subject: 'CN=kube-apiserver', issuer, years: 1, serverNames: SERVER_NAMES });
  const admin = await issue({ subject: 'CN=kubernetes-admin, O=system:masters', issuer, years: 1, client: true });
  return { ca: await pair(ca), server: await pair(server), admin: await pair(admin), serviceAccountKey: generateSigningKey() };
}

/**
 * A client certificate signed by `ca` for a subject in RFC 4514 form (`CN=jane, O=devs`),
 * valid over the given window (default: a year from a minute ago).
 */
export async function issueClientCertificate(ca: KeyPair, subject: string, validity: { notBefore?: Date; notAfter?: Date } = {}): Promise<KeyPair> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = new x509.X509Certificate(ca.cert);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: validity.notBefore ?? new Date(now - 60_000),
    notAfter: validity.notAfter ?? new Date(now + YEAR),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

const FILES = { ca: 'ca', server: 'apiserver', admin: 'admin' } as const;

/** Loads the PKI from `dir`, making it (and the directory) on first use. */
export async function loadOrCreatePki(dir: string): Promise<Pki> {
  try {
    const read = async (name: string): Promise<KeyPair> => ({
      cert: await readFile(join(dir, `${name}.crt`), 'utf8'),
      key: await readFile(join(dir, `${name}.key`), 'utf8'),
    });
    const saPath = join(dir, 'sa.key');
    let serviceAccountKey = await readFile(saPath, 'utf8').catch(() => undefined);
    if (serviceAccountKey === undefined) {
      // Data dirs made before service-account tokens existed get their key now.
      serviceAccountKey = generateSigningKey();
      await writeFile(saPath, serviceAccountKey, { mode: 0o600 });
    }
    const pki: Pki = { ca: await read(FILES.ca), server: await read(FILES.server), admin: await read(FILES.admin), serviceAccountKey };
    await importKey(pki.ca.key); // a damaged key is caught here, not at the first handshake
    return pki;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pki = await generatePki();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [k, name] of Object.entries(FILES) as ['ca' | 'server' | 'admin', string][]) {
    await writeFile(join(dir, `${name}.crt`), pki[k].cert);
    await writeFile(join(dir, `${name}.key`), pki[k].key, { mode: 0o600 });
  }
  await writeFile(join(dir, 'sa.key'), pki.serviceAccountKey, { mode: 0o600 });
  return pki;
}

/** Subject of a client certificate as Kubernetes reads it: CN is the user, each O a group. */
export function subjectOf(subject: { CN?: string | string[]; O?: string | string[] }): { user: string; groups: string[] } {
  const cn = Array.isArray(subject.CN) ? subject.CN[0] : subject.CN;
  const o = subject.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
  return { user: cn ?? '', groups: o };
}
