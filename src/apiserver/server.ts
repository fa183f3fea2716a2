// The HTTP front of the API server: TLS, body limits, content negotiation, routing to
// discovery, health and resource handlers, and errors as `Status` objects. The handler is a
// plain (req, res) function so it can also be served without TLS in tests.

import { evictPod } from './eviction.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import {
  StatusError,
  badRequest,
  internalError,
  methodNotAllowed,
  notAcceptable,
  notFound,
  tooLarge,
  unsupportedMediaType, ignoreNotFound } from '../api/errors.ts';
import { groupVersion, type ResourceInfo, type ResourceRegistry } from '../api/registry.ts';
import { DISCOVERY_V2, aggregated, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.ts';
import { negotiate, parseAccept, parseRequest, type Rendering, type ResourceRequest } from './request.ts';
import { rfc3339, type Obj, type ResourceStore } from './rest.ts';
import { watchEvents, type ObjectEvent } from './watch.ts';
import { applyFieldValidation, checkUnknownFields, parseFieldValidation } from './fieldvalidation.ts';
import { decodeK8sProtobuf } from '../api/protobuf/index.ts';
import { applyObject, managerFromUserAgent, recordUpdate } from '../api/apply/index.ts';
import { ImpersonationError, impersonate, isPublicPath, type UserInfo } from './authn.ts';
import { RBAC_GROUP, userOf, type RbacPolicy } from './authz.ts';
import type { AdmissionAttributes, AdmissionChain, Operation } from './admission/index.ts';
import type { Auditor, AuditRecord } from './audit/index.ts';
import { authorize, checkBindingWrite, checkRoleWrite, rulesFor, type Attributes } from '../auth/rbac/authorizer.ts';

const K8S_PROTOBUF = 'application/vnd.kubernetes.protobuf';

export const MAX_BODY = 3 * 1024 * 1024;

export const VERSION_INFO = {
  major: '1',
  minor: '35',
  emulationMajor: '1',
  emulationMinor: '35',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '34',
  gitVersion: 'v1.35.0-kubelite',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-25T00:00:00Z',
  goVersion: 'node' + process.versions.node,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

/** Turns objects into what the client asked for (Table rows, metadata only). */
export interface Presenter {
  table(info: ResourceInfo, objects: Obj[], listMeta: Obj, includeObject: string, withColumns: boolean): Obj;
}

export interface PatchApplier {
  apply(contentType: string, current: Obj, patch: unknown, info: ResourceInfo): Obj;
}

export interface ApiHandlerOptions {
  registry: ResourceRegistry;
  rest: ResourceStore;
  presenter: Presenter;
  patcher: PatchApplier;
  /** host:port clients reach us at (discovery's serverAddressByClientCIDRs). */
  serverAddress: string;
  /** Extra non-resource routes (OpenAPI documents), tried before 404. */
  extraRoutes?: (
    req: IncomingMessage,
    path: string,
    url: URL,
  ) => Promise<
    { status?: number; type: string; body: Buffer | string; etag?: string; location?: string; cacheControl?: string } | undefined
  >;
  /** True once the server may take traffic (readyz). */
  ready: () => boolean;
  /**
   * Groups served by another piece of code, as aggregated API servers are (metrics.k8s.io):
   * listed in discovery, authorized like any resource, answered by `handle`.
   */
  delegatedApis?: DelegatedApi[];
  /**
   * Where nodes push their resource usage (PUT /kubelite/nodes/<name>/metrics), kubelite's
   * stand-in for metrics-server scraping kubelets; a node may report only for itself.
   */
  nodeMetricsReport?: (node: string, body: unknown) => void;
  bookmarkEveryMs?: number;
  /** Called after every successful write (not dry-run): CRDs start or stop being served here. */
  afterWrite?: (info: ResourceInfo, obj: Obj | undefined, name: string) => Promise<void>;
  /** Defaults and prunes a custom resource by its schema; returns the pruned paths. */
  pruneCustom?: (obj: Obj) => string[];
  /** Where a custom resource keeps its replicas and selector, for its scale subresource. */
  scalePaths?: (info: ResourceInfo) => ScalePaths | undefined;
  /** Called before a create is stored: the Service registry allocates IPs and ports here. */
  beforeCreate?: (info: ResourceInfo, obj: Obj, user: UserInfo) => Promise<void>;
  /**
   * PUT of a subresource with its own rules (a CSR's /approval and /status); undefined when
   * the resource has none and the generic handling applies.
   */
  updateSubresource?: (
    info: ResourceInfo,
    name: string,
    sub: string,
    body: Obj,
    user: UserInfo,
    opts: { dryRun: boolean; track: (old: Obj | undefined, next: Obj) => Obj },
  ) => Promise<Obj> | undefined;
  /**
   * Who the request is from; undefined means anonymous, which is refused (401) outside health
   * and discovery. Without an authenticator (tests that call the handler directly) every
   * request is trusted.
   */
  authenticate?: (req: IncomingMessage) => Promise<UserInfo | undefined | null>;
  /** RBAC: when set, every request is authorized; without it (handler tests) all are allowed. */
  rbac?: RbacPolicy;
  /** Issues a bound ServiceAccount token (the TokenRequest API). */
  issueToken?: (serviceAccount: Obj, request: Obj) => { token: string; expirationTimestamp: string };
  /** Called after a delete request: `obj` is the object as deleted, or as marked for deletion. */
  onDelete?: (info: ResourceInfo, obj: Obj, gone: boolean) => void;
  /** Called when a namespace has been marked for deletion. */
  onNamespaceTerminating?: (name: string) => void;
  /** The admission chain, run on every write (mutating before, validating just before storage). */
  admission?: AdmissionChain;
  /** The audit log (`--audit-policy-file`, `--audit-log-path`). */
  auditor?: Auditor;
}

/** A request's audit record, and what it needs at the end: the body sent and admission's annotations. */
const auditRecords = new WeakMap<IncomingMessage, AuditRecord>();
const responseBodies = new WeakMap<ServerResponse, unknown>();
const auditAnnotations = new WeakMap<IncomingMessage, Record<string, string>>();
/** Warnings gathered for a response, sent with an error too (as upstream sends them). */
const responseWarnings = new WeakMap<ServerResponse, string[]>();

export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

const PATCH_TYPES = new Set([
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
]);

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Deepest YAML nesting we parse; the yaml library exhausts V8's regexp compiler past ~1000. */
const MAX_YAML_DEPTH = 500;

/**
 * A cheap upper bound on a YAML document's nesting: the widest line indent (block nesting
 * needs a column per level, dashes of nested sequences included) plus the deepest bracket
 * nesting (flow collections).
 */
function yamlDepthBound(text: string): number {
  let indent = 0;
  let flow = 0;
  let maxFlow = 0;
  let lineStart = true;
  let lead = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      lead = 0;
      continue;
    }
    if (lineStart) {
      if (c === 32 || c === 9 || c === 45 /* - */) {
        lead++;
        if (lead > indent) indent = lead;
        continue;
      }
      lineStart = false;
    }
    if (c === 91 || c === 123) {
      flow++;
      if (flow > maxFlow) maxFlow = flow;
    } else if (c === 93 || c === 125) flow = Math.max(0, flow - 1);
  }
  return indent + maxFlow;
}

