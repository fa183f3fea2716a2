// Kubernetes resource quantities (`100m`, `1Gi`, `1e3`, `0.5`), parsed and printed the way
// k8s.io/apimachinery/pkg/api/resource does: the same grammar and error messages, exact
// arithmetic (a bigint scaled by a power of ten), rounding up to nano precision, and the same
// canonical form for printing (`1000m` -> `1`, `1024Mi` -> `1Gi`, `0.5` -> `500m`), including
// upstream's habit of keeping the string as written when it is already canonical.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** The regular expression quoted in upstream's format error. */
export const QUANTITY_REGEX_STRING = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${QUANTITY_REGEX_STRING}'`;
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const NANO = -9;
const MAX_INT64 = (1n << 63n) - 1n;

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map<number, string>(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Divides rounding away from zero (upstream's inf.RoundUp). */
function divUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  return q * d === n ? q : n < 0n ? q - 1n : q + 1n;
}

/** A quantity: `unscaled * 10^scale`, with the format it was written in. */
export class Quantity {
  /** The string as written, kept when upstream would keep it (already canonical). */
  private cached: string | undefined;
  /** What upstream's parser cached (for the %#v rendering); set for int64 fast-path values. */
  private readonly parsedCache: string | undefined;

  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
    readonly format: QuantityFormat,
    cached?: string,
    /** Upstream would hold this value as an int64Amount (not an inf.Dec). */
    readonly fast = true,
  ) {
    this.cached = cached;
    this.parsedCache = cached;
  }

  static fromInt(n: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(n), 0, format);
  }

  sign(): -1 | 0 | 1 {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const s = Math.min(this.scale, other.scale);
    const a = this.unscaled * pow10(this.scale - s);
    const b = other.unscaled * pow10(other.scale - s);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  /** The value scaled to 10^scale, rounded away from zero; and whether that was exact. */
  asScale(scale: number): { value: bigint; exact: boolean } {
    if (this.scale >= scale) return { value: this.unscaled * pow10(this.scale - scale), exact: true };
    const d = pow10(scale - this.scale);
    const value = divUp(this.unscaled, d);
    return { value, exact: value * d === this.unscaled };
  }

  /** Whole units, rounded up (upstream's Value()). */
  value(): bigint {
    return this.asScale(0).value;
  }

  /** Thousandths, rounded up (upstream's MilliValue()). */
  milliValue(): bigint {
    return this.asScale(-3).value;
  }

  /** Upstream's RoundUp: keeps the written form if no rounding is needed. */
  roundUp(scale: number): Quantity {
    if (this.scale >= scale) return this;
    const { value } = this.asScale(scale);
    return new Quantity(value, scale, this.format);
  }

  add(other: Quantity): Quantity {
    const s = Math.min(this.scale, other.scale);
    const sum = this.unscaled * pow10(this.scale - s) + other.unscaled * pow10(other.scale - s);
    return new Quantity(sum, s, this.format);
  }

  sub(other: Quantity): Quantity {
    return this.add(new Quantity(-other.unscaled, other.scale, other.format));
  }

  neg(): Quantity {
    return new Quantity(-this.unscaled, this.scale, this.format);
  }

  /** The value as a JavaScript number (may lose precision). */
  toNumber(): number {
    return Number(this.unscaled) * 10 ** this.scale;
  }

  /** The canonical string (upstream's String()). */
  toString(): string {
    if (this.cached === undefined) this.cached = this.canonical();
    return this.cached;
  }

  toJSON(): string {
    return this.toString();
  }

  /**
   * Go's %#v of a resource.Quantity value, which is how older field errors print a quantity
   * passed as the bad value: `resource.Quantity{i:resource.int64Amount{value:500, scale:-3}, ...}`.
   */
  goRepr(): string {
    const i = this.fast ? `resource.int64Amount{value:${this.unscaled}, scale:${this.scale}}` : 'resource.int64Amount{value:0, scale:0}';
    const d = this.fast ? 'resource.infDecAmount{Dec:(*inf.Dec)(nil)}' : 'resource.infDecAmount{Dec:(*inf.Dec)(0xc000000000)}';
    const s = JSON.stringify(this.parsedCache ?? '');
    return `resource.Quantity{i:${i}, d:${d}, s:${s}, Format:${JSON.stringify(this.format)}}`;
  }

  private canonical(): string {
    if (this.unscaled === 0n) return '0';
    let format = this.format;
    let integral: bigint | undefined;
    if (format === 'BinarySI') {
      const c1 = this.cmp(Quantity.fromInt(-1024));
      const c2 = this.cmp(Quantity.fromInt(1024));
      if (c1 > 0 && c2 < 0) {
        format = 'DecimalSI';
      } else {
        const r = this.asScale(0);
        if (!r.exact) format = 'DecimalSI';
        else integral = r.value;
      }
    }
    if (format === 'BinarySI' && integral !== undefined) {
      let amount = integral;
      let exp = 0;
      while (exp < 6 && amount !== 0n && amount % 1024n === 0n) {
        amount /= 1024n;
        exp++;
      }
      return amount.toString() + (BINARY_BY_EXPONENT[exp] ?? '');
    }
    // Decimal: strip factors of ten, then bring the exponent down to a multiple of three.
    let amount = this.unscaled;
    let exponent = this.scale;
    while (amount % 10n === 0n) {
      amount /= 10n;
      exponent++;
    }
    const rem = exponent % 3; // JavaScript's % keeps the sign, as Go's does
    if (rem === 1 || rem === -2) {
      amount *= 10n;
      exponent -= 1;
    } else if (rem === 2 || rem === -1) {
      amount *= 100n;
      exponent -= 2;
    }
    let suffix: string;
    if (format === 'DecimalExponent') {
      suffix = exponent === 0 ? '' : `e${exponent}`;
    } else {
      suffix = DECIMAL_BY_EXPONENT.get(exponent) ?? `e${exponent}`;
    }
    return amount.toString() + suffix;
  }
}

