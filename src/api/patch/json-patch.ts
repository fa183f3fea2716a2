// RFC 6902 JSON Patch, as kube-apiserver applies it (gopkg.in/evanphx/json-patch.v4, v4.12):
// the same operations, the same error text, and the same deviations from the RFC that a user
// of a real cluster sees:
//
//   - `add` with the path "" fails (upstream finds no parent for the root); `replace` with ""
//     replaces the whole document, which must then be an object or an array.
//   - `replace` of a missing object member adds it (upstream only checks array indices).
//   - A path without a leading "/" resolves its last token against the root ("a/b" acts as "/b").
//   - Negative array indices count from the end (SupportNegativeIndices, on by default).
//   - A `null` member is treated as absent when walking a path and by `test`; `copy` or `move`
//     of an absent member writes `null`.
//
// Work is done on a deep copy; the input document is never changed.

import { PatchError } from './errors.ts';
import { goQ, unmarshalError } from './gofmt.ts';
import { deepCopy, deepEqual, isMap, put, type JsonMap } from './json.ts';

/** kube-apiserver's limit on the operations in one JSON patch (maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** One decoded operation: whatever members the client sent. */
export type JsonPatchOperation = JsonMap;

/**
 * Decodes a parsed JSON patch body into its operations. Throws PatchError 400 when the body is
 * not an array of objects (`null` is an empty patch, as in Go) and 413 past 10000 operations.
 */
export function decodeJsonPatch(patch: unknown): JsonPatchOperation[] {
  if (patch === null) return [];
  if (!Array.isArray(patch)) throw PatchError.badRequest(unmarshalError(patch, 'jsonpatch.Patch'));
  const ops: JsonPatchOperation[] = [];
  for (const op of patch) {
    if (op === null) ops.push({});
    else if (isMap(op)) ops.push(op);
    else throw PatchError.badRequest(unmarshalError(op, 'jsonpatch.Operation'));
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw PatchError.tooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  return ops;
}

/**
 * Applies a JSON patch (already parsed JSON) to a copy of `doc` and returns the copy.
 * Throws PatchError: 400/413 from decoding, 422 when an operation does not apply.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = decodeJsonPatch(patch);
  const state = { root: deepCopy(doc) };
  for (const op of ops) {
    try {
      applyOperation(state, op);
    } catch (err) {
      if (err instanceof OpError) throw PatchError.unprocessable(err.message);
      throw err;
    }
  }
  return state.root;
}

class OpError extends Error {}

type Container = unknown[] | JsonMap;
interface State {
  root: unknown;
}

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';

function applyOperation(state: State, op: JsonPatchOperation): void {
  const kind = typeof op['op'] === 'string' ? op['op'] : 'unknown';
  switch (kind) {
    case 'add':
      return add(state, op);
    case 'remove':
      return remove(state, op);
    case 'replace':
      return replace(state, op);
    case 'move':
      return move(state, op);
    case 'test':
      return test(state, op);
    case 'copy':
      return copy(state, op);
    default:
      throw new OpError(`Unexpected kind: ${kind}`);
  }
}

// --- operation members -------------------------------------------------------------------

/** The `path` (or `from`) member, or the error text Go's decoder gives for it. */
function member(op: JsonPatchOperation, name: 'path' | 'from'): string | OpError {
  const v = op[name];
  if (v === undefined || v === null) {
    return new OpError(name === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}`);
  }
  if (typeof v !== 'string') return new OpError(unmarshalError(v, 'string'));
  return v;
}

/** The `value` member; `undefined` when absent. */
function valueOf(op: JsonPatchOperation): unknown {
  return Object.hasOwn(op, 'value') ? op['value'] : undefined;
}

// --- containers --------------------------------------------------------------------------

function decodeToken(t: string): string {
  return t.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new OpError(`strconv.Atoi: parsing ${goQ(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new OpError(`strconv.Atoi: parsing ${goQ(s)}: value out of range`);
  return Number(n);
}

function invalidIndex(idx: number): OpError {
  return new OpError(`Unable to access invalid index: ${idx}: ${INVALID_INDEX}`);
}

/** A member or element; `undefined` for absent and for JSON null (Go's nil node). */
function get(c: Container, key: string): unknown {
  if (!Array.isArray(c)) return Object.hasOwn(c, key) ? (c[key] ?? undefined) : undefined;
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -c.length) throw invalidIndex(idx);
    idx += c.length;
  }
  if (idx >= c.length) throw invalidIndex(idx);
  return c[idx] ?? undefined;
}

/** Replaces an existing member or element (only called after `get` succeeded). */
function set(c: Container, key: string, val: unknown): void {
  if (!Array.isArray(c)) {
    put(c, key, val);
    return;
  }
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -c.length) throw invalidIndex(idx);
    idx += c.length;
  }
  c[idx] = val;
}

