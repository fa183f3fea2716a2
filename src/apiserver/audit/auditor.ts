// Builds audit.k8s.io/v1 Events for one request, stage by stage, as upstream's WithAudit filter
// and AuditContext do: the policy decides the level once, then each stage writes a snapshot of
// the event as it stands (omitted stages are skipped). Field order and omitempty behaviour
// follow the v1 Go types so lines look like upstream's.

import { randomUUID } from 'node:crypto';
import { evaluateAuditPolicy, type AuditLevel, type AuditPolicy, type AuditStage, type AuditUserInfo } from './policy.ts';
import type { AuditSink } from './sink.ts';

export interface AuditRequestAttributes {
  /**
   * The authenticated user. Rules match this user, as upstream: the audit filter runs before
   * impersonation, so `users`/`userGroups` see who sent the request, not whom it impersonates.
   */
  user: AuditUserInfo;
  /** The user the request acts as, when it impersonates (logged as impersonatedUser). */
  impersonatedUser?: AuditUserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, or the lowercase HTTP method for non-resource requests. */
  verb: string;
  resourceRequest: boolean;
  path: string;
  requestURI: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  sourceIPs: string[];
  userAgent?: string;
  /** The client's Audit-ID header, which upstream reuses; a fresh UUID otherwise. */
  auditID?: string;
  /** When the request arrived (ms since the epoch); the Auditor's clock at begin() otherwise. */
  receivedAt?: number;
}

export interface AuditRecord {
  readonly level: AuditLevel;
  /** For the Audit-Id response header. */
  readonly auditID: string;
  /** Request body as sent (kept only at Request and above). Also fills objectRef's name, namespace, uid and resourceVersion from its metadata where empty. */
  setRequestObject(obj: unknown): void;
  /** Response body (kept only at RequestResponse), status code; writes the ResponseComplete event unless omitted. For errors pass the Status object. Only the first call counts. */
  complete(code: number, responseObject?: unknown, annotations?: Record<string, string>): void;
  /** For long-running requests (watch): writes ResponseStarted unless omitted. Only the first call counts. */
  responseStarted(code: number): void;
  /** Objects' uid/resourceVersion for objectRef when known; fields already set are kept, as upstream. */
  setObjectRef(extra: { uid?: string; resourceVersion?: string; name?: string; namespace?: string }): void;
}

export interface AuditorOptions {
  /** Milliseconds since the epoch, fractions allowed (timestamps carry microseconds). */
  now?: () => number;
  /** Used when the policy itself does not set omitManagedFields. */
  omitManagedFieldsDefault?: boolean;
}

const LEVEL_RANK: Record<AuditLevel, number> = { None: 0, Metadata: 1, Request: 2, RequestResponse: 3 };
const MAX_USER_AGENT = 1024;

/** metav1.MicroTime's wire form: RFC 3339 in UTC with exactly six fractional digits. */
export function formatMicroTime(ms: number): string {
  const micros = Math.round(ms * 1000);
  const wholeSecondsMs = Math.floor(micros / 1_000_000) * 1000;
  const frac = micros - wholeSecondsMs * 1000;
  return `${new Date(wholeSecondsMs).toISOString().slice(0, 19)}.${String(frac).padStart(6, '0')}Z`;
}

function defaultNow(): number {
  return performance.timeOrigin + performance.now();
}

type Json = Record<string, any>;

interface ObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

const OBJECT_REF_KEYS = ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'] as const;

function userJson(u: AuditUserInfo): Json {
  const out: Json = {};
  if (u.username) out.username = u.username;
  if (u.uid) out.uid = u.uid;
  if (u.groups?.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]]));
  return out;
}

/**
 * A JSON copy of a body: objects as they would be serialized, raw bytes/strings parsed as JSON when
 * they are JSON (patch bodies) and kept as text otherwise. Undefined when it cannot be encoded.
 */
function jsonCopy(obj: unknown): unknown {
  try {
    if (typeof obj === 'string' || obj instanceof Uint8Array) {
      const text = typeof obj === 'string' ? obj : Buffer.from(obj).toString('utf8');
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    }
    const s = JSON.stringify(obj);
    return s === undefined ? undefined : JSON.parse(s);
  } catch {
    return undefined;
  }
}

function dropManagedFields(o: unknown): void {
  if (typeof o !== 'object' || o === null) return;
  const m = (o as Json).metadata;
  if (typeof m === 'object' && m !== null && !Array.isArray(m)) delete m.managedFields;
}

/** Upstream drops managedFields from single objects, every item of a list, and each row object of a Table. */
function stripManagedFields(obj: unknown): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return;
  const o = obj as Json;
  dropManagedFields(o);
  if (Array.isArray(o.items)) for (const item of o.items) dropManagedFields(item);
  if (o.kind === 'Table' && Array.isArray(o.rows)) for (const row of o.rows) dropManagedFields(row?.object);
}

function isStatus(obj: unknown): obj is Json {
  return typeof obj === 'object' && obj !== null && (obj as Json).kind === 'Status';
}

class AuditEventRecord implements AuditRecord {
  readonly auditID: string;
  private readonly receivedAt: number;
  private objectRef: ObjectRef | undefined;
  private responseStatus: Json | undefined;
  private requestObject: unknown;
  private responseObject: unknown;
  private annotations: Record<string, string> | undefined;
  private started = false;
  private completed = false;

