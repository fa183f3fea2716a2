// Strategic merge patch, applied as kube-apiserver applies it server-side
// (k8s.io/apimachinery/pkg/util/strategicpatch StrategicMergeMapPatch, v0.36): JSON merge patch
// semantics plus, per field, the patch tags of the schema (src/api/patch/schema.ts):
//
//   - maps merge recursively (`patchStrategy: replace` replaces them); `null` deletes a member;
//   - lists are replaced, unless tagged `merge`: lists of objects then merge element by element
//     on the `patchMergeKey`, lists of primitives merge as sets;
//   - directives: `$patch: replace | delete` on a map, `$patch: delete | replace` on an element
//     of a merged list, `$retainKeys`, `$deleteFromPrimitiveList/<field>`,
//     `$setElementOrder/<field>`. (`$patch: merge` is rejected, as upstream does, in both places.)
//
// Element order in a merged list, as upstream computes it: without `$setElementOrder`, the
// elements the patch names come in the patch's order and the others keep their order, and when
// the two sequences are interleaved an element the live list lacks goes before the remaining
// live-only ones (so `containers: [{name: new}]` on [a, b] gives [new, a, b]). With
// `$setElementOrder`, the listed elements follow that order and live-only ones stay in place
// relative to them.
//
// Errors carry upstream's text and code (see errors.ts): malformed directive formats are 400,
// lists of lists 422, everything else 500 as upstream's plain errors become.
//
// Inputs are copied first; nothing passed in is changed.

import { PatchError } from './errors.ts';
import { goS, goType, goV } from './gofmt.ts';
import { deepCopy, isMap, put, type JsonMap } from './json.ts';
import { noSchema, type PatchMeta, type PatchSchema } from './schema.ts';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

type Kind = 'map' | 'primitive';

/**
 * Applies `patch` to a copy of `original` with the tags of `schema` (no tags by default) and
 * returns the result, exactly as upstream's map result: leftovers such as directive members in
 * values that were copied whole are kept (see `stripDirectives`). A `null` patch changes nothing.
 */
export function strategicMergePatch(original: JsonMap, patch: JsonMap | null, schema: PatchSchema = noSchema): JsonMap {
  if (patch === null) return deepCopy(original);
  return mergeMap(deepCopy(original), deepCopy(patch), schema);
}

/**
 * Removes directive members left in a result (inside values the patch set whole, or under a
 * `$patch: replace`), as decoding the result into the typed object does upstream.
 */
