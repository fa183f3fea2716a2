// Timestamps and durations as cel-go handles them: RFC 3339 parsing (Go's time.Parse with
// time.RFC3339), Go duration syntax (time.ParseDuration), the supported range (years 0001-9999
// for timestamps, int64 nanoseconds for durations), RFC3339Nano printing, and the calendar
// accessors with an optional time zone (IANA name or a fixed `+hh:mm` offset).

import { CelErr, Duration, INT64_MAX, INT64_MIN, Timestamp } from './values.ts';

const NS = 1_000_000_000n;
export const MIN_UNIX = -62135596800n; // 0001-01-01T00:00:00Z
export const MAX_UNIX = 253402300799n; // 9999-12-31T23:59:59Z

const RFC3339 = '2006-01-02T15:04:05Z07:00';

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

export function timestampInRange(ns: bigint): boolean {
  const s = floorDiv(ns, NS);
  return s >= MIN_UNIX && s <= MAX_UNIX;
}

export function durationInRange(ns: bigint): boolean {
  return ns >= INT64_MIN && ns <= INT64_MAX;
}

function daysInMonth(y: number, m: number): number {
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

function epochDays(y: number, m: number, d: number): number {
  const dt = new Date(0);
  dt.setUTCFullYear(y, m - 1, d);
  dt.setUTCHours(0, 0, 0, 0);
  return Math.round(dt.getTime() / 86_400_000);
}

/** Parses an RFC 3339 timestamp as Go's time.Parse(time.RFC3339, s) does. */
export function parseTimestamp(s: string): Timestamp | CelErr {
  const fail = (rest: string, elem: string) =>
    new CelErr(`parsing time ${goQuote(s)} as ${goQuote(RFC3339)}: cannot parse ${goQuote(rest)} as ${goQuote(elem)}`);
  const range = (what: string) => new CelErr(`parsing time ${goQuote(s)}: ${what} out of range`);
  let p = 0;
  const digits = (n: number, elem: string): number | CelErr => {
    const t = s.slice(p, p + n);
    if (t.length !== n || !/^[0-9]+$/.test(t)) return fail(s.slice(p), elem);
    p += n;
    return Number(t);
  };
  const lit = (c: string): CelErr | undefined => {
    if (s[p] !== c) return fail(s.slice(p), c);
    p++;
    return undefined;
  };
  const year = digits(4, '2006');
  if (year instanceof CelErr) return year;
  let e = lit('-');
  if (e) return e;
  const month = digits(2, '01');
  if (month instanceof CelErr) return month;
  if ((e = lit('-'))) return e;
  const day = digits(2, '02');
  if (day instanceof CelErr) return day;
  if ((e = lit('T'))) return e;
  const hour = digits(2, '15');
  if (hour instanceof CelErr) return hour;
  if ((e = lit(':'))) return e;
  const min = digits(2, '04');
  if (min instanceof CelErr) return min;
  if ((e = lit(':'))) return e;
  const sec = digits(2, '05');
  if (sec instanceof CelErr) return sec;
  let nanos = 0n;
  if (s[p] === '.' || s[p] === ',') {
    const m = /^[.,]([0-9]+)/.exec(s.slice(p));
    if (!m) return fail(s.slice(p), 'Z07:00');
    const frac = m[1] as string;
    if (frac.length > 9) return fail(s.slice(p), 'Z07:00');
    nanos = BigInt(frac.padEnd(9, '0'));
    p += m[0].length;
  }
  let offset = 0;
  if (s[p] === 'Z') {
    p++;
  } else if (s[p] === '+' || s[p] === '-') {
    const m = /^([+-])([0-9]{2}):([0-9]{2})/.exec(s.slice(p));
    if (!m) return fail(s.slice(p), 'Z07:00');
    const oh = Number(m[2]);
    const om = Number(m[3]);
    if (oh > 23 || om > 59) return range('time zone offset');
    offset = (oh * 60 + om) * 60 * (m[1] === '-' ? -1 : 1);
    p += m[0].length;
  } else {
    return fail(s.slice(p), 'Z07:00');
  }
  if (p !== s.length) return new CelErr(`parsing time ${goQuote(s)}: extra text: ${goQuote(s.slice(p))}`);
  if (month < 1 || month > 12) return range('month');
  if (day < 1 || day > daysInMonth(year, month)) return range('day');
  if (hour > 23) return range('hour');
  if (min > 59) return range('minute');
  if (sec > 59) return range('second');
  const secs = BigInt(epochDays(year, month, day)) * 86400n + BigInt(hour * 3600 + min * 60 + sec) - BigInt(offset);
  if (secs < MIN_UNIX || secs > MAX_UNIX) return new CelErr('timestamp overflow');
  return new Timestamp(secs * NS + nanos);
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** Go's time.Format(time.RFC3339Nano) in UTC. */
export function formatTimestamp(t: Timestamp): string {
  const secs = floorDiv(t.ns, NS);
  const nanos = Number(t.ns - secs * NS);
  const f = civil(secs);
  let out = `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}`;
  if (nanos) out += '.' + pad(nanos, 9).replace(/0+$/, '');
  return out + 'Z';
}

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  yearDay: number;
}

function civil(secs: bigint): Civil {
  const d = new Date(Number(secs) * 1000);
  const year = d.getUTCFullYear();
  const dayNum = Number(floorDiv(secs, 86400n));
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
    yearDay: dayNum - epochDays(year, 1, 1),
  };
}

// ---------------------------------------------------------------------------------------------
// Durations

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  'µs': 1000n, // U+00B5
  'μs': 1000n, // U+03BC
  ms: 1_000_000n,
  s: NS,
  m: 60n * NS,
  h: 3600n * NS,
};

