// Errors from the API server keep its Status, so callers branch on reason and code as
// client-go's apierrors helpers do.
import type { Status, StatusDetails } from '../api/errors.ts';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(readonly status: Status) {
    super(status.message ?? `the server responded with the status code ${status.code} but did not return more information`);
    this.name = 'ApiError';
    this.code = status.code;
    this.reason = status.reason ?? REASONS[status.code] ?? 'Unknown';
    this.details = status.details;
  }

  /** From an HTTP answer: its Status when the body is one, otherwise one made from the code. */
  static fromResponse(code: number, body: string, details?: StatusDetails): ApiError {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed === 'object' && (parsed as Status).kind === 'Status') {
      const s = parsed as Status;
      return new ApiError({ ...s, code: s.code || code });
    }
    const text = body.trim();
    // client-go's wording when the body carries no Status.
    const message = text
      ? text.slice(0, 1024)
      : `the server responded with the status code ${code} but did not return more information`;
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
    const reason = REASONS[code];
    if (reason) status.reason = reason;
    if (details) status.details = details;
    return new ApiError(status);
  }
}

const codeOf = (err: unknown): number | undefined => (err instanceof ApiError ? err.code : undefined);
const reasonOf = (err: unknown): string | undefined => (err instanceof ApiError ? err.reason : undefined);

export function isNotFound(err: unknown): boolean {
  return reasonOf(err) === 'NotFound' || codeOf(err) === 404;
}

export function isConflict(err: unknown): boolean {
  return codeOf(err) === 409 && reasonOf(err) !== 'AlreadyExists';
}

export function isAlreadyExists(err: unknown): boolean {
  return reasonOf(err) === 'AlreadyExists';
}

/** 410: "Gone" or "Expired" (a too-old resourceVersion or continue token); both mean re-list. */
export function isGone(err: unknown): boolean {
  return codeOf(err) === 410;
}
