// What the API server does to a custom resource with its version's structural schema
// (`spec.versions[*].schema.openAPIV3Schema`), after k8s.io/apiextensions-apiserver:
//
//   applyDefaults  schema/defaulting (PruneNonNullableNullsWithoutDefaults, then Default)
//   prune          schema/pruning (PruneWithOptions, returning the pruned paths)
//   validate       apiserver/validation (kube-openapi's SchemaValidator, errors converted as
//                  kubeOpenAPIResultToFieldErrors does), schema/objectmeta (embedded resources)
//                  and schema/listtype (x-kubernetes-list-type set/map uniqueness)
//   validateCustomResourceMeta   registry/customresource's TypeMeta and ObjectMeta checks
//
// A request is handled in that order upstream: decode, default, prune, validate. All functions
// take the decoded JSON and never throw on any JSON input; prune and applyDefaults mutate it.
// Field paths and messages are upstream's, including its quirks: kube-openapi names fields
// `spec.items[0].name` and map values `spec.labels.key`, root-level errors have the nil path
// "<nil>", and `in body` follows the field name.

import { forbidden, goQuote, GoValue, invalid, OMIT_VALUE, required, type FieldError } from '../validation/errors.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { isDNS1035Label, isDNS1123Label, nameIsDNSSubdomain, nameIsPathSegment, type NameFn } from '../validation/names.ts';
import { effectiveFormat, checkStringFormat, isKnownStringFormat } from './formats.ts';
import {
  badValue,
  canonicalJSON,
  fpChild,
  fpIndex,
  fpKey,
  fpString,
  goFloat,
  goNum,
  goSharp,
  goV,
  isInt64,
  isJSONInteger,
  type FPath,
} from './go.ts';
import { compileRE2, RegexpSyntaxError } from './re2.ts';

/** A JSONSchemaProps as JSON: the `openAPIV3Schema` of a CRD version, or a node of it. */
export type Schema = Record<string, any>;
type Obj = Record<string, unknown>;

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** o[k] = v, also for a key named "__proto__" (which must stay an own property). */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

// ---------------------------------------------------------------------------------------------
// Structural accessors (defensive: a field of the wrong JSON type counts as absent)

export function propertiesOf(s: Schema | undefined): Record<string, Schema> | undefined {
  const p = s?.properties;
  return isObj(p) ? (p as Record<string, Schema>) : undefined;
}

/** The schema of a property, if declared. */
export function propertyOf(s: Schema | undefined, k: string): Schema | undefined {
  const p = propertiesOf(s);
  if (!p || !has(p, k)) return undefined;
  const v = p[k];
  return isObj(v) ? v : {};
}

/** additionalProperties: absent, `true`/`false`, or a schema. */
export function additionalOf(s: Schema | undefined): { allows: boolean; schema?: Schema } | undefined {
  const a = s?.additionalProperties;
  if (a === undefined || a === null) return undefined;
  if (typeof a === 'boolean') return { allows: a };
  if (isObj(a)) return { allows: true, schema: a };
  return undefined;
}

/** items, when it is a single schema (arrays of schemas are refused by CRD validation). */
export function itemsOf(s: Schema | undefined): Schema | undefined {
  const i = s?.items;
  return isObj(i) ? i : undefined;
}

export const preservesUnknown = (s: Schema | undefined) => s?.['x-kubernetes-preserve-unknown-fields'] === true;
export const isEmbedded = (s: Schema | undefined) => s?.['x-kubernetes-embedded-resource'] === true;
export const isIntOrString = (s: Schema | undefined) => s?.['x-kubernetes-int-or-string'] === true;
const isNullable = (s: Schema | undefined) => s?.nullable === true;

/** The default of a node, as NewStructural keeps it (a `null` default is no default). */
export function defaultOf(s: Schema | undefined): { value: unknown } | undefined {
  if (!s || !has(s, 'default') || s.default === null || s.default === undefined) return undefined;
  return { value: s.default };
}

/**
 * Runs fn; if it exhausts the stack (a schema or object nested thousands of levels deep, which
 * upstream's decoders refuse), returns the fallback instead of throwing.
 */
export function guarded<T>(fn: () => T, fallback: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) return fallback();
    throw err;
  }
}

/** The error reported when input is nested too deeply to be validated. */
export function tooDeep(): FieldError[] {
  return [{ type: 'InternalError', field: '<nil>', badValue: null, detail: 'object nesting too deep to validate' }];
}

function deepCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

// ---------------------------------------------------------------------------------------------
// Pruning

export interface PruneOptions {
  /** The object is a resource (the default): apiVersion, kind and metadata are kept at its root. */
  isResourceRoot?: boolean;
}

/**
 * Removes the fields of `obj` its schema does not specify, except below
 * x-kubernetes-preserve-unknown-fields, and except apiVersion/kind/metadata at the root and in
 * embedded resources. Returns the pruned paths, sorted (`spec.foo`, `spec.list[0].bar`), as
 * upstream reports them for fieldValidation=Warn/Strict (`unknown field "spec.foo"`).
 */
export function prune(obj: unknown, schema: Schema | undefined, opts: PruneOptions = {}): string[] {
  let s = schema;
  if (opts.isResourceRoot ?? true) {
    s = { ...(isObj(schema) ? schema : {}) };
    s['x-kubernetes-embedded-resource'] = true;
  }
  const out: string[] = [];
  guarded(
    () => pruneNode(obj, s, '', out),
    () => undefined,
  );
  return out.sort();
}

function joinKey(path: string, k: string): string {
  return path === '' ? k : `${path}.${k}`;
}