/** Deepest JSON nesting accepted: deeper bodies would exhaust the stack of recursive code. */
const MAX_JSON_DEPTH = 1000;

function tooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > MAX_JSON_DEPTH) return true;
    if (v && typeof v === 'object') for (const x of Object.values(v)) if (x && typeof x === 'object') stack.push([x, d + 1]);
  }
  return false;
}

function parseBody(buf: Buffer, type: string): unknown {
  const value = parseText(buf, type);
  if (tooDeep(value)) throw badRequest(`error decoding body: exceeded max depth of ${MAX_JSON_DEPTH}`);
  return value;
}

function parseText(buf: Buffer, type: string): unknown {
  if (buf.length === 0) return undefined;
  const text = buf.toString('utf8');
  try {
    if (type === 'application/yaml' || type === 'application/apply-patch+yaml') {
      if (yamlDepthBound(text) > MAX_YAML_DEPTH) throw new Error(`exceeded max depth of ${MAX_YAML_DEPTH}`);
      return parseYaml(text);
    }
    return JSON.parse(text);
  } catch (err) {
    const what = type.includes('yaml') ? 'yaml' : 'json';
    throw badRequest(`error decoding ${what}: ${(err as Error).message}`);
  }
}

function send(res: ServerResponse, code: number, body: unknown, yaml = false, warnings: string[] = []): void {
  if (res.headersSent) return;
  responseBodies.set(res, body);
  const text = yaml ? toYaml(body) : JSON.stringify(body);
  const headers: Record<string, string | number | string[]> = {
    'Content-Type': yaml ? 'application/yaml' : 'application/json',
    'Cache-Control': 'no-cache, private',
    'Content-Length': Buffer.byteLength(text),
  };
  // RFC 7234 warnings, as kube-apiserver sends them and kubectl prints them ("Warning: ...").
  // Node only sends Latin-1 in headers: anything wider goes as a \u escape inside the quoted
  // text (an unsendable header would fail the response, and then its error too).
  if (warnings.length > 0) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`);
  res.writeHead(code, headers);
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const se = err instanceof StatusError ? err : internalError(err);
  if (se.details?.retryAfterSeconds && !res.headersSent) res.setHeader('Retry-After', String(se.details.retryAfterSeconds));
  send(res, se.code, se.toStatus(), false, responseWarnings.get(res));
}

function flag(v: string | null): boolean | undefined {
  if (v === null) return undefined;
  return v === 'true' || v === '1' || v === '';
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dry run value: ${JSON.stringify(v)}`);
  return values.length > 0;
}

export interface DelegatedApi {
  group: string;
  version: string;
  /** The APIGroup entry, the APIResourceList, and the aggregated discovery item. */
  apiGroup(): object;
  resourceList(): object;
  discoveryItem(): object;
  handle(method: string, path: string, query: URLSearchParams): { code: number; body: unknown } | undefined;
}

export function createApiHandler(o: ApiHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (o.auditor) {
      const done = () => auditRecords.get(req)?.complete(res.statusCode, responseBodies.get(res), auditAnnotations.get(req));
      res.once('finish', done);
      res.once('close', done);
    }
    handle(o, req, res).catch((err: unknown) => sendError(res, err));
  };
}

