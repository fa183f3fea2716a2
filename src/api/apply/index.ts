// Server-side apply and field ownership, as kube-apiserver does them
// (k8s.io/apimachinery/pkg/util/managedfields, sigs.k8s.io/structured-merge-diff): pure
// functions from objects to objects, with time an input.
//
//   applyObject(live, config, { manager: 'kubectl', force: false, apiVersion: 'apps/v1',
//                               kind: 'Deployment', now })
//     PATCH with application/apply-patch+yaml: merges `config` into `live` (undefined: create),
//     removes what the manager applied last time and no longer does (unless someone else owns
//     it), records an Apply entry with exactly the fields of `config`; throws
//     ApplyConflictError (409) when a field another manager owns would change, unless `force`,
//     in which case the applier takes it over.
//
//   recordUpdate(old, updated, { manager, apiVersion, now })
//     create, update and the other patches: the manager takes over the fields it changed (every
//     field of a created object); others lose them. Returns `updated` with managedFields.
//
// What the server does around these: decoding YAML, defaulting the result, validating it, the
// fieldManager parameter (required for apply; managerFromUserAgent otherwise), the name in the
// URL, and which fields each strategy resets (the `resetFields` option).

import { baselineFor, fillAbsent } from './baseline.ts';
import { ApplyConflictError, ApplyInternalError, conflictOn, type ApplyConflict } from './errors.ts';
import { FieldSet, fieldPE } from './fieldpath.ts';
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  isResetManagedFields,
  ManagedFieldsError,
  managerId,
  type Managed,
  type ManagerEntry,
} from './managed.ts';
import { builtinSchema, schemaFor, type ApplySchema } from './schema.ts';
import { compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet, TypedValueError, type Comparison } from './typed.ts';
import { compareStrings, deepCopy, equalValues, get, goJSON, isMap, put, type JsonMap } from './value.ts';
import { badRequest } from '../errors.ts';

export { ApplyConflictError, ApplyInternalError, describeManager, type ApplyConflict } from './errors.ts';
export {
  FieldSet,
  comparePathElements,
  fieldPE,
  indexPE,
  keyPE,
  parsePathElement,
  pathString,
  serializePathElement,
  valuePE,
  type Path,
  type PathElement,
} from './fieldpath.ts';
export {
  ANCIENT_CHANGES,
  MAX_UPDATE_MANAGERS,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  isResetManagedFields,
  managerId,
  ManagedFieldsError,
  type Managed,
  type ManagerEntry,
  type Operation,
} from './managed.ts';
export {
  builtinSchema,
  crdSchema,
  deducedSchema,
  openAPISchema,
  patchTableSchema,
  schemaFor,
  type ApplySchema,
  type ListType,
} from './schema.ts';
export { compare, merge, removeItems, toFieldSet, TypedValueError, type Comparison } from './typed.ts';

/** The annotation client-side `kubectl apply` keeps its last configuration in. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Field paths (field names from the object root), e.g. `[['status']]`. */
export type FieldPaths = readonly (readonly string[])[];

export interface ApplyOptions {
  /** The field manager (the request's fieldManager; required for apply, the server checks). */
  manager: string;
  /** `force=true`: take over conflicting fields instead of failing. */
  force: boolean;
  /** The version and kind of the endpoint; the applied object must be of them. */
  apiVersion: string;
  kind: string;
  now: Date;
  /** `status` for /status and so on. */
  subresource?: string;
  /** List and map semantics; default schemaFor(apiVersion, kind). */
  schema?: ApplySchema;
  /** Fields the endpoint's strategy resets, never owned through it (see defaultResetFields). */
  resetFields?: FieldPaths;
}

export interface UpdateOptions {
  manager: string;
  /** The version the request was made in. */
  apiVersion: string;
  now: Date;
  subresource?: string;
  operation?: 'Update';
  /** Default: the object's `kind`. */
  kind?: string;
  schema?: ApplySchema;
  resetFields?: FieldPaths;
}

