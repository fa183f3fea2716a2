// A partial type checker: what can be checked without declared variable types. Variables are
// `dyn`; literal types are known and flow through operators and functions with fixed result
// types. It reports, with cel-go's wording:
//   - undeclared identifiers and functions: "undeclared reference to 'x' (in container '')"
//   - calls with an unsupported argument count or a known-wrong operand type:
//     "found no matching overload for 'f' applied to '(int, string)'"
//   - mixed literal element types in list and map literals (Kubernetes enables
//     HomogeneousAggregateLiterals): "expected type 'int' but found 'string'"
//   - comprehension ranges of a known non-iterable type.
// It also resolves qualified function names (`optional.of(x)`, `strings.quote(s)`) by rewriting
// the member call into a global call, as cel-go's name resolution does.

import type { Expr, SourceError } from './parser.ts';
import { compileRE2, RegexpSyntaxError } from '../structural/re2.ts';
import { BUILTINS } from './stdlib.ts';
import { CelErr, TYPE_IDENTS, typeName } from './values.ts';

const toDurationValue = (v: unknown) => BUILTINS.get('duration')!.impl([v], false);
const toTimestampValue = (v: unknown) => BUILTINS.get('timestamp')!.impl([v], false);

export interface CheckEnv {
  variables: ReadonlySet<string>;
  functions: Readonly<Record<string, unknown>>;
}

const DYN = 'dyn';
const NUMERIC = new Set(['int', 'uint', 'double']);
const ORDERED = new Set(['int', 'uint', 'double', 'string', 'bytes', 'bool', 'google.protobuf.Timestamp', 'google.protobuf.Duration']);

/** The top-level kind of a type string: `list(int)` -> `list`. */
function kind(t: string): string {
  const p = t.indexOf('(');
  return p < 0 ? t : t.slice(0, p);
}

const known = (t: string) => t !== DYN;

const NO_FIELDS = new Set([
  'int', 'uint', 'double', 'bool', 'string', 'bytes', 'null_type', 'list', 'type', 'google.protobuf.Timestamp',
  'google.protobuf.Duration',
]);

/** Result types of operators for operand types (both known). */
function arithmetic(fn: string, a: string, b: string): string | undefined {
  const ka = kind(a);
  const kb = kind(b);
  if (NUMERIC.has(ka) && ka === kb && (fn !== '_%_' || ka !== 'double')) return a;
  const ts = 'google.protobuf.Timestamp';
  const du = 'google.protobuf.Duration';
  if (fn === '_+_') {
    if ((ka === 'string' || ka === 'bytes' || ka === 'list') && ka === kb) return ka === 'list' ? (a === b ? a : 'list(dyn)') : a;
    if ((ka === ts && kb === du) || (ka === du && kb === ts)) return ts;
    if (ka === du && kb === du) return du;
  }
  if (fn === '_-_') {
    if (ka === ts && kb === ts) return du;
    if (ka === ts && kb === du) return ts;
    if (ka === du && kb === du) return du;
  }
  return undefined;
}

/** Receiver kinds accepted by member functions (for the known-receiver check) and result types. */
const MEMBER_RECV: Record<string, string[]> = {
  contains: ['string'],
  startsWith: ['string'],
  endsWith: ['string'],
  matches: ['string'],
  charAt: ['string'],
  lowerAscii: ['string'],
  upperAscii: ['string'],
  replace: ['string'],
  split: ['string'],
  substring: ['string'],
  trim: ['string'],
  format: ['string'],
  find: ['string'],
  findAll: ['string'],
  indexOf: ['string', 'list'],
  lastIndexOf: ['string', 'list'],
  join: ['list'],
  isSorted: ['list'],
  sum: ['list'],
  min: ['list'],
  max: ['list'],
  slice: ['list'],
  flatten: ['list'],
  first: ['list'],
  last: ['list'],
  size: ['string', 'bytes', 'list', 'map'],
};

/** Global functions taking one string (first) argument: a known non-string argument is an error. */
const STRING_ARG = new Set([
  'quantity', 'isQuantity', 'url', 'isURL', 'ip', 'isIP', 'cidr', 'isCIDR', 'semver', 'isSemver', 'strings.quote',
  'format.named', 'ip.isCanonical', 'duration', 'timestamp',
]);

