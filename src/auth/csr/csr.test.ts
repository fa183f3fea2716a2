import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import {
  CsrError,
  csrFieldErrors,
  makeCsr,
  parseCsr,
  prepareCsrForCreate,
  prepareCsrForUpdate,
  signCsr,
  signerRefusal,
  SIGNERS,
  subjectRestriction,
  validateCsrObject,
  type ParsedCsr,
} from './index.ts';
import { goBase64Decode } from './parse.ts';
import { generatePki, type Pki } from '../../apiserver/pki.ts';
import { formatErrors } from '../../api/validation/errors.ts';

// Made with openssl req: RSA 2048 with DNS, email, URI and IPv6 SANs; Ed25519; and an MD5-signed one.
const RSA_CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIICyDCCAbACAQAwHjENMAsGA1UECgwEZGV2czENMAsGA1UEAwwEamFuZTCCASIw
DQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAK3dUIZe1zZrkl544aiqnK8M2qi9
/vpyKBkkjFNmfPhlEIN7Ki/yLekdUN3plOxBu56+Uw1t9n+vmJz/+wS5ZIV0OEoR
fEpEWTF519uSQcS12mepi1L0gRUlMhZ8FUQ1baPwhh5ckbpBVl3+Vl8V+16wxkGt
+xJLFkAawuRWJF9rwvQYPZmifnqzBbcIi63yVPZ+SI0jKCbJNqkZJuqLs9Y8xLyX
oIqZpJO2imW0wbmI4qE0LzWkab8sc2hc6LfvZmlqkdF4jwZsJb3zhCj69KEZOJwK
pfqe9lNouHXNQALd+FB1NnOzOKIzaYpjnoqnloViDlxPSmTTjkj04SZJNSUCAwEA
AaBlMGMGCSqGSIb3DQEJDjFWMFQwUgYDVR0RBEswSYIMamFuZS5leGFtcGxlgRBq
YW5lQGV4YW1wbGUuY29thhVzcGlmZmU6Ly9jbHVzdGVyL2phbmWHECABDbgAAAAA
AAAAAAAAAAEwDQYJKoZIhvcNAQELBQADggEBAHgv51f5r2NjA1dpNlgYHpzZIgM9
fHi6GCWYxC1OEpIzjrMtZloN6Fn6wsbbT2d72xE3dXKEWSA15kIvsknD4OZKryms
7v0WsLv1tAVQw1CHNSK5tLkmHVJ+K7i7En9/LESsVTX6wk+Lj4JY0MxSXyyZEZGq
Bx4620iyPE6Q07u9kipZEGyY7nrKCHqbxhsTmiSPNBEFgCzjtw7o2SizGgBU18Qi
2eGPTpSV8zMht+eKEn8DNI0NnufAv2jXNbHQElC8IxqZFhZvfU7D9gW2ppfOJkyo
+bvWIfk5vnExfZn1ZMdKt4WDdY2P/cdRAnnVKQtbekMQKTyjeJEHAqbwAjg=
-----END CERTIFICATE REQUEST-----
`;

const ED25519_CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIGMMEACAQAwDTELMAkGA1UEAwwCZWQwKjAFBgMrZXADIQB7x1sRC5PM2hyyaRfr
xoanQRollv2Fc9SjClcDSCSOpKAAMAUGAytlcANBAEfQjZB3eDewcR0xpw763A1t
vdLLGvMyHA7PMUOuDQWC4f4UWF52lnq+Y/klf8ESqgm3jJdLs8h/lQlGGY1Qywg=
-----END CERTIFICATE REQUEST-----
`;

