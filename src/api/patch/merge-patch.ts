// RFC 7386 JSON Merge Patch, as kube-apiserver applies it (evanphx/json-patch v4 MergePatch):
//
//   - an object patch merges member by member; `null` deletes a member; a member the document
//     lacks, or whose current value is not an object, is set to the patch value with its nulls
//     pruned (upstream prunes nulls inside arrays too, not only inside objects);
//   - an array patch becomes the whole result (nulls pruned); the API server then rejects it
//     as it cannot be decoded into an object;
//   - a `null`, string, number or boolean patch is "Invalid JSON Patch" (400).
//
// Work is done on copies; the inputs are never changed.

import { PatchError } from './errors.ts';
import { deepCopy, deepEqual, isMap, put, type JsonMap } from './json.ts';

/** Upstream's ErrBadJSONPatch text. */
export const INVALID_MERGE_PATCH = 'Invalid JSON Patch';

/** Applies a merge patch (already parsed JSON) to a copy of `doc`. Throws PatchError 400. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return pruneNulls(deepCopy(patch));
  if (!isMap(patch)) throw PatchError.badRequest(INVALID_MERGE_PATCH);
  if (!isMap(doc)) return pruneNulls(deepCopy(patch));
  const out = deepCopy(doc);
  mergeInto(out, deepCopy(patch));
  return out;
}

function mergeInto(doc: JsonMap, patch: JsonMap): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete doc[k];
    else put(doc, k, Object.hasOwn(doc, k) ? merge(doc[k], v) : pruneNulls(v));
  }
}

function merge(cur: unknown, patch: unknown): unknown {
  if (!isMap(cur)) return pruneNulls(patch);
  // Upstream returns a non-object patch value as is, without pruning nulls in it.
  if (!isMap(patch)) return patch;
  mergeInto(cur, patch);
  return cur;
}

function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    const kept = v.filter((x) => x !== null);
    for (const x of kept) pruneNulls(x);
    v.splice(0, v.length, ...kept);
  } else if (isMap(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else pruneNulls(v[k]);
    }
  }
  return v;
}

/**
 * The merge patch that turns `original` into `modified` (upstream's CreateMergePatch): changed
 * and added members, `null` for removed ones, arrays replaced whole. Nulls in `modified` cannot
 * be expressed by a merge patch and are not round-tripped.
 */
export function createMergePatch(original: JsonMap, modified: JsonMap): JsonMap {
  const patch: JsonMap = {};
  for (const [k, b] of Object.entries(modified)) {
    if (!Object.hasOwn(original, k)) {
      put(patch, k, deepCopy(b));
      continue;
    }
    const a = original[k];
    if (isMap(a) && isMap(b)) {
      const sub = createMergePatch(a, b);
      if (Object.keys(sub).length > 0) put(patch, k, sub);
    } else if (!deepEqual(a, b)) {
      put(patch, k, deepCopy(b));
    }
  }
  for (const k of Object.keys(original)) if (!Object.hasOwn(modified, k)) put(patch, k, null);
  return patch;
}
