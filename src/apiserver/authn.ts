// Authentication: who a request is from. This step knows X.509 client certificates signed by
// the cluster CA (CN is the user, each O a group), as kube-apiserver's x509 authenticator does;
// tokens and impersonation come with the rest of authentication and authorization.

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export type Authenticator = (req: IncomingMessage) => UserInfo | undefined;

/** A bearer token from the Authorization header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The user of a verified client certificate, or undefined (no certificate, or not ours). */
export const x509Authenticator: Authenticator = (req) => {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  const cn = list(cert?.subject?.CN)[0];
  if (!cn) return undefined;
  const groups = list(cert.subject.O);
  return { username: cn, groups: [...groups.filter((g) => g !== 'system:authenticated'), 'system:authenticated'] };
};

/** Paths anyone may read, as upstream's system:public-info-viewer and system:discovery roles allow. */
export function isPublicPath(path: string): boolean {
  return (
    ['/healthz', '/livez', '/readyz', '/version', '/api', '/apis', '/openapi/v2', '/openapi/v3'].includes(path) ||
    /^\/(healthz|livez|readyz)\//.test(path) ||
    /^\/api\/v1$/.test(path) ||
    /^\/apis\/[^/]+(\/[^/]+)?$/.test(path) ||
    path.startsWith('/openapi/v3/')
  );
}

/**
 * Impersonation headers (`kubectl --as`, `--as-group`, `--as-uid`): the user the request
 * acts as, or undefined when it impersonates no one. `mayImpersonate` says whether the real
 * user may take on that identity; a refusal is upstream's Forbidden.
 */
export function impersonate(
  req: IncomingMessage,
  real: UserInfo,
  mayImpersonate: (real: UserInfo, kind: 'users' | 'groups' | 'uids' | 'serviceaccounts', name: string) => boolean,
): UserInfo | undefined {
  const h = req.headers;
  const user = typeof h['impersonate-user'] === 'string' ? h['impersonate-user'] : undefined;
  const groups = list(h['impersonate-group']).flatMap((g) => g.split(',').map((x) => x.trim())).filter(Boolean);
  const uid = typeof h['impersonate-uid'] === 'string' ? h['impersonate-uid'] : undefined;
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith('impersonate-extra-')) extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = list(v);
  }
  if (user === undefined) {
    if (groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0) {
      throw new ImpersonationError(400, 'BadRequest', 'requested [Impersonate-Group Impersonate-Uid Impersonate-Extra] without impersonating a user');
    }
    return undefined;
  }
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  const check = (kind: 'users' | 'groups' | 'uids' | 'serviceaccounts', name: string, ns?: string) => {
    if (!mayImpersonate(real, kind, name)) {
      const scope = ns ? `in the namespace "${ns}"` : 'at the cluster scope';
      const group = kind === 'uids' ? 'authentication.k8s.io' : '';
      throw new ImpersonationError(
        403,
        'Forbidden',
        `${kind}${group ? `.${group}` : ''} "${name}" is forbidden: User "${real.username}" cannot impersonate resource "${kind}" in API group "${group}" ${scope}`,
      );
    }
  };
  if (sa) check('serviceaccounts', sa[2]!, sa[1]);
  else check('users', user);
  for (const g of groups) check('groups', g);
  if (uid !== undefined) check('uids', uid);
  const allGroups = [...groups];
  if (sa) allGroups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  if (user !== 'system:anonymous' && !allGroups.includes('system:authenticated')) allGroups.push('system:authenticated');
  return { username: user, groups: allGroups, ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}

export class ImpersonationError extends Error {
  constructor(
    readonly code: 400 | 403,
    readonly reason: 'BadRequest' | 'Forbidden',
    message: string,
  ) {
    super(message);
  }
}
