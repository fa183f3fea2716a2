// Evaluation of x-kubernetes-validations CEL rules on custom resources, after
// apiextensions-apiserver's schema/cel Validator: the rules of each schema node see that node's
// value as `self` (and, on update, the correlated old value as `oldSelf`), results become field
// errors with upstream's wording, the per-expression and per-object cost limits apply, and on
// update errors from values that did not change are dropped (CRDValidationRatcheting).
//
// Not covered: rules under allOf, and the unordered equality CEL gives set/map-typed lists.

import { compile, Double, durationFromString, Optional, PER_CALL_LIMIT, timestampFromString, type Program } from '../cel/index.ts';
import { duplicate, forbidden, invalid, required, type FieldError } from '../validation/errors.ts';
import { isObj, type Schema } from './schema.ts';

type Obj = Record<string, any>;

/** celconfig.RuntimeCELCostBudget: what all rules of one object may cost together. */
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;

/** celconfig.MaxEvaluatedMessageExpressionSizeBytes. */
const MAX_MESSAGE_BYTES = 5 * 1024;

const OUT_OF_BUDGET = 'validation failed due to running out of cost budget, no further validation rules will be run';
const COST_EXCEEDED = 'operation cancelled: actual cost limit exceeded';

export interface CelRulesOptions {
  /** The stored object on update; transition rules (oldSelf) run only when it is given. */
  old?: unknown;
  /** The total cost all rules may use (upstream's RuntimeCELCostBudget by default). */
  costBudget?: number;
  /** The per-expression cost limit (upstream's PerCallLimit by default). */
  perCallLimit?: number;
  /**
   * The schema errors already found: a type, required, enum or size violation means the object
   * lacks the shape the rules were written for, and upstream then reports one error instead.
   */
  schemaErrors?: FieldError[];
}

const BLOCKING = new Set(['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid']);

const hasRulesCache = new WeakMap<object, boolean>();

/** Whether any node of the schema's structural spine has rules (upstream builds no validator otherwise). */
function hasRules(schema: unknown): boolean {
  if (!isObj(schema)) return false;
  const s = schema as Obj;
  const hit = hasRulesCache.get(s);
  if (hit !== undefined) return hit;
  const own = Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length > 0;
  const r =
    own ||
    hasRules(s.items) ||
    hasRules(s.additionalProperties) ||
    (isObj(s.properties) && Object.values(s.properties as Obj).some(hasRules));
  hasRulesCache.set(s, r);
  return r;
}

interface CompiledRule {
  rule: string;
  message: string;
  reason: string | undefined;
  optionalOldSelf: boolean;
  usesOldSelf: boolean;
  program?: Program;
  messageExpression?: { src: string; program: Program };
  compileError?: string;
  /** fieldPath in field.Path form without the leading dot (`foo.bar`, `foo[key]`). */
  fieldPath: string;
}

const compiled = new WeakMap<object, CompiledRule[]>();

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Compiles with `self` alone first: a rule that only compiles once `oldSelf` is declared is a
 * transition rule, which is how upstream tells them apart (by the variables referenced).
 */
function compileRule(expr: string): { program: Program; usesOldSelf: boolean } {
  try {
    return { program: compile(expr, { variables: ['self'] }), usesOldSelf: false };
  } catch (e) {
    if (!/undeclared reference to 'oldSelf'/.test(String((e as Error).message))) throw e;
    return { program: compile(expr, { variables: ['self', 'oldSelf'] }), usesOldSelf: true };
  }
}

function rulesOf(schema: Schema): CompiledRule[] {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const raw = (schema as Obj)['x-kubernetes-validations'];
  const out: CompiledRule[] = [];
  for (const r of Array.isArray(raw) ? raw : []) {
    if (!isObj(r)) continue;
    const rule = r as Obj;
    const c: CompiledRule = {
      rule: str(rule.rule),
      message: str(rule.message),
      reason: typeof rule.reason === 'string' ? rule.reason : undefined,
      optionalOldSelf: rule.optionalOldSelf === true,
      usesOldSelf: false,
      fieldPath: normalizeFieldPath(str(rule.fieldPath), schema),
    };
    try {
      if (c.rule.trim() !== '') {
        const { program, usesOldSelf } = compileRule(c.rule);
        c.program = program;
        c.usesOldSelf = usesOldSelf;
      }
      const me = str(rule.messageExpression);
      if (me !== '') c.messageExpression = { src: me, program: compileRule(me).program };
    } catch (e) {
      c.compileError = `compilation failed: ${(e as Error).message}`;
    }
    out.push(c);
  }
  compiled.set(schema, out);
  return out;
}

/**
 * A rule's fieldPath (`.foo.bar`, `.foo['a.b']`) as upstream's ValidFieldPath renders it:
 * bracketed names are map keys where the schema has additionalProperties, fields otherwise.
 */
