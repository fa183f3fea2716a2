// Validation of CustomResourceDefinitions (apiextensions.k8s.io/v1), after
// k8s.io/apiextensions-apiserver pkg/apis/apiextensions/validation and pkg/apiserver/schema:
// names, group, scope, versions, schemas (which must be structural), defaults, subresources,
// printer columns, conversion, status.storedVersions and the API-approval annotation.
//
// Upstream validates the internal type, into which a v1 CRD is converted first: when every
// version has the same schema (the usual case, and always with a single version), the schema
// moves to `spec.validation`, and likewise subresources to `spec.subresources` and printer
// columns to `spec.additionalPrinterColumns`. Error paths follow, so a one-version CRD reports
// `spec.validation.openAPIV3Schema.properties[spec].type: Required value: ...`, while versions
// with different schemas report `spec.versions[1].schema.openAPIV3Schema...`. So does this.
//
// Conversion: strategy None is served. A Webhook strategy is validated as upstream does, then
// accepted and ignored (objects are served as with None: only apiVersion changes), so that
// charts whose CRDs declare conversion webhooks install; it is not an error.
//
// Not checked: x-kubernetes-validations CEL rules beyond their static form (rule and message
// presence, reason, fieldPath), selectableFields, caBundle contents, and the cost estimates.

import {
  aggregateMessage,
  forbidden,
  formatErrors as formatFieldErrors,
  goQuote,
  goStringSlice,
  GoValue,
  invalid,
  notSupported,
  required,
  errorString,
  type FieldError,
} from '../validation/errors.ts';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain, type NameFn } from '../validation/names.ts';
import { badValue, canonicalJSON, deepEqualGo } from './go.ts';
import { compileRE2, RegexpSyntaxError } from './re2.ts';
import {
  additionalOf,
  defaultOf,
  guarded,
  isEmbedded,
  isIntOrString,
  isObj as isPlainObject,
  itemsOf,
  preservesUnknown,
  propertiesOf,
  propertyOf,
  prune,
  tooDeep,
  validateEmbeddedResources,
  validateGenericObjectMeta,
  validateGenericObjectMetaUpdate,
  validateValues,
  type Schema,
} from './schema.ts';

export type { FieldError } from '../validation/errors.ts';

type Obj = Record<string, any>;

/**
 * Upstream's aggregate message for a 422:
 * `CustomResourceDefinition.apiextensions.k8s.io "x" is invalid: [a, b]`.
 */
export function formatErrors(kind: string, group: string, name: string, errs: readonly FieldError[]): string {
  return formatFieldErrors(kind, group, name, errs);
}

export { aggregateMessage };

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const SUPPORTED_VALIDATION_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const KUBE_API_APPROVED = 'api-approved.kubernetes.io';

const isObj = (v: unknown): v is Obj => isPlainObject(v);
const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStr = (v: unknown): string => (typeof v === 'string' ? v : '');
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function deepCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

// ---------------------------------------------------------------------------------------------
// Defaulting and the strategy's status handling

/**
 * A copy of the CRD with apiextensions v1 defaults: names.singular (lower-cased kind),
 * names.listKind (kind + "List"), conversion {strategy: None}, and port 443 for a conversion
 * webhook service.
 */
export function defaultCrd<T extends object>(crd: T): T {
  const c = deepCopy(crd) as Obj;
  if (!isObj(c.spec)) return c as T;
  const spec = c.spec;
  if (!isObj(spec.names)) spec.names = {};
  const names = spec.names;
  if (!asStr(names.singular)) names.singular = asStr(names.kind).toLowerCase();
  if (!asStr(names.listKind) && asStr(names.kind)) names.listKind = `${names.kind}List`;
  if (spec.conversion === undefined || spec.conversion === null) spec.conversion = { strategy: 'None' };
  const svc = spec.conversion?.webhook?.clientConfig?.service;
  if (isObj(svc) && (svc.port === undefined || svc.port === null)) svc.port = 443;
  return c as T;
}

function storageVersion(crd: Obj): string | undefined {
  for (const v of asArr(asObj(crd.spec).versions)) if (asObj(v).storage === true) return asStr(asObj(v).name);
  return undefined;
}

/**
 * What the CRD strategy does before validation: defaults, then on create a fresh status whose
 * storedVersions is the storage version; on update the stored status, plus the storage version
 * if it is new.
 */
export function prepareCrd<T extends object>(crd: T, old?: object): T {
  const c = defaultCrd(crd) as Obj;
  const storage = storageVersion(c);
  if (old === undefined) {
    c.status = storage === undefined ? {} : { storedVersions: [storage] };
  } else {
    const status = deepCopy(asObj(asObj(old).status));
    const stored = Array.isArray(status.storedVersions) ? status.storedVersions : undefined;
    if (storage !== undefined && !(stored ?? []).includes(storage)) status.storedVersions = [...(stored ?? []), storage];
    c.status = status;
  }
  return c as T;
}

// ---------------------------------------------------------------------------------------------
// The internal view of a v1 spec (per-version fields hoisted when identical)

interface VersionView {
  index: number;
  raw: Obj;
  name: string;
  schema?: Obj; // the version's `schema` (a CustomResourceValidation), when not hoisted
  subresources?: Obj;
  columns?: unknown[];
}

interface SpecView {
  spec: Obj;
  validation?: Obj;
  subresources?: Obj;
  columns?: unknown[];
  versions: VersionView[];
  /** spec.versions is absent (nil) rather than empty. */
  versionsNil: boolean;
  hoistedSubresources: boolean;
}

function viewOfSpec(spec: Obj): SpecView {
  const rawVersions = asArr(spec.versions).map(asObj);
  const same = (key: string) => {
    if (rawVersions.length === 0) return true;
    const first = canonicalJSON((rawVersions[0] as Obj)[key]);
    return rawVersions.every((v) => canonicalJSON(v[key]) === first);
  };
  const schemaSame = same('schema');
  const subSame = same('subresources');
  const colsSame = same('additionalPrinterColumns');
  const first = rawVersions[0];
  const optObj = (v: unknown) => (isObj(v) ? v : undefined);
  const optArr = (v: unknown) => (Array.isArray(v) ? v : undefined);
  return {
    spec,
    validation: schemaSame && first ? optObj(first.schema) : undefined,
    subresources: subSame && first ? optObj(first.subresources) : undefined,
    columns: colsSame && first ? optArr(first.additionalPrinterColumns) : undefined,
    versions: rawVersions.map((raw, index) => ({
      index,
      raw,
      name: asStr(raw.name),
      schema: schemaSame ? undefined : optObj(raw.schema),
      subresources: subSame ? undefined : optObj(raw.subresources),
      columns: colsSame ? undefined : optArr(raw.additionalPrinterColumns),
    })),
    versionsNil: !Array.isArray(spec.versions),
    hoistedSubresources: subSame,
  };
}

const hasStatus = (sub: Obj | undefined) => sub !== undefined && sub.status !== undefined && sub.status !== null;

// ---------------------------------------------------------------------------------------------
// Go renderings of bad values

const FAKE_PTR = '0xc000000000';

function goPtr(type: string, present: boolean): string {
  return present ? `(*${type})(${FAKE_PTR})` : `(*${type})(nil)`;
}

function goColumns(cols: unknown[] | undefined): string {
  if (cols === undefined) return '[]apiextensions.CustomResourceColumnDefinition(nil)';
  const one = (c: unknown) => {
    const o = asObj(c);
    const prio = typeof o.priority === 'number' ? o.priority : 0;
    return `apiextensions.CustomResourceColumnDefinition{Name:${goQuote(asStr(o.name))}, Type:${goQuote(asStr(o.type))}, Format:${goQuote(asStr(o.format))}, Description:${goQuote(asStr(o.description))}, Priority:${prio}, JSONPath:${goQuote(asStr(o.jsonPath))}}`;
  };
  return `[]apiextensions.CustomResourceColumnDefinition{${cols.map(one).join(', ')}}`;
}