/**
 * The fields an endpoint's strategy typically resets: the main resource resets `status` (for
 * kinds with a status subresource), /status resets `spec`. Upstream's strategies list more
 * (pods/status also `metadata.deletionTimestamp` and `metadata.ownerReferences`).
 */
export function defaultResetFields(subresource?: string): FieldPaths {
  if (subresource === 'status') return [['spec']];
  if (subresource) return [];
  return [['status']];
}

/** Never owned by anyone (upstream's stripMetaManager). */
const NEVER_OWNED = FieldSet.of(
  ...[
    ['apiVersion'],
    ['kind'],
    ['metadata'],
    ['metadata', 'name'],
    ['metadata', 'namespace'],
    ['metadata', 'creationTimestamp'],
    ['metadata', 'selfLink'],
    ['metadata', 'uid'],
    ['metadata', 'clusterName'],
    ['metadata', 'generation'],
    ['metadata', 'managedFields'],
    ['metadata', 'resourceVersion'],
  ].map((p) => p.map(fieldPE)),
);

function pathsSet(paths: FieldPaths | undefined): FieldSet {
  return FieldSet.of(...(paths ?? []).map((p) => p.map(fieldPE)));
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function metaOf(obj: unknown): JsonMap | undefined {
  if (!isMap(obj)) return undefined;
  const m = get(obj, 'metadata');
  return isMap(m) ? m : undefined;
}

/** A copy of `obj` without metadata.managedFields. */
export function stripManagedFields(obj: object): JsonMap {
  const out = deepCopy(obj) as JsonMap;
  const m = metaOf(out);
  if (m) delete m.managedFields;
  return out;
}

function withManagedFields(obj: JsonMap, managed: Managed): JsonMap {
  const encoded = encodeManagedFields(managed);
  const m = metaOf(obj);
  if (m) delete m.managedFields;
  if (!encoded) return obj;
  if (m) m.managedFields = encoded;
  else put(obj, 'metadata', { managedFields: encoded });
  return obj;
}

function parseGroupVersion(apiVersion: string): { group: string; version: string } | undefined {
  if (apiVersion === '') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0] as string, version: parts[1] as string };
  return undefined;
}

/** Go's GroupVersionKind.String() of an object: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
function gvkString(obj: JsonMap): string {
  const gv = parseGroupVersion(str(obj.apiVersion));
  // An unparsable apiVersion gives Go an empty GroupVersionKind.
  return gv ? `${gv.group}/${gv.version}, Kind=${str(obj.kind)}` : '/, Kind=';
}

/** `namespace/name; gvk`, as upstream names an object in errors. */
function objectName(obj: JsonMap): string {
  const m = metaOf(obj);
  return `${str(m?.namespace)}/${str(m?.name)}; ${gvkString(obj)}`;
}

interface Context {
  schema: ApplySchema;
  baseline: JsonMap;
  reset: FieldSet;
}

function contextFor(apiVersion: string, kind: string, schema: ApplySchema | undefined, resetFields: FieldPaths | undefined): Context {
  const builtin = builtinSchema(apiVersion, kind);
  return {
    schema: schema ?? schemaFor(apiVersion, kind),
    baseline: baselineFor(apiVersion, kind, { spec: builtin?.named('spec') ?? false, status: builtin?.named('status') ?? false }),
    reset: pathsSet(resetFields),
  };
}

/** What changed from `a` to `b`, both seen as Go objects, ignoring the reset fields. */
function compareObjects(a: JsonMap, b: JsonMap, ctx: Context): Comparison {
  const c = compare(fillAbsent(a, ctx.baseline), fillAbsent(b, ctx.baseline), ctx.schema);
  return {
    added: c.added.recursiveDifference(ctx.reset),
    modified: c.modified.recursiveDifference(ctx.reset),
    removed: c.removed.recursiveDifference(ctx.reset),
  };
}

// ---------------------------------------------------------------------------------------------
// Apply

/**
 * Server-side apply of `config` to `live` (undefined: the object does not exist yet). Returns
 * the new object (a new value; inputs are not changed) with metadata.managedFields updated.
 * The result is not defaulted or validated: that is the caller's.
 */
