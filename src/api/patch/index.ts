// Server side of `kubectl patch` and client-side `kubectl apply`: JSON patch (RFC 6902), JSON
// merge patch (RFC 7386) and strategic merge patch, with kube-apiserver's semantics, error
// messages and status codes. Pure functions: no I/O, inputs never changed.
//
//   applyPatch('strategic', current, body, { apiVersion: 'apps/v1', kind: 'Deployment' })
//
// `body` is the request body as received (string or bytes, parsed here so that a body that is
// not JSON is a 400 as upstream) or an already parsed JSON value.

import { PatchError } from './errors.ts';
import { unmarshalError } from './gofmt.ts';
import { goJsonSyntaxError } from './json-syntax.ts';
import { applyJsonPatch } from './json-patch.ts';
import { isMap, type JsonMap } from './json.ts';
import { applyMergePatch } from './merge-patch.ts';
import { patchSchemaFor } from './schema.ts';
import { stripDirectives, strategicMergePatch } from './strategic.ts';

export { PatchError, type PatchErrorCode } from './errors.ts';
export { applyJsonPatch, decodeJsonPatch, MAX_JSON_PATCH_OPERATIONS, type JsonPatchOperation } from './json-patch.ts';
export { applyMergePatch, createMergePatch, INVALID_MERGE_PATCH } from './merge-patch.ts';
export { strategicMergePatch, stripDirectives } from './strategic.ts';
export {
  lookupPatchMeta,
  noSchema,
  patchSchemaFor,
  schemaForKind,
  tableSchema,
  typeSchema,
  PATCH_KINDS,
  PATCH_TYPES,
  type FieldSpec,
  type PatchMeta,
  type PatchSchema,
  type TypeTable,
} from './schema.ts';
export type { JsonMap } from './json.ts';

export type PatchType = 'json' | 'merge' | 'strategic';

/** The patch type of a PATCH request's Content-Type (parameters ignored), if it is one of ours. */
export function patchTypeOf(contentType: string): PatchType | undefined {
  switch (contentType.split(';')[0]?.trim().toLowerCase()) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    default:
      return undefined;
  }
}

/**
 * Applies a patch to `original` (a decoded object) and returns the patched object, a new value.
 * `target` selects the strategic-merge-patch tags; kinds that are not built in get none.
 * Throws PatchError (400, 413, 422 or 500; see errors.ts).
 */
export function applyPatch(
  type: PatchType,
  original: object,
  patchBody: unknown,
  target: { apiVersion: string; kind: string },
): JsonMap {
  const patch = decodeBody(type, patchBody);
  let result: unknown;
  switch (type) {
    case 'json':
      result = applyJsonPatch(original, patch);
      break;
    case 'merge':
      result = applyMergePatch(original, patch);
      break;
    case 'strategic': {
      if (patch !== null && !isMap(patch)) {
        throw PatchError.badRequest(unmarshalError(patch, 'map[string]interface {}'));
      }
      if (!isMap(original)) throw PatchError.badRequest('invalid JSON document');
      result = stripDirectives(strategicMergePatch(original, patch, patchSchemaFor(target)));
      break;
    }
  }
  if (!isMap(result)) {
    // Upstream decodes the patched document into the typed object and fails here.
    throw PatchError.invalidPatchResult(
      JSON.stringify(result),
      `couldn't get version/kind; json parse error: ${unmarshalError(result, GVK_STRUCT)}`,
    );
  }
  return result;
}

const GVK_STRUCT =
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

function decodeBody(type: PatchType, body: unknown): unknown {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  else return body;
  try {
    return JSON.parse(text);
  } catch {
    // For a merge patch, upstream's json-patch library reports any syntax error with this text.
    if (type === 'merge') throw PatchError.badRequest('Invalid JSON Patch');
    throw PatchError.badRequest(goJsonSyntaxError(text));
  }
}
