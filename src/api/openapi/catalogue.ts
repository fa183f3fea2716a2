// The schema catalogue (definitions.json, written by scripts/gen-openapi.ts) and the set of
// definitions one document draws from: the catalogue, the extra schemas custom resources add,
// and placeholders for kinds that have neither.

import { readFileSync } from 'node:fs';
import type { GroupVersionKind, Schema } from './schema.ts';

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const REF_V2 = '#/definitions/';

let catalogue: Record<string, Schema> | undefined;

/** Every definition of the catalogue, keyed by upstream's definition name. Read once, shared: do not mutate. */
export function definitions(): Readonly<Record<string, Schema>> {
  if (!catalogue) {
    // Next to this file in a checkout; the build (tsc) does not copy JSON into dist/, so a
    // built copy falls back to the sources beside it.
    const candidates = [new URL('./definitions.json', import.meta.url), new URL('../../../src/api/openapi/definitions.json', import.meta.url)];
    let text: string | undefined;
    for (const c of candidates) {
      try {
        text = readFileSync(c, 'utf8');
        break;
      } catch {
        // try the next one
      }
    }
    if (text === undefined) throw new Error('openapi: definitions.json not found; run node --import tsx scripts/gen-openapi.ts');
    catalogue = (JSON.parse(text) as { definitions: Record<string, Schema> }).definitions;
  }
  return catalogue;
}

export function gvkKey(g: GroupVersionKind): string {
  return `${g.group}/${g.version}/${g.kind}`;
}

/** Upstream's definition name for a custom resource: `com.example.stable.v1.CronTab` for `stable.example.com/v1 CronTab`. */
export function crdDefinitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

/** Upstream's definition name prefix of a built-in group (`apps` → `io.k8s.api.apps`). */
function builtinPrefix(group: string): string {
  if (group === '') return 'io.k8s.api.core';
  if (group === 'apiextensions.k8s.io') return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions';
  if (group === 'apiregistration.k8s.io') return 'io.k8s.kube-aggregator.pkg.apis.apiregistration';
  return `io.k8s.api.${group.replace(/\.k8s\.io$/, '').replace(/\.authorization$/, '').replace(/\.apiserver$/, '')}`;
}

const OBJECT_META_PROPS = (): Record<string, Schema> => ({
  apiVersion: {
    description:
      'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
    type: 'string',
  },
  kind: {
    description: 'Kind is a string value representing the REST resource this object represents. In CamelCase.',
    type: 'string',
  },
});

/**
 * The definitions one document is built from. Looks kinds up by their
 * x-kubernetes-group-version-kind, and makes up a permissive schema for a kind that has none
 * (a custom resource without a schema).
 */
export class DefinitionSet {
  readonly all = new Map<string, Schema>();
  private byGvk = new Map<string, string>();

  constructor(extra: Readonly<Record<string, Schema>> = {}) {
    for (const [name, s] of Object.entries(definitions())) this.put(name, s);
    for (const [name, s] of Object.entries(extra)) this.put(name, s);
  }

  private put(name: string, s: Schema): void {
    this.all.set(name, s);
    for (const g of s['x-kubernetes-group-version-kind'] ?? []) this.byGvk.set(gvkKey(g), name);
  }

  get(name: string): Schema | undefined {
    return this.all.get(name);
  }

  /** Replaces a definition (used to give DeleteOptions and WatchEvent their lists of GVKs). */
  set(name: string, s: Schema): void {
    this.put(name, s);
  }

  lookup(gvk: GroupVersionKind): string | undefined {
    return this.byGvk.get(gvkKey(gvk));
  }

  /** The definition of a kind, made up when there is none. */
  forKind(gvk: GroupVersionKind, crd: boolean): string {
    const found = this.lookup(gvk);
    if (found) return found;
    const name = crd ? crdDefinitionName(gvk.group, gvk.version, gvk.kind) : `${builtinPrefix(gvk.group)}.${gvk.version}.${gvk.kind}`;
    this.put(name, {
      description: `${gvk.kind} (no schema published: any fields are accepted)`,
      type: 'object',
      properties: { ...OBJECT_META_PROPS(), metadata: { $ref: `${REF_V2}${META}.ObjectMeta` } },
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-group-version-kind': [{ ...gvk }],
    });
    return name;
  }

  /** The definition of a list kind, made up from its item's when there is none. */
  forListKind(gvk: GroupVersionKind, itemDefinition: string, crd: boolean): string {
    const found = this.lookup(gvk);
    if (found) return found;
    const name = crd ? crdDefinitionName(gvk.group, gvk.version, gvk.kind) : `${builtinPrefix(gvk.group)}.${gvk.version}.${gvk.kind}`;
    this.put(name, {
      description: `${gvk.kind} is a list of ${itemDefinition.split('.').pop()}`,
      type: 'object',
      required: ['items'],
      properties: {
        ...OBJECT_META_PROPS(),
        items: { description: 'List of objects.', type: 'array', items: { $ref: `${REF_V2}${itemDefinition}` } },
        metadata: { description: 'Standard list metadata.', $ref: `${REF_V2}${META}.ListMeta` },
      },
      'x-kubernetes-group-version-kind': [{ ...gvk }],
    });
    return name;
  }

  /** The names reachable from `roots` through $refs (roots included), sorted. */
  closure(roots: Iterable<string>): string[] {
    const seen = new Set<string>();
    const stack = [...roots];
    const visit = (s: Schema | boolean | undefined): void => {
      if (!s || typeof s !== 'object') return;
      if (s.$ref?.startsWith(REF_V2)) stack.push(s.$ref.slice(REF_V2.length));
      visit(s.items);
      visit(s.additionalProperties);
      visit(s.not);
      for (const p of Object.values(s.properties ?? {})) visit(p);
      for (const list of [s.allOf, s.oneOf, s.anyOf]) for (const x of list ?? []) visit(x);
    };
    while (stack.length) {
      const name = stack.pop()!;
      if (seen.has(name)) continue;
      const s = this.all.get(name);
      if (!s) throw new Error(`openapi: reference to unknown definition ${name}`);
      seen.add(name);
      visit(s);
    }
    return [...seen].sort();
  }
}
