// The OpenAPI documents kubectl reads: /openapi/v2 (Swagger 2.0, as JSON or as the gnostic
// protobuf kubectl asks for) and /openapi/v3 (a discovery document plus one OpenAPI 3.0
// document per group-version). Built from the schema catalogue (definitions.json, generated
// from kubernetes-types by scripts/gen-openapi.ts) and the resource registry; custom
// resources add their schemas through `extraSchemas`.

import { createHash } from 'node:crypto';
import type { ResourceRegistry } from '../registry.ts';
import { DefinitionSet, META, crdDefinitionName, definitions } from './catalogue.ts';
import { buildPaths, type PathSpec } from './operations.ts';
import { encodeDocument } from './protobuf.ts';
import type { GroupVersionKind, Schema } from './schema.ts';
import { BEARER, renderPaths, toV2Schema, type SwaggerDocument } from './v2.ts';
import { renderV3Paths, rootsOf, toV3Schema, type OpenAPIV3Document } from './v3.ts';

export type { GroupVersionKind, Schema } from './schema.ts';
export type { SwaggerDocument } from './v2.ts';
export type { OpenAPIV3Document } from './v3.ts';
export { crdDefinitionName, definitions } from './catalogue.ts';
export { toV2Schema } from './v2.ts';
export { toV3Schema } from './v3.ts';

/** What kubectl asks /openapi/v2 for (the older spelling, still accepted). */
export const OPENAPI_V2_PROTOBUF_DEPRECATED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The content type a protobuf /openapi/v2 answer carries (Go's mime parser refuses the `@` spelling). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export interface OpenAPIOptions {
  /**
   * Extra definitions, e.g. custom resources from their CRDs' schemas: name (see
   * `crdDefinitionName`) → schema with `$ref`s of the form `#/definitions/<name>` and
   * `x-kubernetes-group-version-kind` naming the kind(s) it describes. A registry resource
   * without any schema gets a permissive one (any fields).
   */
  extraSchemas?: Readonly<Record<string, Schema>>;
  /**
   * Advertise the `fieldValidation` query parameter on writes (default true, as upstream).
   * kubectl then leaves validation to the server; without it kubectl validates client-side
   * against /openapi/v2.
   */
  fieldValidation?: boolean;
  /** `info.version` (default `v1.35.0`). */
  version?: string;
}

interface Model {
  defs: DefinitionSet;
  paths: PathSpec[];
  info: { title: string; version: string };
}

const META_KINDS = ['APIGroup', 'APIGroupList', 'APIResourceList', 'APIVersions', 'Status'];

function build(registry: ResourceRegistry, opts: OpenAPIOptions): Model {
  const defs = new DefinitionSet(opts.extraSchemas);
  const paths = buildPaths(registry, defs, { fieldValidation: opts.fieldValidation ?? true });
  // Kinds every group-version serves: meta's lists of GVKs.
  const gvs: { group: string; version: string }[] = [];
  for (const { group, versions } of registry.groups()) for (const version of versions) gvs.push({ group, version });
  for (const kind of ['DeleteOptions', 'WatchEvent']) {
    const name = `${META}.${kind}`;
    const s = defs.get(name);
    if (s) defs.set(name, { ...s, 'x-kubernetes-group-version-kind': gvs.map((gv) => ({ group: gv.group, kind, version: gv.version })) });
  }
  for (const kind of META_KINDS) {
    const name = `${META}.${kind}`;
    const s = defs.get(name);
    if (s && !s['x-kubernetes-group-version-kind']) defs.set(name, { ...s, 'x-kubernetes-group-version-kind': [{ group: '', kind, version: 'v1' }] });
  }
  return { defs, paths, info: { title: 'Kubernetes', version: opts.version ?? 'v1.35.0' } };
}

/** Orders a GVK extension's keys as upstream does (group, kind, version): kubectl compares them as maps. */
function normalizeGvk(s: Schema): Schema {
  const list = s['x-kubernetes-group-version-kind'];
  if (!list) return s;
  return { ...s, 'x-kubernetes-group-version-kind': list.map((g: GroupVersionKind) => ({ group: g.group, kind: g.kind, version: g.version })) as GroupVersionKind[] };
}

function v2From(m: Model): SwaggerDocument {
  const names = m.defs.closure([...rootsOf(m.paths), ...META_KINDS.map((k) => `${META}.${k}`)]);
  return {
    swagger: '2.0',
    info: m.info,
    paths: renderPaths(m.paths),
    definitions: Object.fromEntries(names.map((n) => [n, normalizeGvk(toV2Schema(m.defs.get(n)!))])),
    securityDefinitions: { BearerToken: BEARER },
    security: [{ BearerToken: [] }],
  };
}