export function applyObject(live: object | undefined, config: object, opts: ApplyOptions): JsonMap {
  const cfg: JsonMap = isMap(config) ? config : {};
  const want = parseGroupVersion(opts.apiVersion);
  const got = parseGroupVersion(str(cfg.apiVersion));
  if (!got || !want || got.group !== want.group || got.version !== want.version || str(cfg.kind) !== opts.kind) {
    throw badRequest(`invalid object type: ${gvkString(cfg)}`);
  }
  const cfgMeta = metaOf(cfg);
  if (cfgMeta && get(cfgMeta, 'managedFields') !== undefined && get(cfgMeta, 'managedFields') !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const ctx = contextFor(opts.apiVersion, opts.kind, opts.schema, opts.resetFields);
  const liveObj = live && isMap(live) ? stripManagedFields(live) : undefined;
  let managed: Managed;
  try {
    managed = decodeManagedFields(metaOf(live)?.managedFields);
  } catch (err) {
    if (err instanceof ManagedFieldsError) throw new ApplyInternalError(`failed to decode managed fields: ${err.message}`);
    throw err;
  }

  let result: ApplyResult;
  try {
    result = applyOnce(liveObj, cfg, managed, opts, ctx, opts.force);
  } catch (err) {
    // `kubectl apply --server-side` over objects `kubectl apply` made: conflicts on fields whose
    // live value is still the last-applied one are the user's own (upstream's lastAppliedManager).
    if (!(err instanceof ApplyConflictError) || opts.manager !== 'kubectl' || !liveObj) throw err;
    const allowed = allowedFromLastApplied(liveObj, ctx, opts.apiVersion);
    if (!allowed) throw err;
    const remaining = err.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length) throw new ApplyConflictError(remaining);
    result = applyOnce(liveObj, cfg, managed, opts, ctx, true);
  }

  let obj = result.object;
  // Keep the client-side apply annotation in step (upstream's lastAppliedUpdater).
  if (opts.manager === 'kubectl' && hasLastApplied(obj)) obj = setLastApplied(obj, buildLastApplied(cfg));
  return withManagedFields(obj, result.managed);
}

interface ApplyResult {
  object: JsonMap;
  managed: Managed;
}

function applyOnce(liveObj: JsonMap | undefined, cfg: JsonMap, managed: Managed, opts: ApplyOptions, ctx: Context, force: boolean): ApplyResult {
  const base: JsonMap = liveObj ?? {};
  let configSet: FieldSet;
  let merged: JsonMap;
  try {
    configSet = toFieldSet(cfg, ctx.schema);
  } catch (err) {
    if (err instanceof TypedValueError) throw new ApplyInternalError(`failed to create typed patch object (${objectName(cfg)}): ${err.message}`);
    throw err;
  }
  try {
    merged = merge(base, cfg, ctx.schema) as JsonMap;
  } catch (err) {
    if (err instanceof TypedValueError) throw new ApplyInternalError(`failed to merge config: ${err.message}`);
    throw err;
  }

  const id = managerId({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: opts.subresource });
  const previous = managed.get(id);
  const managers: Managed = new Map(managed);
  const applier: ManagerEntry = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
    ...(previous?.time ? { time: previous.time } : {}),
    set: configSet.recursiveDifference(ctx.reset),
  };
  managers.set(id, applier);

  merged = prune(merged, managers, previous?.set, ctx.schema);

  const cmp = compareObjects(base, merged, ctx);
  const changed = cmp.modified.union(cmp.added);
  const conflicts: ApplyConflict[] = [];
  const next: Managed = new Map();
  for (const [mid, e] of [...managers].sort(([a], [b]) => compareStrings(a, b))) {
    if (mid === id) continue;
    const taken = e.set.intersection(changed);
    for (const p of taken.paths()) conflicts.push(conflictOn(e, p));
    const set = e.set.difference(cmp.removed).difference(force ? taken : FieldSet.empty());
    if (!set.isEmpty) next.set(mid, { ...e, set });
  }
  if (conflicts.length && !force) throw new ApplyConflictError(conflicts);

  const noop = sameObject(base, merged);
  const own = applier.set.difference(NEVER_OWNED);
  if (!own.isEmpty) {
    next.set(id, { ...applier, set: own, ...(noop ? {} : { time: formatTime(opts.now) }) });
  }
  return { object: deepCopy(noop ? base : merged), managed: next };
}

