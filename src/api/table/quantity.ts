// Kubernetes resource quantities ("500m", "1.5Gi", "1e3") in the canonical
// form resource.Quantity.String() prints: the server stores quantities this
// way, so PV capacity, quota usage and HPA values read as upstream's do.

type Format = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

interface Parsed {
  /** the value in nano units (10^-9), rounded away from zero */
  nano: bigint;
  format: Format;
}

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX = new Map<number, string>(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divide rounding away from zero. */
function divCeil(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b === 0n ? q : a < 0n ? q - 1n : q + 1n;
}

export function parseQuantity(input: unknown): Parsed | undefined {
  let s: string;
  if (typeof input === 'number' && Number.isFinite(input)) s = String(input);
  else if (typeof input === 'string') s = input.trim();
  else return undefined;
  // JS renders large/small numbers with exponents ("1e+21"); accept those too.
  const m = QUANTITY.exec(s.replace(/e\+/i, 'e'));
  if (!m) return undefined;
  const [, sign, whole = '', frac = '', suffix = ''] = m;
  if (whole === '' && frac === '') return undefined;
  let mantissa = BigInt(`${whole}${frac}` || '0');
  if (sign === '-') mantissa = -mantissa;
  let format: Format;
  let nano: bigint;
  if (suffix in BINARY) {
    format = 'BinarySI';
    // value = mantissa * 10^-len(frac) * 2^bits
    const num = mantissa * (1n << BigInt(BINARY[suffix]!)) * pow10(9);
    nano = divCeil(num, pow10(frac.length));
  } else {
    let exp: number;
    if (suffix in DECIMAL) {
      format = 'DecimalSI';
      exp = DECIMAL[suffix]!;
    } else if (/^[eE][+-]?\d+$/.test(suffix)) {
      format = 'DecimalExponent';
      exp = Number(suffix.slice(1));
    } else {
      return undefined;
    }
    const shift = exp + 9 - frac.length;
    nano = shift >= 0 ? mantissa * pow10(shift) : divCeil(mantissa, pow10(-shift));
  }
  return { nano, format };
}

function decimalParts(nano: bigint): [bigint, number] {
  let m = nano;
  let e = -9;
  while (m !== 0n && m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  // make the exponent a multiple of 3 (rounding it down)
  const r = ((e % 3) + 3) % 3;
  if (r !== 0) {
    m *= pow10(r);
    e -= r;
  }
  return [m, e];
}

/**
 * The canonical string upstream prints for a quantity; "0" for an absent one
 * (a zero Quantity), and the input itself when it cannot be parsed.
 */
export function formatQuantity(input: unknown): string {
  if (input === undefined || input === null) return '0';
  const q = parseQuantity(input);
  if (!q) return String(input);
  const { nano } = q;
  if (nano === 0n) return '0';
  let format = q.format;
  const ONE = pow10(9);
  if (format === 'BinarySI') {
    const small = nano > -1024n * ONE && nano < 1024n * ONE;
    if (small || nano % ONE !== 0n) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let v = nano / ONE;
    let n = 0;
    while (n < BINARY_SUFFIX.length - 1 && v % 1024n === 0n) {
      v /= 1024n;
      n++;
    }
    return `${v}${BINARY_SUFFIX[n]}`;
  }
  const [m, e] = decimalParts(nano);
  if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`;
  const suffix = DECIMAL_SUFFIX.get(e);
  return suffix === undefined ? `${m}e${e}` : `${m}${suffix}`;
}

/**
 * What Go prints for a *resource.Quantity field that may be nil: "<nil>"
 * when absent (upstream calls String() on the nil pointer).
 */
export function formatQuantityPtr(input: unknown): string {
  if (input === undefined || input === null) return '<nil>';
  return formatQuantity(input);
}
