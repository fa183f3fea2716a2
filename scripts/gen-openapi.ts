// Generates src/api/openapi/definitions.json: the schema catalogue behind /openapi/v2 and
// /openapi/v3. It reads the declaration files of `kubernetes-types` (whose JSDoc comments carry
// upstream's descriptions) with the TypeScript compiler API and writes one Swagger 2.0 style
// schema per type, named as upstream names its definitions (`io.k8s.api.core.v1.PodSpec`),
// with `$ref`s between them, `required` from the non-optional properties, and the
// `x-kubernetes-*` extensions from the table in src/api/openapi/extensions.ts.
//
// Patch strategies and merge keys come from the strategic-merge-patch table
// (src/api/patch/schema.ts) when it is there, so that there is one table of them; the copy in
// extensions.ts is the fallback, and differences between the two are reported on stderr.
//
//   node --import tsx scripts/gen-openapi.ts [--check]
//
// `--check` exits 1 when the committed file differs from what would be written. The output is
// deterministic: definitions and properties are sorted, and nothing depends on time or paths.

import { readFileSync, writeFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import ts from 'typescript';
import { EXTENSIONS, FORMATS, INT64_FIELDS, MAP_TYPES, DOUBLE_FIELDS } from '../src/api/openapi/extensions.ts';
import type { Schema } from '../src/api/openapi/schema.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const typesDir = dirname(require.resolve('kubernetes-types/package.json', { paths: [root] }));
const typesVersion = (JSON.parse(readFileSync(join(typesDir, 'package.json'), 'utf8')) as { version: string }).version;
const OUT = join(root, 'src/api/openapi/definitions.json');

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Upstream definition-name prefix of a module of kubernetes-types (`core/v1` → `io.k8s.api.core.v1`). */
function prefixOf(module: string): string {
  switch (module) {
    case 'meta/v1':
      return META;
    case 'runtime':
      return 'io.k8s.apimachinery.pkg.runtime';
    case 'api/resource':
      return 'io.k8s.apimachinery.pkg.api.resource';
    case 'version':
      return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default: {
      const [group, version] = module.split('/');
      if (!group || !version) throw new Error(`unexpected module ${module}`);
      return `io.k8s.api.${group}.${version}`;
    }
  }
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The text of the JSDoc comment right before a node, with the comment markers removed. */
function jsdoc(node: ts.Node, text: string): string | undefined {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  const last = ranges.filter((r) => text.startsWith('/**', r.pos)).pop();
  if (!last) return undefined;
  const raw = text.slice(last.pos + 3, last.end - 2);
  const lines = raw.split('\n').map((l, i, all) => {
    if (all.length === 1) return l.trim();
    // ` * text` → `text`; keep indentation (tabs) after the marker.
    const m = /^\s*\* ?(.*)$/.exec(l);
    return m ? m[1]! : l.trim();
  });
  while (lines.length && lines[0]!.trim() === '') lines.shift();
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  const s = lines.map((l) => l.replace(/\s+$/, '')).join('\n');
  return s === '' ? undefined : s;
}

interface Ctx {
  module: string;
  /** Names declared in this module. */
  local: Set<string>;
  /** Imported name → module it comes from. */
  imports: Map<string, string>;
  /** `Type.field` for the format/int64 tables. */
  owner: string;
  field: string;
}

function refTo(name: string, ctx: Ctx): Schema {
  const module = ctx.local.has(name) ? ctx.module : ctx.imports.get(name);
  if (!module) throw new Error(`${ctx.module}: cannot resolve type ${name}`);
  return { $ref: `#/definitions/${prefixOf(module)}.${name}` };
}

function numberSchema(ctx: Ctx): Schema {
  const key = `${ctx.owner}.${ctx.field}`;
  if (DOUBLE_FIELDS.has(key)) return { type: 'number', format: 'double' };
  if (INT64_FIELDS.has(ctx.field) || INT64_FIELDS.has(key)) return { type: 'integer', format: 'int64' };
  return { type: 'integer', format: 'int32' };
}

function typeToSchema(node: ts.TypeNode, ctx: Ctx): Schema {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: 'string' };
    case ts.SyntaxKind.NumberKeyword:
      return numberSchema(ctx);
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case ts.SyntaxKind.LiteralType:
      return { type: 'string' };
  }
  if (ts.isParenthesizedTypeNode(node)) return typeToSchema(node.type, ctx);
  if (ts.isArrayTypeNode(node)) return { type: 'array', items: typeToSchema(node.elementType, ctx) };
  if (ts.isUnionTypeNode(node)) {
    const kinds = node.types.map((t) => t.kind).sort();
    if (kinds.length === 2 && kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) {
      return { $ref: `#/definitions/${INT_OR_STRING}` };
    }
    throw new Error(`${ctx.owner}.${ctx.field}: unsupported union ${node.getText()}`);
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    if (name === 'Array') {
      const arg = node.typeArguments?.[0];
      if (!arg) throw new Error(`${ctx.owner}.${ctx.field}: Array without element type`);
      return { type: 'array', items: typeToSchema(arg, ctx) };
    }
    return refTo(name, ctx);
  }
  if (ts.isTypeLiteralNode(node)) {
    const index = node.members.find(ts.isIndexSignatureDeclaration);
    if (index && node.members.length === 1) return { type: 'object', additionalProperties: typeToSchema(index.type, ctx) };
  }
  throw new Error(`${ctx.owner}.${ctx.field}: unsupported type ${node.getText()}`);
}