async function handle(o: ApiHandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Concatenated, not resolved: a path starting with // must not be read as a host.
  const url = new URL(`https://kubelite${(req.url ?? '/').startsWith('/') ? '' : '/'}${req.url ?? ''}`);
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const method = req.method ?? 'GET';
  const accept = parseAccept(req.headers.accept);
  // null: credentials were presented and are not valid, which is 401 even where anonymous
  // requests are welcome.
  const authenticated = o.authenticate ? await o.authenticate(req) : ADMIN;
  let user = authenticated;
  const audit = () => {
    if (!o.auditor) return;
    const ri = (() => {
      try {
        return parseRequest(method, path, url.searchParams);
      } catch {
        return undefined;
      }
    })();
    const who = (u: UserInfo) => ({ username: u.username, groups: u.groups, ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) });
    const real = authenticated ?? ANONYMOUS;
    const record = o.auditor.begin({
      user: who(real),
      ...(user && user !== authenticated ? { impersonatedUser: who(user) } : {}),
      verb: ri?.kind === 'resource' ? ri.verb : method.toLowerCase(),
      resourceRequest: ri?.kind === 'resource',
      path,
      requestURI: req.url ?? '/',
      ...(ri?.kind === 'resource'
        ? {
            apiGroup: ri.group,
            apiVersion: ri.version,
            resource: ri.resource,
            ...(ri.subresource ? { subresource: ri.subresource } : {}),
            ...(ri.namespace ? { namespace: ri.namespace } : {}),
            ...(ri.name ? { name: ri.name } : {}),
          }
        : {}),
      sourceIPs: [req.socket.remoteAddress ?? ''].filter(Boolean),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      ...(typeof req.headers['audit-id'] === 'string' ? { auditID: req.headers['audit-id'] } : {}),
    });
    if (record) {
      auditRecords.set(req, record);
      if (!res.headersSent) res.setHeader('Audit-Id', record.auditID);
    }
  };
  if (authenticated === null || (!authenticated && !isPublicPath(path))) {
    audit();
    throw new StatusError(401, 'Unauthorized', 'Unauthorized');
  }
  if (authenticated) {
    try {
      if (o.rbac) await o.rbac.ready();
      user =
        impersonate(req, authenticated, (real, kind, name) =>
          o.rbac
            ? authorize(
                {
                  user: userOf(real),
                  verb: 'impersonate',
                  resourceRequest: true,
                  apiGroup: kind === 'uids' ? 'authentication.k8s.io' : '',
                  resource: kind,
                  name: kind === 'serviceaccounts' ? name : name,
                },
                o.rbac,
              ).allowed
            : real.groups.includes('system:masters'),
        ) ?? authenticated;
    } catch (err) {
      if (err instanceof ImpersonationError) {
        audit();
        throw new StatusError(err.code, err.reason, err.message);
      }
      throw err;
    }
  }
  audit();

  switch (path) {
    case '/healthz':
    case '/livez':
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
      return;
    case '/readyz':
      if (o.ready()) res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
      else res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end('[-]not ready\nreadyz check failed');
      return;
    case '/version':
      send(res, 200, VERSION_INFO);
      return;
    case '/api':
    case '/apis': {
      const wantsV2 = accept.some(
        (m) => m.params['as'] === 'APIGroupDiscoveryList' && m.params['g'] === 'apidiscovery.k8s.io' && m.params['v'] === 'v2',
      );
      if (wantsV2) {
        const doc = aggregated(o.registry, path === '/api') as { items: object[] };
        if (path === '/apis') for (const d of o.delegatedApis ?? []) doc.items.push(d.discoveryItem());
        const text = JSON.stringify(doc);
        res.writeHead(200, { 'Content-Type': DISCOVERY_V2, 'Content-Length': Buffer.byteLength(text) }).end(text);
        return;
      }
      if (path === '/api') return send(res, 200, apiVersions(o.serverAddress));
      const list = apiGroupList(o.registry) as { groups: object[] };
      for (const d of o.delegatedApis ?? []) list.groups.push(d.apiGroup());
      send(res, 200, list);
      return;
    }
  }

  const report = /^\/kubelite\/nodes\/([^/]+)\/metrics$/.exec(path);
  if (report && o.nodeMetricsReport) {
    const node = decodeURIComponent(report[1]!);
    if (method !== 'PUT') throw methodNotAllowed();
    if (user && o.rbac) {
      // A node reports for itself (the Node authorizer), others need to update its status.
      await o.rbac.check({ user: userOf(user), verb: 'update', resourceRequest: true, apiGroup: '', resource: 'nodes', subresource: 'status', name: node }, { group: '', resource: 'nodes' });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (err) {
      throw badRequest(`node metrics report: ${(err as Error).message}`);
    }
    try {
      o.nodeMetricsReport(node, parsed);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    res.writeHead(204).end();
    return;
  }

  const info = parseRequest(method, path, url.searchParams);
  if (info.kind === 'nonresource' && user && o.rbac) {
    await o.rbac.check({ user: userOf(user), verb: method === 'HEAD' ? 'get' : method.toLowerCase(), resourceRequest: false, path }, { group: '', resource: '' });
  }
  if (info.kind === 'nonresource') {
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const doc = apiResourceList(o.registry, '', parts[1]!);
      if (doc) return send(res, 200, doc);
    }
    const delegated = o.delegatedApis?.find((d) => d.group === parts[1]);
    if (parts[0] === 'apis' && parts.length === 2) {
      const doc = delegated?.apiGroup() ?? apiGroup(o.registry, parts[1]!);
      if (doc) return send(res, 200, doc);
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const doc = delegated && delegated.version === parts[2] ? delegated.resourceList() : apiResourceList(o.registry, parts[1]!, parts[2]!);
      if (doc) return send(res, 200, doc);
    }
    const extra = await o.extraRoutes?.(req, path, url);
    if (extra) {
      const headers: Record<string, string | number> = { 'Content-Type': extra.type, 'Content-Length': Buffer.byteLength(extra.body) };
      if (extra.etag) headers['ETag'] = `"${extra.etag}"`;
      if (extra.location) headers['Location'] = extra.location;
      if (extra.cacheControl) headers['Cache-Control'] = extra.cacheControl;
      if (extra.etag && req.headers['if-none-match'] === `"${extra.etag}"`) {
        res.writeHead(304, { ETag: `"${extra.etag}"` }).end();
        return;
      }
      res.writeHead(extra.status ?? 200, headers).end(extra.body);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    return;
  }
  const delegated = o.delegatedApis?.find((d) => d.group === info.group && d.version === info.version);
  if (delegated) {
    if (user) await authorizeResource(o, user, info, info.namespace);
    const answer = delegated.handle(method, path, url.searchParams);
    if (!answer) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    return send(res, answer.code, answer.body);
  }
  await handleResource(o, info, req, res, url, user ?? ANONYMOUS);
}

const ADMIN: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

function listKindFor(info: ResourceInfo): string {
  return info.listKind;
}

/** RBAC (and the Node authorizer) on a resource request, 403 with upstream's message when refused. */
async function authorizeResource(o: ApiHandlerOptions, user: UserInfo, ri: ResourceRequest, namespace: string | undefined): Promise<void> {
  await o.rbac?.check(
    {
      user: userOf(user),
      verb: ri.verb,
      resourceRequest: true,
      apiGroup: ri.group,
      resource: ri.resource,
      ...(ri.subresource ? { subresource: ri.subresource } : {}),
      ...(namespace ? { namespace } : {}),
      ...(ri.name ? { name: ri.name } : {}),
    },
    { group: ri.group, resource: ri.resource },
  );
}

async function handleResource(
  o: ApiHandlerOptions,
  ri: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  user: UserInfo,
): Promise<void> {
  const q = url.searchParams;
  const info = o.registry.get(ri.group, ri.version, ri.resource);
  if (!info) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    return;
  }
  // Cluster-scoped paths of a namespaced resource serve only lists and watches of all
  // namespaces; a name there (`/api/v1/pods/x`) is no route at all, as upstream.
  if ((ri.namespace !== undefined && !info.namespaced) || (ri.namespace === undefined && info.namespaced && ri.name !== undefined)) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    return;
  }
  if (ri.subresource && !info.subresources.includes(ri.subresource)) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    return;
  }
  // A namespace is authorized within itself, as upstream's request info has it.
  await authorizeResource(o, user, ri, info.group === '' && info.resource === 'namespaces' && ri.name ? ri.name : ri.namespace);
  const neg = negotiate(parseAccept(req.headers.accept));
  if (!neg) throw notAcceptable();
  const { rendering, yaml } = neg;
  const ns = info.namespaced ? ri.namespace : undefined;
  const rs = o.rest;

  const warnings: string[] = [];
  responseWarnings.set(res, warnings);
  const respondObject = (code: number, obj: Obj) => {
    if (rendering.as === 'Table') {
      send(res, code, o.presenter.table(info, [obj], { resourceVersion: obj.metadata?.resourceVersion }, q.get('includeObject') ?? 'Metadata', true), yaml, warnings);
    } else if (rendering.as === 'PartialObjectMetadata') {
      send(res, code, { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${rendering.version}`, metadata: obj.metadata }, yaml, warnings);
    } else {
      send(res, code, obj, yaml, warnings);
    }
  };
  // Fields the kind does not declare are dropped; fieldValidation says how loudly.
  const unknownFields = (obj: Obj) => {
    const policy = parseFieldValidation(q.get('fieldValidation'));
    if (!info.crd) warnings.push(...checkUnknownFields(info, obj, policy));
    else if (o.pruneCustom) {
      obj.apiVersion ??= groupVersion(info);
      obj.kind ??= info.kind;
      warnings.push(...applyFieldValidation(info, o.pruneCustom(obj), policy));
    }
  };

  const body = async (): Promise<{ type: string; value: unknown }> => {
    const type = mediaType(req.headers['content-type']) || 'application/json';
    // Typed clients (client-go 1.31+: kubectl create, helm's release secrets) send protobuf.
    if (type === K8S_PROTOBUF && ri.verb !== 'patch' && !info.crd) {
      const raw = await readBody(req);
      if (raw.length === 0) return { type, value: undefined };
      try {
        const value = decodeK8sProtobuf(raw);
        auditRecords.get(req)?.setRequestObject(value);
        return { type, value };
      } catch (err) {
        throw badRequest((err as Error).message);
      }
    }
    const allowed = ri.verb === 'patch' ? PATCH_TYPES : new Set(['application/json', 'application/yaml']);
    if (!allowed.has(type)) throw unsupportedMediaType(type);
    const value = parseBody(await readBody(req), type);
    auditRecords.get(req)?.setRequestObject(value);
    return { type, value };
  };

  const sub = ri.subresource;
  // Every write records who changed which fields (metadata.managedFields).
  const manager = q.get('fieldManager') || managerFromUserAgent(req.headers['user-agent']);
  const track = (old: Obj | undefined, next: Obj): Obj =>
    recordUpdate(old, next, {
      manager,
      apiVersion: groupVersion(info),
      kind: info.kind,
      now: new Date(rs.clock.now()),
      ...(sub ? { subresource: sub } : {}),
    }) as Obj;
  const annotations: Record<string, string> = {};
  auditAnnotations.set(req, annotations);
  const chain = o.admission;
  const attrs = (operation: Operation, object: Obj | undefined, oldObject: Obj | undefined, name: string | undefined, namespace: string | undefined, subresource = sub): AdmissionAttributes => ({
    info,
    operation,
    ...(object ? { object } : {}),
    ...(oldObject ? { oldObject } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
    ...(subresource ? { subresource } : {}),
    user,
    dryRun: dryRun(q),
    options: writeOptions(operation, q),
    warnings,
    annotations,
  });
  /** Mutating admission of an update, with the stored object it replaces. */
  const admitUpdate = async (next: Obj, old: Obj) => {
    await chain?.admit(attrs('UPDATE', next, old, ri.name, ns ?? old.metadata?.namespace));
  };
  /** Validating admission, as the store's last step before it writes. */
  const validator = (operation: Operation) =>
    chain ? (next: Obj, old: Obj | undefined) => chain.validate(attrs(operation, next, old, next.metadata?.name, next.metadata?.namespace)) : undefined;
  const admitDelete = async (old: Obj) => {
    if (!chain) return;
    const a = attrs('DELETE', undefined, old, old.metadata?.name, old.metadata?.namespace);
    await chain.admit(a);
    await chain.validate(a);
  };
  /** A DELETE of one object with its DeleteOptions (query parameters win), hooks included. */
  const deleteOne = async (name: string, opts: Obj, dry: boolean) => {
    const grace = intParam(q, 'gracePeriodSeconds') ?? opts.gracePeriodSeconds;
    const policy = q.get('propagationPolicy') ?? opts.propagationPolicy ?? (q.get('orphanDependents') === 'true' || opts.orphanDependents === true ? 'Orphan' : undefined);
    if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
    }
    if (chain) await admitDelete(await rs.get(info, ns, name));
    const dryAll = dry || (Array.isArray(opts.dryRun) && opts.dryRun.includes('All'));
    const r = await rs.delete(info, ns, name, {
      ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
      ...(policy ? { propagationPolicy: policy } : {}),
      ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
      dryRun: dryAll,
    });
    if (!r.gone && info.group === '' && info.kind === 'Namespace') o.onNamespaceTerminating?.(name);
    await o.afterWrite?.(info, r.gone ? undefined : r.obj, name);
    if (!dryAll) o.onDelete?.(info, r.obj, r.gone);
    return r;
  };
  switch (ri.verb) {
    case 'get': {
      if (sub === 'scale') return respondObject(200, toScale(await rs.get(info, ns, ri.name!), o.scalePaths?.(info)));
      if (sub && sub !== 'status') throw methodNotAllowed();
      return respondObject(200, await rs.get(info, ns, ri.name!, q.get('resourceVersion') ?? undefined));
    }
    case 'list': {
      if (!info.verbs.includes('list')) throw methodNotAllowed();
      const listOpts = {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        limit: intParam(q, 'limit'),
        continue: q.get('continue') ?? undefined,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
      };
      // Plain JSON lists of a single-version resource are spliced from the stored text.
      // (With several versions the stored apiVersion may not be the one asked for.)
      const versions = o.registry.groups().find((g) => g.group === info.group)?.versions ?? [];
      const singleVersion = versions.filter((v) => o.registry.get(info.group, v, info.resource)).length === 1;
      if (rendering.as === 'object' && !yaml && singleVersion) {
        const raw = await rs.listJson(info, ns, listOpts);
        if (raw) {
          const meta: Obj = { resourceVersion: raw.resourceVersion };
          if (raw.continue) meta.continue = raw.continue;
          if (raw.remainingItemCount !== undefined) meta.remainingItemCount = raw.remainingItemCount;
          const head = `{"kind":${JSON.stringify(info.listKind)},"apiVersion":${JSON.stringify(groupVersion(info))},"metadata":${JSON.stringify(meta)},"items":[`;
          const pieces: Uint8Array[] = [Buffer.from(head)];
          const comma = Buffer.from(',');
          raw.items.forEach((parts, i) => {
            if (i > 0) pieces.push(comma);
            pieces.push(...parts);
          });
          pieces.push(Buffer.from(']}'));
          const bytes = Buffer.concat(pieces);
          responseBodies.set(res, bytes);
          res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': bytes.length });
          res.end(bytes);
          return;
        }
      }
      const list = await rs.list(info, ns, {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        limit: intParam(q, 'limit'),
        continue: q.get('continue') ?? undefined,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
      });
      const listMeta: Obj = { resourceVersion: list.resourceVersion };
      if (list.continue) listMeta.continue = list.continue;
      if (list.remainingItemCount !== undefined) listMeta.remainingItemCount = list.remainingItemCount;
      if (rendering.as === 'Table') {
        return send(res, 200, o.presenter.table(info, list.items, listMeta, q.get('includeObject') ?? 'Metadata', true), yaml);
      }
      if (rendering.as === 'PartialObjectMetadata') {
        return send(
          res,
          200,
          {
            kind: 'PartialObjectMetadataList',
            apiVersion: `meta.k8s.io/${rendering.version}`,
            metadata: listMeta,
            items: list.items.map((i) => ({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${rendering.version}`, metadata: i.metadata })),
          },
          yaml,
        );
      }
      return send(res, 200, { kind: listKindFor(info), apiVersion: groupVersion(info), metadata: listMeta, items: list.items }, yaml);
    }
    case 'watch':
      // A HEAD has no body to stream into: answer the headers and free the connection.
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' }).end();
        return;
      }
      return streamWatch(o, info, ns, ri.name, rendering, req, res, q);
    case 'create': {
      if (sub === 'token' && info.group === '' && info.kind === 'ServiceAccount' && o.issueToken) {
        const sa = await rs.get(info, ns, ri.name!);
        const reqObj = expectObject((await body()).value ?? {});
        const issued = o.issueToken(sa, reqObj);
        return respondObject(201, {
          kind: 'TokenRequest',
          apiVersion: 'authentication.k8s.io/v1',
          metadata: { name: ri.name, namespace: ns, creationTimestamp: null },
          spec: { audiences: reqObj.spec?.audiences ?? [], expirationSeconds: reqObj.spec?.expirationSeconds ?? 3600, boundObjectRef: reqObj.spec?.boundObjectRef ?? null },
          status: issued,
        });
      }
      const podBinding = info.group === '' && ((info.kind === 'Pod' && sub === 'binding') || (info.kind === 'Binding' && !sub));
      if (podBinding) {
        const binding = expectObject((await body()).value);
        await bindPod(o, ns!, sub ? ri.name! : String(binding.metadata?.name ?? ''), binding, dryRun(q), track);
        return send(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      }
      if (sub === 'eviction' && info.group === '' && info.kind === 'Pod') {
        const eviction = expectObject((await body()).value ?? {});
        await evictPod(
          { rest: rs, registry: o.registry, now: () => rs.clock.now(), deletePod: async (_ns, name, opts, dry) => void (await deleteOne(name, opts, dry)) },
          ns!,
          ri.name!,
          eviction,
          dryRun(q),
        );
        return send(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      }
      if (sub) throw methodNotAllowed();
      if (!info.verbs.includes('create')) throw methodNotAllowed();
      const b = await body();
      const obj = expectObject(b.value);
      // Reviews (`kubectl auth whoami`, `kubectl auth can-i`) are answered, never stored.
      const review = await answerReview(info, obj, user, o.rbac);
      if (review) return respondObject(201, review);
      const objNs = ns ?? (info.namespaced ? obj.metadata?.namespace : undefined);
      checkKind(info, obj);
      unknownFields(obj);
      await checkRbacWrite(o, info, obj, user, ns);
      await chain?.admit(attrs('CREATE', obj, undefined, obj.metadata?.name, objNs));
      await o.beforeCreate?.(info, obj, user);
      const created = await rs.create(info, ns, obj, { dryRun: dryRun(q), track, validate: validator('CREATE') });
      if (!dryRun(q)) await o.afterWrite?.(info, created, created.metadata.name);
      return respondObject(201, created);
    }
    case 'update': {
      const b = await body();
      const obj = expectObject(b.value);
      const special = sub ? o.updateSubresource?.(info, ri.name!, sub, obj, user, { dryRun: dryRun(q), track }) : undefined;
      if (special) return respondObject(200, await special);
      if (sub === 'status') {
        return respondObject(200, await rs.updateStatus(info, ns, ri.name!, obj, { dryRun: dryRun(q), track, admit: admitUpdate, validate: validator('UPDATE') }));
      }
      if (sub === 'scale') {
        const paths = o.scalePaths?.(info);
        return respondObject(200, toScale(await scaleTo(rs, info, ns, ri.name!, obj, dryRun(q), paths), paths));
      }
      if (sub === 'finalize') {
        const finalizers = obj.spec?.finalizers ?? [];
        return respondObject(
          200,
          await rs.guaranteedUpdate(info, ns, ri.name!, (current) => {
            current.spec = { ...(current.spec ?? {}), finalizers };
            return current;
          }, { dryRun: dryRun(q) }),
        );
      }
      if (sub) throw methodNotAllowed();
      checkKind(info, obj);
      unknownFields(obj);
      await checkRbacWrite(o, info, obj, user, ns);
      const updated = await rs.update(info, ns, ri.name!, obj, { dryRun: dryRun(q), track, admit: admitUpdate, validate: validator('UPDATE') });
      if (!dryRun(q)) await o.afterWrite?.(info, updated, ri.name!);
      return respondObject(200, updated);
    }
    case 'patch': {
      const b = await body();
      if (b.value === undefined) throw badRequest('the body of the request was empty');
      const dry = dryRun(q);
      if (sub === 'scale') {
        const paths = o.scalePaths?.(info);
        const current = toScale(await rs.get(info, ns, ri.name!), paths);
        const scaleInfo = o.registry.get('autoscaling', 'v1', 'horizontalpodautoscalers')!;
        const patched = o.patcher.apply(b.type, current, b.value, { ...scaleInfo, kind: 'Scale', crd: undefined });
        return respondObject(200, toScale(await scaleTo(rs, info, ns, ri.name!, patched, dry, paths), paths));
      }
      if (sub && sub !== 'status') throw methodNotAllowed();
      if (o.rbac && info.group === RBAC_GROUP) await o.rbac.ready();
      if (b.type === 'application/apply-patch+yaml') {
        return respondObject(...(await serverSideApply(o, info, ns, ri.name!, sub, b.value, q, unknownFields, user, { attrs, admitUpdate, validator })));
      }
      const updated = await rs.guaranteedUpdate(
        info,
        ns,
        ri.name!,
        async (current) => {
          const patched = o.patcher.apply(b.type, current, b.value, info);
          warnings.length = 0;
          unknownFields(patched);
          if (sub === 'status') {
            const next = structuredClone(current);
            next.status = patched.status;
            await admitUpdate(next, current);
            return next;
          }
          await admitUpdate(patched, current);
          refuseRbacEscalation(o, info, patched, user, ns);
          return rs.mergeUpdate(info, current, patched);
        },
        { dryRun: dry, track, validate: validator('UPDATE') },
      );
      if (!dry) await o.afterWrite?.(info, updated, ri.name!);
      return respondObject(200, updated);
    }
    case 'delete': {
      if (sub) throw methodNotAllowed();
      const b = await body().catch(() => ({ type: 'application/json', value: undefined }));
      const r = await deleteOne(ri.name!, (b.value ?? {}) as Obj, dryRun(q));
      if (!r.gone || info.kind === 'Pod') return respondObject(200, r.obj);
      return send(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: ri.name, ...(info.group ? { group: info.group } : {}), kind: info.resource, uid: r.obj.metadata?.uid },
      });
    }
    case 'deletecollection': {
      if (!info.verbs.includes('deletecollection')) throw methodNotAllowed();
      const list = await rs.list(info, ns, {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
      });
      const dry = dryRun(q);
      for (const item of list.items) {
        await admitDelete(item);
        const r = await rs.delete(info, item.metadata.namespace, item.metadata.name, { dryRun: dry }).catch(ignoreNotFound);
        if (r && !dry) o.onDelete?.(info, r.obj, r.gone);
      }
      return send(res, 200, { kind: listKindFor(info), apiVersion: groupVersion(info), metadata: { resourceVersion: list.resourceVersion }, items: list.items }, yaml);
    }
  }
}

