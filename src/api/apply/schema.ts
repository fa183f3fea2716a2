// What server-side apply needs to know about a type: for each object, whether its members are
// declared fields (a struct), data keys (a map) or replaced as a whole (atomic); for each list,
// whether it is atomic, a set of scalars, or an associative list keyed by some of its items'
// fields. Upstream reads this from the OpenAPI schema (x-kubernetes-list-type,
// x-kubernetes-list-map-keys, x-kubernetes-map-type, falling back to the patch strategy for
// built-in lists without a list type).
//
// Sources, in order of preference:
//   - builtinSchema: the OpenAPI catalogue of the built-in types (src/api/openapi), which
//     carries the list and map types and tells structs from maps, as upstream's schema does.
//   - patchTableSchema: the strategic-merge-patch table (src/api/patch), for a built-in kind
//     the catalogue lacks: merged lists with a key are associative, without one sets.
//   - crdSchema: a CustomResourceDefinition's structural schema, or none at all (every object
//     granular, every list atomic: upstream's "deduced" type).
//
// A schema is a lazy tree of nodes; `field()` and `items()` descend. Callers with other
// sources (a CRD version's schema, a test table) implement ApplySchema themselves.

import { definitions, type Schema } from '../openapi/index.ts';
import { schemaForKind, type PatchSchema } from '../patch/index.ts';

export type ListType =
  | { readonly type: 'atomic' }
  | { readonly type: 'set' }
  | {
      readonly type: 'map';
      readonly keys: readonly string[];
      /** Values used for key fields an item omits (upstream: the key field's schema default). */
      readonly defaults?: Readonly<Record<string, unknown>>;
    };

export interface ApplySchema {
  /** What the schema expects here; `untyped` values are deduced from what they are. */
  readonly kind: 'scalar' | 'map' | 'list' | 'untyped';
  /** For an object value: declared fields, data keys, or replaced as a whole. */
  readonly map: 'struct' | 'map' | 'atomic';
  /** For a list value. */
  readonly list: ListType;
  /** The schema of a member of an object value. */
  field(name: string): ApplySchema;
  /** Whether `name` is a declared field here (upstream's "named" fields of a struct). */
  named(name: string): boolean;
  /** The schema of a list's items. */
  items(): ApplySchema;
}

const ATOMIC: ListType = { type: 'atomic' };

/** Anything, deduced from the value: objects granular with data keys, lists atomic. */
export const deducedSchema: ApplySchema = {
  kind: 'untyped',
  map: 'map',
  list: ATOMIC,
  field: () => deducedSchema,
  named: () => false,
  items: () => deducedSchema,
};

/** A scalar; an object or list found here anyway is a single leaf. */
export const scalarSchema: ApplySchema = {
  kind: 'scalar',
  map: 'atomic',
  list: ATOMIC,
  field: () => deducedSchema,
  named: () => false,
  items: () => deducedSchema,
};

// ---------------------------------------------------------------------------------------------
// OpenAPI schemas

const REF = '#/definitions/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/**
 * Defaults of list-map key fields that the catalogue does not carry but upstream's OpenAPI does
 * (`protocol` defaults to TCP, so `k:{"containerPort":80,"protocol":"TCP"}` names a port
 * applied without one).
 */
const KEY_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'io.k8s.api.core.v1.ContainerPort': { protocol: 'TCP' },
  'io.k8s.api.core.v1.ServicePort': { protocol: 'TCP' },
};

interface OpenAPIContext {
  resolve(name: string): Schema | undefined;
  /** Built-in schemas fall back to the patch strategy for lists without a list type. */
  patchStrategyLists: boolean;
  cache: WeakMap<Schema, ApplySchema>;
}

function refName(s: Schema): string | undefined {
  const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]?.$ref : undefined);
  return ref?.startsWith(REF) ? ref.slice(REF.length) : ref?.replace(/^#\/components\/schemas\//, '');
}

function deref(s: Schema, ctx: OpenAPIContext, seen = 0): { schema: Schema; name?: string } {
  const name = refName(s);
  if (name === undefined || seen > 32) return { schema: s };
  const target = ctx.resolve(name);
  if (!target) return { schema: {} };
  // Extensions on the referring property (list types, map types) apply too.
  const merged: Schema = { ...deref(target, ctx, seen + 1).schema };
  for (const [k, v] of Object.entries(s)) if (k.startsWith('x-kubernetes-')) (merged as Record<string, unknown>)[k] = v;
  return { schema: merged, name };
}