interface Parts {
  positive: boolean;
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

/** Splits a quantity string the way upstream's parseQuantityString does. */
function splitQuantity(str: string): Parts {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end) {
    if (str[0] === '-') {
      positive = false;
      pos++;
    } else if (str[0] === '+') {
      pos++;
    }
  }
  // leading zeros
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
    if (str[i] === '0') pos++;
    else break;
  }
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  let num = '';
  for (let i = pos; ; i++) {
    if (i >= end) {
      return { positive, value: str.slice(0, end), num: str.slice(pos, end) || '0', denom: '', suffix: '' };
    }
    if (!isDigit(str[i])) {
      num = str.slice(pos, i);
      pos = i;
      break;
    }
  }
  if (num.length === 0) num = '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    for (let i = pos; ; i++) {
      if (i >= end) {
        return { positive, value: str.slice(0, end), num, denom: str.slice(pos, end), suffix: '' };
      }
      if (!isDigit(str[i])) {
        denom = str.slice(pos, i);
        pos = i;
        break;
      }
    }
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart, end) };
    if (!'eEinumkKMGTP'.includes(str[i] as string)) {
      pos = i;
      break;
    }
  }
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart, end) };
    if (!isDigit(str[i])) break;
  }
  throw new QuantityError(ERR_FORMAT_WRONG);
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(s: string): Suffix | undefined {
  if (s in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[s] as number, format: 'DecimalSI' };
  if (s in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[s] as number, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const exponent = Number(rest);
    if (!Number.isSafeInteger(exponent)) return undefined;
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

/**
 * Parses a quantity as upstream's ParseQuantity does (numbers from JSON are accepted too).
 * Throws QuantityError with upstream's message on malformed input.
 */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? numberToString(input) : input.trim();
  if (str.length === 0) throw new QuantityError(ERR_FORMAT_WRONG);
  if (str === '0') return new Quantity(0n, 0, 'DecimalSI', '0');
  const parts = splitQuantity(str);
  const suf = interpretSuffix(parts.suffix);
  if (!suf) throw new QuantityError(ERR_SUFFIX);
  if (!/^[0-9]*$/.test(parts.num) || !/^[0-9]*$/.test(parts.denom)) throw new QuantityError(ERR_NUMERIC);

  const digits = BigInt((parts.num + parts.denom).replace(/^0+(?=.)/, '') || '0');
  let unscaled: bigint;
  let scale: number;
  if (suf.base === 10) {
    unscaled = digits;
    scale = suf.exponent - parts.denom.length;
  } else {
    unscaled = digits * (1n << BigInt(suf.exponent));
    scale = -parts.denom.length;
  }
  if (!parts.positive) unscaled = -unscaled;

  // Would upstream have taken its int64 fast path, and kept the string as written?
  let cached: string | undefined;
  {
    let precision: number;
    let fastScale: number;
    if (suf.format === 'BinarySI') {
      fastScale = 0;
      precision =
        parts.denom.length === 0 ? 15 - parts.num.length - Math.trunc((suf.exponent * 3) / 10) - 1 : -1;
    } else {
      fastScale = suf.exponent;
      precision = 18 - (parts.num.length + parts.denom.length);
    }
    if (precision >= 0) {
      fastScale -= parts.denom.length;
      if (fastScale >= NANO) {
        const shifted = parts.num + parts.denom;
        const v = BigInt(shifted);
        const mantissa = suf.format === 'BinarySI' ? 1n << BigInt(suf.exponent) : 1n;
        if (v <= MAX_INT64 && abs(v * mantissa) <= MAX_INT64) {
          if (suf.format === 'BinarySI') {
            if (suf.exponent % 10 === 0 && (v & 7n) !== 0n) cached = str;
          } else if (fastScale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0') {
            cached = str;
          }
          return new Quantity(unscaled, scale, suf.format, cached);
        }
      }
    }
  }

  // Slow path: round up to nano precision; tiny binary amounts print as decimal.
  let format = suf.format;
  if (scale < NANO && unscaled !== 0n) {
    unscaled = divUp(unscaled, pow10(NANO - scale));
    scale = NANO;
  }
  const q = new Quantity(unscaled, scale, format, undefined, false);
  if (format === 'BinarySI' && q.sign() > 0 && q.cmp(Quantity.fromInt(1)) < 0) {
    format = 'DecimalSI';
    return new Quantity(unscaled, scale, format, undefined, false);
  }
  return q;
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(ERR_FORMAT_WRONG);
  // JavaScript prints 1e21 as "1e+21"; the quantity grammar wants "1e21".
  return String(n).replace('e+', 'e');
}

/** parseQuantity, or undefined when the value is not a valid quantity. */
export function tryParseQuantity(input: unknown): Quantity | undefined {
  if (input instanceof Quantity) return input;
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/** Short alias: parse a quantity (throws QuantityError). */
export function parse(input: string | number | Quantity): Quantity {
  return input instanceof Quantity ? input : parseQuantity(input);
}

/** Compares two quantities: -1, 0 or 1. Strings and numbers are parsed first. */
export function compare(a: string | number | Quantity, b: string | number | Quantity): -1 | 0 | 1 {
  return parse(a).cmp(parse(b));
}

/** The canonical string form of a quantity (what `kubectl get -o yaml` shows). */
export function canonicalQuantity(input: string | number): string {
  return parseQuantity(input).toString();
}
