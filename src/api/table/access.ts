// Small, total accessors for untyped API objects (decoded JSON).

export type Obj = Record<string, unknown>;

export function isRecord(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** v as an object, or an empty one. */
export function rec(v: unknown): Obj {
  return isRecord(v) ? v : {};
}

/** v as an array, or an empty one. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** v as a string ("" when absent); numbers and booleans print as Go would. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return '';
}

/** v as an integer (0 when absent or not a number). */
export function int(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return 0;
}

/** v as an integer, or undefined when it is not set (a nil *int32 in Go). */
export function optInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  return undefined;
}

/** Walk a path of keys through nested objects. */
export function get(o: unknown, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const k of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export function has(o: unknown, key: string): boolean {
  return isRecord(o) && o[key] !== undefined && o[key] !== null;
}

export function meta(o: unknown): Obj {
  return rec(get(o, 'metadata'));
}

export function name(o: unknown): string {
  return str(get(o, 'metadata', 'name'));
}
