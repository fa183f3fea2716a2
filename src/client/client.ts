// The REST client every component talks to the API server through: HTTPS with a client
// certificate or a bearer token, JSON in and out, one keep-alive connection pool, and watches
// read as a stream of events.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Obj } from '../apiserver/rest.ts';
import type { Status } from '../api/errors.ts';
import { ApiError } from './errors.ts';
import { JsonObjectStream } from './json-stream.ts';
import { apiVersionOf, resourcePath, type Resource } from './resources.ts';

export interface ClientOptions {
  /** `https://host:port` */
  server: string;
  /** PEM of the CA the server's certificate chains to. */
  ca?: string;
  /** PEM client certificate and key (both or neither). */
  cert?: string;
  key?: string;
  token?: string;
  userAgent?: string;
  insecureSkipTlsVerify?: boolean;
  /** Connections kept to the server; watches hold one each. */
  maxSockets?: number;
  /** Namespace of the kubeconfig context; informational. */
  namespace?: string;
}

export interface ObjectList<T = Obj> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

interface Common {
  signal?: AbortSignal;
}

export interface GetOptions extends Common {
  resourceVersion?: string;
  subresource?: string;
}

export interface ListOptions extends Common {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WriteOptions extends Common {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  /** e.g. `binding`, `eviction`, `scale`, `status`; the name comes from the body. */
  subresource?: string;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take fields other managers own. */
  force?: boolean;
}

export interface DeleteOptions extends Common {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WatchOptions {
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan';
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export type WatchEvent<T = Obj> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: Status };

const PATCH_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

const DEFAULT_USER_AGENT = `kubelite/v0.1.0 (${process.platform}/${process.arch})`;

type Query = Record<string, string | number | boolean | undefined>;

function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

function nameOf(obj: Obj): string {
  const name = obj?.metadata?.name;
  if (typeof name !== 'string' || !name) throw new Error('the object has no metadata.name');
  return name;
}

export class Client {
  readonly server: URL;
  readonly namespace: string;
  private readonly agent: https.Agent;
  private readonly headers: Record<string, string>;
  private active = 0;

