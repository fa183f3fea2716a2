// Authentication: who a request is from. X.509 client certificates signed by the cluster CA
// (CN is the user, each O a group), static and bootstrap tokens, and impersonation, as
// kube-apiserver's authenticators do; ServiceAccount tokens are in tokens.ts.

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { timingSafeEqual } from 'node:crypto';

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

/** A connection's certificate user, read once: keep-alive clients send many requests on one socket. */
const certificateUsers = new WeakMap<TLSSocket, UserInfo | null>();

/** The user of a verified client certificate, or undefined (no certificate, or not ours). */
export const x509Authenticator: Authenticator = (req) => {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  let user = certificateUsers.get(socket);
  if (user === undefined) {
    const cert = socket.getPeerCertificate();
    const cn = list(cert?.subject?.CN)[0];
    const groups = list(cert?.subject?.O);
    user = cn ? { username: cn, groups: [...groups.filter((g) => g !== 'system:authenticated'), 'system:authenticated'] } : null;
    certificateUsers.set(socket, user);
  }
  return user ?? undefined;
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
    if (k.startsWith('impersonate-extra-')) extra[unescapeExtraKey(k.slice('impersonate-extra-'.length))] = list(v);
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

/** Extra keys are percent-encoded; a malformed one is kept as sent, as upstream keeps it. */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
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

/**
 * A static token file (`--token-auth-file`): CSV lines `token,user,uid[,"group1,group2"]`, as
 * upstream's tokenfile authenticator reads them. Throws with upstream's reason for a bad line.
 */
export function parseTokenFile(text: string, path = 'token file'): Map<string, UserInfo> {
  const users = new Map<string, UserInfo>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const fields = csvFields(line);
    if (fields.length < 3) throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${fields.length}`);
    const [token, username, uid] = fields as [string, string, string];
    if (token === '') throw new Error(`token file '${path}' has empty token on line ${i + 1}`);
    if (users.has(token)) throw new Error(`duplicate token in '${path}' on line ${i + 1}`);
    const groups = (fields[3] ?? '').split(',').map((g) => g.trim()).filter(Boolean);
    users.set(token, { username, uid, groups: [...groups.filter((g) => g !== 'system:authenticated'), 'system:authenticated'] });
  });
  return users;
}

/** One CSV record (RFC 4180 quoting, as Go's encoding/csv reads it). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`extraneous or missing " in quoted-field: ${line}`);
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
    } else {
      const c = line.indexOf(',', i);
      field = c < 0 ? line.slice(i) : line.slice(i, c);
      i = c < 0 ? line.length : c;
    }
    out.push(field);
    if (line[i] !== ',') return out;
    i++;
  }
}

/** `<id>.<secret>`: the shape of a bootstrap token. */
const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const BOOTSTRAP_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/**
 * Bootstrap tokens (for nodes joining): `<id>.<secret>` is valid while kube-system holds a
 * Secret `bootstrap-token-<id>` of type bootstrap.kubernetes.io/token with that secret, usage
 * for authentication and no past expiration. The user is system:bootstrap:<id>.
 */
export function bootstrapTokenUser(token: string, secret: Record<string, any> | undefined, nowMs: number): UserInfo | undefined {
  const m = BOOTSTRAP_TOKEN.exec(token);
  if (!m || !secret || secret.type !== 'bootstrap.kubernetes.io/token' || secret.metadata?.deletionTimestamp) return undefined;
  const data = (k: string): string | undefined => {
    const v = secret.data?.[k];
    return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  };
  const id = m[1]!;
  if (data('token-id') !== id || data('usage-bootstrap-authentication') !== 'true') return undefined;
  const expected = Buffer.from(data('token-secret') ?? '');
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const expiration = data('expiration');
  if (expiration !== undefined) {
    const t = Date.parse(expiration);
    if (Number.isNaN(t) || t <= nowMs) return undefined;
  }
  const extra = (data('auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  if (extra.some((g) => !BOOTSTRAP_GROUP.test(g))) return undefined;
  return { username: `system:bootstrap:${id}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
}

export function isBootstrapToken(token: string): string | undefined {
  return BOOTSTRAP_TOKEN.exec(token)?.[1];
}
