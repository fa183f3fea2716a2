// The pure parts of certificates.k8s.io/v1 CertificateSigningRequests: reading spec.request,
// validating the object as the API server does, and signing approved requests for the
// built-in signers with the cluster CA as kube-controller-manager's csrsigning controller does.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { checkRequest, publicView, type ParsedCsr } from './parse.ts';
import { pemEncode } from './sign.ts';

export { CsrError, type CsrErrorReason, type ParsedCsr } from './parse.ts';
export {
  DEFAULT_CERT_TTL_MS,
  grantedTtl,
  KUBE_APISERVER_CLIENT,
  KUBE_APISERVER_CLIENT_KUBELET,
  KUBELET_SERVING,
  LEGACY_UNKNOWN,
  SIGNER_VALIDATION_FAILURE,
  SIGNERS,
  signCsr,
  signerRefusal,
  subjectRestriction,
} from './sign.ts';
export {
  csrFieldErrors,
  KEY_USAGES,
  prepareCsrForCreate,
  prepareCsrForUpdate,
  validateCsrObject,
  type CsrProblem,
  type CsrRequester,
  type CsrSubresource,
} from './validation.ts';

// The same provider src/apiserver/pki.ts installs; setting it here keeps makeCsr usable without
// loading the API server's PKI module.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * spec.request (base64 of PEM) to its subject, SANs and key algorithm. Throws CsrError with
 * upstream's message when it is not a PEM CERTIFICATE REQUEST, does not parse, or its
 * signature does not verify.
 */
export async function parseCsr(requestBase64: string): Promise<ParsedCsr> {
  return publicView(checkRequest(requestBase64));
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * A new ECDSA P-256 key and a request for CN/O (and DNS/IP SANs): `request` is ready for
 * spec.request, `keyPem` is the PKCS#8 private key.
 */
export async function makeCsr(
  commonName: string,
  organizations: string[] = [],
  sans: { dns?: string[]; ips?: string[] } = {},
): Promise<{ request: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  // One RDN per attribute, as a JSON name: no string escaping to get wrong for ':' or ','.
  const name: x509.JsonName = [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }];
  const names = [
    ...(sans.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(sans.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys: keys as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'],
    signingAlgorithm: EC,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    request: Buffer.from(csr.toString('pem') + '\n').toString('base64'),
    keyPem: pemEncode('PRIVATE KEY', new Uint8Array(pkcs8)),
  };
}