function normalizeFieldPath(fp: string, schema: Schema): string {
  let s: Obj | undefined = schema as Obj;
  let out = '';
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < fp.length && (re.lastIndex = pos, (m = re.exec(fp)) !== null)) {
    pos = re.lastIndex;
    const name = m[1] ?? (m[2] ?? '').replace(/\\(.)/g, '$1');
    const named = m[1] !== undefined || (s !== undefined && isObj(s.properties));
    if (named) {
      out = out === '' ? name : `${out}.${name}`;
      s = isObj(s?.properties) ? (s?.properties[name] as Obj | undefined) : undefined;
    } else {
      out = `${out}[${name}]`;
      s = isObj(s?.additionalProperties) ? (s?.additionalProperties as Obj) : undefined;
    }
  }
  return out;
}

const childPath = (path: string, name: string) => (path === '' ? name : `${path}.${name}`);

/** The CEL value of a field per its schema (UnstructuredToVal); memoized per raw object. */
function toCel(v: unknown, schema: Obj | undefined, memo: Map<object, unknown>): unknown {
  if (v === null || v === undefined || !schema) return v;
  if (typeof v === 'object') {
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
  }
  let out: unknown = v;
  if (schema['x-kubernetes-int-or-string'] === true) {
    out = v;
  } else if (Array.isArray(v)) {
    const items = isObj(schema.items) ? (schema.items as Obj) : undefined;
    out = items ? v.map((x) => toCel(x, items, memo)) : v;
  } else if (isObj(v)) {
    const props = isObj(schema.properties) ? (schema.properties as Obj) : undefined;
    const addl = isObj(schema.additionalProperties) ? (schema.additionalProperties as Obj) : undefined;
    if (props || addl) {
      const o: Obj = {};
      for (const [k, x] of Object.entries(v as Obj)) {
        const sub = props && Object.prototype.hasOwnProperty.call(props, k) ? (props[k] as Obj) : addl;
        Object.defineProperty(o, k, { value: toCel(x, sub, memo), enumerable: true, writable: true, configurable: true });
      }
      out = o;
    }
  } else if (typeof v === 'number' && schema.type === 'number') {
    out = new Double(v);
  } else if (typeof v === 'string' && schema.type === 'string') {
    switch (schema.format) {
      case 'date-time':
        out = timestampFromString(v) ?? v;
        break;
      case 'date':
        out = /^\d{4}-\d{2}-\d{2}$/.test(v) ? (timestampFromString(`${v}T00:00:00Z`) ?? v) : v;
        break;
      case 'duration':
        out = durationFromString(v) ?? v;
        break;
      case 'byte':
        out = new Uint8Array(Buffer.from(v, 'base64'));
        break;
    }
  }
  if (typeof v === 'object') memo.set(v, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ratcheting: which old value a node corresponds to, and whether it changed

interface Correlation {
  value: unknown;
  old: unknown;
  schema: Obj | undefined;
}

interface Ratchet {
  current?: Correlation;
  parent?: Correlation;
}

/** List items keyed by x-kubernetes-list-map-keys (missing keys fall back to their defaults). */
function mapListKey(item: unknown, schema: Obj): string | undefined {
  if (!isObj(item)) return undefined;
  const keys = Array.isArray(schema['x-kubernetes-list-map-keys']) ? (schema['x-kubernetes-list-map-keys'] as unknown[]) : [];
  const itemProps = isObj(schema.items) && isObj((schema.items as Obj).properties) ? ((schema.items as Obj).properties as Obj) : {};
  return JSON.stringify(
    keys.map((k) => {
      const key = String(k);
      const v = (item as Obj)[key];
      return v !== undefined ? v : isObj(itemProps[key]) ? (itemProps[key] as Obj).default : undefined;
    }),
  );
}

function oldMapListItem(schema: Obj | undefined, oldList: unknown, item: unknown): unknown {
  if (!schema || schema['x-kubernetes-list-type'] !== 'map' || !Array.isArray(oldList)) return undefined;
  const k = mapListKey(item, schema);
  if (k === undefined) return undefined;
  return oldList.find((o) => mapListKey(o, schema) === k);
}

function deepEqual(a: unknown, b: unknown, schema: Obj | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    const items = isObj(schema?.items) ? (schema?.items as Obj) : undefined;
    // Map-typed lists are compared by key, so reordering their items is not a change.
    if (schema?.['x-kubernetes-list-type'] === 'map') return a.every((x) => deepEqual(x, oldMapListItem(schema, b, x), items));
    return a.every((x, i) => deepEqual(x, b[i], items));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a as Obj);
    if (ka.length !== Object.keys(b as Obj).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Obj)[k], (b as Obj)[k], subSchema(schema, k)));
  }
  return false;
}