  constructor(private readonly options: ClientOptions) {
    const o = options;
    this.server = new URL(o.server);
    if (this.server.protocol !== 'https:') throw new Error(`server ${o.server}: only https is supported`);
    if ((o.cert === undefined) !== (o.key === undefined)) throw new Error('a client certificate needs both cert and key');
    this.namespace = o.namespace ?? 'default';
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: o.maxSockets ?? 64,
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.cert ? { cert: o.cert, key: o.key } : {}),
      rejectUnauthorized: !o.insecureSkipTlsVerify,
    });
    this.headers = { 'User-Agent': o.userAgent ?? DEFAULT_USER_AGENT, Accept: 'application/json' };
    if (o.token) this.headers.Authorization = `Bearer ${o.token}`;
  }

  /** Replaces the bearer token (a refreshed ServiceAccount token); later requests carry it. */
  setToken(token: string): void {
    this.headers.Authorization = `Bearer ${token}`;
  }

  /** A client for the same server, trusting the same CA, as the user of `token`. */
  withToken(token: string, userAgent?: string): Client {
    const { cert: _c, key: _k, ...rest } = this.options;
    return new Client({ ...rest, token, ...(userAgent ? { userAgent } : {}) });
  }

  /** From a kubeconfig file path or its text (current context, or the one named). */
  static fromKubeconfig(pathOrText: string, o: { context?: string; userAgent?: string } = {}): Client {
    const isText = pathOrText.includes('\n');
    const text = isText ? pathOrText : readFileSync(pathOrText, 'utf8');
    const base = isText ? process.cwd() : dirname(resolve(pathOrText));
    const cfg = (parseYaml(text) ?? {}) as Obj;
    const ctxName = o.context ?? cfg['current-context'];
    const named = (list: unknown, name: unknown, what: string): Obj => {
      const hit = (Array.isArray(list) ? list : []).find((e: Obj) => e?.name === name);
      if (!hit) throw new Error(`kubeconfig: ${what} ${JSON.stringify(name)} not found`);
      return hit;
    };
    const ctx = named(cfg.contexts, ctxName, 'context').context ?? {};
    const cluster = named(cfg.clusters, ctx.cluster, 'cluster').cluster ?? {};
    const user = ctx.user !== undefined ? (named(cfg.users, ctx.user, 'user').user ?? {}) : {};
    const data = (inline: unknown, file: unknown): string | undefined => {
      if (typeof inline === 'string' && inline) return Buffer.from(inline, 'base64').toString('utf8');
      if (typeof file === 'string' && file) return readFileSync(resolve(base, file), 'utf8');
      return undefined;
    };
    const token =
      typeof user.token === 'string' && user.token
        ? user.token
        : typeof user.tokenFile === 'string' && user.tokenFile
          ? readFileSync(resolve(base, user.tokenFile), 'utf8').trim()
          : undefined;
    const opts: ClientOptions = { server: String(cluster.server ?? '') };
    const ca = data(cluster['certificate-authority-data'], cluster['certificate-authority']);
    const cert = data(user['client-certificate-data'], user['client-certificate']);
    const key = data(user['client-key-data'], user['client-key']);
    if (ca) opts.ca = ca;
    if (cert) opts.cert = cert;
    if (key) opts.key = key;
    if (token) opts.token = token;
    if (cluster['insecure-skip-tls-verify'] === true) opts.insecureSkipTlsVerify = true;
    if (o.userAgent) opts.userAgent = o.userAgent;
    if (typeof ctx.namespace === 'string' && ctx.namespace) opts.namespace = ctx.namespace;
    return new Client(opts);
  }

  /** Requests in progress, watches excluded. */
  get inFlight(): number {
    return this.active;
  }

  async get<T extends Obj = Obj>(res: Resource, ns: string | undefined, name: string, o: GetOptions = {}): Promise<T> {
    const path = resourcePath(res, this.scope(res, ns), name, o.subresource);
    return (await this.request('GET', path + queryString({ resourceVersion: o.resourceVersion }), undefined, o)) as T;
  }

  async list<T extends Obj = Obj>(res: Resource, ns: string | undefined, o: ListOptions = {}): Promise<ObjectList<T>> {
    const q = {
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      limit: o.limit,
      continue: o.continue,
      resourceVersion: o.resourceVersion,
      resourceVersionMatch: o.resourceVersionMatch,
    };
    const list = (await this.request('GET', resourcePath(res, ns) + queryString(q), undefined, o)) as ObjectList<T>;
    // Items of a list carry no apiVersion and kind on the wire; callers (the event recorder,
    // owner references) want them.
    for (const item of list.items ?? []) fillTypeMeta(res, item);
    list.items ??= [];
    return list;
  }

  /** Every page of a list (`limit` per page, 500 by default), read at one resourceVersion. */
  async listAll<T extends Obj = Obj>(res: Resource, ns: string | undefined, o: Omit<ListOptions, 'continue'> = {}): Promise<ObjectList<T>> {
    const limit = o.limit ?? 500;
    const first = await this.list<T>(res, ns, { ...o, limit });
    const items = [...first.items];
    // Later pages come from the first page's snapshot; its resourceVersion is the list's.
    for (let page = first; page.metadata?.continue; ) {
      page = await this.list<T>(res, ns, { ...o, limit, continue: page.metadata.continue, resourceVersion: undefined, resourceVersionMatch: undefined });
      items.push(...page.items);
    }
    return { ...first, metadata: { resourceVersion: first.metadata.resourceVersion }, items };
  }

  async create<T extends Obj = Obj>(res: Resource, ns: string | undefined, obj: Obj, o: WriteOptions = {}): Promise<T> {
    const scope = this.scope(res, ns ?? obj?.metadata?.namespace);
    const path = o.subresource ? resourcePath(res, scope, nameOf(obj), o.subresource) : resourcePath(res, scope);
    return (await this.request('POST', path + this.writeQuery(o), obj, o)) as T;
  }

  async update<T extends Obj = Obj>(res: Resource, ns: string | undefined, obj: Obj, o: WriteOptions = {}): Promise<T> {
    const path = resourcePath(res, this.scope(res, ns ?? obj?.metadata?.namespace), nameOf(obj), o.subresource);
    return (await this.request('PUT', path + this.writeQuery(o), obj, o)) as T;
  }

  updateStatus<T extends Obj = Obj>(res: Resource, ns: string | undefined, obj: Obj, o: Omit<WriteOptions, 'subresource'> = {}): Promise<T> {
    return this.update<T>(res, ns, obj, { ...o, subresource: 'status' });
  }

  async patch<T extends Obj = Obj>(res: Resource, ns: string | undefined, name: string, type: PatchType, body: unknown, o: PatchOptions = {}): Promise<T> {
    if (type === 'apply' && !o.fieldManager) throw new Error('an apply patch needs a fieldManager');
    const path = resourcePath(res, this.scope(res, ns), name, o.subresource);
    const q = this.writeQuery(o, type === 'apply' && o.force ? { force: true } : {});
    return (await this.request('PATCH', path + q, body, o, PATCH_TYPES[type])) as T;
  }

  /** The object (still there with a deletionTimestamp, or as it was) or a Success Status. */
  async delete<T extends Obj = Obj>(res: Resource, ns: string | undefined, name: string, o: DeleteOptions = {}): Promise<T | Status> {
    const body: Obj = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (o.propagationPolicy) body.propagationPolicy = o.propagationPolicy;
    if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
    if (o.preconditions) body.preconditions = o.preconditions;
    if (o.dryRun) body.dryRun = ['All'];
    const path = resourcePath(res, this.scope(res, ns), name);
    return (await this.request('DELETE', path + queryString({ dryRun: o.dryRun ? 'All' : undefined }), body, o)) as T | Status;
  }

  /** Binds a pod to a node (pods/binding), as the scheduler does. */
  async bind(ns: string, pod: string, node: string, o: Common & { uid?: string } = {}): Promise<void> {
    const binding: Obj = { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: node } };
    if (o.uid) binding.metadata.uid = o.uid;
    await this.request('POST', resourcePath(POD, ns, pod, 'binding'), binding, o);
  }

  /** Evicts a pod (pods/eviction), honouring PodDisruptionBudgets. */
  async evict(ns: string, pod: string, deleteOptions?: Obj, o: Common = {}): Promise<void> {
    const eviction: Obj = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: ns } };
    if (deleteOptions) eviction.deleteOptions = deleteOptions;
    await this.request('POST', resourcePath(POD, ns, pod, 'eviction'), eviction, o);
  }

  getScale(res: Resource, ns: string | undefined, name: string, o: Common = {}): Promise<Obj> {
    return this.get(res, ns, name, { ...o, subresource: 'scale' });
  }

  /** Sets spec.replicas through the scale subresource. */
  async scale(res: Resource, ns: string | undefined, name: string, replicas: number, o: Common = {}): Promise<Obj> {
    return this.patch(res, ns, name, 'merge', { spec: { replicas } }, { ...o, subresource: 'scale' });
  }

  /**
   * Watch events until the server ends the stream or `signal` aborts. A refused watch
   * (a 4xx/5xx answer) throws an ApiError on the first iteration; a connection dropped mid-stream
   * throws its error.
   */
  async *watch<T extends Obj = Obj>(res: Resource, ns: string | undefined, o: WatchOptions = {}, signal?: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    const q: Query = {
      watch: 'true',
      resourceVersion: o.resourceVersion,
      resourceVersionMatch: o.resourceVersionMatch,
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      allowWatchBookmarks: o.allowWatchBookmarks ? 'true' : undefined,
      sendInitialEvents: o.sendInitialEvents === undefined ? undefined : String(o.sendInitialEvents),
      timeoutSeconds: o.timeoutSeconds,
    };
    if (signal?.aborted) return;
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let response: IncomingMessage | undefined;
    try {
      response = await this.send('GET', resourcePath(res, ns) + queryString(q), undefined, ac.signal);
      if ((response.statusCode ?? 0) >= 300) {
        const body = await readAll(response);
        throw ApiError.fromResponse(response.statusCode ?? 0, body);
      }
      const decoder = new StringDecoder('utf8');
      const stream = new JsonObjectStream();
      for await (const chunk of response) {
        for (const e of stream.push(decoder.write(chunk as Buffer)) as WatchEvent<T>[]) {
          if (e.type !== 'ERROR' && e.type !== 'BOOKMARK' && e.object) fillTypeMeta(res, e.object);
          yield e;
        }
      }
      if (!stream.idle && !ac.signal.aborted) throw new Error('watch stream ended inside an event');
    } catch (err) {
      if (ac.signal.aborted) return;
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      ac.abort();
      response?.destroy();
    }
  }

  /** One JSON request; a 2xx answer's body, parsed. */
  async request(method: string, path: string, body?: unknown, o: Common = {}, contentType = 'application/json'): Promise<unknown> {
    this.active++;
    try {
      const res = await this.send(method, path, body === undefined ? undefined : { type: contentType, data: JSON.stringify(body) }, o.signal);
      const text = await readAll(res);
      const code = res.statusCode ?? 0;
      if (code < 200 || code >= 300) throw ApiError.fromResponse(code, text);
      return text ? JSON.parse(text) : undefined;
    } finally {
      this.active--;
    }
  }

  /** Closes idle connections; requests in flight finish. */
  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, body: { type: string; data: string } | undefined, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolvePromise, reject) => {
      const headers: Record<string, string | number> = { ...this.headers };
      if (body) {
        headers['Content-Type'] = body.type;
        headers['Content-Length'] = Buffer.byteLength(body.data);
      }
      const req = https.request(
        {
          protocol: 'https:',
          hostname: this.server.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: this.server.port || 443,
          path: this.server.pathname.replace(/\/$/, '') + path,
          method,
          headers,
          agent: this.agent,
          ...(signal ? { signal } : {}),
        },
        resolvePromise,
      );
      req.on('error', reject);
      req.end(body?.data);
    });
  }

  private scope(res: Resource, ns: string | undefined): string | undefined {
    if (!res.namespaced) return undefined;
    if (!ns) throw new Error(`${res.resource} are namespaced: a namespace is required`);
    return ns;
  }

  private writeQuery(o: WriteOptions, extra: Query = {}): string {
    return queryString({ dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager, fieldValidation: o.fieldValidation, ...extra });
  }
}

const POD: Resource = { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true };

function fillTypeMeta(res: Resource, obj: Obj): void {
  if (!obj || typeof obj !== 'object') return;
  obj.apiVersion ??= apiVersionOf(res);
  obj.kind ??= res.kind;
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (d: Buffer) => parts.push(d));
    res.on('end', () => resolvePromise(Buffer.concat(parts).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('the connection closed before the response ended')));
  });
}
