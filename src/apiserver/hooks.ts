// The built-in kinds' defaulting and validation (src/api/defaults, src/api/validation) as the
// generic store's hooks.
import { applyDefaults } from '../api/defaults/index.ts';
import { errorBody, formatErrors, type FieldError } from '../api/validation/errors.ts';
import { validate } from '../api/validation/index.ts';
import type { FieldProblem, ObjectHooks } from './rest.ts';

function toFieldError(p: FieldProblem): FieldError {
  return (p.error as FieldError | undefined) ?? { type: p.type as FieldError['type'], field: p.field, detail: p.message };
}

export const builtinHooks: ObjectHooks = {
  applyDefaults: (obj) => applyDefaults(obj),
  validate: (obj, old) => validate(obj, old).map((e) => ({ type: e.type, field: e.field, message: errorBody(e), error: e })),
  invalidMessage: (kind, group, name, problems) => formatErrors(kind, group, name, problems.map(toFieldError)),
};
