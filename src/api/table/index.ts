// Server-side printing: objects to meta.k8s.io/v1 Tables.
//
// `kubectl get` asks for `application/json;as=Table;v=v1;g=meta.k8s.io` and
// prints the columns and cells the server returns. The columns and cells here
// follow what the Kubernetes API server computes for each kind; custom
// resources use their CRD's additionalPrinterColumns; any other kind gets the
// generic NAME, CREATED AT table.

import { isRecord, meta, name, rec, type Obj } from './access.ts';
import { customResourceColumnDefinitions, customResourceRows } from './crd.ts';
import { doc } from './descriptions.ts';
import { formatRFC3339 } from './duration.ts';
import { printerFor } from './printers.ts';
import type { PrinterColumn, Table, TableColumnDefinition, TableRow } from './types.ts';

export type { PrinterColumn, Table, TableColumnDefinition, TableRow, TableRowCondition } from './types.ts';
export { humanDuration, shortHumanDuration, translateTimestampSince, translateTimestampUntil } from './duration.ts';
export { customResourceColumns, customResourceColumnDefinitions } from './crd.ts';
export { formatQuantity } from './quantity.ts';
export { formatLabels, formatLabelSelector } from './labels.ts';
export { printedKinds } from './printers.ts';

export const TABLE_API_VERSION = 'meta.k8s.io/v1';

/** The generic table (rest.NewDefaultTableConvertor): Name and Created At. */
function defaultColumns(): TableColumnDefinition[] {
  return [
    { name: 'Name', type: 'string', format: 'name', description: doc('meta/v1.ObjectMeta.name'), priority: 0 },
    {
      name: 'Created At',
      type: 'date',
      format: '',
      description: doc('meta/v1.ObjectMeta.creationTimestamp'),
      priority: 0,
    },
  ];
}

function defaultCells(obj: Obj): unknown[] {
  return [name(obj), formatRFC3339(meta(obj).creationTimestamp)];
}

/**
 * The columns the API server registers for a kind (group '' is core), with
 * priority 1 marking the extra `-o wide` columns. Kinds without a printer
 * (Role, ClusterRole, LimitRange, CustomResourceDefinition, ...) get the
 * generic Name / Created At columns.
 */
export function columnsFor(group: string, kind: string): TableColumnDefinition[] {
  const p = printerFor(group, kind);
  return p ? p.columns.map((c) => ({ ...c })) : defaultColumns();
}

/** One object's cells, in columnsFor's order, as of `now`. */
export function rowFor(group: string, kind: string, obj: Record<string, any>, now: Date): unknown[] {
  const o = rec(obj);
  const p = printerFor(group, kind);
  return p ? p.cells(o, now) : defaultCells(o);
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface ToTableOptions {
  /** what each row carries: nothing, a PartialObjectMetadata (kubectl's default) or the object */
  includeObject: IncludeObject;
  /** the list's (or single object's) resourceVersion */
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** TableOptions.noHeaders: leave columnDefinitions empty */
  noHeaders?: boolean;
  /**
   * For a custom resource: its served version's additionalPrinterColumns
   * (an empty list serves NAME, AGE). Leave undefined for built-in kinds.
   */
  printerColumns?: readonly PrinterColumn[];
  /** the Table's group/version (meta.k8s.io/v1 unless the client asked for v1beta1) */
  apiVersion?: string;
}

/** The whole meta.k8s.io/v1 Table for these objects. */
export function toTable(
  group: string,
  kind: string,
  objects: readonly Record<string, any>[],
  now: Date,
  opts: ToTableOptions,
): Table {
  const apiVersion = opts.apiVersion ?? TABLE_API_VERSION;
  let items = objects.map(rec);
  let columns: TableColumnDefinition[];
  let cells: unknown[][];
  let conditionsOf: ((o: Obj) => TableRow['conditions']) | undefined;

  if (opts.printerColumns !== undefined) {
    columns = customResourceColumnDefinitions(opts.printerColumns);
    cells = customResourceRows(opts.printerColumns, items, now);
  } else {
    const p = printerFor(group, kind);
    if (p?.compare) items = [...items].sort(p.compare);
    columns = p ? p.columns.map((c) => ({ ...c })) : defaultColumns();
    cells = items.map((o) => (p ? p.cells(o, now) : defaultCells(o)));
    conditionsOf = p?.conditions?.bind(p);
  }

  const rows: TableRow[] = items.map((o, i) => {
    const row: TableRow = { cells: cells[i] ?? [] };
    const conditions = conditionsOf?.(o);
    if (conditions) row.conditions = conditions.map((c) => ({ ...c }));
    switch (opts.includeObject) {
      case 'Object':
        row.object = o;
        break;
      case 'Metadata':
        row.object = { kind: 'PartialObjectMetadata', apiVersion, metadata: isRecord(o.metadata) ? o.metadata : {} };
        break;
      case 'None':
        break;
    }
    return row;
  });

  const metadata: Table['metadata'] = {};
  const rv = opts.resourceVersion ?? (items.length === 1 ? meta(items[0]).resourceVersion : undefined);
  if (typeof rv === 'string' && rv !== '') metadata.resourceVersion = rv;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;

  return {
    kind: 'Table',
    apiVersion,
    metadata,
    columnDefinitions: opts.noHeaders ? [] : columns,
    rows,
  };
}
