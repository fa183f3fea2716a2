// Go's fmt rendering of decoded JSON values, for error messages that read as upstream's.
// Upstream builds many patch errors with `%v` (and `%s`, `%T`-like reflect names) of
// `map[string]interface{}` / `[]interface{}` values; kubectl prints them verbatim, so we do too.
//
// Integral numbers are rendered as Go's int64 (the API server decodes patches and objects with
// integers preserved), anything else as float64.

/** `%v` of a decoded JSON value: `map[a:1 b:[x y]]`, `<nil>`, `1.5`, `1e-05`. */
export function goV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map(goV).join(' ')}]`;
  if (typeof v === 'object') {
    const m = v as Record<string, unknown>;
    // Go prints map keys sorted.
    const keys = Object.keys(m).sort();
    return `map[${keys.map((k) => `${k}:${goV(m[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** `%s` of a value: strings as is, anything else as Go's `%!s(type=value)`. */
export function goS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '%!s(<nil>)';
  return `%!s(${goType(v)}=${goV(v)})`;
}

/** The Go type name `reflect.TypeOf(v)` prints for a decoded JSON value. */
export function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** The JSON kind word encoding/json uses in "cannot unmarshal X into Go value of type Y". */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v; // string, number, boolean → "bool" below
}

export function unmarshalError(v: unknown, goTypeName: string): string {
  const kind = jsonKind(v) === 'boolean' ? 'bool' : jsonKind(v);
  return `json: cannot unmarshal ${kind} into Go value of type ${goTypeName}`;
}

/**
 * Go's `%v` of a float64: the shortest representation, in exponent form when the decimal
 * exponent is below -4 or at least 6 (strconv's 'g' with shortest precision).
 */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const [mant = '', e = '0'] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mant}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  return String(n);
}

/** Go's `%q` of a string, close enough for the ASCII and UTF-8 text of JSON documents. */
export function goQ(s: string): string {
  return JSON.stringify(s);
}

/** encoding/json's Marshal: like JSON.stringify, with HTML-sensitive characters escaped. */
export function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
