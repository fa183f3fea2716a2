// Renders the Swagger 2.0 document served at /openapi/v2.

import type { Operation, Param, PathSpec } from './operations.ts';
import type { Schema } from './schema.ts';

export interface SwaggerParameter {
  name: string;
  in: string;
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: Schema;
}

export interface SwaggerOperation {
  description: string;
  consumes?: string[];
  produces?: string[];
  schemes?: string[];
  tags?: string[];
  operationId: string;
  parameters?: SwaggerParameter[];
  responses: Record<string, { description: string; schema?: Schema }>;
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string };
  [extension: `x-${string}`]: unknown;
}

export type SwaggerPathItem = { parameters?: SwaggerParameter[] } & Partial<Record<Operation['method'], SwaggerOperation>>;

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Record<string, Schema>;
  securityDefinitions: Record<string, { type: string; name: string; in: string; description: string }>;
  security: Record<string, string[]>[];
}

export const BEARER = {
  description: 'Bearer Token authentication',
  in: 'header',
  name: 'authorization',
  type: 'apiKey',
};

function param(p: Param): SwaggerParameter {
  const out: SwaggerParameter = { name: p.name, in: p.in, description: p.description, type: p.type, uniqueItems: true };
  if (p.required) out.required = true;
  return out;
}

function operation(o: Operation): SwaggerOperation {
  const out: SwaggerOperation = { description: o.description, operationId: o.operationId, responses: {} };
  if (o.body) out.consumes = o.body.types;
  out.produces = o.produces;
  out.schemes = ['https'];
  out.tags = [o.tag];
  const params = o.params.map(param);
  if (o.body) {
    const body: SwaggerParameter = { name: 'body', in: 'body', schema: { $ref: `#/definitions/${o.body.definition}` } };
    if (o.body.required) body.required = true;
    params.unshift(body);
  }
  if (params.length) out.parameters = params;
  for (const r of o.responses) out.responses[r.code] = r.schema ? { description: r.description, schema: r.schema } : { description: r.description };
  if (o.action) out['x-kubernetes-action'] = o.action;
  if (o.gvk) out['x-kubernetes-group-version-kind'] = { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version };
  return out;
}

export function renderPaths(paths: PathSpec[]): Record<string, SwaggerPathItem> {
  const out: Record<string, SwaggerPathItem> = {};
  for (const p of paths) {
    const item: SwaggerPathItem = {};
    for (const o of p.ops) item[o.method] = operation(o);
    if (p.params.length) item.parameters = p.params.map(param);
    out[p.path] = item;
  }
  return out;
}

const V2_DROP = new Set(['oneOf', 'anyOf', 'not', 'nullable', 'x-kubernetes-int-or-string', 'x-kubernetes-validations']);

/**
 * A schema as Swagger 2.0 (and kubectl's v2 reader) accepts it: what only OpenAPI 3 has is
 * dropped, as upstream does when it publishes custom resource schemas in v2. An int-or-string
 * field loses its type (anything goes).
 */
export function toV2Schema(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (V2_DROP.has(k)) continue;
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([n, p]) => [n, toV2Schema(p)]));
    } else if (k === 'items' || k === 'additionalProperties') {
      (out as Record<string, unknown>)[k] = typeof v === 'object' && v !== null && !Array.isArray(v) ? toV2Schema(v as Schema) : v;
    } else if (k === 'allOf') {
      out.allOf = (v as Schema[]).map(toV2Schema);
    } else {
      (out as Record<string, unknown>)[k] = v;
    }
  }
  if (s['x-kubernetes-int-or-string']) delete out.type;
  // kubectl rejects the whole document over an array without exactly one item schema.
  if (out.type === 'array' && (!out.items || typeof out.items !== 'object')) delete out.type;
  // A $ref stands alone in v2 (kubectl rejects a typed reference).
  if (out.$ref) delete out.type;
  return out;
}