function listTypeOf(s: Schema, itemsName: string | undefined, items: Schema | undefined, ctx: OpenAPIContext): ListType {
  const declared = s['x-kubernetes-list-type'];
  let type: ListType['type'] = 'atomic';
  let keys: readonly string[] = [];
  if (declared === 'set' || declared === 'atomic') type = declared;
  else if (declared === 'map') {
    type = 'map';
    keys = s['x-kubernetes-list-map-keys'] ?? [];
  } else if (declared === undefined && ctx.patchStrategyLists && (s['x-kubernetes-patch-strategy'] ?? '').split(',').includes('merge')) {
    const key = s['x-kubernetes-patch-merge-key'];
    if (key) {
      type = 'map';
      keys = [key];
    } else type = 'set';
  }
  if (type !== 'map') return { type };
  if (keys.length === 0) return ATOMIC;
  const defaults: Record<string, unknown> = { ...(itemsName ? KEY_DEFAULTS[itemsName] : undefined) };
  const props = items?.properties ?? {};
  for (const k of keys) {
    const d = Object.hasOwn(props, k) ? props[k]?.default : undefined;
    if (d !== undefined) defaults[k] = d;
  }
  return Object.keys(defaults).length ? { type, keys, defaults } : { type, keys };
}

function openAPINode(input: Schema, ctx: OpenAPIContext): ApplySchema {
  const cached = ctx.cache.get(input);
  if (cached) return cached;
  const { schema: s } = deref(input, ctx);
  const atomicMap = s['x-kubernetes-map-type'] === 'atomic';
  let node: ApplySchema;
  if (s.properties && Object.keys(s.properties).length > 0) {
    const props = s.properties;
    const extra = s.additionalProperties;
    const fields = new Map<string, ApplySchema>();
    node = {
      kind: 'map',
      map: atomicMap ? 'atomic' : 'struct',
      list: ATOMIC,
      named: (name) => Object.hasOwn(props, name),
      field: (name) => {
        let f = fields.get(name);
        if (!f) {
          const p = Object.hasOwn(props, name) ? props[name] : undefined;
          f = p ? openAPINode(p, ctx) : typeof extra === 'object' ? openAPINode(extra, ctx) : deducedSchema;
          fields.set(name, f);
        }
        return f;
      },
      items: () => deducedSchema,
    };
  } else if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
    const extra = s.additionalProperties;
    let elem: ApplySchema | undefined;
    node = {
      kind: 'map',
      map: atomicMap ? 'atomic' : 'map',
      list: ATOMIC,
      named: () => false,
      field: () => (elem ??= typeof extra === 'object' ? openAPINode(extra, ctx) : deducedSchema),
      items: () => deducedSchema,
    };
  } else if (s.type === 'array') {
    const items = s.items;
    const resolved = items ? deref(items, ctx) : undefined;
    const list = listTypeOf(s, resolved?.name, resolved?.schema, ctx);
    let elem: ApplySchema | undefined;
    node = {
      kind: 'list',
      map: 'atomic',
      list,
      named: () => false,
      field: () => deducedSchema,
      items: () => (elem ??= items ? openAPINode(items, ctx) : deducedSchema),
    };
  } else if (
    s.type === 'string' ||
    s.type === 'integer' ||
    s.type === 'number' ||
    s.type === 'boolean' ||
    s['x-kubernetes-int-or-string'] === true
  ) {
    node = scalarSchema;
  } else {
    // An object without properties (RawExtension, JSON), preserve-unknown-fields, no type.
    node = atomicMap ? { ...deducedSchema, map: 'atomic' } : deducedSchema;
  }
  ctx.cache.set(input, node);
  return node;
}

/** A node over an OpenAPI schema whose `$ref`s resolve with `resolve` (definition name → schema). */
export function openAPISchema(
  root: Schema,
  resolve: (name: string) => Schema | undefined,
  opts: { patchStrategyLists?: boolean } = {},
): ApplySchema {
  return openAPINode(root, { resolve, patchStrategyLists: opts.patchStrategyLists ?? false, cache: new WeakMap() });
}

let builtinIndex: Map<string, string> | undefined;
const builtinCache = new Map<string, ApplySchema | null>();
let builtinContext: OpenAPIContext | undefined;

