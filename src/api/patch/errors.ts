// Patch errors, worded and coded as kube-apiserver's patch handler answers them
// (k8s.io/apiserver/pkg/endpoints/handlers/patch.go):
//
//   - 400 BadRequest: the body cannot be decoded (not JSON, not a JSON patch, not an object for
//     a strategic merge patch), a merge patch that is not a JSON object or array, and the
//     strategic merge patch format errors upstream lists as bad requests (malformed
//     `$deleteFromPrimitiveList`, `$retainKeys`, `$setElementOrder`).
//   - 413 RequestEntityTooLarge: a JSON patch of more than 10000 operations.
//   - 422 Invalid: a JSON patch that cannot be applied (upstream answers with a generic message
//     and puts the real one in details.causes[0], as `kubectl` shows it: "The request is
//     invalid: the server rejected our request due to an error in our request"), a strategic
//     merge patch with lists of lists, and a patched document that is not an object.
//   - 500 with reason Unknown: every other strategic merge patch error (missing merge key, unknown
//     `$patch` value, mixed list element types...). Upstream returns those as plain Go errors,
//     which the API server turns into a 500 Status without a reason; kubectl prints them as
//     "Error from server: map: map[image:x] does not contain declared merge key: name".

import { StatusError, type Status, type StatusReason } from '../errors.ts';
import { goQ } from './gofmt.ts';

export type PatchErrorCode = 400 | 413 | 422 | 500;

export class PatchError extends StatusError {
  declare readonly code: PatchErrorCode;
  /** The underlying error text (for 422 the Status message is generic; this is the cause). */
  readonly detail: string;

  private constructor(
    code: PatchErrorCode,
    reason: StatusReason | '',
    message: string,
    detail: string,
    causes?: { reason: string; message: string; field?: string }[],
  ) {
    super(code, reason as StatusReason, message, causes ? { causes } : undefined);
    this.name = 'PatchError';
    this.detail = detail;
  }

  /** 400: `errors.NewBadRequest(message)`. */
  static badRequest(message: string): PatchError {
    return new PatchError(400, 'BadRequest', message, message);
  }

  /** 413: `errors.NewRequestEntityTooLargeError(message)`. */
  static tooLarge(message: string): PatchError {
    return new PatchError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`, message);
  }

  /** 422: `errors.NewGenericServerResponse(422, "", {}, "", serverMessage, 0, false)`. */
  static unprocessable(serverMessage: string): PatchError {
    return new PatchError(422, 'Invalid', 'the server rejected our request due to an error in our request', serverMessage, [
      { reason: 'UnexpectedServerResponse', message: serverMessage },
    ]);
  }

  /** 422: `errors.NewInvalid({}, "", field.Invalid(field.NewPath("patch"), value, detail))`. */
  static invalidPatchResult(value: string, detail: string): PatchError {
    const body = `Invalid value: ${goQ(value)}: ${detail}`;
    return new PatchError(422, 'Invalid', ` "" is invalid: patch: ${body}`, detail, [
      { reason: 'FieldValueInvalid', message: body, field: 'patch' },
    ]);
  }

  /** 500 with no reason: a plain Go error returned from the patch code. */
  static internal(message: string): PatchError {
    return new PatchError(500, '', message, message);
  }

  override toStatus(): Status {
    const s = super.toStatus();
    if (!s.reason) delete s.reason;
    return s;
  }
}
