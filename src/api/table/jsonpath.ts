// The subset of k8s.io/client-go/util/jsonpath that CRD additionalPrinterColumns
// use: field access (.a.b, ['a.b'], escaped dots), array index and slices
// ([0], [-1], [1:3], [*]), recursive descent (..name), and filters
// ([?(@.type=="Ready")], [?(@.x)], with == != < <= > >=), evaluated with
// missing keys allowed. Values print the way jsonpath's PrintResults does.

import { isRecord } from './access.ts';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'recursive'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; path: Step[]; op?: string; value?: unknown };

export class JSONPathError extends Error {}

function unquote(s: string): string {
  const q = s[0];
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length - 1) {
      out += s[++i];
      continue;
    }
    if (c === q) break;
    out += c;
  }
  return out;
}

function parseLiteral(s: string): unknown {
  const t = s.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return unquote(t);
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  throw new JSONPathError(`unrecognized literal ${t}`);
}

/** Index of the bracket closing the one at `open`, honouring quotes and nesting. */
function closing(src: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new JSONPathError(`unclosed bracket in ${src}`);
}

function readName(src: string, i: number): [string, number] {
  let name = '';
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      name += src[i + 1];
      i += 2;
      continue;
    }
    if (c === '.' || c === '[' || c === ' ' || c === '=' || c === '!' || c === '<' || c === '>' || c === ')') break;
    name += c;
    i++;
  }
  return [name, i];
}

function parseBracket(inner: string): Step {
  const t = inner.trim();
  if (t === '*') return { kind: 'wildcard' };
  if (t.startsWith('?(') && t.endsWith(')')) {
    const body = t.slice(2, -1).trim();
    const m = /^(@[^=!<>]*?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(body);
    if (m) {
      return { kind: 'filter', path: parsePath(m[1]!.slice(1)), op: m[2]!, value: parseLiteral(m[3]!) };
    }
    if (body.startsWith('@')) return { kind: 'filter', path: parsePath(body.slice(1)) };
    throw new JSONPathError(`unsupported filter ${t}`);
  }
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) {
    return { kind: 'field', name: unquote(t) };
  }
  if (/^-?\d+$/.test(t)) return { kind: 'index', index: Number(t) };
  const s = /^(-?\d*)\s*:\s*(-?\d*)\s*(?::\s*(-?\d*))?$/.exec(t);
  if (s) {
    const n = (x: string | undefined) => (x === undefined || x === '' ? undefined : Number(x));
    return { kind: 'slice', start: n(s[1]), end: n(s[2]), step: n(s[3]) };
  }
  throw new JSONPathError(`unsupported subscript [${t}]`);
}

/** Parse a path such as `.status.conditions[?(@.type=="Ready")].status` (braces optional). */
export function parsePath(expr: string): Step[] {
  let src = expr.trim();
  if (src.startsWith('{') && src.endsWith('}')) src = src.slice(1, -1).trim();
  if (src.startsWith('$')) src = src.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '.') {
      if (src[i + 1] === '.') {
        const [nm, next] = readName(src, i + 2);
        if (!nm) throw new JSONPathError(`empty recursive descent in ${expr}`);
        steps.push({ kind: 'recursive', name: nm });
        i = next;
        continue;
      }
      if (src[i + 1] === '[' || i + 1 >= src.length) {
        i++;
        continue;
      }
      const [nm, next] = readName(src, i + 1);
      if (nm === '*') steps.push({ kind: 'wildcard' });
      else if (nm) steps.push({ kind: 'field', name: nm });
      i = next;
      continue;
    }
    if (c === '[') {
      const end = closing(src, i);
      steps.push(parseBracket(src.slice(i + 1, end)));
      i = end + 1;
      continue;
    }
    if (c === ' ') {
      i++;
      continue;
    }
    // a bare leading name ("spec.replicas") reads as a field
    const [nm, next] = readName(src, i);
    if (!nm) throw new JSONPathError(`unexpected ${c} in ${expr}`);
    steps.push({ kind: 'field', name: nm });
    i = next;
  }
  return steps;
}

function descendants(v: unknown, nm: string, out: unknown[]): void {
  if (isRecord(v)) {
    if (nm in v) out.push(v[nm]);
    for (const child of Object.values(v)) descendants(child, nm, out);
  } else if (Array.isArray(v)) {
    for (const child of v) descendants(child, nm, out);
  }
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
    }
  }
  return false;
}

function step(values: unknown[], s: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (s.kind) {
      case 'field':
        if (isRecord(v) && s.name in v) out.push(v[s.name]);
        break;
      case 'recursive':
        descendants(v, s.name, out);
        break;
      case 'wildcard':
        if (Array.isArray(v)) out.push(...v);
        else if (isRecord(v)) out.push(...Object.keys(v).sort().map((k) => v[k]));
        break;
      case 'index':
        if (Array.isArray(v)) {
          const i = s.index < 0 ? v.length + s.index : s.index;
          if (i >= 0 && i < v.length) out.push(v[i]);
        }
        break;
      case 'slice':
        if (Array.isArray(v)) {
          const len = v.length;
          const norm = (x: number) => (x < 0 ? Math.max(0, len + x) : Math.min(len, x));
          const start = norm(s.start ?? 0);
          const end = norm(s.end ?? len);
          const by = s.step && s.step > 0 ? s.step : 1;
          for (let i = start; i < end; i += by) out.push(v[i]);
        }
        break;
      case 'filter':
        if (Array.isArray(v)) {
          for (const el of v) {
            const found = evaluate(s.path, el);
            if (s.op === undefined) {
              if (found.length > 0) out.push(el);
            } else if (found.length > 0 && compare(found[0], s.op, s.value)) {
              out.push(el);
            }
          }
        }
        break;
    }
  }
  return out;
}

/** All values the path selects from root, missing keys allowed. */
export function evaluate(path: Step[] | string, root: unknown): unknown[] {
  const steps = typeof path === 'string' ? parsePath(path) : path;
  let values: unknown[] = [root];
  for (const s of steps) values = step(values, s);
  return values;
}

function fmtExp(digits: string, exp: number): string {
  const e = Math.abs(exp);
  return `${digits}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

/** A float64 as Go's fmt %v prints it (strconv 'g', shortest). */
export function goFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, e] = x.toExponential().split('e') as [string, string];
  const exp = Number(e);
  // shortest precision decides with an exponent limit of 6, as strconv does
  if (exp < -4 || exp >= 6) return fmtExp(mant, exp);
  return String(x);
}

/** A JSON number decoded as the apiserver's unstructured decoder would, printed by Go. */
export function goNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 2 ** 63) {
    return Math.abs(x) <= Number.MAX_SAFE_INTEGER ? String(x) : BigInt(x).toString();
  }
  return goFloat(x);
}

function goJSONString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** encoding/json.Marshal of a decoded value: sorted keys, HTML-escaped strings. */
export function goJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJSONString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goJSON).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${goJSONString(k)}:${goJSON(v[k])}`).join(',')}}`;
  }
  return 'null';
}

/**
 * One result as jsonpath's PrintResults writes it: maps and lists as JSON,
 * strings raw, numbers and booleans as Go prints them; undefined for null.
 */
export function printResult(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  return goJSON(v);
}