const RESULT: Record<string, string> = {
  size: 'int', contains: 'bool', startsWith: 'bool', endsWith: 'bool', matches: 'bool', int: 'int', uint: 'uint',
  double: 'double', string: 'string', bool: 'bool', bytes: 'bytes', timestamp: 'google.protobuf.Timestamp',
  duration: 'google.protobuf.Duration', type: 'type', charAt: 'string', indexOf: 'int', lastIndexOf: 'int',
  lowerAscii: 'string', upperAscii: 'string', replace: 'string', split: 'list(string)', substring: 'string', trim: 'string',
  join: 'string', format: 'string', 'strings.quote': 'string', find: 'string', findAll: 'list(string)', isSorted: 'bool',
  isURL: 'bool', isIP: 'bool', isCIDR: 'bool', isQuantity: 'bool', isSemver: 'bool', getFullYear: 'int', getMonth: 'int',
  getDate: 'int', getDayOfMonth: 'int', getDayOfWeek: 'int', getDayOfYear: 'int', getHours: 'int', getMinutes: 'int',
  getSeconds: 'int', getMilliseconds: 'int', 'sets.contains': 'bool', 'sets.equivalent': 'bool', 'sets.intersects': 'bool',
  hasValue: 'bool', quantity: 'kubernetes.Quantity', ip: 'net.IP', cidr: 'net.CIDR', url: 'kubernetes.URL',
};

function literalType(v: unknown): string {
  return typeName(v);
}

class Checker {
  readonly errors: SourceError[] = [];
  /** Errors cel-go reports when creating the program (regex optimization of find/findAll). */
  readonly programErrors: string[] = [];
  /** Literals inside string.format() arguments may mix types (cel-go exempts them). */
  private inFormat = 0;

  constructor(private readonly env: CheckEnv) {}

  private err(pos: number, message: string): void {
    this.errors.push({ pos, message });
  }

  private isFunction(name: string, member: boolean): boolean {
    const b = BUILTINS.get(name);
    return (b !== undefined && (member ? b.member : b.global) !== undefined) || name in this.env.functions;
  }

  private noOverload(pos: number, fn: string, args: string[], member: boolean): void {
    const sig = member ? `${args[0]}.(${args.slice(1).join(', ')})` : `(${args.join(', ')})`;
    this.err(pos, `found no matching overload for '${fn}' applied to '${sig}'`);
  }

  /** The dotted name of an ident/select chain whose root is not a variable in scope. */
  private qualifiedName(e: Expr, scope: ReadonlySet<string>): string | undefined {
    const parts: string[] = [];
    let x = e;
    while (x.k === 'select' && !x.opt) {
      parts.unshift(x.field);
      x = x.operand;
    }
    if (x.k !== 'ident') return undefined;
    const root = x.name.replace(/^\./, '');
    if (scope.has(root) || this.env.variables.has(root)) return undefined;
    return [root, ...parts].join('.');
  }

