// Generic object storage on top of the store contract: the semantics every resource shares
// (names, uids, resourceVersion and optimistic concurrency, generation, finalizers and graceful
// deletion, status and scale subresources, pagination). kube-apiserver's genericregistry.Store
// is the model. Objects are stored as JSON under `/registry/<group>/<resource>/<ns>/<name>`,
// without `metadata.resourceVersion`, which is always the key's mod revision.

import { convertTo, hasConversion, toStorageVersion } from '../api/conversion/index.ts';
import { randomUUID } from 'node:crypto';
import {
  MODIFIED,
  StatusError,
  alreadyExists,
  badRequest,
  conflict,
  gone,
  internalError,
  invalid,
  notFound,
  type GroupResource,
} from '../api/errors.ts';
import { checkFieldSelector, selectableFields } from '../api/fields.ts';
import { groupVersion, type ResourceInfo } from '../api/registry.ts';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldRequirement,
  type LabelSelector,
} from '../api/selectors.ts';
import { CompactedError, type KeyValue, type Store } from '../storage/index.ts';
import type { Clock } from '../util/clock.ts';
import type { EncryptionConfig, ValueTransformer } from './encryption/index.ts';
import { rfc3339 } from '../util/time.ts';
import { podQos } from '../api/qos.ts';

export type Obj = Record<string, any>;

export interface FieldProblem {
  type: string;
  field: string;
  message: string;
  /** The validator's own error, when it has a richer form than this. */
  error?: unknown;
}

/** Per-kind behaviour that the generic store calls: defaulting and validation. */
export interface ObjectHooks {
  applyDefaults(obj: Obj): void;
  validate(obj: Obj, old: Obj | undefined): FieldProblem[];
  /** The 422 message for the problems, in upstream's words. */
  invalidMessage(kind: string, group: string, name: string, problems: FieldProblem[]): string;
}

export const noHooks: ObjectHooks = {
  applyDefaults: () => {},
  validate: () => [],
  invalidMessage: (kind, group, name, problems) =>
    `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join(', ')}`,
};

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: Obj[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface RawListResult {
  /** Each item's JSON bytes (views into the stored values, spliced with their resourceVersion). */
  items: Uint8Array[][];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

const META_PREFIX = '{"metadata":{';

/** Stored JSON with `metadata.resourceVersion` set, or undefined if it is not in stored form. */
export function spliceResourceVersion(text: string, rv: number): string | undefined {
  const parts = spliceResourceVersionBytes(enc.encode(text), rv);
  return parts && Buffer.concat(parts).toString('utf8');
}

const META_PREFIX_BYTES = new TextEncoder().encode(META_PREFIX);

/**
 * The same on the stored bytes, without decoding them: the new head and a view of the rest
 * (a list of 10,000 pods is 25 MB; decoding it to strings and back costs more than the copy).
 */
export function spliceResourceVersionBytes(value: Uint8Array, rv: number): [Uint8Array, Uint8Array] | undefined {
  if (value.length <= META_PREFIX_BYTES.length) return undefined;
  for (let i = 0; i < META_PREFIX_BYTES.length; i++) if (value[i] !== META_PREFIX_BYTES[i]) return undefined;
  const sep = value[META_PREFIX_BYTES.length] === 0x7d /* } */ ? '' : ',';
  return [enc.encode(`${META_PREFIX}"resourceVersion":"${rv}"${sep}`), value.subarray(META_PREFIX_BYTES.length)];
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Last step before a write: managed-fields bookkeeping of the request's field manager. */
  track?: (old: Obj | undefined, next: Obj) => Obj;
  /** Validating admission: the object as it is about to be stored (and the stored one it replaces). */
  validate?: (next: Obj, old: Obj | undefined) => Promise<void>;
  /** Mutating admission of a PUT: the client's object, before server-owned fields are merged in. */
  admit?: (next: Obj, old: Obj) => Promise<void>;
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Kinds whose strategies track metadata.generation (spec changes bump it). */
const GENERATION = new Set([
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  '/ReplicationController',
  '/Pod',
  'autoscaling/HorizontalPodAutoscaler',
  'policy/PodDisruptionBudget',
  'networking.k8s.io/NetworkPolicy',
  'networking.k8s.io/Ingress',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'scheduling.k8s.io/PriorityClass',
]);

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export function generateNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

export { rfc3339 };

const enc = new TextEncoder();
const dec = new TextDecoder();

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start } satisfies ContinueToken)).toString('base64');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error();
    return t;
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