/**
 * pods/binding (and the legacy bindings resource), as the scheduler writes it: the pod gets its
 * node, the binding's annotations and the PodScheduled condition, once; a pod already bound or
 * being deleted is a conflict.
 */
async function bindPod(
  o: ApiHandlerOptions,
  ns: string,
  name: string,
  binding: Obj,
  dry: boolean,
  track: (old: Obj | undefined, next: Obj) => Obj,
): Promise<void> {
  const pods = o.registry.get('', 'v1', 'pods')!;
  if (binding.metadata?.name !== undefined && binding.metadata.name !== name) {
    throw badRequest(`the name of the object (${binding.metadata.name}) does not match the name on the URL (${name})`);
  }
  const target = binding.target ?? {};
  const problems: string[] = [];
  if (!target.name) problems.push('target.name: Required value');
  if (target.kind && target.kind !== 'Node') problems.push(`target.kind: Unsupported value: ${JSON.stringify(target.kind)}: supported values: "Node"`);
  if (problems.length > 0) {
    throw new StatusError(422, 'Invalid', `Binding "${name}" is invalid: ${problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`}`, { name, kind: 'Binding' });
  }
  await o.rest.guaranteedUpdate(
    pods,
    ns,
    name,
    (pod) => {
      const m = pod.metadata;
      if (binding.metadata?.uid && binding.metadata.uid !== m.uid) {
        throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${m.uid}`, {
          name,
          kind: 'pods/binding',
        });
      }
      if (m.deletionTimestamp) throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is being deleted, cannot be assigned to a host`, { name, kind: 'pods/binding' });
      if (pod.spec?.nodeName) {
        throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${pod.spec.nodeName}"`, {
          name,
          kind: 'pods/binding',
        });
      }
      pod.spec.nodeName = target.name;
      if (binding.metadata?.annotations) m.annotations = { ...(m.annotations ?? {}), ...binding.metadata.annotations };
      const now = rfc3339(o.rest.clock.now());
      const conditions: Obj[] = (pod.status ??= {}).conditions ?? [];
      const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now };
      const i = conditions.findIndex((c) => c.type === 'PodScheduled');
      if (i < 0) conditions.push(scheduled);
      else if (conditions[i]!.status !== 'True') conditions[i] = scheduled;
      pod.status.conditions = conditions;
      return pod;
    },
    { dryRun: dry, track },
  );
}

