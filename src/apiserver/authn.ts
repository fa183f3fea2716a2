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
