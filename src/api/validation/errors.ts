// Field errors and their wording, after k8s.io/apimachinery/pkg/util/validation/field
// (ErrorBody, ToAggregate) and api/errors.NewInvalid. Bad values are printed as Go prints
// them: strings quoted with strconv.Quote, numbers and booleans plainly, maps and slices in
// %#v form (`map[string]string{"app":"x"}`), and anything with a String() method unquoted.

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotFound';

export interface FieldError {
  type: FieldErrorType;
  /** The field path, e.g. `spec.template.spec.containers[0].name`. */
  field: string;
  badValue?: unknown;
  detail: string;
}

/**
 * A bad value whose printed form is already known: a Go `%#v` rendering of a struct
 * (`v1.LabelSelector{...}`) or the String() of a Stringer (a quantity, an int-or-string).
 */
export class GoValue {
  constructor(readonly repr: string) {}
  toString(): string {
    return this.repr;
  }
}

/** Marks a bad value that upstream omits from the message (field.OmitValueType). */
export const OMIT_VALUE: unique symbol = Symbol('omit');

// ---------------------------------------------------------------------------------------------
// Field paths

/** Appends `.name` segments (upstream's Path.Child). */
export function child(path: string, ...names: string[]): string {
  let p = path;
  for (const n of names) p = p === '' ? n : `${p}.${n}`;
  return p;
}

/** Appends `[i]` (upstream's Path.Index). */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** Appends `[key]`, unquoted (upstream's Path.Key). */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

// ---------------------------------------------------------------------------------------------
// Constructors, named as upstream's

export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, badValue: '', detail };
}

export function invalid(field: string, badValue: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, badValue, detail };
}

export function duplicate(field: string, badValue: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, badValue, detail: '' };
}

export function notFound(field: string, badValue: unknown, detail = ''): FieldError {
  return { type: 'FieldValueNotFound', field, badValue, detail };
}

export function notSupported(field: string, badValue: unknown, validValues: readonly string[]): FieldError {
  const detail = validValues.length > 0 ? 'supported values: ' + validValues.map(goQuote).join(', ') : '';
  return { type: 'FieldValueNotSupported', field, badValue, detail };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, badValue: '', detail };
}

export function tooLong(field: string, badValue: unknown, maxLength: number): FieldError {
  return { type: 'FieldValueTooLong', field, badValue, detail: `must have at most ${maxLength} bytes` };
}

export function tooLongMaxLength(field: string, badValue: unknown, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be longer than ${maxLength}` : 'value is too long';
  return { type: 'FieldValueTooLong', field, badValue, detail };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} items` : 'has too many items';
  return { type: 'FieldValueTooMany', field, badValue: actual >= 0 ? actual : OMIT_VALUE, detail };
}

export function internalError(field: string, message: string): FieldError {
  return { type: 'InternalError', field, badValue: null, detail: message };
}

export function typeInvalid(field: string, badValue: unknown, detail: string): FieldError {
  return { type: 'FieldValueTypeInvalid', field, badValue, detail };
}

// ---------------------------------------------------------------------------------------------
// Printing

const TYPE_WORDS: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** The message without the field name (upstream's ErrorBody; a Status cause's message). */
export function errorBody(e: FieldError): string {
  const word = TYPE_WORDS[e.type] ?? e.type;
  let s: string;
  if (
    e.type === 'FieldValueRequired' ||
    e.type === 'FieldValueForbidden' ||
    e.type === 'FieldValueTooLong' ||
    e.type === 'InternalError' ||
    e.badValue === OMIT_VALUE
  ) {
    s = word;
  } else {
    s = `${word}: ${goRepr(e.badValue)}`;
  }
  if (e.detail.length !== 0) s += `: ${e.detail}`;
  return s;
}