function goSelectable(f: unknown): string {
  if (!Array.isArray(f)) return '[]apiextensions.SelectableField(nil)';
  return `[]apiextensions.SelectableField{${f.map((x) => `apiextensions.SelectableField{JSONPath:${goQuote(asStr(asObj(x).jsonPath))}}`).join(', ')}}`;
}

/** %#v of the internal spec.versions, as the "unique names"/"storage version" errors print it. */
function goVersions(view: SpecView): GoValue {
  if (view.versionsNil) return new GoValue('[]apiextensions.CustomResourceDefinitionVersion(nil)');
  const one = (v: VersionView) => {
    const r = v.raw;
    return (
      `apiextensions.CustomResourceDefinitionVersion{Name:${goQuote(v.name)}, Served:${r.served === true}, Storage:${r.storage === true}, ` +
      `Deprecated:${r.deprecated === true}, DeprecationWarning:${goPtr('string', typeof r.deprecationWarning === 'string')}, ` +
      `Schema:${goPtr('apiextensions.CustomResourceValidation', v.schema !== undefined)}, ` +
      `Subresources:${goPtr('apiextensions.CustomResourceSubresources', v.subresources !== undefined)}, ` +
      `AdditionalPrinterColumns:${goColumns(v.columns)}, SelectableFields:${goSelectable(r.selectableFields)}}`
    );
  };
  return new GoValue(`[]apiextensions.CustomResourceDefinitionVersion{${view.versions.map(one).join(', ')}}`);
}

// ---------------------------------------------------------------------------------------------
// Schema walking helpers

/** Every schema node reachable from s (SchemaHas), depth-first. */
function schemaHas(s: unknown, pred: (s: Schema) => boolean, depth = 0): boolean {
  if (!isObj(s) || depth > 2000) return false;
  if (pred(s)) return true;
  const rec = (x: unknown) => schemaHas(x, pred, depth + 1);
  if (isObj(s.items) ? rec(s.items) : asArr(s.items).some(rec)) return true;
  for (const key of ['allOf', 'anyOf', 'oneOf']) if (asArr(s[key]).some(rec)) return true;
  if (rec(s.not)) return true;
  for (const key of ['properties', 'patternProperties', 'definitions', 'dependencies']) {
    if (isObj(s[key]) && Object.values(s[key]).some(rec)) return true;
  }
  if (rec(s.additionalProperties) || rec(s.additionalItems)) return true;
  return false;
}

function allSchemas(spec: Obj): Schema[] {
  const out: Schema[] = [];
  for (const v of asArr(spec.versions)) {
    const s = asObj(asObj(v).schema).openAPIV3Schema;
    if (isObj(s)) out.push(s);
  }
  return out;
}

const hasSchemaWith = (spec: Obj, pred: (s: Schema) => boolean) => allSchemas(spec).some((s) => pred(s));

// ---------------------------------------------------------------------------------------------
// Options (tightened on create, ratcheted on update from what the stored CRD already has)

interface Opts {
  requireRecognizedConversionReviewVersion: boolean;
  requireImmutableNames: boolean;
  requireOpenAPISchema: boolean;
  requireValidPropertyType: boolean;
  requireStructuralSchema: boolean;
  requirePrunedDefaults: boolean;
  requireAtomicSetType: boolean;
  requireMapListKeysMapSetValidation: boolean;
}

function isEstablished(crd: Obj): boolean {
  return asArr(asObj(crd.status).conditions).some((c) => asObj(c).type === 'Established' && asObj(c).status === 'True');
}

function optionsFor(old: Obj | undefined): Opts {
  if (!old) {
    return {
      requireRecognizedConversionReviewVersion: true,
      requireImmutableNames: false,
      requireOpenAPISchema: true,
      requireValidPropertyType: true,
      requireStructuralSchema: true,
      requirePrunedDefaults: true,
      requireAtomicSetType: true,
      requireMapListKeysMapSetValidation: true,
    };
  }
  const spec = asObj(old.spec);
  const conv = asObj(spec.conversion);
  const reviewVersions = asArr(asObj(conv.webhook).conversionReviewVersions).map(asStr);
  return {
    requireRecognizedConversionReviewVersion:
      spec.conversion === undefined || reviewVersions.length === 0 || reviewVersions.some((v) => v === 'v1' || v === 'v1beta1'),
    requireImmutableNames: isEstablished(old),
    requireOpenAPISchema: asArr(spec.versions).every((v) => isObj(asObj(asObj(v).schema).openAPIV3Schema)),
    requireValidPropertyType: !hasSchemaWith(spec, (s) => schemaHas(s, (n) => typeof n.type === 'string' && n.type !== '' && !OPENAPI_V3_TYPES.includes(n.type))),
    requireStructuralSchema: !allSchemas(spec).some((s) => newStructuralError(s) !== undefined || validateStructural(s, '').length > 0),
    requirePrunedDefaults: !allSchemas(spec).some(hasUnprunedDefaults),
    requireAtomicSetType: !hasSchemaWith(spec, (s) => schemaHas(s, hasNonAtomicSetType)),
    requireMapListKeysMapSetValidation: !hasSchemaWith(spec, (s) => schemaHas(s, (n) => mapListKeysMapSet(n, '').length > 0)),
  };
}

function hasUnprunedDefaults(s: Schema): boolean {
  if (newStructuralError(s) !== undefined || validateStructural(s, '').length > 0) return false;
  let found = false;
  walkDefaults(s, true, (node) => {
    const d = defaultOf(node);
    if (!d) return;
    const copy = deepCopy(d.value);
    prune(copy, node, { isResourceRoot: isEmbedded(node) });
    if (!deepEqualGo(copy, d.value)) found = true;
  });
  return found;
}

function hasNonAtomicSetType(s: Schema): boolean {
  if (s['x-kubernetes-list-type'] !== 'set') return false;
  const is = itemsOf(s);
  if (!is) return false;
  if (is.type === 'array') return is['x-kubernetes-list-type'] !== undefined && is['x-kubernetes-list-type'] !== 'atomic';
  if (is.type === 'object') return is['x-kubernetes-map-type'] !== 'atomic';
  return false;
}

// ---------------------------------------------------------------------------------------------
// validateCrd

/**
 * Validates a CustomResourceDefinition on create, or on update when `old` (the stored CRD) is
 * given. The CRD is defaulted (and its status prepared) as the strategy does first; returns
 * upstream's field errors in upstream's order, empty when valid.
 */
export function validateCrd(crd: object, old?: object): FieldError[] {
  return guarded(() => validateCrdUnguarded(crd, old), tooDeep);
}