/**
 * Server-side apply (PATCH application/apply-patch+yaml): the manager's configuration merged
 * into the live object with field ownership and conflicts; an object that does not exist yet
 * is created.
 */
async function serverSideApply(
  o: ApiHandlerOptions,
  info: ResourceInfo,
  ns: string | undefined,
  name: string,
  sub: string | undefined,
  body: unknown,
  q: URLSearchParams,
  unknownFields: (obj: Obj) => void,
  user: UserInfo,
  adm: {
    attrs: (operation: Operation, object: Obj | undefined, oldObject: Obj | undefined, name: string | undefined, namespace: string | undefined) => AdmissionAttributes;
    admitUpdate: (next: Obj, old: Obj) => Promise<void>;
    validator: (operation: Operation) => ((next: Obj, old: Obj | undefined) => Promise<void>) | undefined;
  },
): Promise<[number, Obj]> {
  const rs = o.rest;
  const manager = q.get('fieldManager');
  if (!manager) {
    throw new StatusError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
      group: 'meta.k8s.io',
      kind: 'PatchOptions',
      causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
    });
  }
  const config = expectObject(body);
  if (config.metadata?.name !== undefined && config.metadata.name !== name) {
    throw badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
  }
  unknownFields(config);
  const dry = dryRun(q);
  const opts = {
    manager,
    force: flag(q.get('force')) ?? false,
    apiVersion: groupVersion(info),
    kind: info.kind,
    now: new Date(rs.clock.now()),
    ...(sub ? { subresource: sub } : {}),
  };
  try {
    const updated = await rs.guaranteedUpdate(
      info,
      ns,
      name,
      async (current) => {
        const applied = applyObject(current, config, opts) as Obj;
        if (sub === 'status') {
          const next = structuredClone(current);
          next.status = applied.status;
          next.metadata.managedFields = applied.metadata?.managedFields;
          await adm.admitUpdate(next, current);
          return next;
        }
        await adm.admitUpdate(applied, current);
        refuseRbacEscalation(o, info, applied, user, ns);
        return rs.mergeUpdate(info, current, applied);
      },
      { dryRun: dry, validate: adm.validator('UPDATE') },
    );
    if (!dry) await o.afterWrite?.(info, updated, name);
    return [200, updated];
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404 && err.reason === 'NotFound') || sub) throw err;
  }
  const objNs = info.namespaced ? (ns ?? config.metadata?.namespace) : undefined;
  const toCreate = applyObject(undefined, { ...config, metadata: { ...(config.metadata ?? {}), name } }, opts) as Obj;
  refuseRbacEscalation(o, info, toCreate, user, ns);
  await o.admission?.admit(adm.attrs('CREATE', toCreate, undefined, name, objNs));
  await o.beforeCreate?.(info, toCreate, user);
  const created = await rs.create(info, ns, toCreate, { dryRun: dry, validate: adm.validator('CREATE') });
  if (!dry) await o.afterWrite?.(info, created, name);
  return [201, created];
}

