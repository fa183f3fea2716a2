// What a request is about, read from its path and method as kube-apiserver's RequestInfo
// does: /api/v1/namespaces/{ns}/{resource}/{name}/{subresource} and
// /apis/{group}/{version}/... (plus the deprecated /watch/ prefix).

import { badRequest } from '../api/errors.ts';

export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection';

export interface ResourceRequest {
  kind: 'resource';
  verb: Verb;
  group: string;
  version: string;
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
}

export interface OtherRequest {
  kind: 'nonresource';
  path: string;
}

export type RequestInfo = ResourceRequest | OtherRequest;

function verbFor(method: string, hasName: boolean, watch: boolean): Verb | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/** Parses a path into a resource request, or says it is something else (discovery, health). */
export function parseRequest(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname
    .split('/')
    .filter((p) => p.length > 0)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        throw badRequest(`invalid URL escape ${JSON.stringify(p)}`);
      }
    });
  let i = 0;
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    i = 2;
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    i = 3;
  } else {
    return { kind: 'nonresource', path: pathname };
  }
  let watch = query.get('watch') === 'true' || query.get('watch') === '1';
  if (parts[i] === 'watch') {
    watch = true;
    i++;
  }
  let namespace: string | undefined;
  // `namespaces/{ns}/{resource}` is a namespaced resource; `namespaces/{name}[/{sub}]` is the
  // namespace itself.
  // namespaces/<n>/status and /finalize are the namespace's own subresources, as upstream's
  // request info reads them; anything else after a namespace name is a resource in it.
  if (parts[i] === 'namespaces' && parts.length > i + 2 && !(parts.length === i + 3 && (parts[i + 2] === 'status' || parts[i + 2] === 'finalize'))) {
    namespace = parts[i + 1];
    i += 2;
  }
  const resource = parts[i];
  if (resource === undefined) return { kind: 'nonresource', path: pathname };
  const name = parts[i + 1];
  const subresource = parts[i + 2];
  if (parts.length > i + 3) return { kind: 'nonresource', path: pathname };
  const verb = verbFor(method, name !== undefined, watch);
  if (!verb) return { kind: 'nonresource', path: pathname };
  return { kind: 'resource', verb, group, version, namespace, resource, name, subresource };
}

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** Parses an Accept header into media ranges, in the order given. */
export function parseAccept(header: string | undefined): MediaType[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header
    .split(',')
    .map((part) => {
      const [type, ...rest] = part.split(';');
      const params: Record<string, string> = {};
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
      }
      return { type: (type ?? '').trim().toLowerCase(), params };
    })
    .filter((m) => m.type.length > 0);
}

export type Rendering =
  | { as: 'object' }
  | { as: 'Table'; version: 'v1' | 'v1beta1' }
  | { as: 'PartialObjectMetadata'; version: 'v1' | 'v1beta1' };

const JSONISH = new Set(['application/json', 'application/*', '*/*', 'application/yaml']);

/**
 * What the client wants back: the object itself, a Table, or metadata only. The first
 * acceptable media range wins, as in kube-apiserver; protobuf is not spoken, so a client that
 * accepts only protobuf gets undefined (406).
 */
export function negotiate(accept: MediaType[]): { rendering: Rendering; yaml: boolean } | undefined {
  for (const m of accept) {
    if (!JSONISH.has(m.type)) continue;
    const yaml = m.type === 'application/yaml';
    const as = m.params['as'];
    if (!as) return { rendering: { as: 'object' }, yaml };
    if (m.params['g'] !== 'meta.k8s.io') continue;
    const v = m.params['v'];
    if (v !== 'v1' && v !== 'v1beta1') continue;
    if (as === 'Table') return { rendering: { as: 'Table', version: v }, yaml };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { rendering: { as: 'PartialObjectMetadata', version: v }, yaml };
    }
  }
  return undefined;
}