function validateCrdUnguarded(crd: object, old?: object): FieldError[] {
  const oldCrd = old === undefined ? undefined : defaultCrd(asObj(old));
  const c = prepareCrd(asObj(crd), oldCrd);
  const opts = optionsFor(oldCrd);
  const spec = asObj(c.spec);
  const errs: FieldError[] = [];

  if (oldCrd) {
    errs.push(...validateGenericObjectMetaUpdate(c.metadata, oldCrd.metadata, 'metadata'));
  } else {
    const requiredName = `${asStr(asObj(spec.names).plural)}.${asStr(spec.group)}`;
    const nameFn: NameFn = (name, prefix) => {
      const out = nameIsDNSSubdomain(name, prefix);
      if (name !== requiredName) out.push('must be spec.names.plural+"."+spec.group');
      return out;
    };
    errs.push(...validateGenericObjectMeta(c.metadata, nameFn, 'metadata', false));
  }

  errs.push(...validateSpec(spec, opts));
  if (oldCrd) {
    const oldSpec = asObj(oldCrd.spec);
    const immutable = (path: string, now: unknown, before: unknown) => {
      if (asStr(now) !== asStr(before)) errs.push(invalid(path, asStr(now), 'field is immutable'));
    };
    if (opts.requireImmutableNames) {
      immutable('spec.scope', spec.scope, oldSpec.scope);
      immutable('spec.names.kind', asObj(spec.names).kind, asObj(oldSpec.names).kind);
    }
    immutable('spec.group', spec.group, oldSpec.group);
    immutable('spec.names.plural', asObj(spec.names).plural, asObj(oldSpec.names).plural);
  }

  const status = asObj(c.status);
  errs.push(...validateNames(asObj(status.acceptedNames), 'status.acceptedNames'));
  errs.push(...validateStoredVersions(status.storedVersions, asArr(spec.versions).map(asObj)));
  errs.push(...validateAPIApproval(c, oldCrd));
  if (!(oldCrd && asObj(oldCrd.spec).preserveUnknownFields === true) && spec.preserveUnknownFields === true) {
    errs.push(invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  }
  return errs;
}

function validateSpec(spec: Obj, opts0: Opts): FieldError[] {
  const errs: FieldError[] = [];
  const opts = { ...opts0 };
  const view = viewOfSpec(spec);
  const group = asStr(spec.group);
  if (group === '') errs.push(required('spec.group', ''));
  else {
    const msgs = isDNS1123Subdomain(group);
    if (msgs.length > 0) errs.push(invalid('spec.group', group, msgs.join(',')));
    else if (group.split('.').length < 2) errs.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  }

  const scope = asStr(spec.scope);
  if (scope === '') errs.push(required('spec.scope', ''));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errs.push(notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  const puf = spec.preserveUnknownFields === true;
  if (!puf) opts.requireStructuralSchema = true;

  const validationSchema = view.validation ? view.validation.openAPIV3Schema : undefined;
  if (opts.requireOpenAPISchema) {
    if (!isObj(validationSchema)) {
      for (const v of view.versions) {
        if (!isObj(asObj(v.raw.schema).openAPIV3Schema)) errs.push(required(`spec.versions[${v.index}].schema.openAPIV3Schema`, 'schemas are required'));
      }
    }
  } else if (!puf && !isObj(validationSchema)) {
    for (const v of view.versions) {
      if (v.raw.served === true && !isObj(asObj(v.raw.schema).openAPIV3Schema)) {
        errs.push(required(`spec.versions[${v.index}].schema.openAPIV3Schema`, 'because otherwise all fields are pruned'));
      }
    }
  }
  if (hasSchemaWith(spec, (s) => schemaHas(s, (n) => defaultOf(n) !== undefined))) {
    opts.requireStructuralSchema = true;
    if (puf) errs.push(invalid('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema'));
  }

  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  for (const v of view.versions) {
    if (v.raw.storage === true) storageCount++;
    if (seen.has(v.name)) unique = false;
    else seen.add(v.name);
    const msgs = isDNS1035Label(v.name);
    if (msgs.length > 0) errs.push(invalid(`spec.versions[${v.index}].name`, v.name, msgs.join(',')));
    const subs = view.hoistedSubresources ? view.subresources : v.subresources;
    errs.push(...validateVersion(v, `spec.versions[${v.index}]`, hasStatus(subs), opts));
  }
  if (!unique) errs.push(invalid('spec.versions', goVersions(view), 'must contain unique version names'));
  if (storageCount !== 1) errs.push(invalid('spec.versions', goVersions(view), 'must have exactly one version marked as storage version'));
  const version = view.versions[0]?.name ?? '';
  if (version !== '') {
    const msgs = isDNS1035Label(version);
    if (msgs.length > 0) errs.push(invalid('spec.version', version, msgs.join(',')));
  }

  const names = asObj(spec.names);
  if (asStr(names.plural) === '') errs.push(required('spec.names.plural', ''));
  if (asStr(names.singular) === '') errs.push(required('spec.names.singular', ''));
  if (asStr(names.kind) === '') errs.push(required('spec.names.kind', ''));
  if (asStr(names.listKind) === '') errs.push(required('spec.names.listKind', ''));
  errs.push(...validateNames(names, 'spec.names'));

  const anyStatus = hasStatus(view.subresources) || view.versions.some((v) => hasStatus(v.subresources));
  errs.push(...validateValidation(view.validation, anyStatus, opts, 'spec.validation'));
  errs.push(...validateSubresources(view.subresources, 'spec.subresources'));
  (view.columns ?? []).forEach((col, j) => errs.push(...validateColumn(col, `spec.additionalPrinterColumns[${j}]`)));

  const conv = isObj(spec.conversion) ? spec.conversion : undefined;
  if (conv && asStr(conv.strategy) !== 'None' && puf) {
    errs.push(invalid('spec.conversion.strategy', asStr(conv.strategy), 'must be None if spec.preserveUnknownFields is true'));
  }
  errs.push(...validateConversion(conv, opts.requireRecognizedConversionReviewVersion));
  return errs;
}

function validateVersion(v: VersionView, path: string, statusEnabled: boolean, opts: Opts): FieldError[] {
  const errs: FieldError[] = [];
  for (const msg of deprecationWarningErrors(v.raw.deprecated === true, v.raw.deprecationWarning)) {
    errs.push(invalid(`${path}.deprecationWarning`, v.raw.deprecationWarning, msg));
  }
  errs.push(...validateValidation(v.schema, statusEnabled, opts, `${path}.schema`));
  errs.push(...validateSubresources(v.subresources, `${path}.subresources`));
  (v.columns ?? []).forEach((col, j) => errs.push(...validateColumn(col, `${path}.additionalPrinterColumns[${j}]`)));
  return errs;
}

/** unicode.IsPrint: graphic characters and the ASCII space only. */
function isPrint(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

function deprecationWarningErrors(deprecated: boolean, warning: unknown): string[] {
  if (typeof warning !== 'string') return [];
  if (!deprecated) return ['can only be set for deprecated versions'];
  const out: string[] = [];
  if (Buffer.byteLength(warning) > 256) out.push('must be <= 256 characters long');
  if (warning.length === 0) out.push('must not be an empty string');
  let byteIndex = 0;
  for (const ch of warning) {
    if (!isPrint(ch)) {
      out.push(`must only contain printable UTF-8 characters; non-printable character found at index ${byteIndex}`);
      break;
    }
    byteIndex += Buffer.byteLength(ch);
  }
  return out;
}

export function validateNames(names: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const label = (field: string, value: string, mixedCase: boolean) => {
    if (value === '') return;
    const msgs = isDNS1035Label(mixedCase ? value.toLowerCase() : value);
    if (msgs.length > 0) errs.push(invalid(`${path}.${field}`, value, (mixedCase ? 'may have mixed case, but should otherwise match: ' : '') + msgs.join(',')));
  };
  label('plural', asStr(names.plural), false);
  label('singular', asStr(names.singular), false);
  label('kind', asStr(names.kind), true);
  label('listKind', asStr(names.listKind), true);
  asArr(names.shortNames).forEach((s, i) => {
    const msgs = isDNS1035Label(asStr(s));
    if (msgs.length > 0) errs.push(invalid(`${path}.shortNames[${i}]`, asStr(s), msgs.join(',')));
  });
  const kind = asStr(names.kind);
  if (kind !== '' && kind === asStr(names.listKind)) errs.push(invalid(`${path}.listKind`, kind, 'kind and listKind may not be the same'));
  asArr(names.categories).forEach((s, i) => {
    const msgs = isDNS1035Label(asStr(s));
    if (msgs.length > 0) errs.push(invalid(`${path}.categories[${i}]`, asStr(s), msgs.join(',')));
  });
  return errs;
}

function validateStoredVersions(stored: unknown, versions: Obj[]): FieldError[] {
  const list = Array.isArray(stored) ? stored.map(asStr) : undefined;
  if (!list || list.length === 0) return [invalid('status.storedVersions', goStringSlice(list), 'must have at least one stored version')];
  const errs: FieldError[] = [];
  const remaining = new Map<string, number>();
  list.forEach((v, i) => remaining.set(v, i));
  for (const v of versions) {
    const name = asStr(v.name);
    const found = remaining.has(name);
    if (v.storage === true && !found) errs.push(invalid('status.storedVersions', goStringSlice(list), `must have the storage version ${name}`));
    if (found) remaining.delete(name);
  }
  for (const [v, i] of [...remaining.entries()].sort((a, b) => a[1] - b[1])) {
    errs.push(
      invalid(
        `status.storedVersions[${i}]`,
        v,
        `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
      ),
    );
  }
  return errs;
}

function isProtectedGroup(group: string): boolean {
  return group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
}

function approvalState(annotations: Obj): { state: 'missing' | 'bypassed' | 'approved' | 'invalid'; reason: string } {
  const a = asStr(annotations[KUBE_API_APPROVED]);
  if (a === '') return { state: 'missing', reason: `protected groups must have approval annotation ${goQuote(KUBE_API_APPROVED)}, see https://github.com/kubernetes/enhancements/pull/1111` };
  if (a.startsWith('unapproved')) return { state: 'bypassed', reason: `not approved: ${goQuote(a)}` };
  const u = parseURL(a);
  if (u && u.scheme !== '' && u.host !== '' && !/\s/.test(a)) return { state: 'approved', reason: `approved in ${a}` };
  return {
    state: 'invalid',
    reason: `protected groups must have approval annotation ${goQuote(KUBE_API_APPROVED)} with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
  };
}

function validateAPIApproval(crd: Obj, old: Obj | undefined): FieldError[] {
  if (!isProtectedGroup(asStr(asObj(crd.spec).group))) return [];
  const now = approvalState(asObj(asObj(crd.metadata).annotations));
  if (old && approvalState(asObj(asObj(old.metadata).annotations)).state === now.state) return [];
  const path = `metadata.annotations[${KUBE_API_APPROVED}]`;
  const value = asStr(asObj(asObj(crd.metadata).annotations)[KUBE_API_APPROVED]);
  switch (now.state) {
    case 'missing':
      return [required(path, now.reason)];
    case 'invalid':
      return [invalid(path, value, now.reason)];
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Subresources, printer columns, conversion

function validateSimpleJSONPath(s: string, path: string): FieldError[] {
  if (s.length === 0) return [invalid(path, s, 'must not be empty')];
  if (!s.startsWith('.')) return [invalid(path, s, 'must be a simple json path starting with .')];
  return [];
}

export function validateSubresources(sub: Obj | undefined, path: string): FieldError[] {
  if (!sub || !isObj(sub.scale)) return [];
  const scale = sub.scale;
  const errs: FieldError[] = [];
  const check = (key: string, prefixes: string[], what: string, isRequired: boolean) => {
    const value = asStr(scale[key]);
    const p = `${path}.scale.${key}`;
    if (value === '') {
      if (isRequired) errs.push(required(p, ''));
      return;
    }
    const e = validateSimpleJSONPath(value, p);
    if (e.length > 0) errs.push(...e);
    else if (!prefixes.some((x) => value.startsWith(x))) errs.push(invalid(p, value, what));
  };
  check('specReplicasPath', ['.spec.'], 'should be a json path under .spec', true);
  check('statusReplicasPath', ['.status.'], 'should be a json path under .status', true);
  check('labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status', false);
  return errs;
}

export function validateColumn(col: unknown, path: string): FieldError[] {
  const c = asObj(col);
  const errs: FieldError[] = [];
  if (asStr(c.name) === '') errs.push(required(`${path}.name`, ''));
  const type = asStr(c.type);
  const typeMsg = `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`;
  if (type === '') errs.push(required(`${path}.type`, typeMsg));
  else if (!PRINTER_COLUMN_TYPES.includes(type)) errs.push(invalid(`${path}.type`, type, typeMsg));
  const format = asStr(c.format);
  if (format !== '' && !PRINTER_COLUMN_FORMATS.includes(format)) {
    errs.push(invalid(`${path}.format`, format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`));
  }
  const jp = asStr(c.jsonPath);
  if (jp === '') errs.push(required(`${path}.JSONPath`, ''));
  else errs.push(...validateSimpleJSONPath(jp, `${path}.JSONPath`));
  return errs;
}

interface ParsedURL {
  scheme: string;
  user?: string;
  host: string;
  path: string;
  query?: string;
  fragment?: string;
}

/** RFC 3986's generic split (close to Go's url.Parse for absolute URLs). */
function parseURL(s: string): ParsedURL | undefined {
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(s);
  if (!m) return undefined;
  const authority = m[2] ?? '';
  const at = authority.lastIndexOf('@');
  return {
    scheme: (m[1] ?? '').toLowerCase(),
    user: at >= 0 ? authority.slice(0, at) : undefined,
    host: at >= 0 ? authority.slice(at + 1) : authority,
    path: m[3] ?? '',
    query: m[4],
    fragment: m[5],
  };
}

function validateWebhookURL(path: string, url: string): FieldError[] {
  const form = '; desired format: https://host[/path]';
  const u = parseURL(url);
  if (!u || /[\x00-\x1f\x7f]/.test(url)) return [required(path, `url must be a valid URL: parse ${goQuote(url)}: invalid URL${form}`)];
  const errs: FieldError[] = [];
  if (u.scheme !== 'https') errs.push(invalid(path, u.scheme, `'https' is the only allowed URL scheme${form}`));
  if (u.host === '') errs.push(invalid(path, u.host, `host must be specified${form}`));
  if (u.user !== undefined) errs.push(invalid(path, u.user, 'user information is not permitted in the URL'));
  if (u.fragment) errs.push(invalid(path, u.fragment, 'fragments are not permitted in the URL'));
  if (u.query) errs.push(invalid(path, u.query, 'query parameters are not permitted in the URL'));
  return errs;
}

function validateWebhookService(path: string, svc: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (asStr(svc.name) === '') errs.push(required(`${path}.name`, 'service name is required'));
  if (asStr(svc.namespace) === '') errs.push(required(`${path}.namespace`, 'service namespace is required'));
  const port = typeof svc.port === 'number' ? svc.port : 443;
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) errs.push(invalid(`${path}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  if (typeof svc.path !== 'string') return errs;
  const p = svc.path;
  if (p === '/' || p === '') return errs;
  if (p === '//') return [...errs, invalid(`${path}.path`, p, 'segment[0] may not be empty')];
  if (!p.startsWith('/')) errs.push(invalid(`${path}.path`, p, "must start with a '/'"));
  let rest = p.slice(1);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  rest.split('/').forEach((step, i) => {
    if (step === '') errs.push(invalid(`${path}.path`, p, `segment[${i}] may not be empty`));
    else for (const m of isDNS1123Subdomain(step)) errs.push(invalid(`${path}.path`, p, `segment[${i}]: ${m}`));
  });
  return errs;
}

function validateConversion(conv: Obj | undefined, requireRecognized: boolean): FieldError[] {
  if (!conv) return [];
  const errs: FieldError[] = [];
  const strategy = asStr(conv.strategy);
  if (strategy === '') errs.push(required('spec.conversion.strategy', ''));
  else if (strategy !== 'None' && strategy !== 'Webhook') errs.push(notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
  const webhook = isObj(conv.webhook) ? conv.webhook : undefined;
  const cc = webhook && isObj(webhook.clientConfig) ? webhook.clientConfig : undefined;
  const reviewVersions = webhook && Array.isArray(webhook.conversionReviewVersions) ? webhook.conversionReviewVersions.map(asStr) : [];
  if (strategy === 'Webhook') {
    if (!cc) errs.push(required('spec.conversion.webhookClientConfig', 'required when strategy is set to Webhook'));
    else {
      const hasURL = typeof cc.url === 'string';
      const hasSvc = isObj(cc.service);
      if (hasURL === hasSvc) errs.push(required('spec.conversion.webhookClientConfig', 'exactly one of url or service is required'));
      else if (hasURL) errs.push(...validateWebhookURL('spec.conversion.webhookClientConfig.url', cc.url));
      else errs.push(...validateWebhookService('spec.conversion.webhookClientConfig.service', cc.service));
    }
    const p = 'spec.conversion.conversionReviewVersions';
    if (reviewVersions.length < 1) errs.push(required(p, ''));
    else {
      const seen = new Set<string>();
      let accepted = false;
      reviewVersions.forEach((v, i) => {
        if (seen.has(v)) {
          errs.push(invalid(`${p}[${i}]`, v, 'duplicate version'));
          return;
        }
        seen.add(v);
        for (const m of isDNS1035Label(v)) errs.push(invalid(`${p}[${i}]`, v, m));
        if (v === 'v1' || v === 'v1beta1') accepted = true;
      });
      if (requireRecognized && !accepted) errs.push(invalid(p, goStringSlice(reviewVersions), 'must include at least one of v1, v1beta1'));
    }
  } else {
    if (cc) errs.push(forbidden('spec.conversion.webhookClientConfig', 'should not be set when strategy is not set to Webhook'));
    if (reviewVersions.length > 0) errs.push(forbidden('spec.conversion.conversionReviewVersions', 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Schema validation (validateCustomResourceDefinitionValidation)

/** JSONSchemaProps fields in struct order: [Go name, JSON key, kind]. */
const SCHEMA_FIELDS: [string, string, 'str' | 'bool' | 'ptr' | 'list'][] = [
  ['ID', 'id', 'str'],
  ['Schema', '$schema', 'str'],
  ['Ref', '$ref', 'ptr'],
  ['Description', 'description', 'str'],
  ['Type', 'type', 'str'],
  ['Format', 'format', 'str'],
  ['Title', 'title', 'str'],
  ['Default', 'default', 'ptr'],
  ['Maximum', 'maximum', 'ptr'],
  ['ExclusiveMaximum', 'exclusiveMaximum', 'bool'],
  ['Minimum', 'minimum', 'ptr'],
  ['ExclusiveMinimum', 'exclusiveMinimum', 'bool'],
  ['MaxLength', 'maxLength', 'ptr'],
  ['MinLength', 'minLength', 'ptr'],
  ['Pattern', 'pattern', 'str'],
  ['MaxItems', 'maxItems', 'ptr'],
  ['MinItems', 'minItems', 'ptr'],
  ['UniqueItems', 'uniqueItems', 'bool'],
  ['MultipleOf', 'multipleOf', 'ptr'],
  ['Enum', 'enum', 'list'],
  ['MaxProperties', 'maxProperties', 'ptr'],
  ['MinProperties', 'minProperties', 'ptr'],
  ['Required', 'required', 'list'],
  ['Items', 'items', 'ptr'],
  ['AllOf', 'allOf', 'list'],
  ['OneOf', 'oneOf', 'list'],
  ['AnyOf', 'anyOf', 'list'],
  ['Not', 'not', 'ptr'],
  ['Properties', 'properties', 'list'],
  ['AdditionalProperties', 'additionalProperties', 'ptr'],
  ['PatternProperties', 'patternProperties', 'list'],
  ['Dependencies', 'dependencies', 'list'],
  ['AdditionalItems', 'additionalItems', 'ptr'],
  ['Definitions', 'definitions', 'list'],
  ['ExternalDocs', 'externalDocs', 'ptr'],
  ['Example', 'example', 'ptr'],
  ['Nullable', 'nullable', 'bool'],
  ['XPreserveUnknownFields', 'x-kubernetes-preserve-unknown-fields', 'ptr'],
  ['XEmbeddedResource', 'x-kubernetes-embedded-resource', 'bool'],
  ['XIntOrString', 'x-kubernetes-int-or-string', 'bool'],
  ['XListMapKeys', 'x-kubernetes-list-map-keys', 'list'],
  ['XListType', 'x-kubernetes-list-type', 'ptr'],
  ['XMapType', 'x-kubernetes-map-type', 'ptr'],
  ['XValidations', 'x-kubernetes-validations', 'list'],
];
const ALLOWED_AT_ROOT_WITH_STATUS = [
  'Description', 'Type', 'Format', 'Title', 'Maximum', 'ExclusiveMaximum', 'Minimum', 'ExclusiveMinimum', 'MaxLength', 'MinLength', 'Pattern',
  'MaxItems', 'MinItems', 'UniqueItems', 'MultipleOf', 'Required', 'Items', 'Properties', 'ExternalDocs', 'Example', 'XPreserveUnknownFields',
  'XValidations',
];

function fieldIsSet(s: Schema, key: string, kind: 'str' | 'bool' | 'ptr' | 'list'): boolean {
  const v = s[key];
  switch (kind) {
    case 'str':
      return typeof v === 'string' && v !== '';
    case 'bool':
      return v === true;
    default:
      return v !== undefined && v !== null;
  }
}

function validateValidation(holder: Obj | undefined, statusEnabled: boolean, opts: Opts, path: string): FieldError[] {
  if (!holder) return [];
  const schema = holder.openAPIV3Schema;
  if (!isObj(schema)) return [];
  const errs: FieldError[] = [];
  const root = `${path}.openAPIV3Schema`;
  if (statusEnabled) {
    for (const [goName, key, kind] of SCHEMA_FIELDS) {
      if (!fieldIsSet(schema, key, kind)) continue;
      if (goName === 'Type') {
        if (schema.type !== 'object') {
          errs.push(invalid(`${root}.type`, asStr(schema.type), 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_WITH_STATUS.includes(goName)) {
        errs.push(
          invalid(
            root,
            new GoValue('apiextensions.JSONSchemaProps{...}'),
            `only [${ALLOWED_AT_ROOT_WITH_STATUS.join(' ')}] fields are allowed at the root of the schema if the status subresource is enabled`,
          ),
        );
        break;
      }
    }
  }
  if (schema.nullable === true) errs.push(forbidden(`${root}.nullable`, 'nullable cannot be true at the root'));

  const initErrs: FieldError[] = [];
  if (opts.requireStructuralSchema) {
    const err = newStructuralError(schema);
    if (err !== undefined) initErrs.push(invalid(root, '', err));
    else {
      const structural = validateStructural(schema, root);
      if (structural.length > 0) errs.push(...structural);
      else errs.push(...validateDefaults(schema, root, opts.requirePrunedDefaults));
    }
  }
  const ssv: Ssv = { allowDefaults: true, disallowReason: '', insideMeta: false, requireValidPropertyType: opts.requireValidPropertyType };
  errs.push(...openAPISchemaErrors(schema, root, ssv, true, opts, 0));
  if (errs.length === 0) errs.push(...initErrs);
  return errs;
}

interface Ssv {
  allowDefaults: boolean;
  disallowReason: string;
  insideMeta: boolean;
  requireValidPropertyType: boolean;
}

const sortedKeys = (o: unknown) => (isObj(o) ? Object.keys(o).sort() : []);

/** ValidateCustomResourceDefinitionOpenAPISchema (without CEL compilation). */
function openAPISchemaErrors(schema: unknown, path: string, ssv: Ssv, isRoot: boolean, opts: Opts, depth: number): FieldError[] {
  if (!isObj(schema) || depth > 2000) return [];
  const s = schema;
  const errs: FieldError[] = [];
  // specStandardValidatorV3
  const type = s.type;
  if (ssv.requireValidPropertyType && typeof type === 'string' && type !== '' && !OPENAPI_V3_TYPES.includes(type)) {
    errs.push(notSupported(`${path}.type`, type, OPENAPI_V3_TYPES));
  }
  if (defaultOf(s) !== undefined && !ssv.allowDefaults) {
    errs.push(forbidden(`${path}.default`, 'must not be set' + (ssv.disallowReason ? ' ' + ssv.disallowReason : '')));
  }
  if (asStr(s.id) !== '') errs.push(forbidden(`${path}.id`, 'id is not supported'));
  if (s.additionalItems !== undefined && s.additionalItems !== null) errs.push(forbidden(`${path}.additionalItems`, 'additionalItems is not supported'));
  if (isObj(s.patternProperties) && Object.keys(s.patternProperties).length > 0) errs.push(forbidden(`${path}.patternProperties`, 'patternProperties is not supported'));
  if (isObj(s.definitions) && Object.keys(s.definitions).length > 0) errs.push(forbidden(`${path}.definitions`, 'definitions is not supported'));
  if (s.dependencies !== undefined && s.dependencies !== null) errs.push(forbidden(`${path}.dependencies`, 'dependencies is not supported'));
  if (typeof s.$ref === 'string') errs.push(forbidden(`${path}.$ref`, '$ref is not supported'));
  if (type === 'null') errs.push(forbidden(`${path}.type`, 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items) && s.items.length > 0) errs.push(forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  if (ssv.insideMeta && s['x-kubernetes-embedded-resource'] === true) {
    errs.push(forbidden(`${path}.x-kubernetes-embedded-resource`, 'must not be used inside of resource meta'));
  }

  if (s.uniqueItems === true) errs.push(forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));

  const addl = s.additionalProperties;
  if (addl !== undefined && addl !== null) {
    if (isObj(s.properties) && Object.keys(s.properties).length > 0 && (addl === false || isObj(addl))) {
      errs.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
    }
    const sub = ssv.insideMeta ? { ...ssv, allowDefaults: false, disallowReason: 'inside additionalProperties applying to object metadata' } : ssv;
    errs.push(...openAPISchemaErrors(addl, `${path}.additionalProperties`, sub, false, opts, depth + 1));
  }
  for (const k of sortedKeys(s.properties)) {
    let sub = ssv;
    if ((isRoot || s['x-kubernetes-embedded-resource'] === true) && META_FIELDS.has(k)) {
      sub = { ...sub, insideMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowReason: `in top-level ${k}` };
    }
    errs.push(...openAPISchemaErrors(s.properties[k], `${path}.properties[${k}]`, sub, false, opts, depth + 1));
  }
  errs.push(...openAPISchemaErrors(s.not, `${path}.not`, ssv, false, opts, depth + 1));
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    asArr(s[key]).forEach((x, i) => errs.push(...openAPISchemaErrors(x, `${path}.${key}[${i}]`, ssv, false, opts, depth + 1)));
  }
  for (const k of sortedKeys(s.definitions)) errs.push(...openAPISchemaErrors(s.definitions[k], `${path}.definitions[${k}]`, ssv, false, opts, depth + 1));
  if (isObj(s.items)) errs.push(...openAPISchemaErrors(s.items, `${path}.items`, ssv, false, opts, depth + 1));
  else asArr(s.items).forEach((x, i) => errs.push(...openAPISchemaErrors(x, `${path}.items[${i}]`, ssv, false, opts, depth + 1)));
  for (const k of sortedKeys(s.dependencies)) errs.push(...openAPISchemaErrors(s.dependencies[k], `${path}.dependencies[${k}]`, ssv, false, opts, depth + 1));

  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  }
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && mapType !== null) {
    if (type !== 'object') {
      if (asStr(type) === '') errs.push(required(`${path}.type`, 'must be object if x-kubernetes-map-type is specified'));
      else errs.push(invalid(`${path}.type`, asStr(type), 'must be object if x-kubernetes-map-type is specified'));
    }
    if (mapType !== 'atomic' && mapType !== 'granular') errs.push(notSupported(`${path}.x-kubernetes-map-type`, asStr(mapType), ['atomic', 'granular']));
  }
  const listType = s['x-kubernetes-list-type'];
  const hasListType = listType !== undefined && listType !== null;
  const items = itemsOf(s);
  if (hasListType && type !== 'array') {
    if (asStr(type) === '') errs.push(required(`${path}.type`, 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(invalid(`${path}.type`, asStr(type), 'must be array if x-kubernetes-list-type is specified'));
  } else if (opts.requireAtomicSetType && listType === 'set' && items) {
    if (items.type === 'array') {
      const it = items['x-kubernetes-list-type'];
      if (it !== undefined && it !== null && it !== 'atomic') {
        errs.push(invalid(`${path}.items.x-kubernetes-list-type`, asStr(it), 'must be atomic as item of a list with x-kubernetes-list-type=set'));
      }
    } else if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      const lt = items['x-kubernetes-list-type'];
      errs.push(invalid(`${path}.items.x-kubernetes-map-type`, lt === undefined ? null : badValue(lt), 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (hasListType && listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
    errs.push(notSupported(`${path}.x-kubernetes-list-type`, asStr(listType), ['atomic', 'set', 'map']));
  }
  const mapKeys = asArr(s['x-kubernetes-list-map-keys']).map(asStr);
  if (mapKeys.length > 0) {
    if (!hasListType) errs.push(required(`${path}.x-kubernetes-list-type`, 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(invalid(`${path}.x-kubernetes-list-type`, asStr(listType), 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (mapKeys.length === 0) errs.push(required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    if (s.items === undefined || s.items === null) errs.push(required(`${path}.items`, 'must have a schema if x-kubernetes-list-type is map'));
    if (Array.isArray(s.items)) errs.push(invalid(`${path}.items`, badValue(s.items), 'must only have a single schema if x-kubernetes-list-type is map'));
    if (items && items.type !== 'object') errs.push(invalid(`${path}.items.type`, asStr(items.type), "must be object if parent array's x-kubernetes-list-type is map"));
    if (items && items.type === 'object') {
      const seen = new Set<string>();
      for (const k of mapKeys) {
        const ps = propertyOf(items, k);
        if (ps) {
          if (ps.type === 'array' || ps.type === 'object') {
            errs.push(invalid(`${path}.items.properties[${k}].type`, asStr(items.type), "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          }
        } else errs.push(invalid(`${path}.x-kubernetes-list-map-keys`, goStringSlice(mapKeys), 'entries must all be names of item properties'));
        if (seen.has(k)) errs.push(invalid(`${path}.x-kubernetes-list-map-keys`, goStringSlice(mapKeys), 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  if (opts.requireMapListKeysMapSetValidation) errs.push(...mapListKeysMapSet(s, path));
  asArr(s['x-kubernetes-validations']).forEach((raw, i) => errs.push(...validationRuleErrors(asObj(raw), `${path}.x-kubernetes-validations[${i}]`)));
  return errs;
}

function mapListKeysMapSet(s: Schema, path: string): FieldError[] {
  const items = itemsOf(s);
  const listType = s['x-kubernetes-list-type'];
  if (!items || (listType !== 'set' && listType !== 'map')) return [];
  const errs: FieldError[] = [];
  if (items.nullable === true) errs.push(forbidden(`${path}.items.nullable`, `cannot be nullable when x-kubernetes-list-type is ${listType}`));
  if (listType === 'map') {
    const req = new Set(asArr(items.required).map(asStr));
    for (const k of asArr(s['x-kubernetes-list-map-keys']).map(asStr)) {
      const ps = propertyOf(items, k);
      if (!ps) continue;
      if (!req.has(k) && defaultOf(ps) === undefined) {
        errs.push(required(`${path}.items.properties[${k}].default`, 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
      }
      if (ps.nullable === true) errs.push(forbidden(`${path}.items.properties[${k}].nullable`, 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
    }
  }
  return errs;
}

function validationRuleErrors(rule: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = asStr(rule.rule).trim();
  const msg = asStr(rule.message);
  const trimmedMsg = msg.trim();
  const newline = (x: string) => /[\n\r]/.test(x);
  if (r.length === 0) errs.push(required(`${path}.rule`, 'rule is not specified'));
  else if (msg.length > 0 && trimmedMsg.length === 0) errs.push(invalid(`${path}.message`, msg, 'message must be non-empty if specified'));
  else if (newline(trimmedMsg)) errs.push(invalid(`${path}.message`, msg, 'message must not contain line breaks'));
  else if (newline(r) && trimmedMsg.length === 0) errs.push(required(`${path}.message`, 'message must be specified if rule contains line breaks'));
  const me = asStr(rule.messageExpression);
  if (me.length > 0 && me.trim().length === 0) errs.push(required(`${path}.messageExpression`, 'messageExpression must be non-empty if specified'));
  if (typeof rule.reason === 'string' && !SUPPORTED_VALIDATION_REASONS.includes(rule.reason)) {
    errs.push(notSupported(`${path}.reason`, rule.reason, SUPPORTED_VALIDATION_REASONS));
  }
  const fp = asStr(rule.fieldPath);
  if (fp.length > 0 && fp.trim().length === 0) errs.push(invalid(`${path}.fieldPath`, fp, 'fieldPath must be non-empty if specified'));
  if (newline(fp)) errs.push(invalid(`${path}.fieldPath`, fp, 'fieldPath must not contain line breaks'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Structural schemas (pkg/apiserver/schema: NewStructural, ValidateStructural)

/** NewStructural's refusal of a schema, or undefined when it converts. */
export function newStructuralError(s: unknown, depth = 0): string | undefined {
  if (!isObj(s) || depth > 2000) return undefined;
  if (asStr(s.id) !== '') return "OpenAPIV3Schema 'id' is not supported";
  if (asStr(s.$schema) !== '') return "OpenAPIV3Schema 'schema' is not supported";
  if (asStr(s.$ref) !== '') return "OpenAPIV3Schema '$ref' is not supported";
  if (isObj(s.patternProperties) && Object.keys(s.patternProperties).length > 0) return "OpenAPIV3Schema 'patternProperties' is not supported";
  if (isObj(s.dependencies) && Object.keys(s.dependencies).length > 0) return "OpenAPIV3Schema 'dependencies' is not supported";
  if (s.additionalItems !== undefined && s.additionalItems !== null) return "OpenAPIV3Schema 'additionalItems' is not supported";
  if (isObj(s.definitions) && Object.keys(s.definitions).length > 0) return "OpenAPIV3Schema 'definitions' is not supported";
  const rec = (x: unknown) => newStructuralError(x, depth + 1);
  for (const x of [s.not, ...asArr(s.allOf), ...asArr(s.anyOf), ...asArr(s.oneOf)]) {
    const e = rec(x);
    if (e) return e;
  }
  if (isObj(s.additionalProperties)) {
    const e = rec(s.additionalProperties);
    if (e) return e;
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined";
  if (Array.isArray(s.items) && s.items.length > 0) return "OpenAPIV3Schema 'items' must be a schema, but is an array";
  const e = rec(s.items);
  if (e) return e;
  for (const k of sortedKeys(s.properties)) {
    const pe = rec(s.properties[k]);
    if (pe) return pe;
  }
  return undefined;
}

type Level = 'root' | 'item' | 'field';

const INT_OR_STRING_ANY_OF = canonicalJSON([{ type: 'integer' }, { type: 'string' }]);

function isIntOrStringAnyOf(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && canonicalJSON(v) === INT_OR_STRING_ANY_OF;
}

/**
 * ValidateStructural: the structural-schema rules (types everywhere, value validations only
 * inside allOf/anyOf/oneOf/not and only for fields specified outside them, metadata restricted
 * to name and generateName, the extension rules), errors sorted as upstream sorts them.
 */
export function validateStructural(schema: Schema, path: string): FieldError[] {
  const errs = [...structuralInvariants(schema, 'root', path, 0), ...structuralCompleteness(schema, path)];
  return errs.sort((a, b) => (errorString(a) < errorString(b) ? -1 : errorString(a) > errorString(b) ? 1 : 0));
}

function structuralInvariants(s: Schema, lvl: Level, path: string, depth: number): FieldError[] {
  if (depth > 2000) return [];
  const errs: FieldError[] = [];
  const type = asStr(s.type);
  const items = itemsOf(s);
  if (type === 'array' && !items) errs.push(required(`${path}.items`, 'must be specified'));
  if (items) errs.push(...structuralInvariants(items, 'item', `${path}.items`, depth + 1));
  for (const k of sortedKeys(s.properties)) {
    errs.push(...structuralInvariants(propertyOf(s, k) as Schema, 'field', `${path}.properties[${k}]`, depth + 1));
  }
  const addl = additionalOf(s);
  if (addl) {
    if (lvl === 'root') errs.push(forbidden(`${path}.additionalProperties`, 'must not be used at the root'));
    if (addl.schema) errs.push(...structuralInvariants(addl.schema, 'field', `${path}.additionalProperties`, depth + 1));
  }
  const ios = isIntOrString(s);
  if (ios && preservesUnknown(s)) errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true'));
  if (ios && isEmbedded(s)) errs.push(invalid(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true'));

  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const allOf = asArr(s.allOf);
  const skipFirstAllOfAnyOf = allOf.length >= 1 && isIntOrStringAnyOf(asObj(allOf[0]).anyOf);
  errs.push(...valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, path, depth));

  const embedded = isEmbedded(s);
  const checkMetadata = lvl === 'root' || embedded;
  if (embedded && type !== 'object') {
    if (type === '') errs.push(required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalid(`${path}.type`, type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (type === '' && !ios && !preservesUnknown(s)) {
    const detail = lvl === 'root' ? 'must not be empty at the root' : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    errs.push(required(`${path}.type`, detail));
  }
  if (embedded && addl) errs.push(forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && type !== '' && type !== 'object') errs.push(invalid(`${path}.type`, type, 'must be object at the root'));
  for (const k of ['kind', 'apiVersion']) {
    const ps = propertyOf(s, k);
    if (ps && checkMetadata && ps.type !== 'string') errs.push(invalid(`${path}.properties[${k}].type`, asStr(ps.type), 'must be string'));
  }
  const metadata = propertyOf(s, 'metadata');
  if (metadata) errs.push(...metadataInvariants(metadata, checkMetadata, lvl, `${path}.properties[metadata]`));
  if (embedded && !preservesUnknown(s) && Object.keys(propertiesOf(s) ?? {}).length === 0) {
    errs.push(required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  return errs;
}

function metadataInvariants(s: Schema, checkMetadata: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && s.type !== 'object') errs.push(invalid(`${path}.type`, asStr(s.type), 'must be object'));
  if (lvl === 'root') {
    // only name and generateName may be restricted: anything else structural makes it forbidden
    const props = Object.keys(propertiesOf(s) ?? {});
    const onlyNames = props.every((k) => k === 'name' || k === 'generateName');
    let other = !onlyNames;
    for (const key of Object.keys(s)) {
      if (key === 'type' || key === 'default' || key === 'properties') continue;
      if (key === 'description' || key === 'title') {
        if (asStr(s[key]) !== '') other = true;
        continue;
      }
      if (key === 'nullable' || key === 'x-kubernetes-embedded-resource' || key === 'x-kubernetes-int-or-string' || key === 'exclusiveMaximum' || key === 'exclusiveMinimum' || key === 'uniqueItems') {
        if (s[key] === true) other = true;
        continue;
      }
      if (key === 'format' || key === 'pattern') {
        if (asStr(s[key]) !== '') other = true;
        continue;
      }
      if (key === 'example' || key === 'externalDocs' || key === 'id' || key === '$schema' || key === 'patternProperties' || key === 'definitions' || key === 'dependencies' || key === 'additionalItems') {
        continue; // not kept in the structural schema
      }
      if (s[key] !== undefined && s[key] !== null) other = true;
    }
    if (other) errs.push(forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  return errs;
}

const NESTED_FORBIDDEN: [string, string, (v: unknown) => boolean][] = [
  ['type', 'must be empty to be structural', (v) => asStr(v) !== ''],
  ['additionalProperties', 'must be undefined to be structural', (v) => v !== undefined && v !== null],
  ['default', 'must be undefined to be structural', (v) => v !== undefined && v !== null],
  ['title', 'must be empty to be structural', (v) => asStr(v) !== ''],
  ['description', 'must be empty to be structural', (v) => asStr(v) !== ''],
  ['nullable', 'must be false to be structural', (v) => v === true],
  ['x-kubernetes-preserve-unknown-fields', 'must be false to be structural', (v) => v === true],
  ['x-kubernetes-embedded-resource', 'must be false to be structural', (v) => v === true],
  ['x-kubernetes-int-or-string', 'must be false to be structural', (v) => v === true],
  ['x-kubernetes-list-map-keys', 'must be empty to be structural', (v) => asArr(v).length > 0],
  ['x-kubernetes-list-type', 'must be undefined to be structural', (v) => v !== undefined && v !== null],
  ['x-kubernetes-map-type', 'must be undefined to be structural', (v) => v !== undefined && v !== null],
  ['x-kubernetes-validations', 'must be empty to be structural', (v) => asArr(v).length > 0],
];

function valueValidation(v: Schema, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, path: string, depth: number): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf) asArr(v.anyOf).forEach((x, i) => errs.push(...nestedValueValidation(asObj(x), false, lvl, `${path}.anyOf[${i}]`, depth + 1)));
  asArr(v.allOf).forEach((x, i) => errs.push(...nestedValueValidation(asObj(x), skipFirstAllOfAnyOf && i === 0, lvl, `${path}.allOf[${i}]`, depth + 1)));
  asArr(v.oneOf).forEach((x, i) => errs.push(...nestedValueValidation(asObj(x), false, lvl, `${path}.oneOf[${i}]`, depth + 1)));
  if (isObj(v.not)) errs.push(...nestedValueValidation(v.not, false, lvl, `${path}.not`, depth + 1));
  if (typeof v.pattern === 'string' && v.pattern !== '') {
    const re = compileRE2(v.pattern);
    if (re instanceof RegexpSyntaxError) errs.push(invalid(`${path}.pattern`, v.pattern, `must be a valid regular expression, but isn't: ${re.message}`));
  }
  return errs;
}

function nestedValueValidation(v: Schema, skipAnyOf: boolean, lvl: Level, path: string, depth: number): FieldError[] {
  if (depth > 2000) return [];
  const errs = valueValidation(v, skipAnyOf, false, lvl, path, depth);
  if (isObj(v.items)) errs.push(...nestedValueValidation(v.items, false, lvl, `${path}.items`, depth + 1));
  for (const k of sortedKeys(v.properties)) {
    errs.push(...nestedValueValidation(asObj(v.properties[k]), false, 'field', `${path}.properties[${k}]`, depth + 1));
  }
  for (const [key, detail, set] of NESTED_FORBIDDEN) if (set(v[key])) errs.push(forbidden(`${path}.${key}`, detail));
  if (isObj(v.properties) && has(v.properties, 'metadata')) errs.push(forbidden(`${path}.properties[metadata]`, 'must not be specified in a nested context'));
  return errs;
}

function structuralCompleteness(s: Schema, path: string): FieldError[] {
  return completenessOf(s, s, path, path, 0);
}

/** validateValueValidationCompleteness: value validation `v` against structural node `s`. */
function completenessOf(v: Schema, s: Schema | undefined, sPath: string, vPath: string, depth: number): FieldError[] {
  if (depth > 2000) return [];
  if (!s) return [required(sPath, `because it is defined in ${vPath}`)];
  const errs: FieldError[] = [];
  if (isObj(v.not)) errs.push(...nestedCompleteness(v.not, s, sPath, `${vPath}.not`, depth + 1));
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    asArr(v[key]).forEach((x, i) => errs.push(...nestedCompleteness(asObj(x), s, sPath, `${vPath}.${key}[${i}]`, depth + 1)));
  }
  return errs;
}

function nestedCompleteness(v: Schema, s: Schema, sPath: string, vPath: string, depth: number): FieldError[] {
  const errs = completenessOf(v, s, sPath, vPath, depth);
  if (isObj(v.items)) {
    const si = itemsOf(s);
    if (!si) errs.push(required(`${sPath}.items`, `because it is defined in ${vPath}.items`));
    else errs.push(...nestedCompleteness(v.items, si, `${sPath}.items`, `${vPath}.items`, depth + 1));
  }
  for (const k of sortedKeys(v.properties)) {
    const sp = propertyOf(s, k);
    if (!sp) errs.push(required(`${sPath}.properties[${k}]`, `because it is defined in ${vPath}.properties[${k}]`));
    else errs.push(...nestedCompleteness(asObj(v.properties[k]), sp, `${sPath}.properties[${k}]`, `${vPath}.properties[${k}]`, depth + 1));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Defaults (schema/defaulting ValidateDefaults)

/** Calls fn for every node with its `insideMeta` flag, following items and properties. */
function walkDefaults(root: Schema, isResourceRoot: boolean, fn: (s: Schema, path: string, insideMeta: boolean) => void, path = ''): void {
  const visit = (s: Schema, p: string, insideMeta: boolean, embedded: boolean, depth: number) => {
    if (depth > 2000) return;
    const meta = embedded ? false : insideMeta;
    fn(s, p, meta);
    const items = itemsOf(s);
    if (items) visit(items, `${p}.items`, meta, isEmbedded(items), depth + 1);
    for (const k of sortedKeys(s.properties)) {
      const ps = propertyOf(s, k) as Schema;
      const subMeta = meta || ((embedded || isEmbedded(s)) && META_FIELDS.has(k));
      visit(ps, `${p}.properties[${k}]`, subMeta, isEmbedded(ps), depth + 1);
    }
  };
  visit(root, path, false, isResourceRoot || isEmbedded(root), 0);
}

function validateDefaults(schema: Schema, path: string, requirePruned: boolean): FieldError[] {
  const errs: FieldError[] = [];
  walkDefaults(
    schema,
    true,
    (s, p, insideMeta) => {
      const d = defaultOf(s);
      if (!d) return;
      const at = `${p}.default`;
      if (!insideMeta && requirePruned) {
        const pruned = deepCopy(d.value);
        prune(pruned, s, { isResourceRoot: isEmbedded(s) });
        if (!deepEqualGo(pruned, d.value)) errs.push(invalid(at, badValue(d.value), 'must not have unknown fields'));
      }
      const embeddedErrs = validateEmbeddedResources(d.value, s, at);
      if (embeddedErrs.length > 0) errs.push(...embeddedErrs);
      else errs.push(...validateValues(d.value, s, at));
    },
    path,
  );
  return errs;
}