/**
 * The review kinds of authentication.k8s.io and authorization.k8s.io. Authorization is not
 * configured yet (issue 5), so, as with upstream's AlwaysAllow authorizer, every
 * authenticated user may do everything, and access reviews say so.
 */
async function answerReview(info: ResourceInfo, obj: Obj, user: UserInfo, rbac: RbacPolicy | undefined): Promise<Obj | undefined> {
  const base = { kind: info.kind, apiVersion: groupVersion(info), metadata: { ...(obj.metadata ?? {}), creationTimestamp: null } };
  const userInfo = { username: user.username, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}), ...(user.extra ? { extra: user.extra } : {}) };
  if (info.group === 'authentication.k8s.io') {
    if (info.kind === 'SelfSubjectReview') return { ...base, status: { userInfo } };
    if (info.kind === 'TokenReview') {
      return { ...base, spec: obj.spec ?? {}, status: { authenticated: false, error: 'token authentication is not configured', user: {} } };
    }
  }
  if (info.group === 'authorization.k8s.io') {
    if (info.kind === 'SelfSubjectRulesReview' && rbac) {
      const r = rulesFor(userOf(user), obj.spec?.namespace ?? '', rbac);
      return { ...base, spec: obj.spec ?? {}, status: { resourceRules: r.resourceRules, nonResourceRules: r.nonResourceRules, incomplete: r.incomplete, ...(r.evaluationError ? { evaluationError: r.evaluationError } : {}) } };
    }
    if (info.kind.endsWith('SubjectAccessReview') && rbac) {
      const spec = obj.spec ?? {};
      const who = info.kind === 'SelfSubjectAccessReview' ? userOf(user) : { username: spec.user ?? '', groups: spec.groups ?? [] };
      const ra = spec.resourceAttributes;
      const nra = spec.nonResourceAttributes;
      const attrs: Attributes = ra
        ? {
            user: who,
            verb: ra.verb ?? '',
            resourceRequest: true,
            apiGroup: ra.group ?? '',
            resource: ra.resource ?? '',
            ...(ra.subresource ? { subresource: ra.subresource } : {}),
            ...(ra.namespace ? { namespace: ra.namespace } : {}),
            ...(ra.name ? { name: ra.name } : {}),
          }
        : { user: who, verb: nra?.verb ?? '', resourceRequest: false, path: nra?.path ?? '' };
      const d = await rbac.decide(attrs);
      return { ...base, spec, status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) } };
    }
    if (info.kind === 'SelfSubjectRulesReview') {
      return {
        ...base,
        spec: obj.spec ?? {},
        status: {
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      };
    }
    if (info.kind.endsWith('SubjectAccessReview')) {
      return { ...base, spec: obj.spec ?? {}, status: { allowed: true, reason: 'no authorizer is configured: every authenticated user may do everything' } };
    }
  }
  return undefined;
}