  check(e: Expr, scope: ReadonlySet<string>): string {
    switch (e.k) {
      case 'lit':
        return literalType(e.v);
      case 'ident': {
        const name = e.name.replace(/^\./, '');
        if (scope.has(name) && !e.name.startsWith('.')) return DYN;
        if (this.env.variables.has(name)) return DYN;
        if (TYPE_IDENTS[name]) return 'type';
        this.err(e.pos, `undeclared reference to '${name}' (in container '')`);
        return DYN;
      }
      case 'select': {
        const q = this.qualifiedName(e, scope);
        if (q !== undefined && (this.env.variables.has(q) || TYPE_IDENTS[q])) return TYPE_IDENTS[q] ? 'type' : DYN;
        const t = this.check(e.operand, scope);
        if (NO_FIELDS.has(kind(t))) this.err(e.pos, `type '${t}' does not support field selection`);
        return e.opt ? 'optional_type(dyn)' : DYN;
      }
      case 'has': {
        const t = this.check(e.operand, scope);
        if (NO_FIELDS.has(kind(t))) this.err(e.pos, `type '${t}' does not support field selection`);
        return 'bool';
      }
      case 'index': {
        const t = this.check(e.operand, scope);
        const it = this.check(e.index, scope);
        const k = kind(t);
        if (known(t) && !['list', 'map', 'optional_type'].includes(k)) this.noOverload(e.pos, '_[_]', [t, it], false);
        else if (k === 'list' && known(it) && !NUMERIC.has(it)) this.noOverload(e.pos, '_[_]', [t, it], false);
        if (e.opt) return 'optional_type(dyn)';
        if (k === 'list') return t.slice(5, -1);
        if (k === 'map') return t.slice(4, -1).split(', ')[1] ?? DYN;
        return DYN;
      }
      case 'and':
      case 'or': {
        const ts = e.args.map((a) => this.check(a, scope));
        const bad = ts.find((t) => known(t) && t !== 'bool');
        if (bad !== undefined) this.noOverload(e.pos, e.k === 'and' ? '_&&_' : '_||_', [ts[0] as string, bad], false);
        return 'bool';
      }
      case 'cond': {
        const c = this.check(e.c, scope);
        const t = this.check(e.t, scope);
        const f = this.check(e.f, scope);
        if ((known(c) && c !== 'bool') || (known(t) && known(f) && kind(t) !== kind(f))) {
          this.noOverload(e.pos, '_?_:_', [c, t, f], false);
        }
        return t === f ? t : DYN;
      }
      case 'list': {
        let elem: string | undefined;
        let mixed = false;
        e.elems.forEach((x, i) => {
          let t = this.check(x, scope);
          if (e.opt[i] && kind(t) === 'optional_type') t = t.slice(14, -1);
          // like cel-go, only the first mismatching element of a list is reported
          if (mixed) return;
          const before = this.errors.length;
          elem = this.join(x.pos, elem, t);
          mixed = this.errors.length > before;
        });
        return `list(${elem ?? DYN})`;
      }
      case 'map': {
        let kt: string | undefined;
        let vt: string | undefined;
        for (const en of e.entries) {
          const k = this.check(en.key, scope);
          if (known(k) && !['int', 'uint', 'bool', 'string'].includes(k)) this.err(en.key.pos, `unsupported map key type: ${k}`);
          kt = this.join(en.key.pos, kt, k);
          let v = this.check(en.value, scope);
          if (en.opt && kind(v) === 'optional_type') v = v.slice(14, -1);
          vt = this.join(en.value.pos, vt, v);
        }
        return `map(${kt ?? DYN}, ${vt ?? DYN})`;
      }
      case 'struct':
        for (const f of e.fields) this.check(f.value, scope);
        return e.name.replace(/^\./, '');
      case 'comp': {
        const r = this.check(e.range, scope);
        const k = kind(r);
        const optional = e.macro === 'optMap' || e.macro === 'optFlatMap';
        if (known(r) && !optional && k !== 'list' && k !== 'map') {
          this.err(e.range.pos, `expression of type '${r}' cannot be range of a comprehension (must be list, map, or dynamic)`);
        }
        const inner = new Set(scope);
        inner.add(e.v1);
        if (e.v2 !== null) inner.add(e.v2);
        const ts = e.args.map((a) => this.check(a, inner));
        switch (e.macro) {
          case 'all':
          case 'exists':
          case 'exists_one':
            return 'bool';
          case 'map':
          case 'transformList':
            return `list(${ts[ts.length - 1]})`;
          case 'filter':
            return r;
          default:
            return DYN;
        }
      }
      case 'call':
        return this.call(e, scope);
    }
  }

  /** Joins list/map literal element types, reporting mixed known types. */
  private join(pos: number, prev: string | undefined, cur: string): string {
    if (prev === undefined) return cur;
    if (!known(prev)) return prev;
    if (!known(cur)) return DYN;
    if (this.inFormat && kind(prev) !== kind(cur)) return DYN;
    if (prev === cur || (kind(prev) === kind(cur) && (prev.includes(DYN) || cur.includes(DYN)))) return prev;
    this.err(pos, `expected type '${prev}' but found '${cur}'`);
    return prev;
  }