/** `field: body` (upstream's Error()). */
export function errorString(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/** The aggregate's text: one message alone, several in brackets; repeated messages once. */
export function aggregateMessage(errs: readonly FieldError[]): string {
  const seen = new Set<string>();
  const msgs: string[] = [];
  for (const e of errs) {
    const m = errorString(e);
    if (seen.has(m)) continue;
    seen.add(m);
    msgs.push(m);
  }
  if (msgs.length === 0) return '';
  if (msgs.length === 1) return msgs[0] as string;
  return `[${msgs.join(', ')}]`;
}

/** `Kind.group` as upstream's GroupKind.String() prints it (`Pod`, `Deployment.apps`). */
export function qualifiedKind(kind: string, group: string): string {
  return group ? `${kind}.${group}` : kind;
}

/**
 * The message of upstream's NewInvalid:
 * `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`.
 */
export function formatErrors(kind: string, group: string, name: string, errs: readonly FieldError[]): string {
  return `${qualifiedKind(kind, group)} ${goQuote(name)} is invalid: ${aggregateMessage(errs)}`;
}

/** The `details.causes` of the 422 Status that upstream returns with the message above. */
export function toStatusCauses(errs: readonly FieldError[]): { reason: string; message: string; field: string }[] {
  return errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }));
}

// ---------------------------------------------------------------------------------------------
// Go value printing

function isPrintable(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp < 0x20 || cp === 0x7f) return false;
  const ch = String.fromCodePoint(cp);
  return !/[\p{C}\p{Z}]/u.test(ch);
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (isPrintable(cp) && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out += ch;
    } else if (cp < 0x80) {
      out += '\\x' + cp.toString(16).padStart(2, '0');
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      out += '\\ufffd';
    } else if (cp < 0x10000) {
      out += '\\u' + cp.toString(16).padStart(4, '0');
    } else {
      out += '\\U' + cp.toString(16).padStart(8, '0');
    }
  }
  return out + '"';
}

/** Go's %v of a float64 or an integer. */
export function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-4 || a >= 1e21)) {
    // %g style: mantissa, then a signed exponent of at least two digits.
    const [m, e] = n.toExponential().split('e') as [string, string];
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '').padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  return String(n);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `map[string]string{"a":"1", "b":"2"}`, keys sorted as fmt sorts them; nil for undefined. */
export function goStringMap(m: Record<string, unknown> | null | undefined): GoValue {
  if (m === undefined || m === null) return new GoValue('map[string]string(nil)');
  const keys = Object.keys(m).sort();
  const body = keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k] ?? ''))}`).join(', ');
  return new GoValue(`map[string]string{${body}}`);
}

/** `[]string{"a", "b"}`; nil for undefined. */
export function goStringSlice(a: readonly unknown[] | null | undefined, elemType = 'string'): GoValue {
  if (a === undefined || a === null) return new GoValue(`[]${elemType}(nil)`);
  return new GoValue(`[]${elemType}{${a.map((x) => goQuote(String(x))).join(', ')}}`);
}

/** The Go rendering of a bad value, as field.Error's ErrorBody prints it. */
export function goRepr(v: unknown): string {
  if (v instanceof GoValue) return v.repr;
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goQuote(v);
    case 'number':
      return goNumber(v);
    case 'boolean':
      return String(v);
    case 'bigint':
      return v.toString();
    default:
      break;
  }
  if (typeof (v as { goRepr?: unknown }).goRepr === 'function') {
    // A value that knows its Go rendering (a Quantity).
    return (v as { goRepr(): string }).goRepr();
  }
  if (!Array.isArray(v) && typeof v === 'object' && !isPlainObjectLiteral(v)) return String(v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return goStringSlice(v).repr;
    if (v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
      return `[]int32{${v.map((x) => goNumber(x as number)).join(', ')}}`;
    }
    return `[]interface {}{${v.map(goInterfaceRepr).join(', ')}}`;
  }
  if (isPlainObject(v)) {
    const values = Object.values(v);
    if (values.every((x) => typeof x === 'string')) return goStringMap(v).repr;
    const keys = Object.keys(v).sort();
    return `map[string]interface {}{${keys.map((k) => `${goQuote(k)}:${goInterfaceRepr(v[k])}`).join(', ')}}`;
  }
  return String(v);
}

function isPlainObjectLiteral(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** How %#v prints a value held in an interface{}. */
function goInterfaceRepr(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}` : goNumber(v);
  if (typeof v === 'boolean') return String(v);
  return goRepr(v);
}