/** Roles and bindings may only grant what the writer holds (or may escalate / bind). */
async function checkRbacWrite(o: ApiHandlerOptions, info: ResourceInfo, obj: Obj, user: UserInfo, ns: string | undefined): Promise<void> {
  if (!o.rbac || info.group !== RBAC_GROUP) return;
  await o.rbac.ready();
  refuseRbacEscalation(o, info, obj, user, ns);
}

/** The synchronous half of checkRbacWrite, for use inside a read-modify-write (patch, apply). */
function refuseRbacEscalation(o: ApiHandlerOptions, info: ResourceInfo, obj: Obj, user: UserInfo, ns: string | undefined): void {
  if (!o.rbac || info.group !== RBAC_GROUP) return;
  const full = { ...obj, kind: info.kind, metadata: { ...(obj.metadata ?? {}), ...(ns ? { namespace: ns } : {}) } };
  const refusal = info.kind.endsWith('Binding') ? checkBindingWrite(userOf(user), full, o.rbac) : checkRoleWrite(userOf(user), full, o.rbac);
  if (refusal) throw new StatusError(403, 'Forbidden', refusal, { name: obj.metadata?.name, group: RBAC_GROUP, kind: info.resource });
}

/** The options object webhooks are sent with a write, as upstream builds it from the query. */
function writeOptions(operation: Operation, q: URLSearchParams): Obj {
  const kind = operation === 'CREATE' ? 'CreateOptions' : operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions';
  const o: Obj = { kind, apiVersion: 'meta.k8s.io/v1' };
  if (q.getAll('dryRun').length > 0) o.dryRun = q.getAll('dryRun');
  const fm = q.get('fieldManager');
  if (fm && operation !== 'DELETE') o.fieldManager = fm;
  if (operation === 'DELETE') {
    const grace = q.get('gracePeriodSeconds');
    if (grace !== null && /^-?\d+$/.test(grace)) o.gracePeriodSeconds = Number(grace);
    const policy = q.get('propagationPolicy');
    if (policy) o.propagationPolicy = policy;
  }
  return o;
}

