// How Go prints the JSON values of an unstructured object (map[string]interface{}, int64,
// float64, ...) in the messages this package reproduces: %v, %#v and %T, and field paths as
// k8s.io/apimachinery's field.Path builds them.

import { goQuote, GoValue } from '../validation/errors.ts';

const TWO_63 = 2 ** 63;

/** Whether Go's JSON decoding (apimachinery util/json) would hold n as an int64. */
export function isInt64(n: number): boolean {
  return Number.isInteger(n) && n >= -TWO_63 && n < TWO_63;
}

/** swag.IsFloat64AJSONInteger: integral and within ±2^53. */
export function isJSONInteger(n: number): boolean {
  return Number.isFinite(n) && Math.abs(n) <= 2 ** 53 && Math.floor(n) === n;
}

/** %v of a float64: strconv's shortest 'g' form, %e when the exponent is < -4 or >= 6 (1e+06). */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, expStr] = n.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mant}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  return String(n);
}

/** %v of a JSON number, as int64 or float64 by Go's decoding rules. */
export function goNum(n: number): string {
  return isInt64(n) ? String(n) : goFloat(n);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Values nested deeper than this are elided in printed bad values. */
const PRINT_DEPTH = 100;

/** %#v of a value held in an interface{} (map[string]interface {}{"a":1}, []interface {}{...}). */
export function goSharp(v: unknown, inInterface = false, depth = 0): string {
  if (v === null || v === undefined) return inInterface ? 'interface {}(nil)' : '<nil>';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return goNum(v);
  if (depth > PRINT_DEPTH) return '...';
  if (Array.isArray(v)) return `[]interface {}{${v.map((x) => goSharp(x, true, depth + 1)).join(', ')}}`;
  if (isObj(v)) {
    const keys = Object.keys(v).sort();
    return `map[string]interface {}{${keys.map((k) => `${goQuote(k)}:${goSharp(v[k], true, depth + 1)}`).join(', ')}}`;
  }
  return String(v);
}

/** %v of a JSON value (map[a:1 b:x], [1 2], <nil>). */
export function goV(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return goNum(v);
  if (depth > PRINT_DEPTH) return '...';
  if (Array.isArray(v)) return `[${v.map((x) => goV(x, depth + 1)).join(' ')}]`;
  if (isObj(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goV(v[k], depth + 1)}`).join(' ')}]`;
  }
  return String(v);
}

/** %T of a JSON value. */
export function goT(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return isInt64(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** A JSON value as a field error's bad value, so that errorBody prints it as Go would. */
export function badValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return isInt64(v) ? v : new GoValue(goFloat(v));
  if (typeof v === 'object') return new GoValue(goSharp(v));
  return v;
}

// ---------------------------------------------------------------------------------------------
// field.Path: undefined is the nil path (printed "<nil>"), Child joins with ".", Key and Index
// append "[k]".

export type FPath = string | undefined;

export function fpChild(p: FPath, name: string): string {
  return p === undefined ? name : `${p}.${name}`;
}

export function fpKey(p: FPath, k: string): string {
  return `${p ?? ''}[${k}]`;
}

export function fpIndex(p: FPath, i: number): string {
  return `${p ?? ''}[${i}]`;
}

export function fpString(p: FPath): string {
  return p ?? '<nil>';
}

/**
 * Go's json.Marshal of a JSON value (map keys sorted; int64 and float64 told apart), for
 * comparing compound values. Iterative, so deeply nested input cannot exhaust the stack.
 */
export function canonicalJSON(v: unknown): string {
  const out: string[] = [];
  // a work stack of values to print, and literal text to emit
  const stack: ({ text: string } | { value: unknown })[] = [{ value: v }];
  while (stack.length > 0) {
    const item = stack.pop() as { text: string } | { value: unknown };
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const x = item.value;
    if (x === null || x === undefined) out.push('null');
    else if (typeof x === 'number') out.push(`${isInt64(x) ? 'i' : 'f'}${x}`);
    else if (typeof x !== 'object') out.push(JSON.stringify(x));
    else if (Array.isArray(x)) {
      out.push('[');
      stack.push({ text: ']' });
      for (let i = x.length - 1; i >= 0; i--) {
        stack.push({ value: x[i] });
        if (i > 0) stack.push({ text: ',' });
      }
    } else {
      const o = x as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      out.push('{');
      stack.push({ text: '}' });
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        stack.push({ value: o[k] });
        stack.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` });
      }
    }
  }
  return out.join('');
}

/** reflect.DeepEqual of two decoded JSON values (int64 and float64 differ). */
export function deepEqualGo(a: unknown, b: unknown): boolean {
  return canonicalJSON(a) === canonicalJSON(b);
}