/** null, `[]`, or a map of nothing but such values. */
const emptyish = (v: unknown): boolean => v === null || (Array.isArray(v) && v.length === 0) || (isMap(v) && Object.values(v).every(emptyish));

/**
 * Whether an apply left the object as it was. Upstream decides on typed Go objects, where an
 * empty list or map, or a null, is mostly the same as none (`omitempty`, zero structs); so do
 * we, or re-applying a configuration with `finalizers: []` would write the object every time.
 */
function sameObject(a: unknown, b: unknown): boolean {
  if (!isMap(a) || !isMap(b)) return equalValues(a, b);
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = get(a, k);
    const y = get(b, k);
    if (x === undefined ? y !== undefined && !emptyish(y) : y === undefined ? !emptyish(x) : !sameObject(x, y)) return false;
  }
  return true;
}

/**
 * Removes from `merged` what the applier applied last time (`lastSet`) and no longer does,
 * unless some manager (the applier's new configuration included) still owns it, or it has
 * things under it that nobody owns (upstream's Updater.prune, addBackOwnedItems,
 * addBackDanglingItems).
 */
function prune(merged: JsonMap, managers: Managed, lastSet: FieldSet | undefined, schema: ApplySchema): JsonMap {
  if (!lastSet || lastSet.isEmpty) return merged;
  const named = (s: FieldSet) => ensureNamedFieldsAreMembers(s, schema);
  const setOf = (v: unknown) => named(toFieldSet(v, schema, { allowDuplicates: true }));
  const remove = (s: FieldSet) => removeItems(merged, s, schema) as JsonMap;
  const last = named(lastSet);
  let owned = FieldSet.empty();
  for (const e of managers.values()) owned = owned.union(e.set);
  const mergedSet = setOf(merged);
  const withoutLast = remove(last);
  const ownedBack = remove(mergedSet.difference(setOf(withoutLast).union(named(owned))));
  return remove(mergedSet.difference(setOf(ownedBack)).intersection(last));
}

function lastAppliedOf(obj: JsonMap): string | undefined {
  const ann = metaOf(obj)?.annotations;
  const v = isMap(ann) ? get(ann, LAST_APPLIED_ANNOTATION) : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function hasLastApplied(obj: JsonMap): boolean {
  return lastAppliedOf(obj) !== undefined;
}

/** The fields of the last-applied annotation whose live values are still the applied ones. */
function allowedFromLastApplied(liveObj: JsonMap, ctx: Context, apiVersion: string): FieldSet | undefined {
  const text = lastAppliedOf(liveObj);
  if (text === undefined) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isMap(last) || last.apiVersion !== apiVersion) return undefined;
  try {
    const lastSet = toFieldSet(last, ctx.schema);
    const c = compare(last, liveObj, ctx.schema);
    return lastSet.difference(c.modified).difference(c.added).difference(c.removed);
  } catch (err) {
    if (err instanceof TypedValueError) return undefined;
    throw err;
  }
}

/** The applied configuration without the annotation, as Go's encoder writes it. */
function buildLastApplied(cfg: JsonMap): string {
  const copy = deepCopy(cfg);
  const ann = metaOf(copy)?.annotations;
  if (isMap(ann)) delete ann[LAST_APPLIED_ANNOTATION];
  return `${goJSON(copy)}\n`;
}

/** Annotations may total 256 KiB; a last-applied annotation that does not fit is dropped. */
const ANNOTATIONS_LIMIT = 256 * 1024;