  constructor(
    readonly level: AuditLevel,
    private readonly attrs: AuditRequestAttributes,
    private readonly omitStages: ReadonlySet<AuditStage>,
    private readonly omitManagedFields: boolean,
    private readonly auditor: Auditor,
    private readonly now: () => number,
  ) {
    this.auditID = attrs.auditID || randomUUID();
    this.receivedAt = attrs.receivedAt ?? now();
    if (attrs.resourceRequest) {
      this.objectRef = {};
      this.fillRef({
        resource: attrs.resource,
        namespace: attrs.namespace,
        name: attrs.name,
        subresource: attrs.subresource,
        apiGroup: attrs.apiGroup,
        apiVersion: attrs.apiVersion,
      });
    }
  }

  private fillRef(from: Partial<Record<keyof ObjectRef, unknown>>): void {
    const ref = (this.objectRef ??= {});
    for (const k of OBJECT_REF_KEYS) {
      const v = from[k];
      if (!ref[k] && typeof v === 'string' && v) ref[k] = v;
    }
  }

  setRequestObject(obj: unknown): void {
    const meta = typeof obj === 'object' && obj !== null ? (obj as Json).metadata : undefined;
    if (this.attrs.resourceRequest && typeof meta === 'object' && meta !== null) {
      this.fillRef({ namespace: meta.namespace, name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion });
    }
    if (LEVEL_RANK[this.level] < LEVEL_RANK.Request) return;
    // Copied now: the handler goes on to default and mutate the body, and upstream logs it as sent.
    const copy = jsonCopy(obj);
    if (copy === undefined) return;
    if (this.omitManagedFields) stripManagedFields(copy);
    this.requestObject = copy;
  }

  setObjectRef(extra: { uid?: string; resourceVersion?: string; name?: string; namespace?: string }): void {
    if (this.attrs.resourceRequest) this.fillRef(extra);
  }

  responseStarted(code: number): void {
    if (this.started || this.completed) return;
    this.started = true;
    (this.responseStatus ??= { metadata: {} }).code = code;
    this.emit('ResponseStarted');
  }

  complete(code: number, responseObject?: unknown, annotations?: Record<string, string>): void {
    if (this.completed) return;
    this.completed = true;
    if (isStatus(responseObject)) {
      const s = responseObject;
      const status: Json = { metadata: {} };
      if (typeof s.status === 'string' && s.status) status.status = s.status;
      if (typeof s.message === 'string' && s.message) status.message = s.message;
      if (typeof s.reason === 'string' && s.reason) status.reason = s.reason;
      if (s.details && typeof s.details === 'object') status.details = jsonCopy(s.details);
      this.responseStatus = status;
    }
    (this.responseStatus ??= { metadata: {} }).code = code;
    if (responseObject !== undefined && this.level === 'RequestResponse') {
      const copy = jsonCopy(responseObject);
      if (copy !== undefined) {
        if (this.omitManagedFields) stripManagedFields(copy);
        this.responseObject = copy;
      }
    }
    for (const [k, v] of Object.entries(annotations ?? {})) {
      this.annotations ??= {};
      // Upstream keeps the first value set for a key.
      if (!(k in this.annotations)) this.annotations[k] = v;
    }
    this.emit('ResponseComplete');
  }

  emit(stage: AuditStage): void {
    if (this.omitStages.has(stage)) return;
    const stageAt = stage === 'RequestReceived' ? this.receivedAt : this.now();
    this.auditor.write(this.snapshot(stage, stageAt));
  }

  private snapshot(stage: AuditStage, stageAt: number): Json {
    const a = this.attrs;
    const ev: Json = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: this.level,
      auditID: this.auditID,
      stage,
      requestURI: a.requestURI,
      verb: a.verb,
      user: userJson(a.user),
    };
    if (a.impersonatedUser) ev.impersonatedUser = userJson(a.impersonatedUser);
    if (a.sourceIPs.length) ev.sourceIPs = [...a.sourceIPs];
    if (a.userAgent) {
      ev.userAgent = a.userAgent.length > MAX_USER_AGENT ? `${a.userAgent.slice(0, MAX_USER_AGENT)}...TRUNCATED` : a.userAgent;
    }
    if (this.objectRef) {
      const ref: Json = {};
      for (const k of OBJECT_REF_KEYS) if (this.objectRef[k]) ref[k] = this.objectRef[k];
      ev.objectRef = ref;
    }
    if (this.responseStatus) ev.responseStatus = { ...this.responseStatus };
    if (this.requestObject !== undefined) ev.requestObject = this.requestObject;
    if (this.responseObject !== undefined) ev.responseObject = this.responseObject;
    ev.requestReceivedTimestamp = formatMicroTime(this.receivedAt);
    ev.stageTimestamp = formatMicroTime(stageAt);
    if (this.annotations && Object.keys(this.annotations).length) ev.annotations = { ...this.annotations };
    return ev;
  }
}

export class Auditor {
  private readonly now: () => number;
  private readonly omitManagedFieldsDefault: boolean;
  private reported = false;

  constructor(
    readonly policy: AuditPolicy,
    private readonly sink: AuditSink,
    opts: AuditorOptions = {},
  ) {
    this.now = opts.now ?? defaultNow;
    this.omitManagedFieldsDefault = opts.omitManagedFieldsDefault ?? false;
  }

  /** Decides the level; None → undefined (nothing written). Writes RequestReceived unless omitted. */
  begin(attrs: AuditRequestAttributes): AuditRecord | undefined {
    const d = evaluateAuditPolicy(this.policy, attrs, this.omitManagedFieldsDefault);
    if (d.level === 'None') return undefined;
    const rec = new AuditEventRecord(d.level, attrs, d.omitStages, d.omitManagedFields, this, this.now);
    rec.emit('RequestReceived');
    return rec;
  }

  /** @internal Auditing must never fail a request, whatever the sink does. */
  write(event: object): void {
    try {
      this.sink.write(event);
    } catch (e) {
      if (!this.reported) {
        this.reported = true;
        process.stderr.write(`audit: sink write failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}
