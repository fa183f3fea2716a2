import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ISSUER, TokenIssuer, generateSigningKey, type ServiceAccountClaims } from './tokens.ts';

const claims = (exp: number, aud = [ISSUER]): ServiceAccountClaims => ({
  iss: ISSUER,
  sub: 'system:serviceaccount:default:robot',
  aud,
  exp,
  iat: 1000,
  nbf: 1000,
  'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robot', uid: 'u-1' } },
});

test('service-account tokens verify until they expire, and only with our key and audience', () => {
  const issuer = new TokenIssuer(generateSigningKey());
  const token = issuer.issue(claims(2000));
  assert.equal(issuer.verify(token, 1500)?.sub, 'system:serviceaccount:default:robot');
  assert.equal(issuer.verify(token, 2000), undefined, 'expired');
  assert.equal(new TokenIssuer(generateSigningKey()).verify(token, 1500), undefined, 'another key');
  const [h, b, s] = token.split('.') as [string, string, string];
  const forgedBody = Buffer.from(JSON.stringify({ ...claims(9999), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
  assert.equal(issuer.verify(`${h}.${forgedBody}.${s}`, 1500), undefined, 'forged claims');
  const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
  assert.equal(issuer.verify(`${h}.${b}.${flipped}`, 1500), undefined, 'bad signature');
  assert.equal(issuer.verify(issuer.issue(claims(2000, ['vault'])), 1500), undefined, 'other audience');
  for (const junk of ['', 'a.b', 'a.b.c', '...', 'eyJhbGciOiJub25lIn0.e30.']) assert.equal(issuer.verify(junk, 1500), undefined, junk);
});
