// metadata.managedFields: decoding the entries an object carries into field sets keyed by
// manager identity, and encoding them back in upstream's shape and order
// (k8s.io/apimachinery/pkg/util/managedfields/internal/managedfields.go).
//
// A manager's identity is its name, operation and subresource, plus the apiVersion for Update
// entries: an applier has one entry whatever version it applies with (the entry records the
// latest), an updater one per version it wrote with.

import { FieldPathError, FieldSet } from './fieldpath.ts';
import { compareStrings, goString, isMap, type JsonMap } from './value.ts';

export type Operation = 'Apply' | 'Update';

export interface ManagerEntry {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  readonly subresource?: string;
  /** RFC 3339, seconds, UTC (`2024-05-01T10:00:00Z`); absent when never set. */
  readonly time?: string;
  readonly set: FieldSet;
}

/** Identity → entry. */
export type Managed = Map<string, ManagerEntry>;

/** The manager identity upstream keys entries by (BuildManagerIdentifier's JSON). */
export function managerId(e: { manager: string; operation: Operation; apiVersion: string; subresource?: string | undefined }): string {
  const parts: string[] = [];
  if (e.manager) parts.push(`"manager":${goString(e.manager)}`);
  parts.push(`"operation":${goString(e.operation)}`);
  if (e.operation === 'Update' && e.apiVersion) parts.push(`"apiVersion":${goString(e.apiVersion)}`);
  if (e.subresource) parts.push(`"subresource":${goString(e.subresource)}`);
  return `{${parts.join(',')}}`;
}

export class ManagedFieldsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManagedFieldsError';
  }
}

/** metav1.Time's encoding: RFC 3339 in UTC, whole seconds. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseTime(v: unknown, i: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' && RFC3339.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw new ManagedFieldsError(`invalid time in managed fields entry ${i}`);
  return formatTime(new Date(Math.floor(ms / 1000) * 1000));
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Decodes metadata.managedFields (absent or null is none). Throws ManagedFieldsError as upstream. */
export function decodeManagedFields(entries: unknown): Managed {
  const out: Managed = new Map();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  entries.forEach((raw, i) => {
    if (!isMap(raw)) throw new ManagedFieldsError(`managed fields entry ${i} is not an object`);
    const operation = raw.operation;
    if (operation !== 'Apply' && operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    const apiVersion = str(raw.apiVersion);
    if (!apiVersion) throw new ManagedFieldsError('apiVersion must not be empty');
    const fieldsType = str(raw.fieldsType);
    if (fieldsType === '') throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${JSON.stringify(fieldsType)} in managed fields entry ${i}`);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(raw.fieldsV1);
    } catch (err) {
      if (err instanceof FieldPathError) throw new ManagedFieldsError(`error decoding versioned set from entry ${i}: error decoding set: ${err.message}`);
      throw err;
    }
    const subresource = str(raw.subresource);
    const time = parseTime(raw.time, i);
    const entry: ManagerEntry = {
      manager: str(raw.manager),
      operation,
      apiVersion,
      ...(subresource ? { subresource } : {}),
      ...(time ? { time } : {}),
      set,
    };
    out.set(managerId(entry), entry);
  });
  return out;
}

/**
 * The managedFields entries of `managed`, sorted as upstream sorts them (Apply before Update,
 * then oldest first, then manager, apiVersion, subresource); undefined when there are none.
 */
export function encodeManagedFields(managed: Managed): JsonMap[] | undefined {
  if (managed.size === 0) return undefined;
  const entries = [...managed.values()].sort(compareEntries);
  return entries.map((e) => {
    const out: JsonMap = {};
    if (e.manager) out.manager = e.manager;
    out.operation = e.operation;
    out.apiVersion = e.apiVersion;
    if (e.time) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.set.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

function seconds(t: string | undefined): number {
  return t ? Math.floor(Date.parse(t) / 1000) : 0;
}

function compareEntries(p: ManagerEntry, q: ManagerEntry): number {
  if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
  const ps = seconds(p.time);
  const qs = seconds(q.time);
  if (ps !== qs) return ps < qs ? -1 : 1;
  return (
    compareStrings(p.manager, q.manager) ||
    compareStrings(p.apiVersion, q.apiVersion) ||
    compareStrings(p.subresource ?? '', q.subresource ?? '')
  );
}

/** Upstream keeps at most this many Update entries. */
export const MAX_UPDATE_MANAGERS = 10;
/** The manager name the oldest Update entries are merged into. */
export const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Merges the oldest Update entries into one `ancient-changes` entry per apiVersion until at most
 * `max` Update entries remain (upstream's capManagersManager). Returns a new map.
 */
export function capUpdateManagers(managed: Managed, max = MAX_UPDATE_MANAGERS): Managed {
  const updaters = [...managed.entries()].filter(([, e]) => e.operation === 'Update');
  if (updaters.length <= max) return managed;
  const out: Managed = new Map(managed);
  updaters.sort(([ia, a], [ib, b]) => {
    const d = seconds(a.time) - seconds(b.time);
    return d !== 0 ? d : compareStrings(ia, ib);
  });
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (const [id, e] of updaters) {
    if (length <= max) break;
    const bucket = managerId({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: e.apiVersion });
    const first = firstOfVersion.get(e.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(e.apiVersion, id);
      continue;
    }
    // (Upstream would merge an existing bucket into itself and drop it; it stays.)
    if (id === bucket) continue;
    let into = out.get(bucket);
    if (!into) {
      // The oldest entry of this version becomes the bucket.
      into = out.get(first) as ManagerEntry;
      out.delete(first);
    }
    out.set(bucket, {
      manager: ANCIENT_CHANGES,
      operation: 'Update',
      apiVersion: e.apiVersion,
      // The bucket takes the time of the newest update merged into it.
      ...(e.time ? { time: e.time } : {}),
      set: e.set.union(into.set),
    });
    out.delete(id);
    length--;
  }
  return out;
}

/** Whether a request's managedFields asks to clear them: `[]`, or one empty entry (`[{}]`). */
export function isResetManagedFields(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  if (v.length === 0) return true;
  return v.length === 1 && isMap(v[0]) && Object.keys(v[0]).length === 0;
}