/** Go's time.ParseDuration, with its error texts. */
export function parseDuration(s: string): Duration | CelErr {
  const invalid = () => new CelErr(`time: invalid duration ${goQuote(s)}`);
  let p = 0;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    p++;
  }
  if (s.slice(p) === '0') return new Duration(0n);
  if (p === s.length) return invalid();
  let total = 0n;
  while (p < s.length) {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s.slice(p)) as RegExpExecArray;
    const whole = m[1] as string;
    const frac = m[2];
    if (whole === '' && (frac === undefined || frac === '')) return invalid();
    p += m[0].length;
    const um = /^[^0-9.]+/.exec(s.slice(p));
    if (!um) return new CelErr(`time: missing unit in duration ${goQuote(s)}`);
    const unitName = um[0];
    const unit = UNITS[unitName];
    if (unit === undefined) return new CelErr(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(s)}`);
    p += unitName.length;
    let v = BigInt(whole || '0') * unit;
    if (frac) {
      // scale the fraction exactly, truncating below a nanosecond as Go does
      v += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    }
    total += v;
    if (total > 1n << 63n) return invalid();
  }
  if (neg) total = -total;
  if (!durationInRange(total)) return invalid();
  return new Duration(total);
}

/** How cel-go prints a duration: seconds with the fraction trimmed, then `s`. */
export function formatDuration(d: Duration): string {
  const neg = d.ns < 0n;
  const a = neg ? -d.ns : d.ns;
  const secs = a / NS;
  const nanos = a % NS;
  let out = secs.toString();
  if (nanos) out += '.' + nanos.toString().padStart(9, '0').replace(/0+$/, '');
  return (neg ? '-' : '') + out + 's';
}

/** Go's time.Duration.String() (`1h2m3.5s`), used by string formatting of durations in errors. */
export function goDurationString(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let a = neg ? -ns : ns;
  let out: string;
  if (a < NS) {
    if (a < 1000n) out = `${a}ns`;
    else if (a < 1_000_000n) out = trimFrac(a, 1000n) + 'µs';
    else out = trimFrac(a, 1_000_000n) + 'ms';
  } else {
    const h = a / (3600n * NS);
    a -= h * 3600n * NS;
    const m = a / (60n * NS);
    a -= m * 60n * NS;
    out = (h ? `${h}h` : '') + (h || m ? `${m}m` : '') + trimFrac(a, NS) + 's';
  }
  return (neg ? '-' : '') + out;
}

function trimFrac(v: bigint, unit: bigint): string {
  const w = v / unit;
  const f = v % unit;
  if (!f) return w.toString();
  return w.toString() + '.' + f.toString().padStart(unit.toString().length - 1, '0').replace(/0+$/, '');
}

// ---------------------------------------------------------------------------------------------
// Time zones and accessors

const zoneCache = new Map<string, Intl.DateTimeFormat | null>();

function zoneFormatter(name: string): Intl.DateTimeFormat | null {
  let f = zoneCache.get(name);
  if (f !== undefined) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch {
    f = null;
  }
  zoneCache.set(name, f);
  return f;
}

/** The zone's offset from UTC, in seconds, at the given instant; a CelErr for an unknown zone. */
export function zoneOffset(zone: string, secs: bigint): number | CelErr {
  const fixed = /^([+-])?([0-9]{1,2}):([0-9]{2})$/.exec(zone);
  if (fixed) {
    const v = (Number(fixed[2]) * 60 + Number(fixed[3])) * 60;
    return fixed[1] === '-' ? -v : v;
  }
  if (zone === 'UTC' || zone === 'Z' || zone === '') return 0;
  const f = zoneFormatter(zone);
  if (!f) return new CelErr(`unknown time zone ${zone}`);
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(Number(secs) * 1000))) parts[p.type] = p.value;
  let y = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') y = 1 - y;
  const local = BigInt(epochDays(y, Number(parts.month), Number(parts.day))) * 86400n +
    BigInt(Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second));
  return Number(local - secs);
}

export type TimeField =
  | 'getFullYear'
  | 'getMonth'
  | 'getDate'
  | 'getDayOfMonth'
  | 'getDayOfWeek'
  | 'getDayOfYear'
  | 'getHours'
  | 'getMinutes'
  | 'getSeconds'
  | 'getMilliseconds';

export function timestampField(t: Timestamp, field: TimeField, zone?: string): bigint | CelErr {
  let secs = floorDiv(t.ns, NS);
  const nanos = t.ns - secs * NS;
  if (zone !== undefined) {
    const off = zoneOffset(zone, secs);
    if (off instanceof CelErr) return off;
    secs += BigInt(off);
  }
  const c = civil(secs);
  switch (field) {
    case 'getFullYear':
      return BigInt(c.year);
    case 'getMonth':
      return BigInt(c.month - 1);
    case 'getDate':
      return BigInt(c.day);
    case 'getDayOfMonth':
      return BigInt(c.day - 1);
    case 'getDayOfWeek':
      return BigInt(c.weekday);
    case 'getDayOfYear':
      return BigInt(c.yearDay);
    case 'getHours':
      return BigInt(c.hour);
    case 'getMinutes':
      return BigInt(c.minute);
    case 'getSeconds':
      return BigInt(c.second);
    case 'getMilliseconds':
      return nanos / 1_000_000n;
  }
}

export function durationField(d: Duration, field: TimeField): bigint | CelErr {
  switch (field) {
    case 'getHours':
      return d.ns / (3600n * NS);
    case 'getMinutes':
      return d.ns / (60n * NS);
    case 'getSeconds':
      return d.ns / NS;
    case 'getMilliseconds':
      return d.ns / 1_000_000n;
    default:
      return new CelErr('no such overload');
  }
}

/** Go's %q for an ASCII-printable string (enough for the texts quoted in time errors). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}
