// CustomResourceDefinitions and their custom resources, as k8s.io/apiextensions-apiserver
// handles them - pure functions for the API server to call:
//
//   CRD create/update   prepareCrd (defaults + status), validateCrd, formatErrors
//   serving a CRD       crdVersions (served versions, schemas, subresources, printer columns)
//   custom resources    applyDefaults -> prune (+ pruneUnknownMetadata) -> validateCustomResource,
//                       the order of upstream's request handling (defaults are applied before
//                       pruning, so unknown fields inside defaults are pruned too); prune's paths
//                       are the `unknown field "spec.foo"` of fieldValidation=Warn/Strict
//   /scale              scaleOf, applyScale, validateScale
//
// All of it reports upstream's field paths and wording (see validation/errors.ts to print them).

import { invalid, type FieldError } from '../validation/errors.ts';
import { validateCelRules } from './cel-rules.ts';
import { goT, goV, isInt64 } from './go.ts';
import {
  isObj,
  setOwn,
  validateCustomResourceMeta,
  validateEmbeddedResources,
  validateListTypes,
  validateTypeMeta,
  validateValues,
  type CustomResourceMetaOptions,
  type Schema,
} from './schema.ts';

export type { FieldError, FieldErrorType } from '../validation/errors.ts';
export { aggregateMessage, errorBody, errorString, toStatusCauses } from '../validation/errors.ts';
export {
  applyDefaults,
  prune,
  pruneUnknownMetadata,
  validate,
  validateCustomResourceMeta,
  validateEmbeddedResources,
  validateListTypes,
  validateTypeMeta,
  validateValues,
  type CustomResourceMetaOptions,
  type PruneOptions,
  type Schema,
} from './schema.ts';
export { defaultCrd, formatErrors, newStructuralError, prepareCrd, validateCrd, validateStructural } from './validate-crd.ts';
export { compileRE2, RE2, RegexpSyntaxError } from './re2.ts';

type Obj = Record<string, any>;

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface Subresources {
  status?: Record<string, never> | Obj;
  scale?: ScaleSubresource;
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface CrdVersionInfo {
  name: string;
  served: boolean;
  storage: boolean;
  /** The version's openAPIV3Schema. */
  schema: Schema | undefined;
  subresources: Subresources | undefined;
  printerColumns: PrinterColumn[];
  deprecated: boolean;
  /** The Warning header for requests to a deprecated version (upstream's default when unset). */
  deprecationWarning: string | undefined;
}

const asObj = (v: unknown): Obj => (isObj(v) ? (v as Obj) : {});
const asStr = (v: unknown): string => (typeof v === 'string' ? v : '');

// ---------------------------------------------------------------------------------------------
// Versions

function parseKubeVersion(v: string): { rank: number; major: number; minor: number } | undefined {
  const m = /^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$/.exec(v);
  if (!m) return undefined;
  return { rank: m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2, major: Number(m[1]), minor: Number(m[3] ?? 0) };
}

/**
 * version.CompareKubeAwareVersionStrings: positive when a has the higher priority (GA before
 * beta before alpha, higher numbers first, Kubernetes-like versions before others, which sort
 * by name).
 */
export function compareKubeAwareVersions(a: string, b: string): number {
  const x = parseKubeVersion(a);
  const y = parseKubeVersion(b);
  if (!x && !y) return a < b ? 1 : a > b ? -1 : 0;
  if (!x) return -1;
  if (!y) return 1;
  if (x.rank !== y.rank) return y.rank - x.rank;
  if (x.major !== y.major) return x.major - y.major;
  return x.minor - y.minor;
}

function defaultDeprecationWarning(version: string, spec: Obj): string {
  const kind = asStr(asObj(spec.names).kind);
  const group = asStr(spec.group);
  let msg = `${group}/${version} ${kind} is deprecated`;
  const newer = (Array.isArray(spec.versions) ? spec.versions : [])
    .map(asObj)
    .filter((v) => v.served === true && v.deprecated !== true && compareKubeAwareVersions(version, asStr(v.name)) < 0)
    .map((v) => asStr(v.name))
    .sort((p, q) => compareKubeAwareVersions(q, p));
  if (newer.length > 0) msg += `; use ${group}/${newer[0]} ${kind}`;
  return msg;
}

/**
 * The served versions of a CRD, highest priority first (the order discovery lists them), with
 * what serving each needs.
 */
export function crdVersions(crd: object): CrdVersionInfo[] {
  const spec = asObj(asObj(crd).spec);
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).map(asObj).filter((v) => v.served === true);
  return versions
    .map((v): CrdVersionInfo => {
      const schema = asObj(v.schema).openAPIV3Schema;
      const sub = isObj(v.subresources) ? (v.subresources as Obj) : undefined;
      let subresources: Subresources | undefined;
      if (sub) {
        subresources = {};
        if (isObj(sub.status)) subresources.status = sub.status as Obj;
        if (isObj(sub.scale)) {
          const sc = sub.scale as Obj;
          subresources.scale = { specReplicasPath: asStr(sc.specReplicasPath), statusReplicasPath: asStr(sc.statusReplicasPath) };
          if (typeof sc.labelSelectorPath === 'string') subresources.scale.labelSelectorPath = sc.labelSelectorPath;
        }
      }
      const deprecated = v.deprecated === true;
      return {
        name: asStr(v.name),
        served: true,
        storage: v.storage === true,
        schema: isObj(schema) ? (schema as Schema) : undefined,
        subresources,
        printerColumns: (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).map(asObj).map((c) => {
          const col: PrinterColumn = { name: asStr(c.name), type: asStr(c.type), jsonPath: asStr(c.jsonPath) };
          if (typeof c.format === 'string') col.format = c.format;
          if (typeof c.description === 'string') col.description = c.description;
          if (typeof c.priority === 'number') col.priority = c.priority;
          return col;
        }),
        deprecated,
        deprecationWarning: deprecated ? (typeof v.deprecationWarning === 'string' ? v.deprecationWarning : defaultDeprecationWarning(asStr(v.name), spec)) : undefined,
      };
    })
    .sort((a, b) => compareKubeAwareVersions(b.name, a.name));
}