function insert(c: Container, key: string, val: unknown): void {
  if (!Array.isArray(c)) {
    put(c, key, val);
    return;
  }
  if (key === '-') {
    c.push(val);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (err) {
    throw new OpError(`value was not a proper array index: '${key}': ${(err as Error).message}`);
  }
  const size = c.length + 1;
  if (idx >= size) throw invalidIndex(idx);
  if (idx < 0) {
    if (idx < -size) throw invalidIndex(idx);
    idx += size;
  }
  c.splice(idx, 0, val);
}

function del(c: Container, key: string): void {
  if (!Array.isArray(c)) {
    if (!Object.hasOwn(c, key)) throw new OpError(`Unable to remove nonexistent key: ${key}: ${MISSING}`);
    delete c[key];
    return;
  }
  let idx = atoi(key);
  if (idx >= c.length) throw invalidIndex(idx);
  if (idx < 0) {
    if (idx < -c.length) throw invalidIndex(idx);
    idx += c.length;
  }
  c.splice(idx, 1);
}

/** The container holding the last token of `path`, and that token, decoded. */
function findContainer(state: State, path: string): { c: Container; key: string } | undefined {
  const tokens = path.split('/');
  if (tokens.length < 2) return undefined;
  const root = state.root;
  if (!Array.isArray(root) && !isMap(root)) return undefined;
  let doc: Container = root;
  for (const part of tokens.slice(1, -1)) {
    let next: unknown;
    try {
      next = get(doc, decodeToken(part));
    } catch {
      return undefined; // upstream: any lookup error means "missing path"
    }
    if (!Array.isArray(next) && !isMap(next)) return undefined;
    doc = next;
  }
  return { c: doc, key: decodeToken(tokens[tokens.length - 1] ?? '') };
}

/** Runs a container step, prefixing its error as upstream wraps it. */
function wrap<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof OpError) throw new OpError(`${prefix}${err.message}`);
    throw err;
  }
}

function stored(v: unknown): unknown {
  return v === undefined ? null : deepCopy(v);
}

// --- operations --------------------------------------------------------------------------

function add(state: State, op: JsonPatchOperation): void {
  const path = member(op, 'path');
  if (path instanceof OpError) throw new OpError(`add operation failed to decode path: ${MISSING}`);
  const found = findContainer(state, path);
  if (!found) throw new OpError(`add operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  wrap(`error in add for path: '${path}': `, () => insert(found.c, found.key, stored(valueOf(op))));
}

function remove(state: State, op: JsonPatchOperation): void {
  const path = member(op, 'path');
  if (path instanceof OpError) throw new OpError(`remove operation failed to decode path: ${MISSING}`);
  const found = findContainer(state, path);
  if (!found) throw new OpError(`remove operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  wrap(`error in remove for path: '${path}': `, () => del(found.c, found.key));
}

function replace(state: State, op: JsonPatchOperation): void {
  const path = member(op, 'path');
  if (path instanceof OpError) throw new OpError(`replace operation failed to decode path: ${path.message}`);
  if (path === '') {
    const v = valueOf(op);
    // Go wraps a nil error here, hence the odd "%!w(<nil>)".
    if (!Array.isArray(v) && !isMap(v)) throw new OpError('replace operation value must be object or array: %!w(<nil>)');
    state.root = deepCopy(v);
    return;
  }
  const found = findContainer(state, path);
  if (!found) throw new OpError(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
  try {
    get(found.c, found.key);
  } catch {
    throw new OpError(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
  }
  // (sic) upstream says "remove" here.
  wrap(`error in remove for path: '${path}': `, () => set(found.c, found.key, stored(valueOf(op))));
}

function move(state: State, op: JsonPatchOperation): void {
  const from = member(op, 'from');
  if (from instanceof OpError) throw new OpError(`move operation failed to decode from: ${from.message}`);
  const src = findContainer(state, from);
  if (!src) throw new OpError(`move operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
  const val = wrap(`error in move for path: '${src.key}': `, () => get(src.c, src.key));
  wrap(`error in move for path: '${src.key}': `, () => del(src.c, src.key));
  const path = member(op, 'path');
  if (path instanceof OpError) throw new OpError(`move operation failed to decode path: ${path.message}`);
  const dst = findContainer(state, path);
  if (!dst) throw new OpError(`move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
  wrap(`error in move for path: '${path}': `, () => insert(dst.c, dst.key, val === undefined ? null : val));
}

function test(state: State, op: JsonPatchOperation): void {
  const path = member(op, 'path');
  if (path instanceof OpError) throw new OpError(`test operation failed to decode path: ${path.message}`);
  const expected = valueOf(op);
  const failed = new OpError(`testing value ${path} failed: test failed`);
  if (path === '') {
    if (expected === undefined || !deepEqual(state.root, expected)) throw failed;
    return;
  }
  const found = findContainer(state, path);
  if (!found) throw new OpError(`test operation does not apply: is missing path: ${path}: ${MISSING}`);
  const actual = wrap(`error in test for path: '${path}': `, () => get(found.c, found.key));
  if (actual === undefined) {
    if (expected === undefined || expected === null) return;
    throw failed;
  }
  if (expected === undefined || !deepEqual(actual, expected)) throw failed;
}

function copy(state: State, op: JsonPatchOperation): void {
  const from = member(op, 'from');
  if (from instanceof OpError) throw new OpError(`copy operation failed to decode from: ${from.message}`);
  const src = findContainer(state, from);
  if (!src) throw new OpError(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
  const val = wrap(`error in copy for from: '${from}': `, () => get(src.c, src.key));
  const path = member(op, 'path');
  if (path instanceof OpError) throw new OpError(`copy operation failed to decode path: ${MISSING}`);
  const dst = findContainer(state, path);
  if (!dst) throw new OpError(`copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
  wrap('error while adding value during copy: ', () => insert(dst.c, dst.key, stored(val)));
}