function parseApiVersion(v: string): { group: string; version: string } {
  const i = v.indexOf('/');
  return i < 0 ? { group: '', version: v } : { group: v.slice(0, i), version: v.slice(i + 1) };
}

function literalOf(node: ts.TypeNode | undefined): string | undefined {
  if (node && ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return node.literal.text;
  return undefined;
}

/** Definitions kubernetes-types does not have (they are inlined there) or renders differently. */
function handWritten(): Record<string, Schema> {
  return {
    [INT_OR_STRING]: {
      description:
        'IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This allows you to have, for example, a JSON field that can accept a name or number.',
      type: 'string',
      format: 'int-or-string',
    },
  };
}

/**
 * Fields of Go structs embedded inline (`Rule` in admissionregistration's RuleWithOperations),
 * which kubernetes-types leaves out of the embedding type.
 */
function addInlinedFields(defs: Record<string, Schema>): void {
  const ruleFields: Record<string, Schema> = {
    resources: {
      description:
        "Resources is a list of resources this rule applies to. 'pods' means pods, 'pods/log' the log subresource of pods, '*' all resources (not subresources), 'pods/*' all subresources of pods, '*/scale' the scale subresource of every resource, '*/*' everything.",
      type: 'array',
      items: { type: 'string', default: '' },
      'x-kubernetes-list-type': 'atomic',
    },
    scope: {
      description: 'Scope says whether the rule applies to cluster-scoped resources ("Cluster"), namespaced ones ("Namespaced") or both ("*", the default).',
      type: 'string',
    },
  };
  for (const name of Object.keys(defs)) {
    if (!/^io\.k8s\.api\.admissionregistration\.[^.]+\.(Named)?RuleWithOperations$/.test(name)) continue;
    const def = defs[name]!;
    def.properties = { ...(def.properties ?? {}) };
    for (const [f, s] of Object.entries(ruleFields)) def.properties[f] ??= s;
    def.properties = Object.fromEntries(Object.entries(def.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

function generate(patchTable: PatchTableModule | undefined): Record<string, Schema> {
  const defs: Record<string, Schema> = handWritten();
  for (const file of walk(typesDir)) {
    const module = relative(typesDir, file).split(/[\\/]/).join(posix.sep).replace(/\.d\.ts$/, '');
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const prefix = prefixOf(module);
    const local = new Set<string>();
    const imports = new Map<string, string>();
    for (const st of sf.statements) {
      if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name) local.add(st.name.text);
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
        const from = posix.normalize(posix.join(posix.dirname(module), st.moduleSpecifier.text));
        const named = st.importClause?.namedBindings;
        if (named && ts.isNamedImports(named)) for (const el of named.elements) imports.set(el.name.text, from);
      }
    }
    for (const st of sf.statements) {
      if (ts.isTypeAliasDeclaration(st)) {
        const name = `${prefix}.${st.name.text}`;
        const description = jsdoc(st, text);
        let s: Schema;
        if (st.name.text === 'Time') s = { type: 'string', format: 'date-time' };
        else if (st.name.text === 'MicroTime') s = { type: 'string', format: 'date-time' };
        else if (st.name.text === 'Quantity') s = { type: 'string' };
        else if (st.name.text.startsWith('JSONSchemaPropsOr')) s = {};
        else throw new Error(`unexpected type alias ${name}`);
        defs[name] = description ? { description, ...s } : s;
        continue;
      }
      if (!ts.isInterfaceDeclaration(st)) continue;
      const typeName = st.name.text;
      const name = `${prefix}.${typeName}`;
      const description = jsdoc(st, text);
      const properties: Record<string, Schema> = {};
      const required: string[] = [];
      let apiVersion: string | undefined;
      let kind: string | undefined;
      const members = [...st.members].filter(ts.isPropertySignature);
      members.sort((a, b) => (a.name.getText() < b.name.getText() ? -1 : a.name.getText() > b.name.getText() ? 1 : 0));
      for (const m of members) {
        const field = ts.isStringLiteral(m.name) ? m.name.text : m.name.getText();
        if (!m.type) throw new Error(`${name}.${field}: no type`);
        const ctx: Ctx = { module, local, imports, owner: name, field };
        if (field === 'apiVersion') apiVersion = literalOf(m.type);
        if (field === 'kind') kind = literalOf(m.type);
        let s = typeToSchema(m.type, ctx);
        const fmt = FORMATS[`${name}.${field}`];
        if (fmt) s = applyFormat(s, fmt);
        const d = jsdoc(m, text);
        const ext = EXTENSIONS[name]?.[field];
        properties[field] = { ...(d ? { description: d } : {}), ...s, ...(ext ?? {}) };
        if (patchTable) {
          delete properties[field]['x-kubernetes-patch-strategy'];
          delete properties[field]['x-kubernetes-patch-merge-key'];
        }
        if (!m.questionToken) required.push(field);
      }
      const def: Schema = {};
      if (description) def.description = description;
      if (typeName === 'JSON') {
        // Any JSON value: no type, no properties.
      } else {
        def.type = 'object';
        if (members.length) def.properties = properties;
        if (required.length) def.required = required;
      }
      if (apiVersion && kind) def['x-kubernetes-group-version-kind'] = [{ ...parseApiVersion(apiVersion), kind }];
      const mapType = MAP_TYPES[name];
      if (mapType) def['x-kubernetes-map-type'] = mapType;
      defs[name] = def;
    }
  }
  addInlinedFields(defs);
  if (patchTable) applyPatchTable(defs, patchTable);
  // Every table entry must name a real definition and property, or it is a typo.
  for (const [def, fields] of Object.entries(EXTENSIONS)) {
    for (const f of Object.keys(fields)) {
      if (!defs[def]?.properties?.[f]) throw new Error(`extensions table: ${def}.${f} does not exist`);
    }
  }
  for (const def of Object.keys(MAP_TYPES)) if (!defs[def]) throw new Error(`map types table: ${def} does not exist`);
  for (const key of Object.keys(FORMATS)) {
    const i = key.lastIndexOf('.');
    if (!defs[key.slice(0, i)]?.properties?.[key.slice(i + 1)]) throw new Error(`formats table: ${key} does not exist`);
  }
  // Dangling references would make kubectl reject the whole document.
  const names = new Set(Object.keys(defs));
  const check = (s: Schema, where: string): void => {
    if (s.$ref && !names.has(s.$ref.slice('#/definitions/'.length))) throw new Error(`${where}: dangling ${s.$ref}`);
    if (s.items) check(s.items, where);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') check(s.additionalProperties, where);
    for (const [k, p] of Object.entries(s.properties ?? {})) check(p, `${where}.${k}`);
  };
  for (const [n, s] of Object.entries(defs)) check(s, n);
  const sorted: Record<string, Schema> = {};
  for (const n of Object.keys(defs).sort()) sorted[n] = defs[n]!;
  return sorted;
}

/** `format: byte` and the like go on the string itself, or on the values of a map of strings. */
function applyFormat(s: Schema, format: string): Schema {
  if (s.type === 'string') return { ...s, format };
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    return { ...s, additionalProperties: { ...s.additionalProperties, format } };
  }
  if (s.type === 'array' && s.items) return { ...s, items: { ...s.items, format } };
  throw new Error(`cannot apply format ${format}`);
}

function render(defs: Record<string, Schema>): string {
  // One definition per line: compact, and diffs stay readable.
  const lines = Object.entries(defs).map(([n, s]) => `    ${JSON.stringify(n)}: ${JSON.stringify(s)}`);
  return `{\n  "source": ${JSON.stringify(`kubernetes-types@${typesVersion}`)},\n  "definitions": {\n${lines.join(',\n')}\n  }\n}\n`;
}

type FieldSpec = string | { type?: string; strategy?: string; mergeKey?: string };
interface PatchTableModule {
  PATCH_TYPES: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>;
  PATCH_KINDS: Readonly<Record<string, readonly string[]>>;
}

async function loadPatchTable(): Promise<PatchTableModule | undefined> {
  const file = join(root, 'src/api/patch/schema.ts');
  if (!existsSync(file)) return undefined;
  try {
    const mod = (await import(pathToFileURL(file).href)) as Partial<PatchTableModule>;
    if (mod.PATCH_TYPES && mod.PATCH_KINDS) return mod as PatchTableModule;
    console.error('gen-openapi: src/api/patch/schema.ts has no PATCH_TYPES/PATCH_KINDS; using extensions.ts');
  } catch (err) {
    console.error(`gen-openapi: cannot load src/api/patch/schema.ts (${(err as Error).message}); using extensions.ts`);
  }
  return undefined;
}

/**
 * Walks the patch table from every kind it lists, along the catalogue's references, and puts
 * its strategies and merge keys on the properties they belong to.
 */
function applyPatchTable(defs: Record<string, Schema>, table: PatchTableModule): void {
  const byGvk = new Map<string, string>();
  for (const [n, s] of Object.entries(defs)) for (const g of s['x-kubernetes-group-version-kind'] ?? []) byGvk.set(`${g.group}/${g.version}/${g.kind}`, n);
  const seen = new Set<string>();
  const target = (p: Schema): string | undefined => {
    const r = p.$ref ?? p.items?.$ref ?? (typeof p.additionalProperties === 'object' ? p.additionalProperties.$ref : undefined);
    return r?.slice('#/definitions/'.length);
  };
  const visit = (def: string, typeName: string, fields: Readonly<Record<string, FieldSpec>>): void => {
    const key = `${def}|${typeName}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const [field, spec] of Object.entries(fields)) {
      const prop = defs[def]?.properties?.[field];
      if (!prop) {
        console.error(`gen-openapi: patch table: ${def} has no field ${field}`);
        continue;
      }
      const s = typeof spec === 'string' ? { type: spec } : spec;
      if (s.strategy) {
        prop['x-kubernetes-patch-strategy'] = s.strategy;
        if (s.mergeKey) prop['x-kubernetes-patch-merge-key'] = s.mergeKey;
      }
      const next = target(prop);
      if (s.type && next) visit(next, s.type, table.PATCH_TYPES[s.type] ?? {});
    }
  };
  for (const [apiVersion, kinds] of Object.entries(table.PATCH_KINDS)) {
    for (const entry of kinds) {
      const [kind = '', typeName = kind] = entry.split('=');
      const { group, version } = parseApiVersion(apiVersion);
      const def = byGvk.get(`${group}/${version}/${kind}`);
      if (!def) continue; // a kind kubernetes-types 1.30 does not have
      visit(def, typeName, { metadata: 'ObjectMeta', ...(table.PATCH_TYPES[typeName] ?? {}) });
    }
  }
  // Report where the fallback table in extensions.ts disagrees, so the two do not drift apart.
  for (const [def, fields] of Object.entries(EXTENSIONS)) {
    for (const [field, ext] of Object.entries(fields)) {
      const prop = defs[def]?.properties?.[field];
      if (!prop) continue;
      const want = `${ext['x-kubernetes-patch-strategy'] ?? ''}/${ext['x-kubernetes-patch-merge-key'] ?? ''}`;
      const got = `${prop['x-kubernetes-patch-strategy'] ?? ''}/${prop['x-kubernetes-patch-merge-key'] ?? ''}`;
      if (want !== got) console.error(`gen-openapi: ${def}.${field}: patch table says ${got}, extensions.ts says ${want}`);
    }
  }
}

const patchTable = await loadPatchTable();
if (patchTable) console.error('gen-openapi: patch strategies from src/api/patch/schema.ts');
const out = render(generate(patchTable));
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(OUT, 'utf8');
  } catch {
    // missing
  }
  if (current !== out) {
    console.error(`${relative(root, OUT)} is out of date; run: node --import tsx scripts/gen-openapi.ts`);
    process.exit(1);
  }
  console.log(`${relative(root, OUT)} is up to date`);
} else {
  writeFileSync(OUT, out);
  console.log(`wrote ${relative(root, OUT)} (${Object.keys(JSON.parse(out).definitions).length} definitions, ${out.length} bytes)`);
}
