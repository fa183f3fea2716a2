// Unknown fields in built-in objects. kube-apiserver decodes into typed structs, so fields the
// schema does not declare are dropped, and `fieldValidation` decides whether that is silent
// (Ignore), a warning (Warn, kubectl's default before 1.27), or an error (Strict, what kubectl
// 1.35 asks for). The schemas are the generated OpenAPI catalogue.

import { badRequest } from '../api/errors.ts';
import { definitions } from '../api/openapi/catalogue.ts';
import type { Schema } from '../api/openapi/schema.ts';
import type { ResourceInfo } from '../api/registry.ts';
import type { Obj } from './rest.ts';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

let byGvk: Map<string, string> | undefined;

function definitionFor(info: ResourceInfo): Schema | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, s] of Object.entries(definitions())) {
      for (const g of (s as Schema & { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] })[
        'x-kubernetes-group-version-kind'
      ] ?? []) {
        byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);
      }
    }
  }
  const name = byGvk.get(`${info.group}/${info.version}/${info.kind}`);
  return name ? definitions()[name] : undefined;
}

/**
 * Definitions we do not prune inside: a CRD's schemas (kubernetes-types leaves out their
 * x-kubernetes-* fields, which upstream's JSONSchemaProps carries by hand).
 */
const OPAQUE = new Set(['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps']);

function resolve(s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur && cur.$ref && i < 10; i++) {
    const name = cur.$ref.replace(/^#\/definitions\//, '');
    if (OPAQUE.has(name)) return { 'x-kubernetes-preserve-unknown-fields': true } as Schema;
    cur = definitions()[name];
  }
  if (cur?.allOf?.length === 1) return resolve(cur.allOf[0]);
  return cur;
}

/** Removes undeclared fields from `obj` (in place) and returns their paths, upstream-style. */
export function pruneUnknown(info: ResourceInfo, obj: Obj): string[] {
  const root = definitionFor(info);
  if (!root) return [];
  const unknown: string[] = [];
  const walk = (value: unknown, schema: Schema | undefined, path: string) => {
    const s = resolve(schema);
    if (!s || value === null || typeof value !== 'object') return;
    if (s['x-kubernetes-preserve-unknown-fields'] || s['x-kubernetes-int-or-string']) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, s.items as Schema | undefined, `${path}[${i}]`));
      return;
    }
    const rec = value as Record<string, unknown>;
    if (s.properties) {
      for (const key of Object.keys(rec)) {
        const ps = s.properties[key];
        if (ps) walk(rec[key], ps, path ? `${path}.${key}` : key);
        else {
          unknown.push(path ? `${path}.${key}` : key);
          delete rec[key];
        }
      }
    } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      for (const key of Object.keys(rec)) walk(rec[key], s.additionalProperties, `${path}[${key}]`);
    }
  };
  walk(obj, root, '');
  return unknown;
}

export function parseFieldValidation(v: string | null): FieldValidation {
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}`);
}

/**
 * Applies the policy: Strict fails with upstream's strict-decoding message, Warn returns the
 * warnings to send, Ignore drops the fields silently.
 */
export function checkUnknownFields(info: ResourceInfo, obj: Obj, policy: FieldValidation): string[] {
  return applyFieldValidation(info, pruneUnknown(info, obj), policy);
}

/** The policy applied to fields already pruned (built-ins above, custom resources by their schema). */
export function applyFieldValidation(info: ResourceInfo, unknown: string[], policy: FieldValidation): string[] {
  if (unknown.length === 0 || policy === 'Ignore') return [];
  const messages = unknown.map((p) => `unknown field "${p}"`);
  if (policy === 'Strict') {
    throw badRequest(
      `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: strict decoding error: ${messages.join(', ')}`,
    );
  }
  return messages;
}
