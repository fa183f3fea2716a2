// Applies PATCH bodies with src/api/patch: JSON patch, JSON merge patch, and strategic merge
// patch with the built-in types' merge keys. Server-side apply is handled elsewhere.
import { StatusError } from '../api/errors.ts';
import { applyPatch, patchTypeOf } from '../api/patch/index.ts';
import { groupVersion, type ResourceInfo } from '../api/registry.ts';
import type { Obj } from './rest.ts';
import type { PatchApplier } from './server.ts';

export const patcher: PatchApplier = {
  apply(contentType: string, current: Obj, patch: unknown, info: ResourceInfo): Obj {
    const type = patchTypeOf(contentType);
    // Upstream serves strategic merge only for built-in types, whose merge keys it knows.
    if (!type || (type === 'strategic' && info.crd)) {
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${info.crd ? '' : ', application/strategic-merge-patch+json'}`,
      );
    }
    return applyPatch(type, current, patch, { apiVersion: groupVersion(info), kind: info.kind }) as Obj;
  },
};
