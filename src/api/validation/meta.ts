// ObjectMeta, labels, annotations, label selectors and immutability, after
// k8s.io/apimachinery/pkg/api/validation/objectmeta.go and apis/meta/v1/validation.

import {
  child,
  forbidden,
  goQuote,
  goStringMap,
  goStringSlice,
  GoValue,
  index,
  invalid,
  required,
  tooLong,
  type FieldError,
} from './errors.ts';
import { byteLength, isQualifiedName, isValidLabelValue, type NameFn } from './names.ts';

export type Obj = Record<string, any>;

export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NEGATIVE = 'must be greater than or equal to 0';
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

export function asArr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

export function asStr(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/** Go's zero for a missing int. */
export function asInt(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

export function nonNegative(value: number, field: string): FieldError[] {
  return value < 0 ? [invalid(field, value, IS_NEGATIVE)] : [];
}

// ---------------------------------------------------------------------------------------------
// Labels, annotations, finalizers

export function validateLabelName(name: string, field: string): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(field, name, m));
}

export function validateLabels(labels: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(asObj(labels))) {
    errs.push(...validateLabelName(k, field));
    for (const m of isValidLabelValue(asStr(v))) errs.push(invalid(field, asStr(v), m));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(asObj(annotations))) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(field, k, m));
    total += byteLength(k) + byteLength(asStr(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(field, '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateFinalizerName(name: string, field: string): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(field, name, m));
}

/** core's extra rule: an unprefixed finalizer must be a standard one. */
export function validateKubeFinalizerName(name: string, field: string): FieldError[] {
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    return [invalid(field, name, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const raw of asArr(refs)) {
    const ref = asObj(raw);
    const apiVersion = asStr(ref.apiVersion);
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] ?? '' : apiVersion;
    if (version.length === 0) errs.push(invalid(child(field, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (asStr(ref.kind).length === 0) errs.push(invalid(child(field, 'kind'), asStr(ref.kind), 'must not be empty'));
    if (asStr(ref.name).length === 0) errs.push(invalid(child(field, 'name'), asStr(ref.name), 'must not be empty'));
    if (asStr(ref.uid).length === 0) errs.push(invalid(child(field, 'uid'), asStr(ref.uid), 'must not be empty'));
    if (apiVersion === 'v1' && ref.kind === 'Event') {
      errs.push(invalid(field, new GoValue(`v1.OwnerReference{...}`), '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const cur = `${asStr(ref.kind)}/${asStr(ref.name)}`;
      if (firstController !== '') {
        errs.push(
          invalid(
            field,
            new GoValue('[]v1.OwnerReference{...}'),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      } else firstController = cur;
    }
  }
  return errs;
}

function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = asArr(finalizers).map(asStr);
  for (const f of list) errs.push(...validateFinalizerName(f, field));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(field, goStringSlice(list), 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/**
 * ObjectMeta on create: generateName, name (required unless generated), labels, annotations,
 * owner references, finalizers. Namespace presence is the server's concern and is not checked.
 */
export function validateObjectMeta(meta: unknown, nameFn: NameFn, field = 'metadata', checkName = true): FieldError[] {
  const m = asObj(meta);
  const errs: FieldError[] = [];
  const generateName = asStr(m.generateName);
  const name = asStr(m.name);
  if (checkName) {
    if (generateName.length !== 0) {
      for (const msg of nameFn(generateName, true)) errs.push(invalid(child(field, 'generateName'), generateName, msg));
    }
    if (name.length === 0) {
      errs.push(required(child(field, 'name'), 'name or generateName is required'));
    } else {
      for (const msg of nameFn(name, false)) errs.push(invalid(child(field, 'name'), name, msg));
    }
  }
  errs.push(...validateCommonMeta(m, field));
  return errs;
}

function validateCommonMeta(m: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof m.generation === 'number') errs.push(...nonNegative(m.generation, child(field, 'generation')));
  errs.push(...validateLabels(m.labels, child(field, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(field, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, child(field, 'ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, child(field, 'finalizers')));
  asArr(m.finalizers).forEach((f, i) => {
    errs.push(...validateKubeFinalizerName(asStr(f), index(child(field, 'finalizers'), i)));
  });
  return errs;
}

/**
 * ObjectMeta on update: name and namespace may not change; labels, annotations, owner
 * references and finalizers are checked again. (resourceVersion, uid and timestamps are the
 * server's to carry over, so they are not compared here.)
 */
export function validateObjectMetaUpdate(meta: unknown, oldMeta: unknown, field = 'metadata'): FieldError[] {
  const m = asObj(meta);
  const o = asObj(oldMeta);
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const oldF = new Set(asArr(o.finalizers).map(asStr));
    const extra = [...new Set(asArr(m.finalizers).map(asStr))].filter((f) => !oldF.has(f)).sort();
    if (extra.length > 0) {
      errs.push(
        forbidden(
          child(field, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra).repr}`,
        ),
      );
    }
  }
  if (typeof m.generation === 'number' && typeof o.generation === 'number' && m.generation < o.generation) {
    errs.push(invalid(child(field, 'generation'), m.generation, 'must not be decremented'));
  }
  if (asStr(m.name) !== asStr(o.name)) errs.push(invalid(child(field, 'name'), asStr(m.name), FIELD_IMMUTABLE));
  if (asStr(m.namespace) !== asStr(o.namespace)) {
    errs.push(invalid(child(field, 'namespace'), asStr(m.namespace), FIELD_IMMUTABLE));
  }
  errs.push(...validateCommonMeta(m, field));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Label selectors

export interface SelectorOptions {
  allowInvalidLabelValueInSelector?: boolean;
}

export function validateLabelSelector(sel: unknown, field: string, opts: SelectorOptions = {}): FieldError[] {
  if (!isObj(sel)) return [];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(sel.matchLabels, child(field, 'matchLabels')));
  asArr(sel.matchExpressions).forEach((raw, i) => {
    const expr = asObj(raw);
    const p = index(child(field, 'matchExpressions'), i);
    const values = asArr(expr.values);
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        }
        break;
      default:
        errs.push(invalid(child(p, 'operator'), asStr(expr.operator), 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(asStr(expr.key), child(p, 'key')));
    if (!opts.allowInvalidLabelValueInSelector) {
      values.forEach((v, j) => {
        for (const msg of isValidLabelValue(asStr(v))) errs.push(invalid(index(child(p, 'values'), j), asStr(v), msg));
      });
    }
  });
  return errs;
}

/** A compiled selector: `nothing` (nil selector), `everything` (empty), or requirements. */
export type CompiledSelector =
  | { kind: 'nothing' }
  | { kind: 'everything' }
  | { kind: 'match'; reqs: { key: string; op: string; values: string[] }[] };

/**
 * Upstream's LabelSelectorAsSelector: nil matches nothing, `{}` matches everything; returns
 * an error message for an unusable selector.
 */
export function compileSelector(sel: unknown): CompiledSelector | { error: string } {
  if (sel === undefined || sel === null) return { kind: 'nothing' };
  const s = asObj(sel);
  const ml = asObj(s.matchLabels);
  const me = asArr(s.matchExpressions);
  if (Object.keys(ml).length + me.length === 0) return { kind: 'everything' };
  const reqs: { key: string; op: string; values: string[] }[] = [];
  for (const [k, v] of Object.entries(ml)) {
    if (isQualifiedName(k).length > 0 || isValidLabelValue(asStr(v)).length > 0) return { error: 'invalid label' };
    reqs.push({ key: k, op: 'In', values: [asStr(v)] });
  }
  for (const raw of me) {
    const e = asObj(raw);
    const op = asStr(e.operator);
    const values = asArr(e.values).map(asStr);
    switch (op) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return { error: 'for In or NotIn operators, values set can not be empty' };
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) return { error: 'values set must be empty for exists and does not exist' };
        break;
      default:
        return { error: `${goQuote(op)} is not a valid label selector operator` };
    }
    if (isQualifiedName(asStr(e.key)).length > 0) return { error: 'invalid label key' };
    reqs.push({ key: asStr(e.key), op, values });
  }
  return { kind: 'match', reqs };
}

export function selectorMatches(sel: CompiledSelector, labels: unknown): boolean {
  if (sel.kind === 'nothing') return false;
  if (sel.kind === 'everything') return true;
  const l = asObj(labels);
  return sel.reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = asStr(l[r.key]);
    switch (r.op) {
      case 'In':
        return has && r.values.includes(v);
      case 'NotIn':
        return !has || !r.values.includes(v);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

/** `v1.LabelSelector{MatchLabels:..., MatchExpressions:...}` as %#v prints it. */
export function goLabelSelector(sel: unknown): GoValue {
  const s = asObj(sel);
  const ml = isObj(s.matchLabels) ? goStringMap(s.matchLabels).repr : 'map[string]string(nil)';
  let me = '[]v1.LabelSelectorRequirement(nil)';
  if (Array.isArray(s.matchExpressions)) {
    const items = s.matchExpressions.map((raw) => {
      const e = asObj(raw);
      const values = Array.isArray(e.values) ? goStringSlice(e.values).repr : '[]string(nil)';
      return `v1.LabelSelectorRequirement{Key:${goQuote(asStr(e.key))}, Operator:${goQuote(asStr(e.operator))}, Values:${values}}`;
    });
    me = `[]v1.LabelSelectorRequirement{${items.join(', ')}}`;
  }
  return new GoValue(`v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`);
}

// ---------------------------------------------------------------------------------------------
// Equality and immutability

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObj(v)) return Object.keys(v).every((k) => isEmpty(v[k]));
  return false;
}

/**
 * Upstream's Semantic.DeepEqual over JSON: a missing field equals its zero value, and empty
 * lists and maps equal missing ones.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (isObj(a) || isObj(b)) {
    if (!isObj(a) || !isObj(b)) return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

/** `field is immutable` when the value changed. */
export function validateImmutableField(newVal: unknown, oldVal: unknown, field: string, badValue?: unknown): FieldError[] {
  if (semanticEqual(newVal, oldVal)) return [];
  return [invalid(field, badValue === undefined ? (newVal ?? null) : badValue, FIELD_IMMUTABLE)];
}
