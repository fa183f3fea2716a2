// ServiceAccount tokens: JWTs signed by the cluster's service-account key (ES256), issued by
// the TokenRequest API (`kubectl create token`) and accepted as bearer tokens while the
// account they name still exists with the same uid, as upstream's bound tokens are.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti?: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
  };
}

export function generateSigningKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class TokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(privateKeyPem: string) {
    this.privateKey = createPrivateKey(privateKeyPem);
    this.publicKey = createPublicKey(this.privateKey);
  }

  issue(claims: ServiceAccountClaims): string {
    const head = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(claims));
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${head}.${body}.${b64url(sig)}`;
  }

  /** The claims of a token we signed that is valid now for `audience`, or undefined. */
  verify(token: string, nowSeconds: number, audience = ISSUER): ServiceAccountClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [head, body, sig] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
      if (header.alg !== 'ES256') return undefined;
      const ok = verify('sha256', Buffer.from(`${head}.${body}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
      if (!ok) return undefined;
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ServiceAccountClaims;
      if (claims.iss !== ISSUER || typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return undefined;
      if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + 60) return undefined;
      if (!Array.isArray(claims.aud) || !claims.aud.includes(audience)) return undefined;
      const k = claims['kubernetes.io'];
      if (!k?.namespace || !k.serviceaccount?.name || !k.serviceaccount.uid) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }
}

/** The user a service account authenticates as. */
export function serviceAccountUser(namespace: string, name: string, uid: string): {
  username: string;
  groups: string[];
  uid: string;
} {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    uid,
  };
}
