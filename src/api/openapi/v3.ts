// Renders the OpenAPI 3.0 documents served under /openapi/v3.

import { REF_V2 } from './catalogue.ts';
import type { Operation, Param, PathSpec } from './operations.ts';
import type { Schema } from './schema.ts';

export const REF_V3 = '#/components/schemas/';

export interface V3Parameter {
  name: string;
  in: string;
  description?: string;
  required?: boolean;
  schema: Schema;
}

export interface V3Operation {
  tags?: string[];
  description: string;
  operationId: string;
  parameters?: V3Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }>; required?: boolean };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string };
  [extension: `x-${string}`]: unknown;
}

export type V3PathItem = { parameters?: V3Parameter[] } & Partial<Record<Operation['method'], V3Operation>>;

export interface OpenAPIV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, V3PathItem>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; name: string; in: string; description: string }>;
  };
  security?: Record<string, string[]>[];
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/**
 * A catalogue (v2-style) schema in OpenAPI 3 form: references point into components, a
 * reference with a description of its own is wrapped in `allOf` (as upstream does), and
 * Quantity / IntOrString become `oneOf` their two shapes.
 */
export function toV3Schema(s: Schema, name?: string): Schema {
  if (name === QUANTITY) return { description: s.description, oneOf: [{ type: 'string' }, { type: 'number' }] } as Schema;
  if (name === INT_OR_STRING) return { description: s.description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] } as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    switch (k) {
      case '$ref':
        out.$ref = (v as string).startsWith(REF_V2) ? REF_V3 + (v as string).slice(REF_V2.length) : (v as string);
        break;
      case 'properties':
        out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([n, p]) => [n, toV3Schema(p)]));
        break;
      case 'items':
      case 'additionalProperties':
      case 'not':
        (out as Record<string, unknown>)[k] = typeof v === 'object' && v !== null ? toV3Schema(v as Schema) : v;
        break;
      case 'allOf':
      case 'oneOf':
      case 'anyOf':
        (out as Record<string, unknown>)[k] = (v as Schema[]).map((x) => toV3Schema(x));
        break;
      default:
        (out as Record<string, unknown>)[k] = v;
    }
  }
  if (out.$ref && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { allOf: [{ $ref }], ...rest };
  }
  return out;
}

const RESPONSE_TYPES_DEFAULT = ['application/json', 'application/yaml'];

function param(p: Param): V3Parameter {
  const out: V3Parameter = { name: p.name, in: p.in, description: p.description, schema: { type: p.type, uniqueItems: true } };
  if (p.required) out.required = true;
  return out;
}

function operation(o: Operation): V3Operation {
  const out: V3Operation = { tags: [o.tag], description: o.description, operationId: o.operationId, responses: {} };
  if (o.params.length) out.parameters = o.params.map(param);
  if (o.body) {
    const schema: Schema = { $ref: REF_V3 + o.body.definition };
    out.requestBody = { content: Object.fromEntries(o.body.types.map((t) => [t, { schema }])) };
    if (o.body.required) out.requestBody.required = true;
  }
  const types = o.produces.length ? o.produces : RESPONSE_TYPES_DEFAULT;
  for (const r of o.responses) {
    if (!r.schema) {
      out.responses[r.code] = { description: r.description };
      continue;
    }
    const schema = toV3Schema(r.schema);
    out.responses[r.code] = { description: r.description, content: Object.fromEntries(types.map((t) => [t, { schema }])) };
  }
  if (o.action) out['x-kubernetes-action'] = o.action;
  if (o.gvk) out['x-kubernetes-group-version-kind'] = { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version };
  return out;
}

export function renderV3Paths(paths: PathSpec[]): Record<string, V3PathItem> {
  const out: Record<string, V3PathItem> = {};
  for (const p of paths) {
    const item: V3PathItem = {};
    for (const o of p.ops) item[o.method] = operation(o);
    if (p.params.length) item.parameters = p.params.map(param);
    out[p.path] = item;
  }
  return out;
}

/** Definition names an operation list refers to directly. */
export function rootsOf(paths: PathSpec[]): string[] {
  const roots = new Set<string>();
  for (const p of paths) {
    for (const o of p.ops) {
      if (o.body) roots.add(o.body.definition);
      for (const r of o.responses) if (r.schema?.$ref?.startsWith(REF_V2)) roots.add(r.schema.$ref.slice(REF_V2.length));
    }
  }
  return [...roots];
}