function setLastApplied(obj: JsonMap, value: string): JsonMap {
  const out = deepCopy(obj);
  let m = metaOf(out);
  if (!m) {
    m = {};
    put(out, 'metadata', m);
  }
  const ann: JsonMap = isMap(m.annotations) ? { ...m.annotations } : {};
  put(ann, LAST_APPLIED_ANNOTATION, value);
  let size = 0;
  for (const [k, v] of Object.entries(ann)) size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  if (size > ANNOTATIONS_LIMIT) delete ann[LAST_APPLIED_ANNOTATION];
  m.annotations = ann;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Update

/**
 * The managed fields an update starts from (upstream's decodeLiveOrNew): the live object's for a
 * subresource; none when the request clears them (`[]` or `[{}]`); the request's when it sends
 * valid ones; otherwise (absent, or garbage) the live object's.
 */
export function startingManagedFields(old: object | undefined, updated: object, opts: { subresource?: string } = {}): Managed {
  const live = (): Managed => {
    try {
      return decodeManagedFields(metaOf(old)?.managedFields);
    } catch (err) {
      if (err instanceof ManagedFieldsError) return new Map();
      throw err;
    }
  };
  if (opts.subresource) return live();
  const sent = metaOf(updated)?.managedFields;
  if (isResetManagedFields(sent)) return new Map();
  try {
    const m = decodeManagedFields(sent);
    if (m.size > 0) return m;
  } catch (err) {
    if (!(err instanceof ManagedFieldsError)) throw err;
  }
  return live();
}

/**
 * Records a create (`old` undefined), update or non-apply patch by `opts.manager`: returns
 * `updated` (a copy) with metadata.managedFields where the manager owns every field it changed
 * and other managers no longer own them. An update that changes nothing leaves the entries as
 * they were (no new entry, no new time). At most ten Update entries are kept; older ones merge
 * into `ancient-changes`.
 */
export function recordUpdate(old: object | undefined, updated: object, opts: UpdateOptions): JsonMap {
  const next = stripManagedFields(updated);
  const oldObj = old && isMap(old) ? stripManagedFields(old) : {};
  const ctx = contextFor(opts.apiVersion, opts.kind ?? str(next.kind), opts.schema, opts.resetFields);
  const managed = startingManagedFields(old, updated, opts.subresource ? { subresource: opts.subresource } : {});

  let cmp: Comparison;
  try {
    cmp = compareObjects(oldObj, next, ctx);
  } catch (err) {
    if (!(err instanceof TypedValueError)) throw err;
    // Upstream's UpdateNoErrors: on failure the live object's managedFields stay.
    const kept = metaOf(old)?.managedFields;
    const m = metaOf(next);
    if (kept !== undefined && m) m.managedFields = deepCopy(kept);
    return next;
  }

  const changed = cmp.modified.union(cmp.added);
  let result: Managed = new Map();
  for (const [id, e] of managed) {
    const set = e.set.difference(changed).difference(cmp.removed);
    if (!set.isEmpty) result.set(id, { ...e, set });
  }
  const own = changed.recursiveDifference(ctx.reset).difference(NEVER_OWNED);
  if (!own.isEmpty) {
    const entry = { manager: opts.manager, operation: 'Update' as const, apiVersion: opts.apiVersion, subresource: opts.subresource };
    const id = managerId(entry);
    const prev = result.get(id);
    result.set(id, {
      manager: opts.manager,
      operation: 'Update',
      apiVersion: opts.apiVersion,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      time: formatTime(opts.now),
      set: prev ? prev.set.union(own) : own,
    });
  }
  result = capUpdateManagers(result);
  return withManagedFields(next, result);
}

// ---------------------------------------------------------------------------------------------
// Field manager names

/** Upstream's FieldManagerMaxLength. */
const MAX_MANAGER_BYTES = 128;
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * The field manager of a request without `fieldManager`: its User-Agent up to the first `/`,
 * without unprintable characters, cut to 128 bytes (`kubectl-client-side-apply/v1.35.2 (linux/
 * amd64) kubernetes/abc` → `kubectl-client-side-apply`).
 */
export function managerFromUserAgent(ua: string | undefined): string {
  const head = (ua ?? '').split('/')[0] ?? '';
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!PRINTABLE.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > MAX_MANAGER_BYTES) break;
    out += ch;
    bytes += n;
  }
  return out;
}