function subSchema(schema: Obj | undefined, k: string): Obj | undefined {
  if (!schema) return undefined;
  if (isObj(schema.properties) && Object.prototype.hasOwnProperty.call(schema.properties, k)) return (schema.properties as Obj)[k] as Obj;
  return isObj(schema.additionalProperties) ? (schema.additionalProperties as Obj) : undefined;
}

const unchanged = (c: Correlation | undefined) => c !== undefined && deepEqual(c.value, c.old, c.schema);

function shouldRatchet(r: Ratchet): boolean {
  return r.current ? unchanged(r.current) : unchanged(r.parent);
}

function ratchetKey(r: Ratchet, k: string, sub: Obj | undefined): Ratchet {
  if (!r.current) return r;
  // apiVersion and kind at the root read the same in both objects once converted: never ratchet them.
  if (!r.parent && (k === 'apiVersion' || k === 'kind')) return {};
  const { value, old } = r.current;
  let next: Correlation | undefined;
  if (isObj(value) && isObj(old) && Object.prototype.hasOwnProperty.call(old, k) && Object.prototype.hasOwnProperty.call(value, k)) {
    next = { value: (value as Obj)[k], old: (old as Obj)[k], schema: sub };
  }
  return { current: next, parent: r.current };
}

function ratchetIndex(r: Ratchet, i: number, items: Obj | undefined): Ratchet {
  if (!r.current) return r;
  const { value, old, schema } = r.current;
  let next: Correlation | undefined;
  // Only map-typed lists correlate their items; sets and atomic lists ratchet as a whole.
  if (Array.isArray(value) && Array.isArray(old) && schema?.['x-kubernetes-list-type'] === 'map') {
    const o = oldMapListItem(schema, old, value[i]);
    if (o !== undefined) next = { value: value[i], old: o, schema: items };
  }
  return { current: next, parent: r.current };
}

// ---------------------------------------------------------------------------------------------
// The walk

interface Walk {
  budget: number;
  perCallLimit: number;
  memo: Map<object, unknown>;
  oldMemo: Map<object, unknown>;
  errs: FieldError[];
}

/** A failed rule's error, typed by its reason (fieldErrorForReason). */
function errorForReason(path: string, type: string, detail: string, reason: string | undefined): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return forbidden(path, detail);
    case 'FieldValueRequired':
      return required(path, detail);
    case 'FieldValueDuplicate':
      return duplicate(path, type);
    default:
      return invalid(path, type, detail);
  }
}

/** The message of a rule: its message, or `failed rule: <rule>` (ruleMessageOrDefault). */
const messageOrDefault = (r: CompiledRule) => (r.message === '' ? `failed rule: ${r.rule.trim()}` : r.message.trim());
/** How upstream names a rule in errors (ruleErrorString). */
const ruleName = (r: CompiledRule) => (r.message !== '' ? r.message.trim() : r.rule.trim());

type MessageResult = { message: string } | { fatal: FieldError } | { fallback: true };

function evalMessage(w: Walk, r: CompiledRule, vars: Record<string, unknown>, path: string, type: string): MessageResult {
  const me = r.messageExpression;
  if (!me) return { fallback: true };
  const res = me.program.evaluate(vars, { costLimit: w.perCallLimit });
  const cost = res.cost ?? 0;
  if (cost > w.budget) {
    return { fatal: invalid(path, type, 'messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run') };
  }
  if ('error' in res) {
    if (res.error.startsWith(COST_EXCEEDED)) {
      return { fatal: invalid(path, type, `no further validation rules will be run due to call cost exceeds limit for messageExpression: ${JSON.stringify(me.src)}`) };
    }
    w.budget -= cost;
    return { fallback: true };
  }
  w.budget -= cost;
  if (typeof res.value !== 'string') return { fallback: true };
  const msg = res.value.trim();
  if (Buffer.byteLength(msg) > MAX_MESSAGE_BYTES || msg.includes('\n') || msg === '') return { fallback: true };
  return { message: msg };
}

const typeName = (schema: Obj) => (typeof schema.type === 'string' ? schema.type : '');

