// Tables for custom resources, as apiextensions-apiserver's table convertor
// builds them from a CRD version's additionalPrinterColumns.

import { name, type Obj } from './access.ts';
import { doc } from './descriptions.ts';
import { humanDuration, parseTime } from './duration.ts';
import { evaluate, parsePath, printResult } from './jsonpath.ts';
import type { PrinterColumn, TableColumnDefinition } from './types.ts';

interface Compiled {
  def: TableColumnDefinition;
  path: ReturnType<typeof parsePath>;
}

/**
 * The columns served when a version declares none: just Age
 * (apiextensions' serveDefaultColumnsIfEmpty).
 */
export const DEFAULT_CRD_COLUMNS: readonly PrinterColumn[] = [
  {
    name: 'Age',
    type: 'date',
    description: doc('meta/v1.ObjectMeta.creationTimestamp'),
    jsonPath: '.metadata.creationTimestamp',
  },
];

function compile(columns: readonly PrinterColumn[] | undefined): Compiled[] {
  const cols = columns && columns.length > 0 ? columns : DEFAULT_CRD_COLUMNS;
  const out: Compiled[] = [];
  for (const c of cols) {
    let path: Compiled['path'];
    try {
      path = parsePath(c.jsonPath);
    } catch {
      // upstream keeps the columns parsed so far and stops at a bad one
      break;
    }
    out.push({
      path,
      def: {
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      },
    });
  }
  return out;
}

/** A JSON value converted to the cell type a column declares (cellForJSONValue). */
function cellFor(type: string, value: unknown, now: Date): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      if (value === '' || value === 'null') return '<unknown>';
      const t = parseTime(value);
      if (t === undefined) return /^0001-01-01T00:00:00/.test(value) ? '<unknown>' : '<invalid>';
      return humanDuration(now.getTime() - t);
    }
  }
  return null;
}

/** The column definitions of a custom resource's table: Name, then the printer columns. */
export function customResourceColumnDefinitions(columns: readonly PrinterColumn[] | undefined): TableColumnDefinition[] {
  return [
    { name: 'Name', type: 'string', format: 'name', description: doc('meta/v1.ObjectMeta.name'), priority: 0 },
    ...compile(columns).map((c) => c.def),
  ];
}

function cellsFor(compiled: Compiled[], obj: Obj, now: Date): unknown[] {
  const cells: unknown[] = [name(obj)];
  for (const c of compiled) {
    const results = evaluate(c.path, obj);
    if (results.length === 0) {
      cells.push(null);
      continue;
    }
    // only simple paths are supported, so the first result is the value
    const value = results[0];
    if (c.def.type === 'string') cells.push(printResult(value) ?? null);
    else cells.push(cellFor(c.def.type, value, now));
  }
  return cells;
}

/**
 * The table columns and one object's cells for a custom resource: NAME, then
 * each additionalPrinterColumn's JSONPath evaluated against the object
 * (string columns printed as jsonpath prints them, integer/number/boolean
 * kept typed, date columns as an age), null where the path finds nothing.
 * With no printer columns the table is NAME, AGE.
 */
export function customResourceColumns(
  additionalPrinterColumns: readonly PrinterColumn[] | undefined,
  obj: Record<string, unknown>,
  now: Date,
): { columns: TableColumnDefinition[]; cells: unknown[] } {
  const compiled = compile(additionalPrinterColumns);
  return { columns: customResourceColumnDefinitions(additionalPrinterColumns), cells: cellsFor(compiled, obj, now) };
}

/** Rows for many objects, compiling the paths once. */
export function customResourceRows(
  additionalPrinterColumns: readonly PrinterColumn[] | undefined,
  objects: readonly Obj[],
  now: Date,
): unknown[][] {
  const compiled = compile(additionalPrinterColumns);
  return objects.map((o) => cellsFor(compiled, o, now));
}