// ---------------------------------------------------------------------------------------------
// Scale

/** `.spec.replicas` -> ['spec', 'replicas']. */
function fieldsOf(path: string): string[] {
  return path.replace(/^\./, '').split('.');
}

const jsonPath = (fields: string[]) => '.' + fields.join('.');

/** unstructured.NestedFieldNoCopy. */
function nestedField(obj: unknown, fields: string[]): { value: unknown; found: boolean; error?: string } {
  let val: unknown = obj;
  for (let i = 0; i < fields.length; i++) {
    if (val === null || val === undefined) return { value: undefined, found: false };
    if (isObj(val)) {
      const m = val as Obj;
      if (!Object.prototype.hasOwnProperty.call(m, fields[i] as string)) return { value: undefined, found: false };
      val = m[fields[i] as string];
    } else {
      return {
        value: undefined,
        found: false,
        error: `${jsonPath(fields.slice(0, i + 1))} accessor error: ${goV(val)} is of the type ${goT(val)}, expected map[string]interface{}`,
      };
    }
  }
  return { value: val, found: true };
}

function nestedInt64(obj: unknown, fields: string[]): { value: number; found: boolean; error?: string } {
  const r = nestedField(obj, fields);
  if (!r.found || r.error) return { value: 0, found: r.found, error: r.error };
  if (typeof r.value !== 'number' || !isInt64(r.value)) {
    return { value: 0, found: false, error: `${jsonPath(fields)} accessor error: ${goV(r.value)} is of the type ${goT(r.value)}, expected int64` };
  }
  return { value: r.value, found: true };
}

function nestedString(obj: unknown, fields: string[]): { value: string; found: boolean; error?: string } {
  const r = nestedField(obj, fields);
  if (!r.found || r.error) return { value: '', found: r.found, error: r.error };
  if (typeof r.value !== 'string') {
    return { value: '', found: false, error: `${jsonPath(fields)} accessor error: ${goV(r.value)} is of the type ${goT(r.value)}, expected string` };
  }
  return { value: r.value, found: true };
}

/** Go's int32(x) of an int64. */
function int32(n: number): number {
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(n))));
}

export interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string | null };
  spec: { replicas: number };
  status: { replicas: number; selector?: string };
}

/**
 * The autoscaling/v1 Scale of a custom resource (scaleFromCustomResource): replicas read
 * through specReplicasPath and statusReplicasPath (0 when absent), the selector through
 * labelSelectorPath. Throws an Error with upstream's accessor message when a value has the
 * wrong type.
 */