/** Runs the rules of one node; false once the budget is spent and nothing more may run. */
function validateNode(w: Walk, schema: Obj, value: unknown, old: unknown, path: string, ratchet: Ratchet): boolean {
  const rules = rulesOf(schema);
  if (rules.length === 0) return true;
  const type = typeName(schema);
  if (w.budget <= 0) {
    w.errs.push(invalid(path, type, OUT_OF_BUDGET));
    return false;
  }
  const hasOld = old !== undefined && old !== null;
  const self = toCel(value, schema, w.memo);
  const oldSelf = hasOld ? toCel(old, schema, w.oldMemo) : undefined;
  const vars: Record<string, unknown> = hasOld ? { self, oldSelf } : { self };
  const optionalVars: Record<string, unknown> = { self, oldSelf: new Optional(oldSelf) };
  for (const r of rules) {
    if (r.compileError !== undefined) {
      w.errs.push(invalid(path, type, `rule compile error: ${r.compileError}`));
      continue;
    }
    if (!r.program) continue;
    if (r.usesOldSelf && !hasOld && !r.optionalOldSelf) continue;
    const res = r.program.evaluate(r.optionalOldSelf ? optionalVars : vars, { costLimit: w.perCallLimit });
    const cost = res.cost ?? 0;
    if (cost > w.budget) {
      w.errs.push(invalid(path, type, OUT_OF_BUDGET));
      return false;
    }
    w.budget -= cost;
    if ('error' in res) {
      if (res.error.startsWith('no such overload')) {
        w.errs.push(invalid(path, type, `'${res.error}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleName(r)}`));
      } else if (res.error.startsWith(COST_EXCEEDED)) {
        w.errs.push(invalid(path, type, `'${res.error}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleName(r)}`));
        return false;
      } else {
        w.errs.push(invalid(path, type, `${res.error} evaluating rule: ${ruleName(r)}`));
      }
      continue;
    }
    if (res.value === true) continue;
    const at = r.fieldPath === '' ? path : childPath(path, r.fieldPath);
    // Transition rules are never ratcheted: they exist to judge the change itself.
    const add = (e: FieldError) => {
      if (r.usesOldSelf || !shouldRatchet(ratchet)) w.errs.push(e);
    };
    // messageExpression sees oldSelf only as a plain value, as upstream's activation has it.
    const m = evalMessage(w, r, vars, at, type);
    if ('fatal' in m) {
      add(m.fatal);
      return false;
    }
    add(errorForReason(at, type, 'message' in m ? m.message : messageOrDefault(r), r.reason));
  }
  return true;
}

function walk(w: Walk, schema: Obj | undefined, value: unknown, old: unknown, path: string, ratchet: Ratchet): boolean {
  if (!schema || value === null || value === undefined) return true;
  if (!validateNode(w, schema, value, old, path, ratchet)) return false;
  if (Array.isArray(value)) {
    const items = isObj(schema.items) ? (schema.items as Obj) : undefined;
    if (!items) return true;
    for (let i = 0; i < value.length; i++) {
      const oldItem = oldMapListItem(schema, old, value[i]);
      if (!walk(w, items, value[i], oldItem, `${path}[${i}]`, ratchetIndex(ratchet, i, items))) return false;
    }
    return true;
  }
  if (isObj(value)) {
    const oldObj = isObj(old) ? (old as Obj) : undefined;
    const props = isObj(schema.properties) ? (schema.properties as Obj) : undefined;
    const addl = isObj(schema.additionalProperties) ? (schema.additionalProperties as Obj) : undefined;
    const oldOf = (k: string) => (oldObj && Object.prototype.hasOwnProperty.call(oldObj, k) ? oldObj[k] : undefined);
    if (addl) {
      for (const [k, v] of Object.entries(value as Obj)) {
        if (!walk(w, addl, v, oldOf(k), `${path}[${k}]`, ratchetKey(ratchet, k, addl))) return false;
      }
    }
    if (props) {
      for (const [k, v] of Object.entries(value as Obj)) {
        if (!Object.prototype.hasOwnProperty.call(props, k)) continue;
        const sub = props[k] as Obj;
        if (!walk(w, sub, v, oldOf(k), childPath(path, k), ratchetKey(ratchet, k, sub))) return false;
      }
    }
  }
  return true;
}

/**
 * Evaluates the x-kubernetes-validations rules of a CRD version's schema on a custom resource
 * (on update with the stored object as `old`), returning the failed rules as field errors in
 * upstream's form. Programs are compiled once per schema node and kept as long as the schema.
 */
export function validateCelRules(obj: unknown, schema: Schema | undefined, opts: CelRulesOptions = {}): FieldError[] {
  if (!schema || !hasRules(schema)) return [];
  if (opts.schemaErrors?.some((e) => BLOCKING.has(e.type))) {
    return [invalid('', null, 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation')];
  }
  const w: Walk = {
    budget: opts.costBudget ?? RUNTIME_CEL_COST_BUDGET,
    perCallLimit: opts.perCallLimit ?? PER_CALL_LIMIT,
    memo: new Map(),
    oldMemo: new Map(),
    errs: [],
  };
  const old = opts.old;
  const ratchet: Ratchet = old !== undefined && old !== null ? { current: { value: obj, old, schema: schema as Obj } } : {};
  walk(w, schema as Obj, obj, old, '', ratchet);
  return w.errs;
}
