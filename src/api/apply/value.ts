// Decoded JSON values as structured-merge-diff sees them: a total order over values (used to
// sort path elements the way upstream serializes field sets), equality, and the JSON text Go's
// encoder writes (sorted map keys, `<>&` escaped), which is what `k:{...}` / `v:...` path
// elements and the last-applied annotation contain.

// The JSON value helpers shared with the patch engines live in one place.
import { deepCopy, isMap, put, type JsonMap } from '../patch/json.ts';

export { deepCopy, isMap, put, type JsonMap };

/** A member of a map, or undefined when absent (own properties only). */
export function get(m: JsonMap, k: string): unknown {
  return Object.hasOwn(m, k) ? m[k] : undefined;
}

/** Structural equality (key order does not matter; numbers compare numerically). */
export function equalValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equalValues(x, b[i]));
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && equalValues(a[k], b[k]));
  }
  return false;
}

/** Go's strings.Compare: byte order of the UTF-8 encodings (code point order). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    // A surrogate pair encodes a code point above U+FFFF: it sorts after any BMP character.
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The rank of a value's type in upstream's order: numbers, strings, booleans, lists, maps, null. */
function rank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isMap(v)) return 4;
  return 5;
}

/** structured-merge-diff's total order over values (value.Compare). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) === (b as number) ? 0 : (a as number) < (b as number) ? -1 : 1;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return la.length === lb.length ? 0 : la.length < lb.length ? -1 : 1;
    }
    case 4: {
      const ma = a as JsonMap;
      const mb = b as JsonMap;
      const ka = Object.keys(ma).sort(compareStrings);
      const kb = Object.keys(mb).sort(compareStrings);
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        const x = ka[i] as string;
        const y = kb[i] as string;
        const c = compareStrings(x, y) || compareValues(ma[x], mb[y]);
        if (c !== 0) return c;
      }
      return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
    }
    default:
      return 0;
  }
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

/** A JSON string literal as Go's encoder writes it (HTML-sensitive characters escaped). */
export function goString(s: string): string {
  return JSON.stringify(s).replace(HTML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON text as Go's encoder writes a decoded value: map keys sorted, strings as goString. */
export function goJSON(v: unknown): string {
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goJSON).join(',')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort(compareStrings);
    return `{${keys.map((k) => `${goString(k)}:${goJSON(v[k])}`).join(',')}}`;
  }
  return 'null';
}

/** Go's `%v` of a scalar as structured-merge-diff's value.ToString prints it (strings quoted). */
export function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  if (isMap(v)) return Object.keys(v).map((k) => `${k}=${valueToString(v[k])}`).join('');
  return String(v);
}