function pruneNode(x: unknown, s: Schema | undefined, path: string, out: string[]): void {
  if (s && preservesUnknown(s)) {
    skipPrune(x, s, path, out);
    return;
  }
  if (!s) {
    pruneAll(x, path, out);
    return;
  }
  if (isObj(x)) {
    const embedded = isEmbedded(s);
    const addl = additionalOf(s);
    for (const k of Object.keys(x)) {
      if (embedded && META_FIELDS.has(k)) continue;
      const prop = propertyOf(s, k);
      if (prop) pruneNode(x[k], prop, joinKey(path, k), out);
      else if (addl) pruneNode(x[k], addl.schema, joinKey(path, k), out);
      else {
        if (!META_FIELDS.has(k) || path !== '') out.push(joinKey(path, k));
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    x.forEach((v, i) => pruneNode(v, items, `${path}[${i}]`, out));
  }
}

/** Pruning without a schema: every object field goes, arrays are walked (iteratively). */
function pruneAll(x0: unknown, path0: string, out: string[]): void {
  const stack: [unknown, string][] = [[x0, path0]];
  while (stack.length > 0) {
    const [x, path] = stack.pop() as [unknown, string];
    if (isObj(x)) {
      for (const k of Object.keys(x)) {
        out.push(joinKey(path, k));
        delete x[k];
      }
    } else if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push([x[i], `${path}[${i}]`]);
    }
  }
}

function skipPrune(x: unknown, s: Schema, path: string, out: string[]): void {
  if (isObj(x)) {
    const embedded = isEmbedded(s);
    const addl = additionalOf(s);
    for (const k of Object.keys(x)) {
      if (embedded && META_FIELDS.has(k)) continue;
      const prop = propertyOf(s, k);
      if (prop) pruneNode(x[k], prop, joinKey(path, k), out);
      else if (addl) pruneNode(x[k], addl.schema, joinKey(path, k), out);
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    if (!items) return;
    x.forEach((v, i) => skipPrune(v, items, `${path}[${i}]`, out));
  }
}

// ---------------------------------------------------------------------------------------------
// ObjectMeta: its fields and JSON types (what decoding into metav1.ObjectMeta accepts)

type MetaType = 'string' | 'int' | 'time' | 'stringMap' | 'stringList' | 'objectList';
const OBJECT_META: Record<string, [MetaType, string]> = {
  name: ['string', 'string'],
  generateName: ['string', 'string'],
  namespace: ['string', 'string'],
  selfLink: ['string', 'string'],
  uid: ['string', 'types.UID'],
  resourceVersion: ['string', 'string'],
  generation: ['int', 'int64'],
  creationTimestamp: ['time', 'v1.Time'],
  deletionTimestamp: ['time', 'v1.Time'],
  deletionGracePeriodSeconds: ['int', 'int64'],
  labels: ['stringMap', 'map[string]string'],
  annotations: ['stringMap', 'map[string]string'],
  ownerReferences: ['objectList', '[]v1.OwnerReference'],
  finalizers: ['stringList', '[]string'],
  managedFields: ['objectList', '[]v1.ManagedFieldsEntry'],
};

function jsonTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** The decoding error of one ObjectMeta field, or undefined when its JSON type fits. */
function metaFieldError(k: string, v: unknown): string | undefined {
  const spec = OBJECT_META[k];
  if (!spec || v === null) return undefined;
  const [t, goType] = spec;
  const bad = (got: unknown, field = k, type = goType) =>
    `json: cannot unmarshal ${jsonTypeName(got)} into Go struct field ObjectMeta.${field} of type ${type}`;
  switch (t) {
    case 'string':
      return typeof v === 'string' ? undefined : bad(v);
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? undefined : bad(v);
    case 'time':
      if (typeof v !== 'string') return bad(v);
      return v === '' || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)
        ? undefined
        : `parsing time ${goQuote(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${goQuote(v)} as "2006"`;
    case 'stringMap':
      if (!isObj(v)) return bad(v);
      for (const x of Object.values(v)) if (typeof x !== 'string' && x !== null) return bad(x, k, 'string');
      return undefined;
    case 'stringList':
      if (!Array.isArray(v)) return bad(v);
      for (const x of v) if (typeof x !== 'string' && x !== null) return bad(x, k, 'string');
      return undefined;
    case 'objectList':
      if (!Array.isArray(v)) return bad(v);
      for (const x of v) if (!isObj(x) && x !== null) return bad(x, k, goType.slice(2));
      return undefined;
  }
}

/** Decodes `metadata` as metav1.ObjectMeta would (schema/objectmeta GetObjectMeta, strict). */
export function objectMetaError(metadata: unknown): string | undefined {
  if (!isObj(metadata)) {
    if (metadata === null) return undefined;
    return `json: cannot unmarshal ${jsonTypeName(metadata)} into Go value of type v1.ObjectMeta`;
  }
  for (const [k, v] of Object.entries(metadata)) {
    const e = metaFieldError(k, v);
    if (e) return e;
  }
  return undefined;
}

/**
 * What round-tripping `metadata` through metav1.ObjectMeta does (schema/objectmeta Coerce with
 * dropInvalidFields): drops unknown metadata fields - at the root and in embedded resources -
 * and fields of the wrong JSON type. Returns the dropped unknown fields' paths
 * (`metadata.foo`, `spec.template.metadata.bar`), for fieldValidation.
 */
export function pruneUnknownMetadata(obj: unknown, schema: Schema | undefined): string[] {
  const out: string[] = [];
  const coerce = (x: Obj, path: string) => {
    const m = x.metadata;
    if (!isObj(m)) return;
    for (const k of Object.keys(m)) {
      if (!has(OBJECT_META, k)) {
        out.push(`${joinKey(path, 'metadata')}.${k}`);
        delete m[k];
      } else if (metaFieldError(k, m[k])) delete m[k];
    }
  };
  const walk = (x: unknown, s: Schema | undefined, path: string) => {
    if (!s) return;
    if (isObj(x)) {
      if (isEmbedded(s) && path !== '') coerce(x, path);
      const addl = additionalOf(s);
      for (const k of Object.keys(x)) {
        const prop = propertyOf(s, k);
        if (prop) walk(x[k], prop, joinKey(path, k));
        else if (addl?.schema) walk(x[k], addl.schema, joinKey(path, k));
      }
    } else if (Array.isArray(x)) {
      const items = itemsOf(s);
      x.forEach((v, i) => walk(v, items, `${path}[${i}]`));
    }
  };
  if (isObj(obj)) coerce(obj, '');
  guarded(
    () => walk(obj, isObj(schema) ? schema : undefined, ''),
    () => undefined,
  );
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// Defaulting

/**
 * Upstream's defaulting of a request or stored object: first null values of fields that are
 * neither nullable nor defaulted are dropped, then missing fields - and non-nullable nulls - get
 * their schema's default (deep-copied), recursively through properties, additionalProperties
 * and array items, including inside defaults just applied. Mutates and returns `obj`.
 */
export function applyDefaults<T>(obj: T, schema: Schema | undefined): T {
  const s = isObj(schema) ? schema : undefined;
  guarded(
    () => {
      pruneNonNullableNulls(obj, s);
      defaultNode(obj, s);
    },
    () => undefined,
  );
  return obj;
}

function schemaForField(k: string, s: Schema | undefined): Schema | undefined {
  if (!s) return undefined;
  const prop = propertyOf(s, k);
  if (prop) return prop;
  return additionalOf(s)?.schema;
}

function pruneNonNullableNulls(x: unknown, s: Schema | undefined): void {
  // without a schema nothing below can be a non-nullable field
  if (!s) return;
  if (isObj(x)) {
    for (const k of Object.keys(x)) {
      const fs = schemaForField(k, s);
      if (x[k] === null && fs && !isNullable(fs) && !defaultOf(fs)) delete x[k];
      else pruneNonNullableNulls(x[k], fs);
    }
  } else if (Array.isArray(x)) {
    const items = s ? itemsOf(s) : undefined;
    for (const v of x) pruneNonNullableNulls(v, items);
  }
}

const nonNullableNull = (v: unknown, s: Schema | undefined) => v === null && s !== undefined && !isNullable(s);

function defaultNode(x: unknown, s: Schema | undefined): void {
  if (!s) return;
  if (isObj(x)) {
    const props = propertiesOf(s);
    if (props) {
      for (const k of Object.keys(props)) {
        const ps = propertyOf(s, k);
        const d = defaultOf(ps);
        if (!d) continue;
        if (!has(x, k) || nonNullableNull(x[k], ps)) setOwn(x, k, deepCopy(d.value));
      }
    }
    const addl = additionalOf(s)?.schema;
    for (const k of Object.keys(x)) {
      const ps = propertyOf(s, k);
      if (ps) defaultNode(x[k], ps);
      else if (addl) {
        if (nonNullableNull(x[k], addl)) setOwn(x, k, deepCopy(defaultOf(addl)?.value ?? null));
        defaultNode(x[k], addl);
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    if (!items) return;
    for (let i = 0; i < x.length; i++) {
      if (nonNullableNull(x[i], items)) x[i] = deepCopy(defaultOf(items)?.value ?? null);
      defaultNode(x[i], items);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// kube-openapi's SchemaValidator

type Code =
  | 'invalidType'
  | 'required'
  | 'tooLong'
  | 'tooShort'
  | 'pattern'
  | 'enum'
  | 'multipleOf'
  | 'max'
  | 'min'
  | 'unique'
  | 'maxItems'
  | 'minItems'
  | 'tooFewProperties'
  | 'tooManyProperties'
  | 'unallowedProperty'
  | 'multipleOfPositive'
  | 'composite';

interface OErr {
  code: Code;
  name: string;
  message: string;
  value?: unknown;
  values?: unknown[];
  valid?: number;
}

/** A kube-openapi Result: errors (deduplicated by message) and the match count. */
class Result {
  errors: OErr[] = [];
  count = 0;
  private readonly seen = new Set<string>();

  add(...errs: OErr[]): this {
    for (const e of errs) {
      if (this.seen.has(e.message)) continue;
      this.seen.add(e.message);
      this.errors.push(e);
    }
    return this;
  }

  merge(...rs: (Result | undefined)[]): this {
    for (const r of rs) {
      if (!r) continue;
      this.add(...r.errors);
      this.count += r.count;
    }
    return this;
  }

  get valid(): boolean {
    return this.errors.length === 0;
  }
}

const sErr = (e: OErr) => new Result().add(e);

type Kind = 'null' | 'bool' | 'string' | 'int' | 'float' | 'array' | 'object';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'number':
      return isInt64(v) ? 'int' : 'float';
    default:
      return Array.isArray(v) ? 'array' : 'object';
  }
}

/** A schema node as go-openapi's spec.Schema sees it after ConvertJSONSchemaProps. */
interface View {
  types: string[];
  nullable: boolean;
  format: string;
  maximum?: number;
  exclusiveMaximum: boolean;
  minimum?: number;
  exclusiveMinimum: boolean;
  maxLength?: number;
  minLength?: number;
  pattern: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems: boolean;
  multipleOf?: number;
  maxProperties?: number;
  minProperties?: number;
  required: string[];
  enum?: unknown[];
  allOf: Schema[];
  anyOf: Schema[];
  oneOf: Schema[];
  not?: Schema;
  properties?: Record<string, Schema>;
  additional?: { allows: boolean; schema?: Schema };
  items?: Schema;
}

const views = new WeakMap<object, View>();

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function schemaList(v: unknown): Schema[] {
  return Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : [];
}

function viewOf(s: Schema): View {
  const hit = views.get(s);
  if (hit) return hit;
  const types = isIntOrString(s) ? ['integer', 'string'] : typeof s.type === 'string' && s.type !== '' ? [s.type] : [];
  const props = propertiesOf(s);
  let properties: Record<string, Schema> | undefined;
  if (props) {
    properties = {};
    for (const k of Object.keys(props)) setOwn(properties, k, propertyOf(s, k) as Schema);
  }
  const v: View = {
    types,
    nullable: isNullable(s),
    format: effectiveFormat(s.format, types),
    maximum: num(s.maximum),
    exclusiveMaximum: s.exclusiveMaximum === true,
    minimum: num(s.minimum),
    exclusiveMinimum: s.exclusiveMinimum === true,
    maxLength: num(s.maxLength),
    minLength: num(s.minLength),
    pattern: typeof s.pattern === 'string' ? s.pattern : '',
    maxItems: num(s.maxItems),
    minItems: num(s.minItems),
    uniqueItems: s.uniqueItems === true,
    multipleOf: num(s.multipleOf),
    maxProperties: num(s.maxProperties),
    minProperties: num(s.minProperties),
    required: Array.isArray(s.required) ? s.required.map((r: unknown) => String(r)) : [],
    enum: Array.isArray(s.enum) ? s.enum : undefined,
    allOf: schemaList(s.allOf),
    anyOf: schemaList(s.anyOf),
    oneOf: schemaList(s.oneOf),
    not: isObj(s.not) ? s.not : undefined,
    properties,
    additional: additionalOf(s),
    items: itemsOf(s),
  };
  views.set(s, v);
  return v;
}

const IN = 'body';

function invalidTypeErr(name: string, typeName: string, value: string): OErr {
  return { code: 'invalidType', name, value, message: `${name} in ${IN} must be of type ${typeName}: ${goQuote(value)}` };
}

function composite(message: string): OErr {
  return { code: 'composite', name: '', message };
}

function schemaValidate(data: unknown, s: Schema, path: string): Result {
  const r = new Result();
  const v = viewOf(s);
  const k = kindOf(data);
  if (k === 'null') {
    r.merge(typeValidate(v, path, data, k));
    r.merge(enumValidate(v, path, data));
    return r;
  }
  const step = (x: Result | undefined) => {
    r.merge(x);
    r.count++;
  };
  if (v.types.length > 0 || v.format !== '') step(typeValidate(v, path, data, k));
  step(propsValidate(v, path, data));
  if (k === 'string') {
    step(stringValidate(v, path, data as string));
    if (v.format !== '' && isKnownStringFormat(v.format)) step(formatValidate(v, path, data as string));
  }
  if (k === 'int' || k === 'float') step(numberValidate(v, path, data as number, k));
  if (k === 'array') step(sliceValidate(v, path, data as unknown[]));
  step(enumValidate(v, path, data));
  if (k === 'object') step(objectValidate(v, path, data as Obj));
  r.count++;
  return r;
}

function typeValidate(v: View, path: string, data: unknown, k: Kind): Result {
  const ok = () => {
    const r = new Result();
    r.count = 1;
    return r;
  };
  if (k === 'null') {
    if (v.types.length > 0 && !v.types.includes('null') && !v.nullable) return sErr(invalidTypeErr(path, v.types.join(','), 'null'));
    return ok();
  }
  const [schType, format] = (
    {
      bool: ['boolean', ''],
      string: ['string', ''],
      int: ['integer', 'int64'],
      float: ['number', 'float64'],
      array: ['array', ''],
      object: ['object', ''],
    } as const
  )[k];
  const isFloatInt = schType === 'number' && isJSONInteger(data as number) && v.types.includes('integer');
  const isIntFloat = schType === 'integer' && v.types.includes('number');
  if (k !== 'string' && k !== 'array' && v.format !== '' && !(v.types.includes(schType) || format === v.format || isFloatInt || isIntFloat)) {
    return sErr(invalidTypeErr(path, v.format, format));
  }
  if (!(v.types.includes('number') || v.types.includes('integer')) && v.format !== '' && (k === 'string' || k === 'array')) return ok();
  if (!(v.types.includes(schType) || isFloatInt || isIntFloat)) return sErr(invalidTypeErr(path, v.types.join(','), schType));
  return ok();
}

function propsValidate(v: View, path: string, data: unknown): Result {
  const main = new Result();
  if (v.anyOf.length > 0) {
    let best: Result | undefined;
    let firstSuccess: Result | undefined;
    let succeeded = false;
    for (const sub of v.anyOf) {
      const res = schemaValidate(data, sub, path);
      if (res.valid) {
        best = undefined;
        succeeded = true;
        firstSuccess ??= res;
        break;
      }
      if (!best || res.count > best.count) best = res;
    }
    if (!succeeded) main.add(composite(`${goQuote(path)} must validate at least one schema (anyOf)`));
    if (best) main.merge(best);
    else if (firstSuccess) main.merge(firstSuccess);
  }
  if (v.oneOf.length > 0) {
    let best: Result | undefined;
    let firstSuccess: Result | undefined;
    let validated = 0;
    for (const sub of v.oneOf) {
      const res = schemaValidate(data, sub, path);
      if (res.valid) {
        validated++;
        best = undefined;
        firstSuccess ??= res;
        continue;
      }
      if (validated === 0 && (!best || res.count > best.count)) best = res;
    }
    if (validated !== 1) {
      const extra = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
      main.add(composite(`${goQuote(path)} must validate one and only one schema (oneOf). ${extra}`));
      if (best) main.merge(best);
    } else if (firstSuccess) main.merge(firstSuccess);
  }
  if (v.allOf.length > 0) {
    let validated = 0;
    for (const sub of v.allOf) {
      const res = schemaValidate(data, sub, path);
      if (res.valid) validated++;
      main.merge(res);
    }
    if (validated !== v.allOf.length) {
      main.add(composite(`${goQuote(path)} must validate all the schemas (allOf)${validated === 0 ? '. None validated' : ''}`));
    }
  }
  if (v.not) {
    if (schemaValidate(data, v.not, path).valid) main.add(composite(`${goQuote(path)} must not validate the schema (not)`));
  }
  main.count++;
  return main;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function stringValidate(v: View, path: string, data: string): Result | undefined {
  if (v.maxLength !== undefined && runeCount(data) > v.maxLength) {
    return sErr({ code: 'tooLong', name: path, value: data, valid: v.maxLength, message: `${path} in ${IN} should be at most ${goNum(v.maxLength)} chars long` });
  }
  if (v.minLength !== undefined && runeCount(data) < v.minLength) {
    return sErr({ code: 'tooShort', name: path, value: data, message: `${path} in ${IN} should be at least ${goNum(v.minLength)} chars long` });
  }
  if (v.pattern !== '') {
    const re = compileRE2(v.pattern);
    if (re instanceof RegexpSyntaxError) {
      return sErr({ code: 'pattern', name: path, value: data, message: `${path} in ${IN} should match '${v.pattern}, but pattern is invalid: ${re.message}'` });
    }
    if (!re.test(data)) return sErr({ code: 'pattern', name: path, value: data, message: `${path} in ${IN} should match '${v.pattern}'` });
  }
  return undefined;
}

function formatValidate(v: View, path: string, data: string): Result | undefined {
  if (checkStringFormat(v.format, data)) return undefined;
  return new Result().add(invalidTypeErr(path, v.format, data));
}

function numberValidate(v: View, path: string, data: number, k: Kind): Result {
  const res = new Result();
  const resMultiple = new Result();
  const resMinimum = new Result();
  const resMaximum = new Result();
  const isInt = k === 'int';
  if (v.multipleOf !== undefined) {
    if (isInt) {
      const f = Math.trunc(v.multipleOf);
      if (f < 0) {
        resMultiple.add({ code: 'multipleOfPositive', name: path, value: f, message: `factor MultipleOf declared for ${path} must be positive: ${f}` });
      } else if (f !== 0 && data % f !== 0) {
        // (a factor that truncates to 0 panics upstream; it is skipped here)
        resMultiple.add({ code: 'multipleOf', name: path, value: data, message: `${path} in ${IN} should be a multiple of ${f}` });
      }
    } else {
      const f = v.multipleOf;
      if (f < 0) {
        resMultiple.add({ code: 'multipleOfPositive', name: path, value: f, message: `factor MultipleOf declared for ${path} must be positive: ${goFloat(f)}` });
      } else {
        const mult = f < 1 ? (1 / f) * data : data / f;
        if (!isJSONInteger(mult)) {
          resMultiple.add({ code: 'multipleOf', name: path, value: data, message: `${path} in ${IN} should be a multiple of ${goFloat(f)}` });
        }
      }
    }
  }
  const bound = (limit: number | undefined, exclusive: boolean, isMax: boolean, into: Result) => {
    if (limit === undefined) return;
    const lim = isInt ? Math.trunc(limit) : limit;
    const fails = isMax ? (exclusive ? data >= lim : data > lim) : exclusive ? data <= lim : data < lim;
    if (!fails) return;
    const word = isMax ? (exclusive ? 'less than' : 'less than or equal to') : exclusive ? 'greater than' : 'greater than or equal to';
    const shown = isInt ? String(lim) : goFloat(lim);
    into.add({ code: isMax ? 'max' : 'min', name: path, value: data, message: `${path} in ${IN} should be ${word} ${shown}` });
  };
  bound(v.maximum, v.exclusiveMaximum, true, resMaximum);
  bound(v.minimum, v.exclusiveMinimum, false, resMinimum);
  res.merge(resMultiple, resMinimum, resMaximum);
  res.count++;
  return res;
}

function sliceValidate(v: View, path: string, data: unknown[]): Result {
  const r = new Result();
  if (v.items) {
    const items = v.items;
    data.forEach((x, i) => r.merge(schemaValidate(x, items, `${path}[${i}]`)));
  }
  const size = data.length;
  if (v.minItems !== undefined && size < v.minItems) {
    r.add({ code: 'minItems', name: path, value: size, message: `${path} in ${IN} should have at least ${goNum(v.minItems)} items` });
  }
  if (v.maxItems !== undefined && size > v.maxItems) {
    r.add({ code: 'maxItems', name: path, value: size, valid: v.maxItems, message: `${path} in ${IN} should have at most ${goNum(v.maxItems)} items` });
  }
  if (v.uniqueItems) {
    const seen = new Set<string>();
    for (const x of data) {
      const key = canonicalJSON(x);
      if (seen.has(key)) {
        r.add({ code: 'unique', name: path, message: `${path} in ${IN} shouldn't contain duplicates` });
        break;
      }
      seen.add(key);
    }
  }
  r.count++;
  return r;
}

/** reflect's Convert-then-DeepEqual of basicCommonValidator, for one enum value. */
function enumMatches(data: unknown, e: unknown): boolean {
  const ek = kindOf(e);
  const dk = kindOf(data);
  if (ek === 'null' || dk === 'null') return false;
  if (ek === dk) return canonicalJSON(data) === canonicalJSON(e);
  if ((dk === 'int' || dk === 'float') && (ek === 'int' || ek === 'float')) {
    const converted = ek === 'int' ? Math.trunc(data as number) : (data as number);
    return converted === e;
  }
  if (dk === 'int' && ek === 'string') {
    // Go converts an integer to the string of that rune
    const n = data as number;
    const s = n >= 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : '\ufffd';
    return s === e;
  }
  return false;
}

function enumValidate(v: View, path: string, data: unknown): Result | undefined {
  if (!v.enum || v.enum.length === 0) return undefined;
  for (const e of v.enum) if (enumMatches(data, e)) return undefined;
  return sErr({ code: 'enum', name: path, value: data, values: v.enum, message: `${path} in ${IN} should be one of ${goV(v.enum)}` });
}

function objectValidate(v: View, path: string, data: Obj): Result {
  const keys = Object.keys(data);
  const n = keys.length;
  if (v.minProperties !== undefined && n < v.minProperties) {
    return sErr({ code: 'tooFewProperties', name: path, value: n, message: `${path} in ${IN} should have at least ${goNum(v.minProperties)} properties` });
  }
  if (v.maxProperties !== undefined && n > v.maxProperties) {
    return sErr({
      code: 'tooManyProperties',
      name: path,
      value: n,
      valid: v.maxProperties,
      message: `${path} in ${IN} should have at most ${goNum(v.maxProperties)} properties`,
    });
  }
  const res = new Result();
  const props = v.properties ?? {};
  if (v.additional && !v.additional.allows) {
    for (const k of keys) {
      if (!has(props, k)) res.add({ code: 'unallowedProperty', name: path, value: k, message: `${path}.${k} in ${IN} is a forbidden property` });
    }
  } else if (v.additional?.schema) {
    const addl = v.additional.schema;
    for (const k of keys) if (!has(props, k)) res.merge(schemaValidate(data[k], addl, `${path}.${k}`));
  }
  for (const p of Object.keys(props)) {
    if (has(data, p)) res.merge(schemaValidate(data[p], props[p] as Schema, path !== '' ? `${path}.${p}` : p));
  }
  for (const k of v.required) {
    if (!has(data, k)) res.add({ code: 'required', name: `${path}.${k}`, message: `${path}.${k} in ${IN} is required` });
  }
  return res;
}

/** kubeOpenAPIResultToFieldErrors. */
function toFieldErrors(fp: FPath, errs: OErr[]): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errs) {
    if (e.code === 'composite') {
      out.push(invalid(fpString(fp), '', e.message));
      continue;
    }
    const field = e.name !== '' && e.name !== '.' ? fpChild(fp, e.name.replace(/^\./, '')) : fpString(fp);
    const value = e.value === undefined ? '' : badValue(e.value);
    switch (e.code) {
      case 'required':
        out.push(required(field, ''));
        break;
      case 'enum': {
        const values = (e.values ?? []).map((x) => (typeof x === 'string' ? x : JSON.stringify(x ?? null)));
        out.push({ type: 'FieldValueNotSupported', field, badValue: value, detail: values.length ? 'supported values: ' + values.map(goQuote).join(', ') : '' });
        break;
      }
      case 'tooLong':
        out.push(tooLongError(field, e.valid ?? -1));
        break;
      case 'maxItems':
      case 'tooManyProperties':
        out.push(tooManyError(field, typeof e.value === 'number' ? e.value : -1, e.valid ?? -1));
        break;
      case 'invalidType':
        out.push({ type: 'FieldValueTypeInvalid', field, badValue: value, detail: e.message });
        break;
      default:
        out.push(invalid(field, value, e.message));
    }
  }
  return out;
}

/** field.TooLong as of Kubernetes 1.32+: "may not be more than N bytes". */
export function tooLongError(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, badValue: '<value omitted>', detail: max >= 0 ? `may not be more than ${max} bytes` : 'value is too long' };
}

/** field.TooMany. */
export function tooManyError(field: string, actual: number, max: number): FieldError {
  return {
    type: 'FieldValueTooMany',
    field,
    badValue: actual >= 0 ? actual : OMIT_VALUE,
    detail: max >= 0 ? `must have at most ${max} items` : 'has too many items',
  };
}

/**
 * The schema validation of a value (ValidateCustomResource): kube-openapi's checks of type,
 * nullable, format, enum, required, bounds, lengths, pattern, items, properties and
 * allOf/anyOf/oneOf/not, as field errors under `path` (undefined: the nil path, whose
 * root-level errors upstream prints as "<nil>").
 */
export function validateValues(obj: unknown, schema: Schema | undefined, path?: string): FieldError[] {
  if (!isObj(schema)) return [];
  return guarded(() => toFieldErrors(path, schemaValidate(obj, schema, '').errors), tooDeep);
}

// ---------------------------------------------------------------------------------------------
// x-kubernetes-list-type: set and map uniqueness (schema/listtype)

const UNSPECIFIED = Symbol('unspecified');

/** Indices of the first repetition of each non-unique element (validateListSet). */
function nonUniqueIndices(keys: unknown[]): number[] {
  if (keys.length <= 1) return [];
  const seen = new Map<string, number>();
  const out: number[] = [];
  keys.forEach((k, i) => {
    const id = k === UNSPECIFIED ? '\u0000unspecified' : canonicalJSON(k);
    const times = seen.get(id) ?? 0;
    seen.set(id, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}

/** Duplicate entries of list-type set and list-type map arrays, anywhere in `obj`. */
export function validateListTypes(obj: unknown, schema: Schema | undefined, path?: string): FieldError[] {
  if (!isObj(schema) || !isObj(obj)) return [];
  return guarded(() => listSetsAndMaps(path, schema, obj), tooDeep);
}

function listSetsAndMaps(fp: FPath, s: Schema, obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const addl = additionalOf(s)?.schema;
  if (addl) for (const k of Object.keys(obj)) errs.push(...listValue(fpKey(fp, k), addl, obj[k]));
  if (propertiesOf(s)) {
    for (const k of Object.keys(obj)) {
      const ps = propertyOf(s, k);
      if (ps) errs.push(...listValue(fpChild(fp, k), ps, obj[k]));
    }
  }
  return errs;
}

function listValue(fp: string, s: Schema, v: unknown): FieldError[] {
  if (Array.isArray(v)) return listArray(fp, s, v);
  if (isObj(v)) return listSetsAndMaps(fp, s, v);
  return [];
}

function listArray(fp: string, s: Schema, arr: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    for (const i of nonUniqueIndices(arr)) errs.push({ type: 'FieldValueDuplicate', field: fpIndex(fp, i), badValue: badValue(arr[i]), detail: '' });
  } else if (listType === 'map') {
    errs.push(...listMap(fp, s, arr));
  }
  const items = itemsOf(s);
  if (items) arr.forEach((x, i) => errs.push(...listValue(fpIndex(fp, i), items, x)));
  return errs;
}

function listMap(fp: string, s: Schema, arr: unknown[]): FieldError[] {
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    if (x !== null && x !== undefined && !isObj(x)) return [invalid(fpIndex(fp, i), badValue(x), 'must be an object for an array of list-type map')];
  }
  if (arr.length <= 1) return [];
  const keyFields: string[] = Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'].map(String) : [];
  if (keyFields.length === 1) {
    const f = keyFields[0] as string;
    const keys = arr.map((x) => (isObj(x) && has(x, f) ? x[f] : UNSPECIFIED));
    return nonUniqueIndices(keys).map((i) => {
      const k = keys[i];
      const shown = k === UNSPECIFIED ? 'map[string]interface {}{}' : goSharp({ [f]: k });
      return { type: 'FieldValueDuplicate' as const, field: fpIndex(fp, i), badValue: new GoValue(shown), detail: '' };
    });
  }
  const keys = arr.map((x) => {
    const key: Obj = {};
    if (isObj(x)) for (const f of keyFields) if (has(x, f)) setOwn(key, f, x[f]);
    return key;
  });
  return nonUniqueIndices(keys).map((i) => ({ type: 'FieldValueDuplicate' as const, field: fpIndex(fp, i), badValue: new GoValue(goSharp(keys[i])), detail: '' }));
}

// ---------------------------------------------------------------------------------------------
// Embedded resources (schema/objectmeta Validate)

const FINALIZER_WARNING = 'name is neither a standard finalizer name nor is it fully qualified';

/**
 * apimachinery's ValidateObjectMeta (the existing validator adds core's finalizer rule, which
 * for custom resources is only a warning upstream, so it is dropped), with the namespace check
 * of ValidateObjectMetaAccessor placed after the name checks.
 */
export function validateGenericObjectMeta(meta: unknown, nameFn: NameFn, field: string, requiresNamespace: boolean | undefined): FieldError[] {
  const all = validateObjectMeta(meta, nameFn, field).filter((e) => e.detail !== FINALIZER_WARNING);
  if (requiresNamespace === undefined) return all;
  const nsErrs: FieldError[] = [];
  const ns = isObj(meta) && typeof meta.namespace === 'string' ? meta.namespace : '';
  if (requiresNamespace) {
    if (ns === '') nsErrs.push(required(`${field}.namespace`, ''));
    else for (const msg of isDNS1123Label(ns)) nsErrs.push(invalid(`${field}.namespace`, ns, msg));
  } else if (ns !== '') nsErrs.push(forbidden(`${field}.namespace`, 'not allowed on this type'));
  const cut = all.findIndex((e) => e.field !== `${field}.name` && e.field !== `${field}.generateName`);
  const at = cut < 0 ? all.length : cut;
  return [...all.slice(0, at), ...nsErrs, ...all.slice(at)];
}

/** ValidateObjectMetaUpdate, without core's finalizer rule. */
export function validateGenericObjectMetaUpdate(meta: unknown, old: unknown, field = 'metadata'): FieldError[] {
  return validateObjectMetaUpdate(meta, old, field).filter((e) => e.detail !== FINALIZER_WARNING);
}

function validateEmbeddedResource(fp: FPath, x: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (!has(x, 'apiVersion')) errs.push(required(fpChild(fp, 'apiVersion'), ''));
  if (!has(x, 'kind')) errs.push(required(fpChild(fp, 'kind'), ''));
  for (const [k, v] of Object.entries(x)) {
    switch (k) {
      case 'apiVersion': {
        const f = fpChild(fp, 'apiVersion');
        if (typeof v !== 'string') errs.push(invalid(f, badValue(v), 'must be a string'));
        else if (v === '') errs.push(required(f, ''));
        else if (v !== '/' && v.split('/').length > 2) errs.push(invalid(f, v, `unexpected GroupVersion string: ${v}`));
        break;
      }
      case 'kind': {
        const f = fpChild(fp, 'kind');
        if (typeof v !== 'string') errs.push(invalid(f, badValue(v), 'must be a string'));
        else if (v === '') errs.push(required(f, ''));
        else {
          const msgs = isDNS1035Label(v.toLowerCase());
          if (msgs.length > 0) errs.push(invalid(f, v, 'may have mixed case, but should otherwise match: ' + msgs.join(',')));
        }
        break;
      }
      case 'metadata': {
        const f = fpChild(fp, 'metadata');
        const err = objectMetaError(v);
        if (err) {
          errs.push(invalid(f, badValue(v), err));
          break;
        }
        const meta: Obj = { ...(isObj(v) ? v : {}) };
        if (typeof meta.name !== 'string' || meta.name === '') meta.name = 'fakename';
        const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
        errs.push(...validateGenericObjectMeta(meta, nameIsPathSegment, f, ns.length > 0 ? true : undefined));
        break;
      }
    }
  }
  return errs;
}

/** TypeMeta and ObjectMeta of every x-kubernetes-embedded-resource object below the root. */
export function validateEmbeddedResources(obj: unknown, schema: Schema | undefined, path?: string): FieldError[] {
  if (!isObj(schema)) return [];
  return guarded(() => embeddedNode(path, obj, schema), tooDeep);
}

function embeddedNode(fp: FPath, x: unknown, s: Schema | undefined): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  if (isObj(x)) {
    if (isEmbedded(s)) errs.push(...validateEmbeddedResource(fp, x));
    const addl = additionalOf(s);
    for (const k of Object.keys(x)) {
      const ps = propertyOf(s, k);
      if (ps) errs.push(...embeddedNode(fpChild(fp, k), x[k], ps));
      else if (addl) errs.push(...embeddedNode(fpKey(fp, k), x[k], addl.schema));
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    x.forEach((v, i) => errs.push(...embeddedNode(fpIndex(fp, i), v, items)));
  }
  return errs;
}

/**
 * All schema-driven validation of a custom resource, in upstream's order: schema values
 * (validateValues), embedded resources, then list-type set/map uniqueness.
 */
export function validate(obj: unknown, schema: Schema | undefined, path?: string): FieldError[] {
  return [...validateValues(obj, schema, path), ...validateEmbeddedResources(obj, schema, path), ...validateListTypes(obj, schema, path)];
}

// ---------------------------------------------------------------------------------------------
// TypeMeta and ObjectMeta of a custom resource

export interface CustomResourceMetaOptions {
  /** The kind the object must have (the CRD's spec.names.kind); unchecked when absent. */
  kind?: string;
  /** The apiVersion the object must have (`group/version`); unchecked when absent. */
  apiVersion?: string;
  /** Whether the resource is namespaced (metadata.namespace required) or cluster-scoped (forbidden). */
  namespaced?: boolean;
  /** The stored object, on update. */
  old?: unknown;
}

/**
 * registry/customresource's checks outside the schema: kind and apiVersion must be the CRD's
 * (when they are not, only these errors are returned), then ObjectMeta. Upstream checks the name
 * of a custom resource as a DNS subdomain (NameIsDNSSubdomain) whatever the schema says; a
 * schema can only restrict it further (its `metadata.name` pattern/maxLength, which
 * validateValues applies).
 */
export function validateCustomResourceMeta(obj: unknown, opts: CustomResourceMetaOptions = {}): FieldError[] {
  const o = isObj(obj) ? obj : {};
  const typeErrs = validateTypeMeta(o, opts);
  if (typeErrs.length > 0) return typeErrs;
  if (opts.old !== undefined) {
    const old = isObj(opts.old) ? opts.old : {};
    return validateGenericObjectMetaUpdate(o.metadata, old.metadata, 'metadata');
  }
  return validateGenericObjectMeta(o.metadata, nameIsDNSSubdomain, 'metadata', opts.namespaced);
}

/** kind and apiVersion must be the CRD's (customResourceValidator.ValidateTypeMeta). */
export function validateTypeMeta(obj: unknown, opts: { kind?: string; apiVersion?: string }): FieldError[] {
  const o = isObj(obj) ? obj : {};
  const errs: FieldError[] = [];
  if (opts.kind !== undefined && o.kind !== opts.kind) {
    errs.push(invalid('kind', typeof o.kind === 'string' ? o.kind : '', `must be ${opts.kind}`));
  }
  if (opts.apiVersion !== undefined && o.apiVersion !== opts.apiVersion) {
    errs.push(invalid('apiVersion', typeof o.apiVersion === 'string' ? o.apiVersion : '', `must be ${opts.apiVersion}`));
  }
  return errs;
}

/** The schema below a dotted path of properties (`spec.template`), when it is specified. */
export function subSchema(schema: Schema | undefined, dotted: string): Schema | undefined {
  let cur = isObj(schema) ? schema : undefined;
  for (const part of dotted.split('.').filter((p) => p !== '')) {
    cur = propertyOf(cur, part);
    if (!cur) return undefined;
  }
  return cur;
}