function parseRv(rv: string | undefined, what = 'resourceVersion'): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid ${what}: ${JSON.stringify(rv)}`);
  return Number(rv);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export class ResourceStore {
  private readonly transformers = new Map<ResourceInfo, ValueTransformer | undefined>();

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly hooks: ObjectHooks = noHooks,
    /** Encryption at rest (`--encryption-provider-config`): which resources are stored encrypted, how. */
    readonly encryption?: EncryptionConfig,
  ) {}

  private transformer(info: ResourceInfo): ValueTransformer | undefined {
    if (!this.encryption) return undefined;
    if (!this.transformers.has(info)) this.transformers.set(info, this.encryption.transformerFor(info.group, info.resource));
    return this.transformers.get(info);
  }

  /** The stored bytes as plain JSON text, and whether they were written with an older key. */
  private plaintext(info: ResourceInfo, kv: KeyValue): { text: string; stale: boolean } {
    const { plain, stale } = this.plainBytes(info, kv);
    return { text: dec.decode(plain), stale };
  }

  /** The stored bytes with encryption at rest undone, and whether an older key wrote them. */
  private plainBytes(info: ResourceInfo, kv: KeyValue): { plain: Uint8Array; stale: boolean } {
    const t = this.transformer(info);
    if (!t) return { plain: kv.value, stale: false };
    try {
      return t.fromStorage(kv.value, kv.key);
    } catch (err) {
      throw internalError(new Error(`unable to transform key "${kv.key}": ${(err as Error).message}`));
    }
  }

  prefix(info: ResourceInfo, namespace?: string): string {
    const base = `/registry/${info.group ? `${info.group}/` : ''}${info.resource}/`;
    return info.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  key(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return info.namespaced ? `${this.prefix(info, namespace)}${name}` : `${this.prefix(info)}${name}`;
  }

  gr(info: ResourceInfo): GroupResource {
    return { group: info.group, resource: info.resource };
  }

  /** The object as served: stored JSON plus apiVersion of the version asked for and resourceVersion. */
  decode(info: ResourceInfo, kv: KeyValue): Obj {
    return this.decodeStale(info, kv).obj;
  }

  private decodeStale(info: ResourceInfo, kv: KeyValue): { obj: Obj; stale: boolean } {
    const { text, stale } = this.plaintext(info, kv);
    let obj = JSON.parse(text) as Obj;
    if (hasConversion(info.group, info.kind)) obj = convertTo(info.group, info.kind, obj, info.version);
    obj.apiVersion = groupVersion(info);
    obj.kind = info.kind;
    obj.metadata ??= {};
    obj.metadata.resourceVersion = String(kv.modRevision);
    return { obj, stale };
  }

  /** Stored form: metadata first (so lists can splice resourceVersion in), without resourceVersion. */
  private serialize(obj: Obj): string {
    const { metadata: m, ...rest } = obj;
    const { resourceVersion: _rv, ...metadata } = m ?? {};
    return JSON.stringify({ metadata, ...rest });
  }

  private encode(info: ResourceInfo, key: string, obj: Obj): Uint8Array {
    const stored = hasConversion(info.group, info.kind) ? toStorageVersion(info.group, info.kind, obj) : obj;
    const plain = enc.encode(this.serialize(stored));
    const t = this.transformer(info);
    return t ? t.toStorage(plain, key) : plain;
  }

  async get(info: ResourceInfo, namespace: string | undefined, name: string, resourceVersion?: string): Promise<Obj> {
    const rv = parseRv(resourceVersion);
    const r = await this.read(info, () =>
      this.store.range(this.key(info, namespace, name), rv ? { revision: rv } : {}),
    );
    const kv = r.kvs[0];
    if (!kv) throw notFound(this.gr(info), name);
    return this.decode(info, kv);
  }

  private async read<T>(info: ResourceInfo, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CompactedError) throw gone(`too old resource version: requested revision is older than ${err.compactRevision}`);
      if (err instanceof Error && err.name === 'FutureRevisionError') {
        throw new StatusError(504, 'Timeout', `Too large resource version: ${info.resource}`);
      }
      throw err;
    }
  }

  selectors(info: ResourceInfo, opts: { labelSelector?: string; fieldSelector?: string }): {
    labels: LabelSelector;
    fields: FieldRequirement[];
  } {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector);
    checkFieldSelector(info.group, info.kind, fields);
    return { labels, fields };
  }

  matches(info: ResourceInfo, sel: { labels: LabelSelector; fields: FieldRequirement[] }, obj: Obj): boolean {
    if (!matchesLabels(sel.labels, obj.metadata?.labels)) return false;
    return sel.fields.length === 0 || matchesFields(sel.fields, selectableFields(info.group, info.kind, obj));
  }

  async list(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult> {
    return this.listWith(info, namespace, opts, (kv, sel) => {
      const obj = this.decode(info, kv);
      return this.matches(info, sel, obj) ? obj : undefined;
    });
  }

  /**
   * A list whose items are JSON text, spliced from the stored bytes without parsing them: the
   * fast path for plain lists (no selectors, one served version), which are most of what
   * informers and `kubectl get` ask for. Undefined when the fast path does not apply.
   */
  async listJson(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<RawListResult | undefined> {
    if (opts.labelSelector || opts.fieldSelector) return undefined;
    let fallback = false;
    const r = await this.listWith(info, namespace, opts, (kv) => {
      const { plain } = this.plainBytes(info, kv);
      const parts = spliceResourceVersionBytes(plain, kv.modRevision);
      if (parts === undefined) fallback = true;
      return parts ?? [];
    });
    return fallback ? undefined : r;
  }

  private async listWith<T>(
    info: ResourceInfo,
    namespace: string | undefined,
    opts: ListOptions,
    item: (kv: KeyValue, sel: { labels: LabelSelector; fields: FieldRequirement[] }) => T | undefined,
  ): Promise<{ items: T[]; resourceVersion: string; continue?: string; remainingItemCount?: number }> {
    const sel = this.selectors(info, opts);
    const prefix = this.prefix(info, namespace);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let revision: number | undefined;
    let after: string | undefined;
    if (opts.continue) {
      const t = decodeContinue(opts.continue);
      revision = t.rv;
      after = prefix + t.start.replace(/\u0000$/, '');
    } else if (opts.resourceVersionMatch === 'Exact') {
      revision = parseRv(opts.resourceVersion);
      if (!revision) throw badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "" or "0"');
    } else {
      parseRv(opts.resourceVersion);
    }
    const items: T[] = [];
    let readAt = revision;
    let more = false;
    let lastKey: string | undefined;
    let remaining: number | undefined;
    const filtered = sel.labels.length > 0 || sel.fields.length > 0;
    // Fetch pages of keys until `limit` objects match or the keys run out (as upstream does
    // with selectors, which etcd cannot apply).
    for (;;) {
      const page = await this.read(info, async () => {
        try {
          return await this.store.range(prefix, {
            prefix: true,
            ...(readAt ? { revision: readAt } : {}),
            ...(limit ? { limit: Math.max(limit - items.length, filtered ? 256 : 0) } : {}),
            ...(after !== undefined ? { after } : {}),
          });
        } catch (err) {
          if (err instanceof CompactedError && opts.continue) {
            throw gone(
              'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
            );
          }
          if (err instanceof CompactedError) throw gone('The resourceVersion for the provided list is too old.');
          throw err;
        }
      });
      readAt = page.revision;
      for (const kv of page.kvs) {
        lastKey = kv.key;
        const it = item(kv, sel);
        if (it !== undefined) items.push(it);
        if (limit && items.length >= limit) break;
      }
      const cutShort = limit > 0 && items.length >= limit && lastKey !== page.kvs[page.kvs.length - 1]?.key;
      more = page.more || cutShort;
      if (!limit || items.length >= limit || !page.more) {
        if (more && !filtered) remaining = page.count - page.kvs.length;
        break;
      }
      after = lastKey;
    }
    const result: { items: T[]; resourceVersion: string; continue?: string; remainingItemCount?: number } = {
      items,
      resourceVersion: String(readAt),
    };
    if (limit && more && lastKey) {
      result.continue = encodeContinue(readAt!, `${lastKey.slice(prefix.length)}\u0000`);
      if (remaining !== undefined && remaining > 0) result.remainingItemCount = remaining;
    }
    return result;
  }

  /** Fills in what the server owns on create. */
  prepareCreate(info: ResourceInfo, namespace: string | undefined, obj: Obj): Obj {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the body of the request must be an object');
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (typeof meta !== 'object' || Array.isArray(meta)) throw badRequest('metadata must be an object');
    if (info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateNameSuffix()}`;
    obj.apiVersion = groupVersion(info);
    obj.kind = info.kind;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.clock.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (GENERATION.has(`${info.group}/${info.kind}`) || info.crd) meta.generation = 1;
    else delete meta.generation;
    // Status is the controllers' to write, except where the kind's strategy keeps it.
    if (info.subresources.includes('status') && !['Namespace', 'Node', 'PersistentVolume', 'PersistentVolumeClaim', 'CertificateSigningRequest'].includes(info.kind)) {
      delete obj.status;
    }
    this.hooks.applyDefaults(obj);
    // A new pod is Pending with its QoS class, as upstream's pod strategy starts it.
    if (info.group === '' && info.kind === 'Pod') obj.status = { phase: 'Pending', qosClass: podQos(obj.spec) };
    return obj;
  }

  private check(info: ResourceInfo, obj: Obj, old: Obj | undefined): void {
    const problems: FieldProblem[] = [];
    const name = obj.metadata?.name;
    if (!name) {
      problems.push({ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required', error: { type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' } });
    }
    if (info.namespaced && !obj.metadata?.namespace) {
      problems.push({ type: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value', error: { type: 'FieldValueRequired', field: 'metadata.namespace', detail: '' } });
    }
    if (problems.length === 0) problems.push(...this.hooks.validate(obj, old));
    if (problems.length > 0) {
      throw invalid(info.kind, info.group, name ?? '', problems, this.hooks.invalidMessage(info.kind, info.group, name ?? '', problems));
    }
  }

  async create(info: ResourceInfo, namespace: string | undefined, body: Obj, opts: WriteOptions = {}): Promise<Obj> {
    let obj = this.prepareCreate(info, namespace, body);
    this.check(info, obj, undefined);
    if (opts.track) obj = opts.track(undefined, obj);
    if (opts.validate) await opts.validate(obj, undefined);
    const name: string = obj.metadata.name;
    const key = this.key(info, obj.metadata.namespace, name);
    if (opts.dryRun) {
      const existing = await this.store.range(key);
      if (existing.kvs.length > 0) throw alreadyExists(this.gr(info), name);
      return obj;
    }
    const r = await this.store.create(key, this.encode(info, key, obj));
    if (!r.succeeded) throw alreadyExists(this.gr(info), name);
    obj.metadata.resourceVersion = String(r.revision);
    return obj;
  }

  /**
   * Read-modify-write with optimistic concurrency: `mutate` gets the current object and returns
   * the new one (or throws). A conflicting concurrent write makes it run again, unless the
   * caller pinned a resourceVersion, which then fails with 409 as upstream does.
   */
  async guaranteedUpdate(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    mutate: (current: Obj) => Obj | Promise<Obj>,
    opts: WriteOptions & { expectedRv?: string } = {},
  ): Promise<Obj> {
    const key = this.key(info, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const r = await this.store.range(key);
      const kv = r.kvs[0];
      if (!kv) throw notFound(this.gr(info), name);
      if (opts.expectedRv && opts.expectedRv !== String(kv.modRevision)) {
        throw conflict(this.gr(info), name, MODIFIED);
      }
      const { obj: current, stale } = this.decodeStale(info, kv);
      let next = await mutate(structuredClone(current));
      if (opts.track) next = opts.track(current, next);
      if (opts.validate) await opts.validate(next, current);
      if (opts.dryRun) return next;
      // Nothing changed: no write, no new resourceVersion, as upstream; unless the stored bytes
      // are under an older encryption key, which a rewrite rotates (`kubectl replace`).
      if (!stale && this.serialize(next) === this.serialize(current)) return current;
      // The last finalizer gone from an object being deleted: the update completes the delete.
      if (readyToGo(info, next)) {
        const d = await this.store.delete(key, kv.modRevision);
        if (d.succeeded) {
          next.metadata.resourceVersion = String(d.revision);
          return next;
        }
      } else {
        const u = await this.store.update(key, this.encode(info, key, next), kv.modRevision);
        if (u.succeeded) {
          next.metadata.resourceVersion = String(u.revision);
          return next;
        }
      }
      if (opts.expectedRv || attempt > 20) throw conflict(this.gr(info), name, MODIFIED);
    }
  }

  /** PUT of the main resource: what the client sent, with server-owned fields kept. */
  async update(info: ResourceInfo, namespace: string | undefined, name: string, body: Obj, opts: WriteOptions = {}): Promise<Obj> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request must be an object');
    body.metadata ??= {};
    if (body.metadata.name && body.metadata.name !== name) {
      throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (info.namespaced && body.metadata.namespace && namespace && body.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const expectedRv = body.metadata.resourceVersion ? String(body.metadata.resourceVersion) : undefined;
    return this.guaranteedUpdate(
      info,
      namespace,
      name,
      async (current) => {
        if (!opts.admit) return this.mergeUpdate(info, current, body);
        const next = structuredClone(body);
        await opts.admit(next, current);
        return this.mergeUpdate(info, current, next);
      },
      { ...opts, ...(expectedRv ? { expectedRv } : {}) },
    );
  }

  /** The new object of an update: client-owned fields from `body`, server-owned from `current`. */
  mergeUpdate(info: ResourceInfo, current: Obj, body: Obj): Obj {
    const next: Obj = structuredClone(body);
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    next.metadata = { ...(next.metadata ?? {}) };
    const m = next.metadata;
    const c = current.metadata;
    m.name = c.name;
    if (info.namespaced) m.namespace = c.namespace;
    else delete m.namespace;
    m.uid = c.uid;
    m.creationTimestamp = c.creationTimestamp;
    m.resourceVersion = c.resourceVersion;
    for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (c[f] === undefined) delete m[f];
      else m[f] = c[f];
    }
    if (info.subresources.includes('status')) {
      if (current.status === undefined) delete next.status;
      else next.status = current.status;
    }
    this.hooks.applyDefaults(next);
    if (m.generation !== undefined && !jsonEqual(specOf(next), specOf(current))) m.generation = (c.generation ?? 0) + 1;
    this.check(info, next, current);
    return next;
  }

  /** PUT of the status subresource: only status changes. */
  async updateStatus(info: ResourceInfo, namespace: string | undefined, name: string, body: Obj, opts: WriteOptions = {}): Promise<Obj> {
    const expectedRv = body?.metadata?.resourceVersion ? String(body.metadata.resourceVersion) : undefined;
    return this.guaranteedUpdate(
      info,
      namespace,
      name,
      async (current) => {
        const next = structuredClone(current);
        if (body.status === undefined) delete next.status;
        else next.status = body.status;
        await opts.admit?.(next, current);
        return next;
      },
      { ...opts, ...(expectedRv ? { expectedRv } : {}) },
    );
  }

  async delete(info: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<{ obj: Obj; gone: boolean }> {
    const key = this.key(info, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const r = await this.store.range(key);
      const kv = r.kvs[0];
      if (!kv) throw notFound(this.gr(info), name);
      const current = this.decode(info, kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw conflict(
          this.gr(info),
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(
          this.gr(info),
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
        );
      }
      const finalizers: string[] = [...(current.metadata.finalizers ?? [])];
      if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      const graceful = this.gracePeriod(info, current, opts);
      const namespaceFinalizers: string[] = isNamespace(info) ? (current.spec?.finalizers ?? []) : [];
      if (finalizers.length > 0 || graceful > 0 || namespaceFinalizers.length > 0) {
        // Marked for deletion: whoever owns the finalizers (or the kubelet, for a running pod)
        // finishes it.
        if (current.metadata.deletionTimestamp) return { obj: current, gone: false };
        const next = structuredClone(current);
        next.metadata.deletionTimestamp = rfc3339(this.clock.now() + graceful * 1000);
        next.metadata.deletionGracePeriodSeconds = graceful;
        if (finalizers.length > 0) next.metadata.finalizers = finalizers;
        if (isNamespace(info)) next.status = { ...(next.status ?? {}), phase: 'Terminating' };
        if (opts.dryRun) return { obj: next, gone: false };
        const u = await this.store.update(key, this.encode(info, key, next), kv.modRevision);
        if (u.succeeded) {
          next.metadata.resourceVersion = String(u.revision);
          return { obj: next, gone: false };
        }
      } else {
        if (opts.dryRun) return { obj: current, gone: true };
        const d = await this.store.delete(key, kv.modRevision);
        if (d.succeeded) return { obj: current, gone: true };
      }
      if (attempt > 20) throw conflict(this.gr(info), name, MODIFIED);
    }
  }

  /** Only pods bound to a node get a grace period (their kubelet stops the containers). */
  private gracePeriod(info: ResourceInfo, obj: Obj, opts: DeleteOptions): number {
    if (info.group !== '' || info.kind !== 'Pod') return 0;
    if (!obj.spec?.nodeName) return 0;
    if (['Succeeded', 'Failed'].includes(obj.status?.phase)) return 0;
    const g = opts.gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }
}

function isNamespace(info: ResourceInfo): boolean {
  return info.group === '' && info.kind === 'Namespace';
}

/** An object being deleted whose finalizers are all gone is removed by the write that clears them. */
function readyToGo(info: ResourceInfo, obj: Obj): boolean {
  if (!obj.metadata?.deletionTimestamp || (obj.metadata.finalizers ?? []).length > 0) return false;
  return !isNamespace(info) || (obj.spec?.finalizers ?? []).length === 0;
}

function specOf(obj: Obj): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}
