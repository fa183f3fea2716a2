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

  issue(claims: ServiceAccountClaims | Record<string, unknown>): string {
    const head = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(claims));
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${head}.${body}.${b64url(sig)}`;
  }

  /** The claims of a token signed with our key, whatever they say, or undefined. */
  claims(token: string): Record<string, any> | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [head, body, sig] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
      if (header.alg !== 'ES256') return undefined;
      const ok = verify('sha256', Buffer.from(`${head}.${body}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
      if (!ok) return undefined;
      const claims: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, any>) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The claims of a bound token we signed that is valid now for `audience`, or undefined. */
  verify(token: string, nowSeconds: number, audience = ISSUER): ServiceAccountClaims | undefined {
    const claims = this.claims(token) as ServiceAccountClaims | undefined;
    if (!claims || claims.iss !== ISSUER || typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return undefined;
    if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + 60) return undefined;
    if (!Array.isArray(claims.aud) || !claims.aud.includes(audience)) return undefined;
    const k = claims['kubernetes.io'];
    if (!k?.namespace || !k.serviceaccount?.name || !k.serviceaccount.uid) return undefined;
    return claims;
  }

  /**
   * A legacy token, as the token controller puts into a `kubernetes.io/service-account-token`
   * Secret: it never expires and is valid while that Secret and its account exist.
   */
  issueLegacy(ref: LegacyTokenRef): string {
    return this.issue({
      iss: LEGACY_ISSUER,
      sub: `system:serviceaccount:${ref.namespace}:${ref.serviceAccountName}`,
      [`${LEGACY_PREFIX}namespace`]: ref.namespace,
      [`${LEGACY_PREFIX}secret.name`]: ref.secretName,
      [`${LEGACY_PREFIX}service-account.name`]: ref.serviceAccountName,
      [`${LEGACY_PREFIX}service-account.uid`]: ref.serviceAccountUid,
    } as unknown as ServiceAccountClaims);
  }

  /** What a legacy token we signed refers to, or undefined. */
  verifyLegacy(token: string): LegacyTokenRef | undefined {
    const c = this.claims(token);
    if (!c || c.iss !== LEGACY_ISSUER) return undefined;
    const ref = {
      namespace: c[`${LEGACY_PREFIX}namespace`],
      secretName: c[`${LEGACY_PREFIX}secret.name`],
      serviceAccountName: c[`${LEGACY_PREFIX}service-account.name`],
      serviceAccountUid: c[`${LEGACY_PREFIX}service-account.uid`],
    };
    return Object.values(ref).every((v) => typeof v === 'string' && v !== '') ? (ref as LegacyTokenRef) : undefined;
  }
}

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
const LEGACY_PREFIX = 'kubernetes.io/serviceaccount/';

export interface LegacyTokenRef {
  namespace: string;
  secretName: string;
  serviceAccountName: string;
  serviceAccountUid: string;
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
