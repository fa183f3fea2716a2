// Errors of server-side apply, as kube-apiserver words and codes them.
//
//   - 409 Conflict (ApplyConflictError): fields another manager owns would change
//     (managedfields/internal/conflict.go, errors.NewApplyConflict): the message lists them,
//     `details.causes` has one FieldManagerConflict cause per field.
//   - 400 BadRequest: the applied object is of another kind or version, or carries
//     managedFields.
//   - 500 without a reason (ApplyInternalError): anything upstream returns as a plain Go error,
//     such as an applied list item without its key field; kubectl prints "Error from server: ...".

import { StatusError, type Status, type StatusReason } from '../errors.ts';
import { pathString, type Path } from './fieldpath.ts';
import { managerId, type Operation } from './managed.ts';
import { compareStrings } from './value.ts';

export interface ApplyConflict {
  /** The manager owning the field, and how it wrote it. */
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  readonly subresource?: string;
  /** The field, as a path and as printed (`.spec.replicas`). */
  readonly path: Path;
  readonly field: string;
}

/** How upstream names a manager in conflict messages: `"kubectl" with subresource "status" using v1`. */
export function describeManager(c: Pick<ApplyConflict, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === 'Update') s += ` using ${c.apiVersion}`;
  return s;
}

function conflictMessage(conflicts: readonly ApplyConflict[]): string {
  if (conflicts.length === 1) {
    const c = conflicts[0] as ApplyConflict;
    return `Apply failed with 1 conflict: conflict with ${describeManager(c)}: ${c.field}`;
  }
  // Grouped by manager, managers in the order of their identities (as upstream sorts them).
  const byManager = new Map<string, ApplyConflict[]>();
  for (const c of conflicts) {
    const id = managerId(c);
    byManager.set(id, [...(byManager.get(id) ?? []), c]);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort(compareStrings)) {
    const group = byManager.get(id) ?? [];
    lines.push(`conflicts with ${describeManager(group[0] as ApplyConflict)}:`);
    for (const c of group) lines.push(`- ${c.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

export class ApplyConflictError extends StatusError {
  readonly conflicts: readonly ApplyConflict[];

  constructor(conflicts: readonly ApplyConflict[]) {
    super(409, 'Conflict', conflictMessage(conflicts), {
      causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(c)}`, field: c.field })),
    });
    this.name = 'ApplyConflictError';
    this.conflicts = conflicts;
  }
}

/** A conflict on `path` with the entry that owns it. */
export function conflictOn(
  owner: { manager: string; operation: Operation; apiVersion: string; subresource?: string | undefined },
  path: Path,
): ApplyConflict {
  return {
    manager: owner.manager,
    operation: owner.operation,
    apiVersion: owner.apiVersion,
    ...(owner.subresource ? { subresource: owner.subresource } : {}),
    path,
    field: pathString(path),
  };
}

/** 500 with no reason: what the API server answers for an error that is not a Status. */
export class ApplyInternalError extends StatusError {
  constructor(message: string) {
    super(500, '' as StatusReason, message);
    this.name = 'ApplyInternalError';
  }

  override toStatus(): Status {
    const s = super.toStatus();
    delete s.reason;
    return s;
  }
}
