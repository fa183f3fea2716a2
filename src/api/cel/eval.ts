// Evaluation: the AST is compiled once into a tree of closures, so evaluating a simple rule is a
// handful of function calls. Errors travel as CelErr values, as in cel-go; only exceeding the
// cost limit aborts (by exception). The cost model follows cel-go's runtime cost tracker in
// spirit: 1 per variable/field access and per function call, nothing for constants and the
// logical operators, 10 for building a list, 30 for a map, and size-dependent extras for string
// and list functions.

import { Quantity } from '../validation/quantity.ts';
import type { Expr } from './parser.ts';
import { add, BUILTINS, div, inOp, keyString, mod, mul, neg, sub } from './stdlib.ts';
import {
  CelErr,
  celCompare,
  celEquals,
  CelMap,
  Duration,
  fromJs,
  isList,
  isMap,
  List,
  listGet,
  listItems,
  listSize,
  mapEntries,
  mapGet,
  mapKey,
  noSuchOverload,
  Optional,
  OPTIONAL_NONE,
  Timestamp,
  TYPE_IDENTS,
  CelType,
  Uint,
  isOpaque,
  typeName,
} from './values.ts';

export interface Ctx {
  vars: Record<string, unknown>;
  locals: unknown[];
  cost: number;
  limit: number;
}

export type Ev = (c: Ctx) => unknown;

export class CostExceeded extends Error {
  constructor() {
    super('operation cancelled: actual cost limit exceeded');
  }
}

export interface EvalEnv {
  variables: ReadonlySet<string>;
  functions: Readonly<Record<string, (...args: unknown[]) => unknown>>;
}

function charge(c: Ctx, n: number): void {
  c.cost += n;
  if (c.cost > c.limit) throw new CostExceeded();
}

// ---------------------------------------------------------------------------------------------
// Kubernetes property-name escaping (k8s.io/apiserver/pkg/cel/escaping.go)

export const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** The CEL identifier for a property name, or undefined when the name cannot be accessed. */
export function escapeFieldName(name: string): string | undefined {
  if (name === '' || (name[0]! >= '0' && name[0]! <= '9')) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__|[.\-/]/g, (m) => (m === '__' ? '__underscores__' : m === '.' ? '__dot__' : m === '-' ? '__dash__' : '__slash__'));
}

const UNESCAPES: Record<string, string> = { __underscores__: '__', __dot__: '.', __dash__: '-', __slash__: '/' };

export function unescapeFieldName(escaped: string): string {
  if (escaped.length > 4 && escaped.startsWith('__') && escaped.endsWith('__')) {
    const inner = escaped.slice(2, -2);
    if (CEL_RESERVED.has(inner)) return inner;
  }
  return escaped.replace(/__.+?__/g, (m) => UNESCAPES[m] ?? m);
}

// ---------------------------------------------------------------------------------------------
// Field selection and indexing

const hasOwn = Object.prototype.hasOwnProperty;

