// Defaulting and validation as the generic store's hooks: the built-in kinds' (src/api/defaults,
// src/api/validation), CustomResourceDefinitions' own (src/api/structural), and each custom
// resource's, from its CRD version's structural schema.
import { applyDefaults } from '../api/defaults/index.ts';
import { parseApiVersion, type ResourceRegistry } from '../api/registry.ts';
import {
  applyDefaults as applySchemaDefaults,
  prepareCrd,
  prune,
  validateCrd,
  validateCustomResource,
  type Schema,
} from '../api/structural/index.ts';
import { errorBody, formatErrors, type FieldError } from '../api/validation/errors.ts';
import { validate } from '../api/validation/index.ts';
import { csrFieldErrors } from '../auth/csr/index.ts';
import type { CrdManager, CrdVersion } from './crds.ts';
import type { FieldProblem, ObjectHooks, Obj } from './rest.ts';

function toFieldError(p: FieldProblem): FieldError {
  return (p.error as FieldError | undefined) ?? { type: p.type as FieldError['type'], field: p.field, detail: p.message };
}

function problems(errs: FieldError[]): FieldProblem[] {
  return errs.map((e) => ({ type: e.type, field: e.field, message: errorBody(e), error: e }));
}

const isCsr = (obj: Obj) => obj.kind === 'CertificateSigningRequest' && String(obj.apiVersion).startsWith('certificates.k8s.io/');
const isCrd = (obj: Obj) => obj.kind === 'CustomResourceDefinition' && String(obj.apiVersion).startsWith('apiextensions.k8s.io/');

export interface CustomResourceLookup {
  /** The CRD version serving `obj`'s apiVersion and kind, when it is a custom resource. */
  versionFor(obj: Obj): (CrdVersion & { namespaced: boolean }) | undefined;
}

export function crdLookup(registry: ResourceRegistry, crds: CrdManager): CustomResourceLookup {
  return {
    versionFor(obj) {
      const gv = parseApiVersion(String(obj.apiVersion ?? ''));
      const info = registry.byKind(gv.group, gv.version, String(obj.kind ?? ''));
      if (!info?.crd) return undefined;
      const v = crds.versionOf(info);
      return v ? { ...v, namespaced: info.namespaced } : undefined;
    },
  };
}

/** Prunes a custom resource by its schema; returns the dropped paths (for fieldValidation). */
export function pruneCustomResource(lookup: CustomResourceLookup, obj: Obj): string[] {
  const v = lookup.versionFor(obj);
  const schema = v?.schema?.openAPIV3Schema as Schema | undefined;
  if (!schema) return [];
  applySchemaDefaults(obj, schema);
  return prune(obj, schema, { isResourceRoot: true });
}

export function objectHooks(lookup?: CustomResourceLookup): ObjectHooks {
  return {
    applyDefaults(obj) {
      if (isCrd(obj)) {
        Object.assign(obj, prepareCrd(obj));
        return;
      }
      const v = lookup?.versionFor(obj);
      if (v) {
        const schema = v.schema?.openAPIV3Schema as Schema | undefined;
        if (schema) applySchemaDefaults(obj, schema);
        return;
      }
      applyDefaults(obj);
    },
    validate(obj, old) {
      if (isCrd(obj)) return problems(validateCrd(obj, old));
      if (isCsr(obj)) return problems(csrFieldErrors(obj, old, ''));
      const v = lookup?.versionFor(obj);
      if (v) {
        return problems(
          validateCustomResource(obj, {
            ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema as Schema } : {}),
            ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}),
            kind: obj.kind,
            apiVersion: obj.apiVersion,
            namespaced: v.namespaced,
            ...(old ? { old } : {}),
          }),
        );
      }
      return problems(validate(obj, old));
    },
    invalidMessage: (kind, group, name, ps) => formatErrors(kind, group, name, ps.map(toFieldError)),
  };
}

export const builtinHooks: ObjectHooks = objectHooks();