function catalogue(): { index: Map<string, string>; ctx: OpenAPIContext } {
  const defs = definitions();
  if (!builtinIndex) {
    builtinIndex = new Map();
    for (const [name, s] of Object.entries(defs)) {
      for (const g of s['x-kubernetes-group-version-kind'] ?? []) {
        const key = `${g.group ? `${g.group}/` : ''}${g.version}/${g.kind}`;
        if (!builtinIndex.has(key)) builtinIndex.set(key, name);
      }
    }
  }
  builtinContext ??= {
    resolve: (n) => (Object.hasOwn(defs, n) ? defs[n] : undefined),
    patchStrategyLists: true,
    cache: new WeakMap(),
  };
  return { index: builtinIndex, ctx: builtinContext };
}

/** The schema of a built-in kind from the OpenAPI catalogue; undefined when it has none. */
export function builtinSchema(apiVersion: string, kind: string): ApplySchema | undefined {
  const id = `${apiVersion}/${kind}`;
  const hit = builtinCache.get(id);
  if (hit !== undefined) return hit ?? undefined;
  const { index, ctx } = catalogue();
  const name = index.get(id);
  // Lists (FooList) and meta kinds share definitions across groups; only real kinds count.
  const node = name && !name.startsWith(`${META}.`) ? openAPINode({ $ref: REF + name }, ctx) : undefined;
  builtinCache.set(id, node ?? null);
  return node;
}

let objectMeta: ApplySchema | undefined;

/** ObjectMeta, as every kind (custom resources too) has it. */
export function objectMetaSchema(): ApplySchema {
  return (objectMeta ??= openAPINode({ $ref: `${REF}${META}.ObjectMeta` }, catalogue().ctx));
}

/**
 * The schema of a custom resource: its CRD version's structural schema (lists without
 * x-kubernetes-list-type are atomic, as upstream defaults them for CRDs), or, without one,
 * everything deduced. `metadata` is always ObjectMeta.
 */
export function crdSchema(openAPIV3Schema?: Schema): ApplySchema {
  const root = openAPIV3Schema ? openAPISchema(openAPIV3Schema, () => undefined) : deducedSchema;
  return withObjectMeta(root);
}

function withObjectMeta(root: ApplySchema): ApplySchema {
  return {
    kind: root.kind === 'untyped' ? 'map' : root.kind,
    map: root.map === 'atomic' ? 'map' : root.map,
    list: root.list,
    named: (name) => name === 'metadata' || name === 'apiVersion' || name === 'kind' || root.named(name),
    field: (name) => (name === 'metadata' ? objectMetaSchema() : name === 'apiVersion' || name === 'kind' ? scalarSchema : root.field(name)),
    items: () => root.items(),
  };
}

// ---------------------------------------------------------------------------------------------
// The strategic-merge-patch table

/**
 * Lists upstream keys by more than their patch merge key (x-kubernetes-list-map-keys), by the
 * list's field name and merge key.
 */
const MULTI_KEYS: Readonly<Record<string, ListType>> = {
  'ports/containerPort': { type: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } },
  'ports/port': { type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } },
  'topologySpreadConstraints/topologyKey': { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] },
};

function patchNode(schema: PatchSchema, list: ListType): ApplySchema {
  const node: ApplySchema = {
    kind: 'untyped',
    map: 'struct',
    list,
    named: () => true,
    field: (name) => {
      const { meta, schema: child } = schema.lookup(name);
      let l: ListType = ATOMIC;
      if (meta.strategy === 'merge') {
        l = meta.mergeKey
          ? (MULTI_KEYS[`${name}/${meta.mergeKey}`] ?? { type: 'map', keys: [meta.mergeKey] })
          : { type: 'set' };
      }
      return patchNode(child, l);
    },
    items: () => patchNode(schema, ATOMIC),
  };
  return node;
}

/** The schema of a built-in kind from the strategic-merge-patch table; undefined if not in it. */
export function patchTableSchema(apiVersion: string, kind: string): ApplySchema | undefined {
  const s = schemaForKind(apiVersion, kind);
  return s ? withObjectMeta(patchNode(s, ATOMIC)) : undefined;
}

/** The schema apply uses for a kind without one given: catalogue, patch table, or deduced. */
export function schemaFor(apiVersion: string, kind: string): ApplySchema {
  return builtinSchema(apiVersion, kind) ?? patchTableSchema(apiVersion, kind) ?? crdSchema();
}