function isForeign(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v) || v instanceof List || v instanceof CelMap || v instanceof Uint || v instanceof Uint8Array) return false;
  if (v instanceof Timestamp || v instanceof Duration || v instanceof CelType || v instanceof Optional || v instanceof Quantity) return false;
  if (isOpaque(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p !== Object.prototype && p !== null;
}

/** Looks a field up on a raw object, falling back to the Kubernetes-unescaped property name. */
function rawField(o: Record<string, unknown>, field: string): { found: boolean; v?: unknown } {
  if (hasOwn.call(o, field)) return { found: true, v: fromJs(o[field]) };
  if (field.includes('__')) {
    const u = unescapeFieldName(field);
    if (u !== field && hasOwn.call(o, u)) return { found: true, v: fromJs(o[u]) };
  }
  return { found: false };
}

function selectField(v: unknown, field: string): unknown {
  if (v instanceof CelMap) {
    const e = v.m.get(field);
    return e === undefined ? new CelErr(`no such key: ${field}`) : e[1];
  }
  if (v instanceof Optional) {
    if (!v.hasValue) return OPTIONAL_NONE;
    const r = selectField(v.value, field);
    return r instanceof CelErr && r.message.startsWith('no such key') ? OPTIONAL_NONE : r instanceof CelErr ? r : new Optional(r);
  }
  if (isMap(v)) {
    const r = rawField(v as Record<string, unknown>, field);
    return r.found ? r.v : new CelErr(`no such key: ${field}`);
  }
  if (isForeign(v)) {
    const o = v as Record<string, unknown>;
    if (field in o && typeof o[field] !== 'function') return fromJs(o[field]);
    return new CelErr(`no such key: ${field}`);
  }
  return noSuchOverload();
}

function optSelect(v: unknown, field: string): unknown {
  if (v instanceof Optional) {
    if (!v.hasValue) return OPTIONAL_NONE;
    v = v.value;
  }
  if (v instanceof CelMap) {
    const e = v.m.get(field);
    return e === undefined ? OPTIONAL_NONE : new Optional(e[1]);
  }
  if (isMap(v)) {
    const r = rawField(v as Record<string, unknown>, field);
    return r.found ? new Optional(r.v) : OPTIONAL_NONE;
  }
  return noSuchOverload();
}

function hasField(v: unknown, field: string): unknown {
  if (v instanceof Optional) return v.hasValue ? hasField(v.value, field) : false;
  if (v instanceof CelMap) return v.m.has(field);
  if (isMap(v)) return rawField(v as Record<string, unknown>, field).found;
  if (isForeign(v)) return field in (v as object);
  return noSuchOverload();
}

function listIndex(l: List | unknown[], i: unknown): number | CelErr {
  let n: bigint;
  if (typeof i === 'bigint') n = i;
  else if (i instanceof Uint) n = i.v;
  else if (typeof i === 'number') {
    if (!Number.isInteger(i)) return new CelErr(`unsupported index value ${keyString(i)} in list`);
    n = BigInt(i);
  } else return new CelErr(`unsupported index type '${typeName(i)}' in list`);
  const size = listSize(l);
  if (n < 0n || n >= BigInt(size)) return new CelErr(`index '${n}' out of range in list size '${size}'`);
  return Number(n);
}

function indexValue(o: unknown, i: unknown): unknown {
  if (isList(o)) {
    const k = listIndex(o, i);
    return k instanceof CelErr ? k : listGet(o, k);
  }
  if (isMap(o)) {
    const v = mapGet(o, i);
    if (v !== undefined) return v;
    if (mapKey(i) === undefined && typeof i !== 'number') return new CelErr(`unsupported key type`);
    return new CelErr(`no such key: ${keyString(i)}`);
  }
  if (o instanceof Optional) {
    if (!o.hasValue) return OPTIONAL_NONE;
    const r = indexValue(o.value, i);
    if (r instanceof CelErr) return r.message.startsWith('no such key') || r.message.startsWith('index ') ? OPTIONAL_NONE : r;
    return new Optional(r);
  }
  return noSuchOverload();
}

function optIndex(o: unknown, i: unknown): unknown {
  if (o instanceof Optional) {
    if (!o.hasValue) return OPTIONAL_NONE;
    o = o.value;
  }
  if (isList(o)) {
    const k = listIndex(o, i);
    if (k instanceof CelErr) return k.message.startsWith('index ') ? OPTIONAL_NONE : k;
    return new Optional(listGet(o, k));
  }
  if (isMap(o)) {
    const v = mapGet(o, i);
    return v === undefined ? OPTIONAL_NONE : new Optional(v);
  }
  return noSuchOverload();
}

// ---------------------------------------------------------------------------------------------
// Compilation

interface Scope {
  readonly names: ReadonlyMap<string, number>;
}

class Compiler {
  slots = 0;

  constructor(private readonly env: EvalEnv) {}

  compile(e: Expr, scope: Scope): Ev {
    switch (e.k) {
      case 'lit': {
        const v = e.v;
        return () => v;
      }
      case 'ident':
        return this.ident(e.name, scope);
      case 'select': {
        const q = this.qualifiedIdent(e, scope);
        if (q) return q;
        const operand = this.compile(e.operand, scope);
        const field = e.field;
        if (e.opt) {
          return (c) => {
            const v = operand(c);
            if (v instanceof CelErr) return v;
            charge(c, 1);
            return optSelect(v, field);
          };
        }
        return (c) => {
          const v = operand(c);
          if (v instanceof CelErr) return v;
          charge(c, 1);
          return selectField(v, field);
        };
      }
      case 'has': {
        const operand = this.compile(e.operand, scope);
        const field = e.field;
        return (c) => {
          const v = operand(c);
          if (v instanceof CelErr) return v;
          return hasField(v, field);
        };
      }
      case 'index': {
        const operand = this.compile(e.operand, scope);
        const index = this.compile(e.index, scope);
        const opt = e.opt;
        return (c) => {
          const o = operand(c);
          if (o instanceof CelErr) return o;
          const i = index(c);
          if (i instanceof CelErr) return i;
          charge(c, 1);
          return opt ? optIndex(o, i) : indexValue(o, i);
        };
      }
      case 'and':
      case 'or':
        return this.logical(e.k, e.args.map((a) => this.compile(a, scope)));
      case 'cond': {
        const cond = this.compile(e.c, scope);
        const t = this.compile(e.t, scope);
        const f = this.compile(e.f, scope);
        return (c) => {
          const v = cond(c);
          if (v === true) return t(c);
          if (v === false) return f(c);
          return v instanceof CelErr ? v : noSuchOverload();
        };
      }
      case 'list': {
        const elems = e.elems.map((x) => this.compile(x, scope));
        const opt = e.opt;
        const anyOpt = opt.some(Boolean);
        return (c) => {
          charge(c, 10);
          const out: unknown[] = [];
          for (let i = 0; i < elems.length; i++) {
            const v = (elems[i] as Ev)(c);
            if (v instanceof CelErr) return v;
            if (anyOpt && opt[i]) {
              if (!(v instanceof Optional)) return noSuchOverload();
              if (v.hasValue) out.push(v.value);
            } else out.push(v);
          }
          return new List(out);
        };
      }
      case 'map': {
        const entries = e.entries.map((x) => ({ key: this.compile(x.key, scope), value: this.compile(x.value, scope), opt: x.opt }));
        return (c) => {
          charge(c, 30);
          const m = new CelMap();
          for (const en of entries) {
            const k = en.key(c);
            if (k instanceof CelErr) return k;
            const v = en.value(c);
            if (v instanceof CelErr) return v;
            const nk = typeof k === 'number' ? undefined : mapKey(k);
            if (nk === undefined) return new CelErr('unsupported key type');
            if (m.m.has(nk)) return new CelErr(`Failed with repeated key: ${keyString(k)}`);
            if (en.opt) {
              if (!(v instanceof Optional)) return noSuchOverload();
              if (v.hasValue) m.m.set(nk, [k, v.value]);
            } else m.m.set(nk, [k, v]);
          }
          return m;
        };
      }
      case 'struct': {
        const fields = e.fields.map((f) => ({ name: f.name, value: this.compile(f.value, scope), opt: f.opt }));
        const typeName = e.name.replace(/^\./, '');
        return (c) => {
          charge(c, 40);
          const m = new CelMap();
          m.typeName = typeName;
          for (const f of fields) {
            const v = f.value(c);
            if (v instanceof CelErr) return v;
            if (f.opt) {
              if (!(v instanceof Optional)) return noSuchOverload();
              if (v.hasValue) m.m.set(f.name, [f.name, v.value]);
            } else m.m.set(f.name, [f.name, v]);
          }
          return m;
        };
      }
      case 'call':
        return this.call(e, scope);
      case 'comp':
        return this.comprehension(e, scope);
    }
  }

  private ident(name: string, scope: Scope): Ev {
    const slot = scope.names.get(name);
    if (slot !== undefined) {
      return (c) => {
        charge(c, 1);
        return c.locals[slot];
      };
    }
    const global = name.startsWith('.') ? name.slice(1) : name;
    if (this.env.variables.has(global)) {
      return (c) => {
        charge(c, 1);
        const v = c.vars[global];
        if (v === undefined) return new CelErr(`no such attribute(s): ${global}`);
        return fromJs(v);
      };
    }
    const t = TYPE_IDENTS[global];
    if (t) return () => t;
    return () => new CelErr(`undeclared reference to '${global}' (in container '')`);
  }

  /** `a.b.c` naming a declared variable or a type (when `a` is not itself a variable). */
  private qualifiedIdent(e: Expr, scope: Scope): Ev | undefined {
    const parts: string[] = [];
    let x: Expr = e;
    while (x.k === 'select' && !x.opt) {
      parts.unshift(x.field);
      x = x.operand;
    }
    if (x.k !== 'ident') return undefined;
    const root = x.name.replace(/^\./, '');
    if (scope.names.has(root) || this.env.variables.has(root)) return undefined;
    const name = [root, ...parts].join('.');
    if (this.env.variables.has(name) || TYPE_IDENTS[name]) return this.ident(name, { names: new Map() });
    return undefined;
  }

  private logical(kind: 'and' | 'or', args: Ev[]): Ev {
    const stop = kind === 'or';
    return (c) => {
      let err: unknown;
      for (const a of args) {
        const v = a(c);
        if (v === stop) return stop;
        if (v !== !stop && err === undefined) err = v instanceof CelErr ? v : noSuchOverload();
      }
      return err === undefined ? !stop : err;
    };
  }

  private call(e: Extract<Expr, { k: 'call' }>, scope: Scope): Ev {
    const args = e.args.map((a) => this.compile(a, scope));
    const target = e.target ? this.compile(e.target, scope) : null;
    const [a0, a1] = args as [Ev, Ev];
    if (!target) {
      switch (e.fn) {
        case '_==_':
          return binary(a0, a1, celEquals);
        case '_!=_':
          return binary(a0, a1, (x, y) => !celEquals(x, y));
        case '_<_':
          return binary(a0, a1, (x, y) => cmp(x, y, (r) => r < 0));
        case '_<=_':
          return binary(a0, a1, (x, y) => cmp(x, y, (r) => r <= 0));
        case '_>_':
          return binary(a0, a1, (x, y) => cmp(x, y, (r) => r > 0));
        case '_>=_':
          return binary(a0, a1, (x, y) => cmp(x, y, (r) => r >= 0));
        case '_+_':
          return binary(a0, a1, add, true);
        case '_-_':
          return binary(a0, a1, sub);
        case '_*_':
          return binary(a0, a1, mul);
        case '_/_':
          return binary(a0, a1, div);
        case '_%_':
          return binary(a0, a1, mod);
        case '@in':
          return binary(a0, a1, inOp, false, true);
        case '!_':
          return (c) => {
            const v = a0(c);
            if (v instanceof CelErr) return v;
            charge(c, 1);
            return typeof v === 'boolean' ? !v : noSuchOverload();
          };
        case '-_':
          return (c) => {
            const v = a0(c);
            if (v instanceof CelErr) return v;
            charge(c, 1);
            return neg(v);
          };
      }
    }
    // optional.or / orValue only evaluate their argument when the receiver is empty
    if (target && (e.fn === 'or' || e.fn === 'orValue') && args.length === 1) {
      const fallback = this.dispatch(e.fn, true);
      const isOr = e.fn === 'or';
      return (c) => {
        const t = target(c);
        if (t instanceof CelErr) return t;
        charge(c, 1);
        if (t instanceof Optional && t.hasValue) return isOr ? t : t.value;
        const v = a0(c);
        if (v instanceof CelErr) return v;
        return fallback([t, v]);
      };
    }
    const fn = this.dispatch(e.fn, target !== null);
    const all = target ? [target, ...args] : args;
    const n = all.length;
    return (c) => {
      const vals = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const v = (all[i] as Ev)(c);
        if (v instanceof CelErr) return v;
        vals[i] = v;
      }
      charge(c, 1 + (costOf(e.fn, vals) ?? 0));
      return fn(vals);
    };
  }

  /** The implementation of a function: a builtin, the caller's plugin, or both. */
  private dispatch(name: string, member: boolean): (args: unknown[]) => unknown {
    const b = BUILTINS.get(name);
    const user = this.env.functions[name];
    const builtinOk = b && (member ? b.member : b.global);
    const callUser = user
      ? (args: unknown[]) => {
          try {
            const r = user(...args);
            return r instanceof CelErr ? r : fromJs(r);
          } catch (err) {
            return new CelErr(err instanceof Error ? err.message : String(err));
          }
        }
      : undefined;
    if (builtinOk && b) {
      const impl = b.impl;
      if (!callUser) return (args) => impl(args, member);
      // a caller's function wins for its own (foreign) objects and where the builtin has no overload
      return (args) => {
        if (args.some(isForeign)) return callUser(args);
        const r = impl(args, member);
        return r instanceof CelErr && r.message === 'no such overload' ? callUser(args) : r;
      };
    }
    if (callUser) return callUser;
    return () => new CelErr(`no such overload: ${name}`);
  }

  private comprehension(e: Extract<Expr, { k: 'comp' }>, scope: Scope): Ev {
    const range = this.compile(e.range, scope);
    const names = new Map(scope.names);
    const s1 = this.slots++;
    names.set(e.v1, s1);
    let s2 = -1;
    if (e.v2 !== null) {
      s2 = this.slots++;
      names.set(e.v2, s2);
    }
    const inner: Scope = { names };
    const body = e.args.map((a) => this.compile(a, inner));
    const [p0, p1] = body as [Ev, Ev];
    const two = e.v2 !== null;
    const macro = e.macro;

    if (macro === 'optMap' || macro === 'optFlatMap') {
      return (c) => {
        const o = range(c);
        if (o instanceof CelErr) return o;
        if (!(o instanceof Optional)) return noSuchOverload();
        if (!o.hasValue) return OPTIONAL_NONE;
        c.locals[s1] = o.value;
        const r = p0(c);
        if (r instanceof CelErr) return r;
        if (macro === 'optMap') return new Optional(r);
        return r instanceof Optional ? r : noSuchOverload();
      };
    }

    return (c) => {
      const r = range(c);
      if (r instanceof CelErr) return r;
      let entries: [unknown, unknown][];
      if (isList(r)) {
        const items = listItems(r);
        entries = items.map((v, i) => [two ? BigInt(i) : v, v]);
      } else if (isMap(r)) {
        entries = mapEntries(r);
      } else {
        return new CelErr(`expression of type '${r === null ? 'null_type' : typeof r === 'bigint' ? 'int' : typeof r}' cannot be range of a comprehension (must be list, map, or dynamic)`);
      }
      const bind = (en: [unknown, unknown]) => {
        c.locals[s1] = en[0];
        if (two) c.locals[s2] = en[1];
      };
      switch (macro) {
        case 'all':
        case 'exists': {
          const stop = macro === 'exists';
          let err: unknown;
          for (const en of entries) {
            charge(c, 2);
            bind(en);
            const v = p0(c);
            if (v === stop) return stop;
            if (v !== !stop && err === undefined) err = v instanceof CelErr ? v : noSuchOverload();
          }
          return err === undefined ? !stop : err;
        }
        case 'exists_one': {
          let n = 0;
          for (const en of entries) {
            charge(c, 2);
            bind(en);
            const v = p0(c);
            if (v === true) n++;
            else if (v !== false) return v instanceof CelErr ? v : noSuchOverload();
          }
          return n === 1;
        }
        case 'map':
        case 'filter':
        case 'transformList': {
          const out: unknown[] = [];
          const filtered = macro === 'filter' || body.length === 2;
          for (const en of entries) {
            charge(c, 2);
            bind(en);
            if (filtered) {
              const keep = p0(c);
              if (keep instanceof CelErr) return keep;
              if (keep !== true && keep !== false) return noSuchOverload();
              if (!keep) continue;
              if (macro === 'filter') {
                out.push(en[0]);
                continue;
              }
            }
            const v = (filtered ? p1 : p0)(c);
            if (v instanceof CelErr) return v;
            out.push(v);
          }
          return new List(out);
        }
        case 'transformMap':
        case 'transformMapEntry': {
          const out = new CelMap();
          const filtered = body.length === 2;
          for (const en of entries) {
            charge(c, 2);
            bind(en);
            if (filtered) {
              const keep = p0(c);
              if (keep instanceof CelErr) return keep;
              if (keep !== true && keep !== false) return noSuchOverload();
              if (!keep) continue;
            }
            const v = (filtered ? p1 : p0)(c);
            if (v instanceof CelErr) return v;
            if (macro === 'transformMap') {
              const nk = mapKey(en[0]);
              if (nk === undefined) return new CelErr('unsupported key type');
              out.m.set(nk, [en[0], v]);
            } else {
              if (!isMap(v)) return noSuchOverload();
              for (const [k, val] of mapEntries(v)) {
                const nk = mapKey(k);
                if (nk === undefined) return new CelErr('unsupported key type');
                if (out.m.has(nk)) return new CelErr(`insert failed: key ${keyString(k)} already exists`);
                out.m.set(nk, [k, val]);
              }
            }
          }
          return out;
        }
        default:
          return noSuchOverload();
      }
    };
  }
}

function binary(a: Ev, b: Ev, f: (x: unknown, y: unknown) => unknown, sized = false, inList = false): Ev {
  return (c) => {
    const x = a(c);
    if (x instanceof CelErr) return x;
    const y = b(c);
    if (y instanceof CelErr) return y;
    let cost = 1;
    if (sized && (typeof x === 'string' || isList(x))) cost += Math.ceil((sizeOfValue(x) + sizeOfValue(y)) * 0.1);
    if (inList && isList(y)) cost += listSize(y);
    charge(c, cost);
    return f(x, y);
  };
}

function sizeOfValue(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (isList(v)) return listSize(v);
  return 0;
}

function cmp(x: unknown, y: unknown, test: (r: number) => boolean): unknown {
  const r = celCompare(x, y);
  if (r instanceof CelErr) return r;
  return Number.isNaN(r) ? false : test(r);
}

function costOf(fn: string, args: unknown[]): number | undefined {
  const b = BUILTINS.get(fn);
  return b?.cost ? b.cost(args) : undefined;
}

export function compileAst(ast: Expr, env: EvalEnv): { ev: Ev; slots: number } {
  const c = new Compiler(env);
  const ev = c.compile(ast, { names: new Map() });
  return { ev, slots: c.slots };
}

