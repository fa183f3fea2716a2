// Applies PATCH bodies. JSON merge patch (RFC 7386) is done here; the other patch types come
// from src/api/patch.
import { StatusError, badRequest } from '../api/errors.ts';
import type { ResourceInfo } from '../api/registry.ts';
import type { Obj } from './rest.ts';
import type { PatchApplier } from './server.ts';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export const simplePatcher: PatchApplier = {
  apply(contentType: string, current: Obj, patch: unknown, _info: ResourceInfo): Obj {
    if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('patch body must be a JSON object');
      return mergePatch(current, patch) as Obj;
    }
    throw new StatusError(415, 'UnsupportedMediaType', `the patch type ${contentType} is not supported yet`);
  },
};