export function stripDirectives<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const x of v) stripDirectives(x);
  } else if (isMap(v)) {
    for (const k of Object.keys(v)) {
      if (
        k === DIRECTIVE ||
        k === RETAIN_KEYS ||
        k.startsWith(`${SET_ELEMENT_ORDER}/`) ||
        k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`)
      ) {
        delete v[k];
      } else {
        stripDirectives(v[k]);
      }
    }
  }
  return v;
}

// --- upstream's errors ---------------------------------------------------------------------

function noMergeKey(m: unknown, key: string): PatchError {
  return PatchError.internal(`map: ${goV(m)} does not contain declared merge key: ${key}`);
}

function badArgType(expected: 'map' | 'slice', actual: unknown): PatchError {
  const want = expected === 'map' ? 'map[string]interface {}' : '[]interface {}';
  const got = actual === null || actual === undefined ? '%!s(<nil>)' : goType(actual);
  return PatchError.internal(`expected a ${want}, but received a ${got}`);
}

function badPatchType(directive: unknown, m: JsonMap): PatchError {
  return PatchError.internal(`unknown patch type: ${goS(directive)} in map: ${goV(m)}`);
}

// --- maps ------------------------------------------------------------------------------------

function mergeMap(original: JsonMap | null, patch: JsonMap, schema: PatchSchema): JsonMap {
  if (Object.hasOwn(patch, DIRECTIVE)) return mapDirective(patch[DIRECTIVE], patch);
  const out = original ?? {};
  applyRetainKeys(out, patch);
  mergeOrderedLists(out, patch, schema);

  for (const key of Object.keys(patch)) {
    const patchV = patch[key];
    let k = key;
    let isDeleteList = false;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const target = directiveTarget(key, DELETE_FROM_PRIMITIVE_LIST);
      isDeleteList = true;
      if (target.length > 0) k = target;
    }
    if (patchV === null) {
      delete out[k];
      continue;
    }
    if (!Object.hasOwn(out, k) || goType(out[k]) !== goType(patchV)) {
      // New, or of another type: take the patch value (a delete list only ever removes).
      if (!isDeleteList) setCleaned(out, k, patchV);
      continue;
    }
    const cur = out[k];
    if (isMap(cur)) {
      const { meta, schema: sub } = schema.lookup(k);
      put(out, k, meta.strategy === 'replace' ? patchV : mergeMap(cur, patchV as JsonMap, sub));
    } else if (Array.isArray(cur)) {
      const { meta, schema: sub } = schema.lookup(k);
      put(out, k, mergeList(cur, patchV as unknown[], sub, meta, isDeleteList));
    } else {
      put(out, k, patchV);
    }
  }
  return out;
}

function mapDirective(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === 'replace') {
    delete patch[DIRECTIVE];
    return patch;
  }
  if (directive === 'delete') return {};
  throw badPatchType(directive, patch);
}

/** Sets a value taken whole from the patch: nulls in maps and `$patch` elements removed. */
function setCleaned(out: JsonMap, k: string, v: unknown): void {
  discardNulls(v);
  const kept = removeDirectives(v);
  if (kept.keep) put(out, k, kept.value);
  else delete out[k];
}

function discardNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) discardNulls(x);
  } else if (isMap(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNulls(v[k]);
    }
  }
}

/** Drops every map holding `$patch` (and the member or element holding it). */
function removeDirectives(v: unknown): { value: unknown; keep: boolean } {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const r = removeDirectives(x);
      if (r.keep) out.push(r.value);
    }
    return { value: out, keep: true };
  }
  if (isMap(v)) {
    if (Object.hasOwn(v, DIRECTIVE)) return { value: null, keep: false };
    for (const k of Object.keys(v)) {
      const r = removeDirectives(v[k]);
      if (r.keep) put(v, k, r.value);
      else delete v[k];
    }
  }
  return { value: v, keep: true };
}

/** The field a `$deleteFromPrimitiveList/<field>` or `$setElementOrder/<field>` key names. */
function directiveTarget(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw PatchError.badRequest(
      prefix === DELETE_FROM_PRIMITIVE_LIST
        ? 'invalid patch format of primitive list'
        : 'invalid patch format of setElementOrder list',
    );
  }
  return key.slice(slash + 1);
}

function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  const bad = (): PatchError => PatchError.badRequest('invalid patch format of retainKeys');
  if (!Array.isArray(list)) throw bad();
  const retained = new Set<unknown>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retained.has(k)) throw bad();
  }
  for (const k of Object.keys(original)) if (!retained.has(k)) delete original[k];
}

/** Processes every `$setElementOrder/<field>` with its field (upstream's mergePatchIntoOriginal). */
function mergeOrderedLists(original: JsonMap, patch: JsonMap, schema: PatchSchema): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType('slice', order);
    const field = directiveTarget(key, SET_ELEMENT_ORDER);
    const foundOriginal = Object.hasOwn(original, field);
    const foundPatch = Object.hasOwn(patch, field);
    const originalList = foundOriginal ? original[field] : [];
    const patchList = foundPatch ? patch[field] : [];
    if (!Array.isArray(originalList)) throw badArgType('slice', originalList);
    if (!Array.isArray(patchList)) throw badArgType('slice', patchList);
    const { meta, schema: sub } = schema.lookup(field);
    const mergeKey = meta.mergeKey ?? '';
    validateOrder(patchList, order, mergeKey);

    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList).value as unknown[];
    else if (foundOriginal && foundPatch) merged = mergeList(originalList, patchList, sub, meta, false);
    else continue;

    const [inOrder, serverOnly] = mergeKey ? partitionMaps(merged, order, mergeKey) : partitionPrimitives(merged, order);
    const kind = elementKind(originalList, patchList);
    put(original, field, normalizeOrder(inOrder, serverOnly, order, originalList, mergeKey, kind));
    delete patch[field];
  }
}

/** The patch list must name its (non-directive) elements in the `$setElementOrder` order. */
function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? splitDeletions(patchList).kept : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p];
    if (isMap(item) && Object.hasOwn(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyEqual(item, order[o], mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw PatchError.internal(
      `the order in patch list:\n${goV(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goV(order)}`,
    );
  }
}

function mergeKeyEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isMap(left)) throw badArgType('map', left);
  if (!isMap(right)) throw badArgType('map', right);
  if (!Object.hasOwn(left, mergeKey)) throw noMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

// --- lists -----------------------------------------------------------------------------------

function mergeList(original: unknown[], patch: unknown[], schema: PatchSchema, meta: PatchMeta, isDeleteList: boolean): unknown[] {
  // A deletion list works whatever the field's strategy.
  if (meta.strategy === 'merge' || isDeleteList) return mergeSlice(original, patch, schema, meta.mergeKey ?? '', isDeleteList);
  return patch;
}

function mergeSlice(original: unknown[], patch: unknown[], schema: PatchSchema, mergeKey: string, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  let merged: unknown[];
  if (kind === 'primitive') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw PatchError.internal(`cannot merge lists without merge key for ${schema.name}`);
    [original, patch] = applyElementDirectives(original, patch, mergeKey);
    merged = original.slice();
    for (const v of patch as JsonMap[]) {
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
      const i = findByKey(merged, mergeKey, v[mergeKey]);
      if (i >= 0) merged[i] = mergeMap(merged[i] as JsonMap, v, schema);
      else merged.push(v);
    }
  }
  const [inPatch, serverOnly] = mergeKey ? partitionMaps(merged, patch, mergeKey) : partitionPrimitives(merged, patch);
  return normalizeOrder(inPatch, serverOnly, patch, original, mergeKey, kind);
}

/** Handles `$patch` elements: deletions by merge key, `replace` of the whole list. */
function applyElementDirectives(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const rest: unknown[] = [];
  let replace = false;
  for (const v of patch as JsonMap[]) {
    if (!Object.hasOwn(v, DIRECTIVE)) {
      rest.push(v);
      continue;
    }
    const directive = v[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
      for (let i = findByKey(original, mergeKey, v[mergeKey]); i >= 0; i = findByKey(original, mergeKey, v[mergeKey])) {
        original = [...original.slice(0, i), ...original.slice(i + 1)];
      }
    } else if (directive === 'replace') {
      replace = true; // keep going: other `$patch` elements are still pruned
    } else if (directive === 'merge') {
      throw PatchError.internal('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, v);
    }
  }
  return replace ? [rest, []] : [original, rest];
}

function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isMap(v)) throw PatchError.internal(`value for key ${i} is not a map`);
    if (Object.hasOwn(v, key) && v[key] === value) return i;
  }
  return -1;
}

/** All elements of the lists must have one Go type, and not be lists. */
function elementKind(...lists: unknown[][]): Kind {
  let first: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = goType(v);
      if (first === undefined) {
        first = t;
        if (Array.isArray(v)) throw PatchError.unprocessable('lists of lists are not supported');
      } else if (t !== first) {
        throw PatchError.internal(`list element types are not identical: ${goV(lists)}`);
      }
    }
  }
  if (first === undefined) throw PatchError.internal('no elements in any of the given slices');
  return first === 'map[string]interface {}' ? 'map' : 'primitive';
}

function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const named = new Set(by);
  return [list.filter((v) => named.has(v)), list.filter((v) => !named.has(v))];
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inBy: unknown[] = [];
  const others: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw badArgType('map', v);
    if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? inBy : others).push(v);
  }
  return [inBy, others];
}

function splitDeletions(list: unknown[]): { kept: unknown[]; deleted: unknown[] } {
  const kept: unknown[] = [];
  const deleted: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw badArgType('map', v);
    (v[DIRECTIVE] === 'delete' ? deleted : kept).push(v);
  }
  return { kept, deleted };
}

// --- order -----------------------------------------------------------------------------------

function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: Kind): number {
  if (kind !== 'map') return list.indexOf(item);
  const key = (x: unknown): unknown => (isMap(x) ? x[mergeKey] : undefined);
  const want = key(item);
  return list.findIndex((x) => key(x) === want);
}

/**
 * Sorts the patch's elements by `patchOrder` and the live-only ones by `serverOrder`, then
 * interleaves them: a live-only element goes first only when both are in the live list and it
 * came first there.
 */
function normalizeOrder(
  inPatch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const right = sortBy(inPatch, patchOrder, mergeKey, kind);
  const left = sortBy(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const li = indexIn(serverOrder, left[i], mergeKey, kind);
    const ri = indexIn(serverOrder, right[j], mergeKey, kind);
    if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
    else out.push(right[j++]);
  }
  return out.concat(left.slice(i), right.slice(j));
}

function sortBy(list: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let items = list;
  let deleted: unknown[] = [];
  if (kind === 'map') {
    for (const v of [...list, ...order]) {
      if (!isMap(v)) throw badArgType('map', v);
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
    }
    ({ kept: items, deleted } = splitDeletions(list));
  }
  const ranked = items.map((v, at) => ({ v, at, rank: indexIn(order, v, mergeKey, kind) }));
  ranked.sort((a, b) => (a.rank >= 0 && b.rank >= 0 ? a.rank - b.rank : 0) || a.at - b.at);
  return [...ranked.map((r) => r.v), ...deleted];
}