function expectObject(v: unknown): Obj {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest('the body of the request must be a JSON or YAML object');
  return v as Obj;
}

function checkKind(info: ResourceInfo, obj: Obj): void {
  const gv = groupVersion(info);
  if (obj.apiVersion !== undefined && obj.apiVersion !== gv) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`);
  }
  if (obj.kind !== undefined && obj.kind !== info.kind) {
    throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${info.kind})`);
  }
}

/** Reads a simple JSON path (`.spec.replicas`) of an object. */
function getPath(obj: Obj, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[part];
  }
  return cur;
}

function setPath(obj: Obj, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur: Obj = obj;
  for (const part of parts.slice(0, -1)) {
    if (!cur[part] || typeof cur[part] !== 'object') cur[part] = {};
    cur = cur[part];
  }
  cur[parts[parts.length - 1]!] = value;
}

function selectorString(sel: Obj | undefined): string {
  if (!sel || typeof sel !== 'object') return '';
  if (!sel.matchLabels && !sel.matchExpressions) return Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',');
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The autoscaling/v1 Scale view of a workload (or of a custom resource, through its CRD's paths). */
function toScale(obj: Obj, paths?: ScalePaths): Obj {
  const m = obj.metadata ?? {};
  const specReplicas = paths ? getPath(obj, paths.specReplicasPath) : obj.spec?.replicas;
  const statusReplicas = paths ? getPath(obj, paths.statusReplicasPath) : obj.status?.replicas;
  const selector = paths ? (paths.labelSelectorPath ? String(getPath(obj, paths.labelSelectorPath) ?? '') : '') : selectorString(obj.spec?.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: specReplicas ?? 0 },
    status: { replicas: statusReplicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

async function scaleTo(
  rs: ResourceStore,
  info: ResourceInfo,
  ns: string | undefined,
  name: string,
  scale: Obj,
  dry: boolean,
  paths?: ScalePaths,
): Promise<Obj> {
  const replicas = scale?.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new StatusError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
      name,
      group: 'autoscaling',
      kind: 'Scale',
      causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'must be greater than or equal to 0' }],
    });
  }
  const expectedRv = scale.metadata?.resourceVersion ? String(scale.metadata.resourceVersion) : undefined;
  return rs.guaranteedUpdate(
    info,
    ns,
    name,
    (current) => {
      if (paths) setPath(current, paths.specReplicasPath, replicas);
      else current.spec = { ...(current.spec ?? {}), replicas };
      if (current.metadata.generation !== undefined) current.metadata.generation++;
      return current;
    },
    { dryRun: dry, ...(expectedRv ? { expectedRv } : {}) },
  );
}

async function streamWatch(
  o: ApiHandlerOptions,
  info: ResourceInfo,
  ns: string | undefined,
  name: string | undefined,
  rendering: Rendering,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
): Promise<void> {
  if (!info.verbs.includes('watch')) throw methodNotAllowed();
  let fieldSelector = q.get('fieldSelector') ?? undefined;
  if (name) fieldSelector = [fieldSelector, `metadata.name=${name}`].filter(Boolean).join(',');
  const ac = new AbortController();
  const timeoutSeconds = Number(q.get('timeoutSeconds') ?? 1800);
  const timer = setTimeout(() => ac.abort(), Math.max(1, timeoutSeconds) * 1000);
  const stop = () => ac.abort();
  req.on('close', stop);
  res.on('close', stop);
  const sendInitial = flag(q.get('sendInitialEvents'));
  const events = watchEvents(
    o.rest,
    info,
    ns,
    {
      resourceVersion: q.get('resourceVersion') ?? undefined,
      resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
      ...(sendInitial !== undefined ? { sendInitialEvents: sendInitial } : {}),
      allowWatchBookmarks: flag(q.get('allowWatchBookmarks')) ?? false,
      labelSelector: q.get('labelSelector') ?? undefined,
      ...(fieldSelector ? { fieldSelector } : {}),
      bookmarkEveryMs: o.bookmarkEveryMs ?? 60_000,
    },
    ac.signal,
  );
  let first = true;
  const render = (e: ObjectEvent): ObjectEvent => {
    if (e.type === 'ERROR' || e.type === 'BOOKMARK' || rendering.as === 'object') return e;
    if (rendering.as === 'PartialObjectMetadata') {
      return { type: e.type, object: { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${rendering.version}`, metadata: e.object.metadata } };
    }
    // Column definitions go with the first event only, as upstream sends them.
    const table = o.presenter.table(info, [e.object], { resourceVersion: e.object.metadata?.resourceVersion }, q.get('includeObject') ?? 'Metadata', first);
    first = false;
    return { type: e.type, object: table };
  };
  try {
    // Pull the first event before committing to 200, so a bad request still gets its 4xx.
    const it = events[Symbol.asyncIterator]();
    const firstEvent = it.next();
    const early = await Promise.race([firstEvent, new Promise<'idle'>((resolve) => setTimeout(() => resolve('idle'), 0))]);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    auditRecords.get(req)?.responseStarted(200);
    let next = early === 'idle' ? await firstEvent : early;
    while (!next.done) {
      res.write(JSON.stringify(render(next.value)) + '\n');
      next = await it.next();
    }
  } catch (err) {
    if (!res.headersSent) throw err;
    const se = err instanceof StatusError ? err : internalError(err);
    res.write(JSON.stringify({ type: 'ERROR', object: se.toStatus() }) + '\n');
  } finally {
    clearTimeout(timer);
    req.off('close', stop);
    res.off('close', stop);
    res.end();
  }
}

/**
 * Requests Node's HTTP parser rejects (an unknown method, a malformed header) never reach the
 * handler; answer them with a Status too instead of a bare 400.
 */
export function answerClientErrors(server: import('node:net').Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: import('node:stream').Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(badRequest(`malformed HTTP request: ${err.code ?? err.message}`).toStatus());
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