  /**
   * cel-go's literal validators (enabled in Kubernetes 1.29+): a constant first argument of
   * duration(), timestamp() and matches() must be valid at compile time.
   */
  private validateLiteral(e: Extract<Expr, { k: 'call' }>, member: boolean): void {
    const arg = e.args[0];
    if (!arg || arg.k !== 'lit' || typeof arg.v !== 'string' && typeof arg.v !== 'bigint') return;
    let bad = false;
    if ((e.fn === 'find' || e.fn === 'findAll') && member && typeof arg.v === 'string') {
      const r = compileRE2(arg.v);
      if (r instanceof RegexpSyntaxError) this.programErrors.push(r.message);
      return;
    }
    if (e.fn === 'matches' && typeof arg.v === 'string') bad = compileRE2(arg.v) instanceof RegexpSyntaxError;
    else if (e.fn === 'duration' && !member) bad = toDurationValue(arg.v) instanceof CelErr;
    else if (e.fn === 'timestamp' && !member) bad = toTimestampValue(arg.v) instanceof CelErr;
    else return;
    if (bad) this.err(arg.pos, `invalid ${e.fn} argument`);
  }

  private call(e: Extract<Expr, { k: 'call' }>, scope: ReadonlySet<string>): string {
    // qualified function names: optional.of(x), strings.quote(s), format.named(n) ...
    if (e.target) {
      const q = this.qualifiedName(e.target, scope);
      if (q !== undefined && this.isFunction(`${q}.${e.fn}`, false)) {
        e.fn = `${q}.${e.fn}`;
        e.target = null;
      }
    }
    const member = e.target !== null;
    const format = member && e.fn === 'format';
    if (format) this.inFormat++;
    const argTypes = (member ? [e.target as Expr, ...e.args] : e.args).map((a) => this.check(a, scope));
    if (format) this.inFormat--;
    const fn = e.fn;
    const [a, b] = argTypes as [string, string];

    switch (fn) {
      case '_==_':
      case '_!=_':
        if (known(a) && known(b) && kind(a) !== kind(b)) this.noOverload(e.pos, fn, argTypes, false);
        return 'bool';
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_':
        if (known(a) && known(b)) {
          const ok = (ORDERED.has(a) && a === b) || (NUMERIC.has(a) && NUMERIC.has(b));
          if (!ok) this.noOverload(e.pos, fn, argTypes, false);
        }
        return 'bool';
      case '_+_':
      case '_-_':
      case '_*_':
      case '_/_':
      case '_%_': {
        if (known(a) && known(b)) {
          const r = arithmetic(fn, a, b);
          if (r === undefined) this.noOverload(e.pos, fn, argTypes, false);
          return r ?? DYN;
        }
        return known(a) && NUMERIC.has(a) ? a : known(b) && NUMERIC.has(b) ? b : DYN;
      }
      case '@in':
        if (known(b) && !['list', 'map'].includes(kind(b))) this.noOverload(e.pos, fn, argTypes, false);
        return 'bool';
      case '!_':
        if (known(a) && a !== 'bool') this.noOverload(e.pos, fn, argTypes, false);
        return 'bool';
      case '-_':
        if (known(a) && a !== 'int' && a !== 'double') this.noOverload(e.pos, fn, argTypes, false);
        return a;
    }

    const b0 = BUILTINS.get(fn);
    const user = fn in this.env.functions;
    const arities = b0 ? (member ? b0.member : b0.global) : undefined;
    const nargs = e.args.length;
    if (!b0 && !user) {
      this.err(e.pos, `undeclared reference to '${fn}' (in container '')`);
      return DYN;
    }
    if (!user) {
      if (!arities || !arities.includes(nargs)) {
        this.noOverload(e.pos, fn, argTypes, member);
        return DYN;
      }
      if (member) {
        const recv = MEMBER_RECV[fn];
        if (recv && known(a) && !recv.includes(kind(a))) this.noOverload(e.pos, fn, argTypes, member);
      } else if (STRING_ARG.has(fn) && known(a) && a !== 'string' && a !== RESULT[fn] && !(fn === 'timestamp' && a === 'int')) {
        this.noOverload(e.pos, fn, argTypes, member);
      }
    }
    this.validateLiteral(e, member);
    if (fn === 'dyn') return DYN;
    if (fn === 'type') return 'type';
    if ((fn === 'min' || fn === 'max') && kind(a) === 'list') return a.slice(5, -1);
    return RESULT[fn] ?? DYN;
  }
}

export function check(ast: Expr, env: CheckEnv): { errors: SourceError[]; programErrors: string[] } {
  const c = new Checker(env);
  c.check(ast, new Set());
  return { errors: c.errors, programErrors: c.programErrors };
}