const MD5_CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIICUzCCATsCAQAwDjEMMAoGA1UEAwwDbWQ1MIIBIjANBgkqhkiG9w0BAQEFAAOC
AQ8AMIIBCgKCAQEArd1Qhl7XNmuSXnjhqKqcrwzaqL3++nIoGSSMU2Z8+GUQg3sq
L/It6R1Q3emU7EG7nr5TDW32f6+YnP/7BLlkhXQ4ShF8SkRZMXnX25JBxLXaZ6mL
UvSBFSUyFnwVRDVto/CGHlyRukFWXf5WXxX7XrDGQa37EksWQBrC5FYkX2vC9Bg9
maJ+erMFtwiLrfJU9n5IjSMoJsk2qRkm6ouz1jzEvJegipmkk7aKZbTBuYjioTQv
NaRpvyxzaFzot+9maWqR0XiPBmwlvfOEKPr0oRk4nAql+p72U2i4dc1AAt34UHU2
c7M4ojNpimOeiqeWhWIOXE9KZNOOSPThJkk1JQIDAQABoAAwDQYJKoZIhvcNAQEE
BQADggEBAIA5bXUUjdM3vXY76Gm9Dp9lLmNC57jFVE53mCcnhydQUGCw1zi9K9S9
BUYS4wK3DTlYXEAzRg0ItS2XiQuvyQHEu12+YhQYRMvSz77Hbnj02fbnijyFQV2q
wHGsrUlte8rbyCXUhva01yt6nKU1d0W/zcGH7m1oS56E2itkGrkYMiX0dwEjBQez
1NZN4RAEm5MnEW3IL/5+gGg23AVyjdRq+UWUn9t8FLEvF2DTqoffop0CvL8lj9vu
yzG8PNh9lKQzdoyV//iZM6jh1RtWT4EjxXLQbr1BEyCbSRsUoJfAnD2ELdn2DNT+
O4uS/VPKRe+BcKzOL2j4IOhxC/zfB6Y=
-----END CERTIFICATE REQUEST-----
`;

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('latin1');

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** Changes the last byte: for these requests, the end of the signature. */
function flipLast(b: Buffer): void {
  b.writeUInt8(b.readUInt8(b.length - 1) ^ 0x01, b.length - 1);
}

function pemOf(der: Uint8Array, type = 'CERTIFICATE REQUEST'): string {
  const body = Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
}

async function refusal(requestBase64: string): Promise<CsrError> {
  try {
    await parseCsr(requestBase64);
  } catch (err) {
    assert.ok(err instanceof CsrError, `expected a CsrError, got ${String(err)}`);
    return err;
  }
  assert.fail('the request was accepted');
}

let pki: Pki;
before(async () => {
  pki = await generatePki();
});

// ---------------------------------------------------------------------------------------------

describe('parseCsr', () => {
  test('reads a request made by makeCsr', async () => {
    const { request, keyPem } = await makeCsr('system:node:n1', ['system:nodes'], { dns: ['n1.example'], ips: ['10.0.0.1', '2001:db8::1'] });
    assert.match(unb64(request), /^-----BEGIN CERTIFICATE REQUEST-----\n/);
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.deepEqual(await parseCsr(request), {
      subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] },
      dnsNames: ['n1.example'],
      ipAddresses: ['10.0.0.1', '2001:db8::1'],
      emailAddresses: [],
      uris: [],
      publicKeyAlgorithm: 'ECDSA',
    });
  });

  test('a request without organizations or SANs', async () => {
    const { request } = await makeCsr('jane');
    assert.deepEqual(await parseCsr(request), {
      subject: { commonName: 'jane', organizations: [] },
      dnsNames: [],
      ipAddresses: [],
      emailAddresses: [],
      uris: [],
      publicKeyAlgorithm: 'ECDSA',
    });
  });

  test('reads RSA and Ed25519 requests made by openssl, with every SAN kind', async () => {
    assert.deepEqual(await parseCsr(b64(RSA_CSR)), {
      subject: { commonName: 'jane', organizations: ['devs'] },
      dnsNames: ['jane.example'],
      ipAddresses: ['2001:db8::1'],
      emailAddresses: ['jane@example.com'],
      uris: ['spiffe://cluster/jane'],
      publicKeyAlgorithm: 'RSA',
    });
    const ed = await parseCsr(b64(ED25519_CSR));
    assert.equal(ed.publicKeyAlgorithm, 'Ed25519');
    assert.equal(ed.subject.commonName, 'ed');
  });

  test('text around the PEM block is ignored, as pem.Decode ignores it', async () => {
    const parsed = await parseCsr(b64(`a comment\n${RSA_CSR}trailing words\n`));
    assert.equal(parsed.subject.commonName, 'jane');
  });

  test('garbage and other PEM types are refused with upstream message', async () => {
    const msg = 'PEM block type must be CERTIFICATE REQUEST';
    for (const request of [b64('hello'), '', b64(pki.ca.cert), b64(pki.ca.key), b64(RSA_CSR.replace(/-----END CERTIFICATE REQUEST-----/, ''))]) {
      const err = await refusal(request);
      assert.equal(err.message, msg);
      assert.equal(err.reason, 'pem');
    }
  });

  test('a signature that does not verify is refused', async () => {
    const { request } = await makeCsr('jane');
    const der = derOf(unb64(request));
    flipLast(der); // the last byte of the ECDSA signature's s
    const ec = await refusal(b64(pemOf(der)));
    assert.equal(ec.message, 'x509: ECDSA verification failure');
    assert.equal(ec.reason, 'signature');

    const rsa = derOf(RSA_CSR);
    flipLast(rsa);
    assert.equal((await refusal(b64(pemOf(rsa)))).message, 'crypto/rsa: verification error');

    // The signed part counts too: the subject's CN "jane" becomes "jana".
    const renamed = derOf(RSA_CSR);
    const at = renamed.indexOf(Buffer.from('jane'));
    renamed[at + 3] = 'a'.charCodeAt(0);
    assert.equal((await refusal(b64(pemOf(renamed)))).message, 'crypto/rsa: verification error');

    const ed = derOf(ED25519_CSR);
    flipLast(ed);
    assert.equal((await refusal(b64(pemOf(ed)))).message, 'x509: Ed25519 verification failure');
  });

  test('MD5 signatures are refused as insecure', async () => {
    assert.equal((await refusal(b64(MD5_CSR))).message, 'x509: cannot verify signature: insecure algorithm MD5-RSA');
  });

  test('malformed DER inside the PEM gives encoding/asn1 errors', async () => {
    const der = derOf(RSA_CSR);
    assert.equal((await refusal(b64(pemOf(der.subarray(0, der.length - 10))))).message, 'asn1: syntax error: data truncated');
    assert.equal((await refusal(b64(pemOf(Buffer.concat([der, Buffer.from([0])]))))).message, 'asn1: syntax error: trailing data');
    const err = await refusal(b64(pemOf(Buffer.from([0x02, 0x01, 0x00]))));
    assert.equal(err.message, "asn1: structure error: tags don't match");
    assert.equal(err.reason, 'parse');
  });

  test('spec.request that is not base64 fails as Go JSON decoding fails', async () => {
    const err = await refusal('YWJj!ZGVm');
    assert.equal(err.message, 'illegal base64 data at input byte 4');
    assert.equal(err.reason, 'base64');
  });
});

describe('Go base64', () => {
  test('error positions match encoding/base64', () => {
    const pos = (s: string): string => {
      try {
        goBase64Decode(s);
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      }
    };
    assert.equal(pos('YQ=='), 'ok');
    assert.equal(pos('YQ='), 'illegal base64 data at input byte 3');
    assert.equal(pos('abc'), 'illegal base64 data at input byte 0');
    assert.equal(pos('abcde'), 'illegal base64 data at input byte 4');
    assert.equal(pos('Y==='), 'illegal base64 data at input byte 1');
    assert.equal(pos('YQ==YQ=='), 'illegal base64 data at input byte 4');
    assert.equal(pos('YW\r\nJj'), 'ok');
  });

  test('decodes what Buffer encodes, with line breaks anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(400), { maxLength: 5 }), (bytes, breaks) => {
        let s = Buffer.from(bytes).toString('base64');
        for (const b of breaks) {
          const at = b % (s.length + 1);
          s = `${s.slice(0, at)}\r\n${s.slice(at)}`;
        }
        assert.deepEqual(Buffer.from(goBase64Decode(s)), Buffer.from(bytes));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------

const ALL_USAGES =
  'supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", ' +
  '"decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", ' +
  '"key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"';

describe('validateCsrObject', () => {
  let request: string;
  before(async () => {
    request = (await makeCsr('jane', ['devs'])).request;
  });
  const csr = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>): Record<string, any> => ({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'jane' },
    spec: { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...spec },
    ...(status ? { status } : {}),
  });

  test('a well-formed request has no problems', async () => {
    assert.deepEqual(await validateCsrObject(csr({ expirationSeconds: 600 })), []);
    assert.deepEqual(await validateCsrObject(csr({ signerName: 'example.com/my-signer.v1' })), []);
  });

  test('an empty spec: request, usages and signerName', async () => {
    assert.deepEqual(await validateCsrObject({ metadata: { name: 'x' }, spec: {} }), [
      { field: 'spec.request', type: 'FieldValueInvalid', message: 'Invalid value: []byte(nil): PEM block type must be CERTIFICATE REQUEST' },
      { field: 'spec.usages', type: 'FieldValueRequired', message: 'Required value' },
      { field: 'spec.signerName', type: 'FieldValueRequired', message: 'Required value' },
    ]);
  });

  test('metadata is checked: a name is required', async () => {
    assert.deepEqual(await validateCsrObject({ ...csr(), metadata: {} }), [
      { field: 'metadata.name', type: 'FieldValueRequired', message: 'Required value: name or generateName is required' },
    ]);
  });

  test('a request that is not a CSR is printed as Go prints []byte', async () => {
    assert.deepEqual(await validateCsrObject(csr({ request: b64('hello') })), [
      {
        field: 'spec.request',
        type: 'FieldValueInvalid',
        message: 'Invalid value: []byte{0x68, 0x65, 0x6c, 0x6c, 0x6f}: PEM block type must be CERTIFICATE REQUEST',
      },
    ]);
  });

  test('a request whose signature fails', async () => {
    const der = derOf(RSA_CSR);
    flipLast(der);
    const [problem, ...rest] = await validateCsrObject(csr({ request: b64(pemOf(der)) }));
    assert.equal(rest.length, 0);
    assert.equal(problem?.field, 'spec.request');
    assert.match(problem?.message ?? '', /^Invalid value: \[\]byte\{0x2d, 0x2d, 0x2d, 0x2d, 0x2d, 0x42, .*\}: crypto\/rsa: verification error$/);
  });

  test('usages: unknown values and duplicates', async () => {
    assert.deepEqual(await validateCsrObject(csr({ usages: ['client auth', 'bogus', 'client auth'] })), [
      { field: 'spec.usages[1]', type: 'FieldValueNotSupported', message: `Unsupported value: "bogus": ${ALL_USAGES}` },
      { field: 'spec.usages[2]', type: 'FieldValueDuplicate', message: 'Duplicate value: "client auth"' },
    ]);
  });

  test('signerName must be <domain>/<path>', async () => {
    const problems = async (signerName: string): Promise<string[]> =>
      (await validateCsrObject(csr({ signerName }))).map((p) => `${p.field}: ${p.message}`);
    assert.deepEqual(await problems('example'), [
      "spec.signerName: Invalid value: \"example\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
    ]);
    assert.deepEqual(await problems('a/b/c'), [
      "spec.signerName: Invalid value: \"a/b/c\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
    ]);
    assert.deepEqual(await problems('example/signer'), [
      'spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots',
    ]);
    assert.deepEqual(await problems('Example.com/signer'), [
      'spec.signerName: Invalid value: "Example.com": validating label "Example": a lowercase RFC 1123 label must consist of lower case ' +
        "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', " +
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    assert.deepEqual(await problems('example.com/My_Signer'), [
      'spec.signerName: Invalid value: "My_Signer": validating label "My_Signer": a lowercase RFC 1123 subdomain must consist of lower ' +
        "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', " +
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    assert.deepEqual(await problems(`example.com/${'a'.repeat(600)}`), [
      'spec.signerName: Invalid value: "' +
        'a'.repeat(600) +
        '": validating label "' +
        'a'.repeat(600) +
        '": must be no more than 253 characters',
      'spec.signerName: Too long: must have at most 571 bytes',
    ]);
  });

  test('the legacy signer is refused, except on objects already stored with it', async () => {
    const legacy = csr({ signerName: 'kubernetes.io/legacy-unknown' });
    assert.deepEqual(await validateCsrObject(legacy), [
      {
        field: 'spec.signerName',
        type: 'FieldValueInvalid',
        message: 'Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
      },
    ]);
    assert.deepEqual(await validateCsrObject(legacy, structuredClone(legacy)), []);
  });

  test('expirationSeconds below ten minutes', async () => {
    assert.deepEqual(await validateCsrObject(csr({ expirationSeconds: 599 })), [
      {
        field: 'spec.expirationSeconds',
        type: 'FieldValueInvalid',
        message: 'Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)',
      },
    ]);
  });

  test('conditions: Approved and Denied are exclusive; Approved/Denied/Failed only True; types required and unique', async () => {
    const problems = async (conditions: unknown[]): Promise<string[]> =>
      (await validateCsrObject(csr({}, { conditions }))).map((p) => `${p.field}: ${p.message}`);
    assert.deepEqual(
      await problems([
        { type: 'Approved', status: 'True' },
        { type: 'Denied', status: 'True' },
      ]),
      ['status.conditions: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive'],
    );
    assert.deepEqual(
      await problems([
        { type: 'Failed', status: 'False' },
        { type: 'Custom', status: 'Maybe' },
        { type: 'Custom', status: 'Unknown' },
        { type: '', status: 'True' },
        { type: 'Other' },
      ]),
      [
        'status.conditions[0].status: Unsupported value: "False": supported values: "True"',
        'status.conditions[1].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
        'status.conditions[2].type: Duplicate value: "Custom"',
        'status.conditions[3].type: Required value',
        'status.conditions[4].status: Required value',
      ],
    );
    assert.deepEqual(await problems([{ type: 'Approved', status: 'True', reason: 'AutoApproved' }, { type: 'Custom', status: 'False' }]), []);
  });

  test('status.certificate must hold CERTIFICATE PEM blocks', async () => {
    const problems = async (certificate: string): Promise<string[]> =>
      (await validateCsrObject(csr({}, { certificate }))).map((p) => `${p.field}: ${p.message}`);
    assert.deepEqual(await problems(b64('nothing here')), [
      'status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
    ]);
    assert.deepEqual(await problems(b64(unb64(request))), [
      'status.certificate: Invalid value: "<certificate data>": only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE REQUEST"',
    ]);
    assert.deepEqual(await problems(b64(pemOf(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]), 'CERTIFICATE'))), [
      'status.certificate: Invalid value: "<certificate data>": x509: malformed certificate',
    ]);
    assert.deepEqual(await problems(b64(`explanatory text\n${pki.ca.cert}`)), []);
  });

  test('updates through the object may not approve or set the certificate', async () => {
    const old = csr();
    const approved = csr({}, { conditions: [{ type: 'Approved', status: 'True' }] });
    assert.deepEqual(
      (await validateCsrObject(approved, old)).map((p) => `${p.field}: ${p.message}`),
      ['status.conditions: Forbidden: updates may not add a condition of type "Approved"'],
    );
    assert.deepEqual(await validateCsrObject(approved, old, 'approval'), []);
    const issued = csr({}, { certificate: b64(pki.ca.cert) });
    assert.deepEqual(
      (await validateCsrObject(issued, old)).map((p) => `${p.field}: ${p.message}`),
      ['status.certificate: Forbidden: updates may not set certificate content'],
    );
    assert.deepEqual(await validateCsrObject(issued, old, 'status'), []);
  });

  test('conditions are never removed and a certificate never replaced', async () => {
    const old = csr({}, { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True' }], certificate: b64(pki.ca.cert) });
    const next = csr({}, { conditions: [{ type: 'Approved', status: 'True' }], certificate: b64(pki.server.cert) });
    assert.deepEqual(
      (await validateCsrObject(next, old, 'status')).map((p) => `${p.type} ${p.field}: ${p.message}`),
      [
        'FieldValueForbidden status.conditions: Forbidden: updates may not remove a condition of type "Failed"',
        'FieldValueForbidden status.certificate: Forbidden: updates may not modify existing certificate content',
      ],
    );
  });

  test('modifying an Approved condition outside /approval is refused', async () => {
    const old = csr({}, { conditions: [{ type: 'Approved', status: 'True', reason: 'A' }] });
    const next = csr({}, { conditions: [{ type: 'Approved', status: 'True', reason: 'B' }] });
    const [p, ...rest] = await validateCsrObject(next, old);
    assert.equal(rest.length, 0);
    assert.equal(p?.field, 'status.conditions');
    assert.ok(p?.message.startsWith('Forbidden: updates may not modify a condition of type "Approved"\n'), p?.message);
  });

  test('tolerates problems the stored object already had', async () => {
    const old = csr({ usages: ['client auth', 'client auth', 'bogus'] }, { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] });
    assert.deepEqual(await validateCsrObject(structuredClone(old), old), []);
  });

  test('field errors feed the 422 message', () => {
    const errs = csrFieldErrors(csr({ expirationSeconds: 60 }));
    assert.equal(
      formatErrors('CertificateSigningRequest', 'certificates.k8s.io', 'jane', errs),
      'CertificateSigningRequest.certificates.k8s.io "jane" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)',
    );
  });
});

describe('strategy resets', () => {
  test('create: the requester replaces spec identity and status is emptied', () => {
    const obj: Record<string, any> = {
      spec: { request: 'x', username: 'mallory', groups: ['system:masters'], uid: 'u' },
      status: { conditions: [{ type: 'Approved', status: 'True' }] },
    };
    prepareCsrForCreate(obj, { username: 'jane', groups: ['devs', 'system:authenticated'], extra: { scopes: ['a'] } });
    assert.deepEqual(obj, {
      spec: { request: 'x', username: 'jane', groups: ['devs', 'system:authenticated'], extra: { scopes: ['a'] } },
      status: {},
    });
  });

  const now = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
  const stored = (): Record<string, any> => ({
    metadata: { name: 'n' },
    spec: { request: 'r', usages: ['client auth'] },
    status: { conditions: [{ type: 'Approved', status: 'True', lastUpdateTime: '2029-01-01T00:00:00Z', lastTransitionTime: '2029-01-01T00:00:00Z' }] },
  });

  test('/approval changes only the conditions and stamps new ones', () => {
    const next: Record<string, any> = {
      metadata: { name: 'n' },
      spec: { request: 'changed', usages: ['server auth'] },
      status: { certificate: 'Y2VydA==', conditions: [{ type: 'Denied', status: 'True', reason: 'No' }] },
    };
    const old = stored();
    old.status.certificate = 'b2xk';
    prepareCsrForUpdate(next, old, 'approval', now);
    assert.deepEqual(next.spec, { request: 'r', usages: ['client auth'] });
    assert.equal(next.status.certificate, 'b2xk');
    assert.deepEqual(next.status.conditions, [
      { type: 'Denied', status: 'True', reason: 'No', lastUpdateTime: '2030-01-02T03:04:05Z', lastTransitionTime: '2030-01-02T03:04:05Z' },
    ]);
  });

  test('/status keeps stored Approved conditions and takes the rest', () => {
    const next: Record<string, any> = {
      spec: { request: 'changed' },
      status: {
        certificate: 'Y2VydA==',
        conditions: [
          { type: 'Approved', status: 'True', reason: 'rewritten' },
          { type: 'Failed', status: 'True', reason: 'SignerValidationFailure' },
        ],
      },
    };
    prepareCsrForUpdate(next, stored(), 'status', now);
    assert.deepEqual(next.spec, { request: 'r', usages: ['client auth'] });
    assert.equal(next.status.certificate, 'Y2VydA==');
    assert.deepEqual(next.status.conditions[0], stored().status.conditions[0]);
    assert.equal(next.status.conditions[1].lastUpdateTime, '2030-01-02T03:04:05Z');
  });

  test('the object endpoint changes neither spec nor status', () => {
    const next: Record<string, any> = { metadata: { name: 'n', labels: { a: 'b' } }, spec: {}, status: { certificate: 'eA==' } };
    prepareCsrForUpdate(next, stored(), '', now);
    assert.deepEqual(next, { ...stored(), metadata: { name: 'n', labels: { a: 'b' } } });
  });
});

// ---------------------------------------------------------------------------------------------

const parsed = (over: Partial<ParsedCsr> & { cn?: string; orgs?: string[] } = {}): ParsedCsr => ({
  subject: { commonName: over.cn ?? 'system:node:n1', organizations: over.orgs ?? ['system:nodes'] },
  dnsNames: over.dnsNames ?? [],
  ipAddresses: over.ipAddresses ?? [],
  emailAddresses: over.emailAddresses ?? [],
  uris: over.uris ?? [],
  publicKeyAlgorithm: 'ECDSA',
});

describe('signerRefusal', () => {
  test('the built-in signers', () => {
    assert.deepEqual(SIGNERS, [
      'kubernetes.io/kube-apiserver-client',
      'kubernetes.io/kube-apiserver-client-kubelet',
      'kubernetes.io/kubelet-serving',
    ]);
  });

  test('kube-apiserver-client: client auth required, only signature/encipherment besides', () => {
    const s = 'kubernetes.io/kube-apiserver-client';
    const any = parsed({ cn: 'jane', orgs: ['devs'], dnsNames: ['x'] });
    assert.equal(signerRefusal(s, any, ['client auth']), undefined);
    assert.equal(signerRefusal(s, any, ['digital signature', 'key encipherment', 'client auth']), undefined);
    assert.equal(signerRefusal(s, any, ['digital signature']), 'missing required usage for client certificate: client auth');
    assert.equal(signerRefusal(s, any, ['client auth', 'server auth']), 'invalid usage for client certificate: server auth');
    assert.equal(signerRefusal(s, any, ['client auth', 'cert sign']), 'invalid usage for client certificate: cert sign');
  });

  test('kube-apiserver-client-kubelet: system:nodes, system:node:<name>, no SANs, exact usages', () => {
    const s = 'kubernetes.io/kube-apiserver-client-kubelet';
    const ok = ['digital signature', 'key encipherment', 'client auth'];
    assert.equal(signerRefusal(s, parsed(), ok), undefined);
    assert.equal(signerRefusal(s, parsed(), ['client auth', 'digital signature']), undefined, 'the non-RSA set');
    assert.equal(signerRefusal(s, parsed({ orgs: ['system:nodes', 'x'] }), ok), 'subject organization is not system:nodes');
    assert.equal(signerRefusal(s, parsed({ orgs: [] }), ok), 'subject organization is not system:nodes');
    assert.equal(signerRefusal(s, parsed({ dnsNames: ['n1'] }), ok), 'DNS subjectAltNames are not allowed');
    assert.equal(signerRefusal(s, parsed({ emailAddresses: ['a@b'] }), ok), 'Email subjectAltNames are not allowed');
    assert.equal(signerRefusal(s, parsed({ ipAddresses: ['10.0.0.1'] }), ok), 'IP subjectAltNames are not allowed');
    assert.equal(signerRefusal(s, parsed({ uris: ['spiffe://x'] }), ok), 'URI subjectAltNames are not allowed');
    assert.equal(signerRefusal(s, parsed({ cn: 'n1' }), ok), 'subject common name does not begin with system:node:');
    assert.equal(
      signerRefusal(s, parsed(), ['client auth']),
      'usages did not match [client auth digital signature key encipherment]',
    );
    assert.equal(
      signerRefusal(s, parsed(), [...ok, 'cert sign']),
      'usages did not match [client auth digital signature key encipherment]',
    );
  });

  test('kubelet-serving: system:nodes, a DNS or IP SAN, server usages, system:node:<name>', () => {
    const s = 'kubernetes.io/kubelet-serving';
    const ok = ['digital signature', 'key encipherment', 'server auth'];
    const node = parsed({ dnsNames: ['n1.example'], ipAddresses: ['10.0.0.1'] });
    assert.equal(signerRefusal(s, node, ok), undefined);
    assert.equal(signerRefusal(s, parsed({ ipAddresses: ['10.0.0.1'] }), ['server auth', 'digital signature']), undefined);
    assert.equal(signerRefusal(s, parsed(), ok), 'DNS or IP subjectAltName is required');
    assert.equal(signerRefusal(s, parsed({ dnsNames: ['n1'], orgs: ['devs'] }), ok), 'subject organization is not system:nodes');
    assert.equal(signerRefusal(s, parsed({ dnsNames: ['n1'], emailAddresses: ['a@b'] }), ok), 'Email subjectAltNames are not allowed');
    assert.equal(signerRefusal(s, parsed({ dnsNames: ['n1'], uris: ['spiffe://x'] }), ok), 'URI subjectAltNames are not allowed');
    assert.equal(
      signerRefusal(s, node, ['digital signature', 'client auth']),
      'usages did not match [digital signature key encipherment server auth]',
    );
    assert.equal(signerRefusal(s, parsed({ dnsNames: ['n1'], cn: 'n1' }), ok), 'subject common name does not begin with system:node:');
  });

  test('other signers are not this CA’s to sign', () => {
    assert.equal(signerRefusal('example.com/custom', parsed(), ['client auth']), 'unrecognized signerName: "example.com/custom"');
    assert.equal(signerRefusal('kubernetes.io/legacy-unknown', parsed(), ['client auth']), 'unrecognized signerName: "kubernetes.io/legacy-unknown"');
  });

  test('CertificateSubjectRestriction: no system:masters through kube-apiserver-client', () => {
    const masters = parsed({ cn: 'root', orgs: ['devs', 'system:masters'] });
    assert.equal(
      subjectRestriction('kubernetes.io/kube-apiserver-client', masters),
      'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    );
    assert.equal(subjectRestriction('kubernetes.io/kube-apiserver-client', parsed({ orgs: ['devs'] })), undefined);
    assert.equal(subjectRestriction('example.com/custom', masters), undefined);
  });
});

// ---------------------------------------------------------------------------------------------

const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function certOf(signed: string): { pem: string; node: X509Certificate; peculiar: x509.X509Certificate } {
  const pem = unb64(signed);
  return { pem, node: new X509Certificate(pem), peculiar: new x509.X509Certificate(pem) };
}

/** A CA whose validity ends at `notAfter`, for the clamping and expiry rules. */
async function shortLivedCa(notBefore: number, notAfter: number): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=short-ca',
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    signingAlgorithm: alg,
    keys: keys as any,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

describe('signCsr', () => {
  test('issues a leaf for the request: verified by the CA, subject, SANs, usages, lifetime', async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    const { request } = await makeCsr('system:node:n1', ['system:nodes'], { dns: ['n1.example'], ips: ['10.0.0.1'] });
    const signed = await signCsr(pki.ca, request, ['digital signature', 'key encipherment', 'server auth'], 3600, now);
    const { pem, node, peculiar } = certOf(signed);
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----\n$/);

    const ca = new X509Certificate(pki.ca.cert);
    assert.ok(node.verify(ca.publicKey), 'signed by the cluster CA');
    assert.ok(node.checkIssued(ca));
    assert.equal(node.issuer, 'CN=kubelite-ca');
    assert.equal(node.ca, false);
    assert.equal(node.subject, 'O=system:nodes\nCN=system:node:n1');
    assert.equal(node.subjectAltName, 'DNS:n1.example, IP Address:10.0.0.1');
    assert.deepEqual(node.keyUsage, [EKU.server]);
    assert.equal(Date.parse(node.validFrom), now - 5 * MINUTE);
    assert.equal(Date.parse(node.validTo), now + HOUR, 'an hour is short: the end is not backdated');

    const ku = peculiar.getExtension(x509.KeyUsagesExtension);
    assert.ok(ku?.critical);
    assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    const bc = peculiar.getExtension(x509.BasicConstraintsExtension);
    assert.ok(bc?.critical);
    assert.equal(bc?.ca, false);
    assert.equal(peculiar.getExtension(x509.SubjectAlternativeNameExtension)?.critical, false);
    const aki = peculiar.getExtension(x509.AuthorityKeyIdentifierExtension);
    const ski = new x509.X509Certificate(pki.ca.cert).getExtension(x509.SubjectKeyIdentifierExtension);
    assert.equal(aki?.keyId, ski?.keyId, 'names the CA key it was signed with');

    // The certificate certifies the request's own key.
    const csr = new x509.Pkcs10CertificateRequest(unb64(request));
    assert.deepEqual(Buffer.from(peculiar.publicKey.rawData), Buffer.from(csr.publicKey.rawData));
  });

  test('carries email and URI SANs and the RSA key of an openssl request', async () => {
    const now = Date.now();
    const { node, peculiar } = certOf(await signCsr(pki.ca, b64(RSA_CSR), ['client auth', 'digital signature', 'key encipherment'], undefined, now));
    assert.equal(node.subject, 'O=devs\nCN=jane');
    assert.equal(node.subjectAltName, 'DNS:jane.example, email:jane@example.com, IP Address:2001:DB8:0:0:0:0:0:1, URI:spiffe://cluster/jane');
    assert.deepEqual(node.keyUsage, [EKU.client]);
    assert.equal(node.publicKey.asymmetricKeyType, 'rsa');
    const csrKey = new x509.Pkcs10CertificateRequest(RSA_CSR).publicKey;
    assert.deepEqual(Buffer.from(peculiar.publicKey.rawData), Buffer.from(csrKey.rawData));
  });

  test('lifetimes: default and cap one year, floor ten minutes, long ones backdated at the end', async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    const { request } = await makeCsr('jane');
    const notAfter = async (expirationSeconds: number | undefined): Promise<number> =>
      Date.parse(certOf(await signCsr(pki.ca, request, ['client auth'], expirationSeconds, now)).node.validTo);
    const year = 8760 * HOUR;
    assert.equal(await notAfter(undefined), now + year - 5 * MINUTE);
    assert.equal(await notAfter(10 * 365 * 24 * 3600), now + year - 5 * MINUTE);
    assert.equal(await notAfter(86400), now + 24 * HOUR - 5 * MINUTE);
    assert.equal(await notAfter(8 * 3600 - 1), now + 8 * HOUR - 1000);
    assert.equal(await notAfter(60), now + 10 * MINUTE);
  });

  test('EKUs follow Go’s order and a usage list without key usages has no KeyUsage extension', async () => {
    const { request } = await makeCsr('jane');
    const { node, peculiar } = certOf(await signCsr(pki.ca, request, ['client auth', 'server auth', 'client auth'], undefined, Date.now()));
    assert.deepEqual(node.keyUsage, [EKU.server, EKU.client]);
    assert.equal(peculiar.getExtension(x509.KeyUsagesExtension), null);
  });

  test('never past the CA, and not at all once the CA has expired', async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    const ca = await shortLivedCa(now - HOUR, now + 2 * HOUR);
    const { request } = await makeCsr('jane');
    const { node } = certOf(await signCsr(ca, request, ['client auth'], undefined, now));
    assert.equal(Date.parse(node.validTo), now + 2 * HOUR);
    assert.ok(node.verify(new X509Certificate(ca.cert).publicKey));
    const expiry = new Date(now + 2 * HOUR).toISOString().replace('T', ' ').replace('.000Z', ' +0000 UTC');
    await assert.rejects(signCsr(ca, request, ['client auth'], undefined, now + 3 * HOUR), {
      name: 'CsrError',
      message: `the signer has expired: NotAfter=${expiry}`,
    });
  });

  test('refuses unknown usages and requests that do not verify', async () => {
    const { request } = await makeCsr('jane');
    await assert.rejects(signCsr(pki.ca, request, ['client auth', 'bogus'], undefined, Date.now()), {
      message: 'unrecognized usage values: ["bogus"]',
    });
    const der = derOf(unb64(request));
    flipLast(der);
    await assert.rejects(signCsr(pki.ca, b64(pemOf(der)), ['client auth'], undefined, Date.now()), {
      message: 'x509: ECDSA verification failure',
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('TLS with issued certificates', () => {
  const servers: tls.Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  /** Starts a server on 127.0.0.1:0; resolves with what it saw of the first client. */
  function serve(options: tls.TlsOptions): Promise<{ port: number; seen: Promise<{ authorized: boolean; error: unknown; cn: unknown; o: unknown }> }> {
    return new Promise((resolve) => {
      let report!: (v: { authorized: boolean; error: unknown; cn: unknown; o: unknown }) => void;
      const seen = new Promise<{ authorized: boolean; error: unknown; cn: unknown; o: unknown }>((r) => (report = r));
      const server = tls.createServer(options, (socket) => {
        const peer = socket.getPeerCertificate();
        report({ authorized: socket.authorized, error: socket.authorizationError ?? null, cn: peer.subject?.CN, o: peer.subject?.O });
        socket.end('hello');
      });
      servers.push(server);
      server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, seen }));
    });
  }

  function connect(options: tls.ConnectionOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', ...options });
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
  }

  test('a client certificate from the signer is accepted by a server that trusts the CA', async () => {
    const { request, keyPem } = await makeCsr('jane', ['devs']);
    const cert = unb64(await signCsr(pki.ca, request, ['digital signature', 'key encipherment', 'client auth'], 3600, Date.now()));
    const { port, seen } = await serve({ key: pki.server.key, cert: pki.server.cert, ca: [pki.ca.cert], requestCert: true, rejectUnauthorized: true });
    assert.equal(await connect({ port, ca: [pki.ca.cert], key: keyPem, cert }), 'hello');
    assert.deepEqual(await seen, { authorized: true, error: null, cn: 'jane', o: 'devs' });
  });

  test('without client auth the same certificate is not a valid client certificate', async () => {
    const { request, keyPem } = await makeCsr('jane', ['devs']);
    const cert = unb64(await signCsr(pki.ca, request, ['digital signature', 'server auth'], 3600, Date.now()));
    const { port, seen } = await serve({ key: pki.server.key, cert: pki.server.cert, ca: [pki.ca.cert], requestCert: true, rejectUnauthorized: false });
    await connect({ port, ca: [pki.ca.cert], key: keyPem, cert });
    assert.deepEqual(await seen, { authorized: false, error: 'INVALID_PURPOSE', cn: 'jane', o: 'devs' });
  });

  test('a kubelet-serving certificate serves TLS for its IP SAN', async () => {
    const { request, keyPem } = await makeCsr('system:node:n1', ['system:nodes'], { dns: ['n1.example'], ips: ['127.0.0.1'] });
    const csr = await parseCsr(request);
    const usages = ['digital signature', 'server auth'];
    assert.equal(signerRefusal('kubernetes.io/kubelet-serving', csr, usages), undefined);
    const cert = unb64(await signCsr(pki.ca, request, usages, undefined, Date.now()));
    const { port } = await serve({ key: keyPem, cert });
    assert.equal(await connect({ port, ca: [pki.ca.cert] }), 'hello');
    await assert.rejects(connect({ port, ca: [pki.ca.cert], servername: 'other.example' }), /ERR_TLS_CERT_ALTNAME_INVALID|does not match/);
  });
});