export function scaleOf(obj: object, scale: ScaleSubresource): Scale {
  const spec = nestedInt64(obj, fieldsOf(scale.specReplicasPath));
  if (spec.error) throw new Error(spec.error);
  const status = nestedInt64(obj, fieldsOf(scale.statusReplicasPath));
  if (status.error) throw new Error(status.error);
  let selector = '';
  if (scale.labelSelectorPath) {
    const sel = nestedString(obj, fieldsOf(scale.labelSelectorPath));
    if (sel.error) throw new Error(sel.error);
    selector = sel.value;
  }
  const meta = asObj(asObj(obj).metadata);
  const metadata: Scale['metadata'] = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion'] as const) if (typeof meta[k] === 'string' && meta[k] !== '') metadata[k] = meta[k];
  metadata.creationTimestamp = typeof meta.creationTimestamp === 'string' ? meta.creationTimestamp : null;
  const out: Scale = {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata,
    spec: { replicas: int32(spec.value) },
    status: { replicas: int32(status.value) },
  };
  if (selector !== '') out.status.selector = selector;
  return out;
}

/**
 * Writes replicas through the scale subresource's specReplicasPath (unstructured.SetNestedField:
 * missing objects are created). Mutates and returns obj; throws when a value on the way is
 * not an object, with upstream's message.
 */
export function applyScale<T extends object>(obj: T, replicas: number, scale: ScaleSubresource): T {
  const fields = fieldsOf(scale.specReplicasPath);
  let m = obj as Obj;
  for (let i = 0; i < fields.length - 1; i++) {
    const f = fields[i] as string;
    const next = Object.prototype.hasOwnProperty.call(m, f) ? m[f] : undefined;
    if (next === undefined || next === null) {
      setOwn(m, f, {});
    } else if (!isObj(next)) {
      throw new Error(`value cannot be set because ${jsonPath(fields.slice(0, i + 1))} is not a map[string]interface{}`);
    }
    m = m[f] as Obj;
  }
  setOwn(m, fields[fields.length - 1] as string, Math.trunc(replicas));
  return obj;
}

/**
 * The replica and selector checks of an object with a scale subresource
 * (ValidateScaleSpec/ValidateScaleStatus; `statusOnly` for a /status update).
 */
export function validateScale(obj: unknown, scale: ScaleSubresource | undefined, statusOnly = false): FieldError[] {
  if (!scale) return [];
  const errs: FieldError[] = [];
  const replicas = (path: string) => {
    const r = nestedInt64(obj, fieldsOf(path));
    if (r.error) errs.push(invalid(path, r.value, r.error));
    else if (r.value < 0) errs.push(invalid(path, r.value, 'should be a non-negative integer'));
    else if (r.value > 2147483647) errs.push(invalid(path, r.value, 'should be less than or equal to 2147483647'));
  };
  if (!statusOnly) replicas(scale.specReplicasPath);
  replicas(scale.statusReplicasPath);
  if (scale.labelSelectorPath !== undefined) {
    const r = nestedString(obj, fieldsOf(scale.labelSelectorPath));
    if (r.error) errs.push(invalid(scale.labelSelectorPath, r.value, r.error));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Everything upstream checks on a custom resource

export interface CustomResourceOptions extends CustomResourceMetaOptions {
  /** The version's openAPIV3Schema. */
  schema?: Schema;
  /** The version's scale subresource, if any. */
  scale?: ScaleSubresource;
  /** `status` for writes to the /status subresource (the spec replicas are not checked). */
  subresource?: 'status';
}

/**
 * customResourceStrategy.Validate/ValidateUpdate, in upstream's order: kind and apiVersion
 * (alone when wrong), ObjectMeta, the schema, the scale replicas, embedded resources, then
 * list-type uniqueness (on update only when the stored object had none, as upstream ratchets),
 * then the CEL rules (x-kubernetes-validations; transition rules and ratcheting on update).
 */
export function validateCustomResource(obj: unknown, opts: CustomResourceOptions = {}): FieldError[] {
  const typeErrs = validateTypeMeta(obj, opts);
  if (typeErrs.length > 0) return typeErrs;
  const errs = [
    ...validateCustomResourceMeta(obj, { namespaced: opts.namespaced, old: opts.old }),
    ...validateValues(obj, opts.schema),
    ...validateScale(obj, opts.scale, opts.subresource === 'status'),
    ...validateEmbeddedResources(obj, opts.schema),
  ];
  if (opts.old === undefined || validateListTypes(opts.old, opts.schema).length === 0) errs.push(...validateListTypes(obj, opts.schema));
  errs.push(...validateCelRules(obj, opts.schema, { old: opts.old, schemaErrors: errs }));
  return errs;
}