/** `v1` → `api/v1`, `apps/v1` → `apis/apps/v1`; keys of the v3 discovery document pass through. */
function docKey(groupVersion: string): string {
  if (groupVersion === 'api' || groupVersion === 'apis' || groupVersion === 'version') return groupVersion;
  if (groupVersion.startsWith('api/') || groupVersion.startsWith('apis/')) return groupVersion;
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

function v3From(m: Model, key: string): OpenAPIV3Document | undefined {
  const paths = m.paths.filter((p) => p.doc === key);
  if (paths.length === 0) return undefined;
  const names = m.defs.closure(rootsOf(paths));
  return {
    openapi: '3.0.0',
    info: m.info,
    paths: renderV3Paths(paths),
    components: {
      schemas: Object.fromEntries(names.map((n) => [n, normalizeGvk(toV3Schema(m.defs.get(n)!, n))])),
      securitySchemes: { BearerToken: BEARER },
    },
    security: [{ BearerToken: [] }],
  };
}

/** The Swagger 2.0 document served at /openapi/v2. */
export function openapiV2(registry: ResourceRegistry, opts: OpenAPIOptions = {}): SwaggerDocument {
  return v2From(build(registry, opts));
}

/** The v2 document as a gnostic `openapi.v2.Document` protobuf (what kubectl asks /openapi/v2 for). */
export function openapiV2Protobuf(doc: SwaggerDocument): Buffer {
  return encodeDocument(doc);
}

/** The OpenAPI 3.0 document of one group-version (`v1`, `apps/v1`) or discovery key (`api/v1`, `apis/apps`, `version`). */
export function openapiV3(registry: ResourceRegistry, groupVersion: string, opts: OpenAPIOptions = {}): OpenAPIV3Document | undefined {
  return v3From(build(registry, opts), docKey(groupVersion));
}

/** Keys of the v3 discovery document: `api`, `api/v1`, `apis`, `apis/apps`, `apis/apps/v1`, ..., `version`. */
export function openapiV3Keys(registry: ResourceRegistry, opts: OpenAPIOptions = {}): string[] {
  return keysOf(build(registry, opts));
}

function keysOf(m: Model): string[] {
  return [...new Set(m.paths.map((p) => p.doc))].sort();
}

/** /openapi/v3: `{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}}}`. */
export function openapiV3Discovery(registry: ResourceRegistry, opts: OpenAPIOptions = {}): { paths: Record<string, { serverRelativeURL: string }> } {
  const m = build(registry, opts);
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const key of keysOf(m)) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openapiHash(JSON.stringify(v3From(m, key)))}` };
  return { paths };
}

/** Upstream's content hash: SHA-512, upper-case hex (the `hash` query parameter and, quoted, the ETag). */
export function openapiHash(body: string | Uint8Array): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

/** The ETag header value of a body: the quoted hash. */
export function openapiETag(body: string | Uint8Array): string {
  return `"${openapiHash(body)}"`;
}

export interface OpenAPIResponse {
  /** 200 unless said otherwise: 301 (an outdated v3 hash; see `location`) or 406 (no acceptable type). */
  status?: number;
  type: string;
  body: Buffer | string;
  /** Unquoted; the caller quotes it for the ETag header and compares If-None-Match. */
  etag: string;
  /** `public, immutable` for a v3 document asked for by its current hash. */
  cacheControl?: string;
  /** Where a 301 points. */
  location?: string;
}

interface AcceptClause {
  type: string;
  subtype: string;
  q: number;
}

/** Parses an Accept header into clauses, best first (by q, then the more specific first), as goautoneg does. */
export function parseAccept(header: string | undefined): AcceptClause[] {
  const clauses: (AcceptClause & { i: number })[] = [];
  for (const [i, part] of (header || '*/*').split(',').entries()) {
    const [range = '', ...params] = part.split(';').map((x) => x.trim());
    if (!range) continue;
    const slash = range.indexOf('/');
    const type = slash < 0 ? range : range.slice(0, slash);
    const subtype = slash < 0 ? '*' : range.slice(slash + 1);
    let q = 1;
    for (const p of params) {
      const m = /^q=([0-9.]+)$/.exec(p);
      if (m) q = Number(m[1]);
    }
    clauses.push({ type: type.toLowerCase(), subtype: subtype.toLowerCase(), q, i });
  }
  const wild = (c: AcceptClause) => (c.type === '*' ? 2 : 0) + (c.subtype === '*' ? 1 : 0);
  clauses.sort((a, b) => b.q - a.q || wild(a) - wild(b) || a.i - b.i);
  return clauses.filter((c) => c.q > 0);
}

/** The first of `offered` (`type/subtype`) the Accept header takes, in the header's order of preference. */
export function negotiate(accept: string | undefined, offered: readonly string[]): string | undefined {
  for (const c of parseAccept(accept)) {
    for (const o of offered) {
      const [t, st] = o.split('/') as [string, string];
      if ((c.type === t || c.type === '*') && (c.subtype === st || c.subtype === '*')) return o;
    }
  }
  return undefined;
}

const NOT_ACCEPTABLE: OpenAPIResponse = { status: 406, type: 'text/plain; charset=utf-8', body: 'not acceptable\n', etag: '' };

export interface Rendered {
  body: string | Buffer;
  etag: string;
}

/**
 * The documents of a registry, rendered once and kept until the registry (or the extra
 * schemas) change. `handle` answers /openapi/v2, /openapi/v3 and /openapi/v3/<key> in the
 * shape of the API server's `extraRoutes`.
 */
export class OpenAPIService {
  private model?: Model;
  private v2json?: Rendered;
  private v2proto?: Rendered;
  private discovery?: Rendered;
  private v3docs = new Map<string, Rendered>();
  private unsubscribe: () => void;

  constructor(
    private registry: ResourceRegistry,
    private opts: OpenAPIOptions = {},
  ) {
    this.unsubscribe = registry.onChange(() => this.invalidate());
  }

  /** Replaces the extra schemas (custom resources) and drops the rendered documents. */
  setExtraSchemas(extraSchemas: Readonly<Record<string, Schema>>): void {
    this.opts = { ...this.opts, extraSchemas };
    this.invalidate();
  }

  invalidate(): void {
    this.model = undefined;
    this.v2json = this.v2proto = this.discovery = undefined;
    this.v3docs.clear();
  }

  close(): void {
    this.unsubscribe();
  }

  private m(): Model {
    return (this.model ??= build(this.registry, this.opts));
  }

  v2Json(): Rendered {
    if (!this.v2json) {
      const body = JSON.stringify(v2From(this.m()));
      this.v2json = { body, etag: openapiHash(body) };
    }
    return this.v2json;
  }

  /** The protobuf form; its ETag is the JSON's, as upstream. */
  v2Protobuf(): Rendered {
    if (!this.v2proto) {
      const json = this.v2Json();
      this.v2proto = { body: encodeDocument(JSON.parse(json.body as string) as SwaggerDocument), etag: json.etag };
    }
    return this.v2proto;
  }

  v3(groupVersion: string): Rendered | undefined {
    const key = docKey(groupVersion);
    let r = this.v3docs.get(key);
    if (!r) {
      const doc = v3From(this.m(), key);
      if (!doc) return undefined;
      const body = JSON.stringify(doc);
      r = { body, etag: openapiHash(body) };
      this.v3docs.set(key, r);
    }
    return r;
  }

  v3Discovery(): Rendered {
    if (!this.discovery) {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const key of keysOf(this.m())) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${this.v3(key)!.etag}` };
      const body = JSON.stringify({ paths });
      this.discovery = { body, etag: openapiHash(body) };
    }
    return this.discovery;
  }

  /**
   * Answers an /openapi request, or undefined when the path is not one. /openapi/v2 is JSON or
   * protobuf by the Accept header (both carry the ETag of the JSON, as upstream); v3 documents
   * are JSON (their protobuf form is not served).
   */
  async handle(req: { headers: Record<string, string | string[] | undefined> }, path: string, url: URL): Promise<OpenAPIResponse | undefined> {
    const accept = req.headers['accept'];
    const acceptHeader = Array.isArray(accept) ? accept.join(',') : accept;
    const p = path.replace(/\/+$/, '');
    if (p === '/openapi/v2' || p === '/swagger.json') {
      const chosen = p === '/swagger.json' ? 'application/json' : negotiate(acceptHeader, ['application/json', OPENAPI_V2_PROTOBUF_DEPRECATED, OPENAPI_V2_PROTOBUF]);
      if (!chosen) return NOT_ACCEPTABLE;
      const etag = this.v2Json().etag;
      if (chosen === 'application/json') return { type: 'application/json', body: this.v2Json().body, etag };
      return { type: OPENAPI_V2_PROTOBUF, body: this.v2Protobuf().body, etag };
    }
    if (p === '/openapi/v3') {
      if (!negotiate(acceptHeader, ['application/json'])) return NOT_ACCEPTABLE;
      const r = this.v3Discovery();
      return { type: 'application/json', body: r.body, etag: r.etag };
    }
    if (p.startsWith('/openapi/v3/')) {
      const key = p.slice('/openapi/v3/'.length);
      const r = this.v3(key);
      if (!r) return undefined;
      if (!negotiate(acceptHeader, ['application/json'])) return NOT_ACCEPTABLE;
      const hash = url.searchParams.get('hash');
      if (hash !== null && hash !== r.etag) {
        // Upstream redirects an outdated hash to the current document.
        return { status: 301, type: 'text/plain; charset=utf-8', body: '', etag: '', location: `/openapi/v3/${key}?hash=${r.etag}` };
      }
      return { type: 'application/json', body: r.body, etag: r.etag, ...(hash !== null ? { cacheControl: 'public, immutable' } : {}) };
    }
    return undefined;
  }
}
