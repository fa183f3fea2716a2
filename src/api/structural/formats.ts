// The `format` of a schema, as custom resources are validated upstream: apiextensions strips
// every format it does not support (validation.StripUnsupportedFormatsPostProcess) - integer
// keeps only int32/int64, number only float/double, string the strfmt registry below - and
// kube-openapi checks the string formats that remain (strfmt.Default). Integer and number
// formats never reject a value (the range check is skipped for schema validators); the string
// formats are checked with the registry's validators, re-implemented here.

import { isDNS1123Label } from '../validation/names.ts';
import { tryParseQuantity } from '../validation/quantity.ts';

/** Normalized (dash-less) names of the string formats a CRD schema may use. */
const STRING_FORMATS = new Set(
  [
    'bsonobjectid', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5',
    'isbn', 'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'password', 'date',
    'duration', 'datetime', 'quantity', 'k8s-short-name', 'k8s-long-name',
  ].map((f) => f.replaceAll('-', '')),
);

/**
 * The format that survives upstream's stripping for a schema of this type (types: the
 * schema's `type`, or ['integer', 'string'] for x-kubernetes-int-or-string), or '' when none.
 */
export function effectiveFormat(format: unknown, types: readonly string[]): string {
  if (typeof format !== 'string' || format === '') return '';
  const type = types.length === 1 ? types[0] : '';
  switch (type) {
    case '':
    case 'string':
      return STRING_FORMATS.has(format.replaceAll('-', '')) ? format : '';
    case 'integer':
      return format === 'int32' || format === 'int64' ? format : '';
    case 'number':
      return format === 'float' || format === 'double' ? format : '';
    default:
      return '';
  }
}

/** Whether `format` names a string format of the registry (strfmt's ContainsName). */
export function isKnownStringFormat(format: string): boolean {
  return STRING_FORMATS.has(format.replaceAll('-', ''));
}

// ---------------------------------------------------------------------------------------------
// Validators

const RX = {
  uuid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  uuid3: /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  uuid4: /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i,
  uuid5: /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i,
  hostname:
    /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$/u,
  ssn: /^\d{3}[- ]?\d{2}[- ]?\d{4}$/,
  hexcolor: /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/,
  rgbcolor:
    /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/,
  base64: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/,
  datetimeTime: /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/,
  creditcard:
    /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$/,
  bson: /^[0-9a-fA-F]{24}$/,
  longNameSegment: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
};

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** time.Parse("2006-01-02", s) succeeds. */
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}

/** strfmt.IsDateTime. */
export function isDateTime(str: string): boolean {
  if (str.length < 4) return false;
  const s = str.toLowerCase().split('t');
  if (s.length < 2 || !isDate(s[0] as string)) return false;
  const m = RX.datetimeTime.exec(s[1] as string);
  if (!m) return false;
  return (m[1] as string) <= '23' && (m[2] as string) <= '59' && (m[3] as string) <= '59';
}

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_UNITS: string[][] = [
  ['ns', 'nano'],
  ['us', 'µs', 'micro'],
  ['ms', 'milli'],
  ['s', 'sec'],
  ['m', 'min'],
  ['h', 'hr', 'hour'],
  ['d', 'day'],
  ['w', 'wk', 'week'],
];

/** strfmt.ParseDuration succeeds: Go's time.ParseDuration, or "3 days", "1h 30min"... */
export function isDuration(s: string): boolean {
  if (s === '0' || s === '+0' || s === '-0' || GO_DURATION.test(s)) return true;
  let ok = false;
  for (const m of s.matchAll(/((\d+)\s*([A-Za-zµ]+))/g)) {
    const unit = (m[3] as string).trim().toLowerCase();
    for (const variants of DURATION_UNITS) {
      const last = variants.length - 1;
      variants.forEach((v, i) => {
        if ((i === last && unit.startsWith(v)) || v === unit) ok = true;
      });
    }
  }
  return ok;
}

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** net.ParseIP succeeds and the text has a colon (govalidator.IsIPv6). */
function isIPv6(s: string): boolean {
  if (!s.includes(':')) return false;
  let str = s;
  const lastColon = str.lastIndexOf(':');
  const tail = str.slice(lastColon + 1);
  if (tail.includes('.')) {
    // a trailing dotted IPv4 counts as two groups
    if (!isIPv4(tail)) return false;
    str = str.slice(0, lastColon + 1) + '0:0';
  }
  const halves = str.split('::');
  if (halves.length > 2) return false;
  const groups = (x: string) => (x === '' ? [] : x.split(':'));
  const all = [...groups(halves[0] as string), ...(halves.length === 2 ? groups(halves[1] as string) : [])];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? all.length <= 7 : all.length === 8;
}

function isCIDR(s: string): boolean {
  const i = s.indexOf('/');
  if (i < 0) return false;
  const ip = s.slice(0, i);
  const bits = s.slice(i + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  if (isIPv4(ip)) return Number(bits) <= 32;
  if (isIPv6(ip)) return Number(bits) <= 128;
  return false;
}

/** net.ParseMAC: 6, 8 or 20 octets, separated by ':' or '-', or dotted groups of four hex digits. */
function isMAC(s: string): boolean {
  if (/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(s) || /^([0-9a-fA-F]{2}-){5}[0-9a-fA-F]{2}$/.test(s)) return true;
  if (/^([0-9a-fA-F]{2}:){7}[0-9a-fA-F]{2}$/.test(s) || /^([0-9a-fA-F]{2}-){7}[0-9a-fA-F]{2}$/.test(s)) return true;
  if (/^([0-9a-fA-F]{2}:){19}[0-9a-fA-F]{2}$/.test(s) || /^([0-9a-fA-F]{2}-){19}[0-9a-fA-F]{2}$/.test(s)) return true;
  return /^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/.test(s) || /^([0-9a-fA-F]{4}\.){3}[0-9a-fA-F]{4}$/.test(s) || /^([0-9a-fA-F]{4}\.){9}[0-9a-fA-F]{4}$/.test(s);
}

/** url.ParseRequestURI succeeds: an absolute URI, or an absolute path. */
function isRequestURI(s: string): boolean {
  if (s.length === 0 || /[\x00-\x1f\x7f ]/.test(s)) return false;
  const noFragment = s.split('#')[0] as string;
  if (noFragment.startsWith('/')) return true;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/.exec(noFragment);
  if (!m) return false;
  const rest = m[2] as string;
  // a scheme followed by an opaque part or an authority
  return rest.length > 0 || false;
}

/** net/mail.ParseAddress, simplified: `local@domain`, optionally as `Name <local@domain>`. */
function isEmail(s: string): boolean {
  const inner = /^[^<>]*<([^<>]+)>$/.exec(s.trim());
  const addr = inner ? (inner[1] as string) : s.trim();
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[^\s@<>()[\]\\,;:"]+$/.test(addr);
}

function isHostname(s: string): boolean {
  if (!RX.hostname.test(s)) return false;
  if (Buffer.byteLength(s) > 255) return false;
  return s.split('.').every((p) => Buffer.byteLength(p) <= 63);
}

function isISBN10(s: string): boolean {
  const d = s.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(d[i]);
  sum += d[9] === 'X' ? 100 : 10 * Number(d[9]);
  return sum % 11 === 0;
}

function isISBN13(s: string): boolean {
  const d = s.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(d[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(d[12]);
}

function isCreditCard(s: string): boolean {
  const d = s.replace(/[^0-9]/g, '');
  if (!RX.creditcard.test(d)) return false;
  let sum = 0;
  let dbl = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let n = Number(d[i]);
    if (dbl) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

function isK8sLongName(s: string): boolean {
  if (s.length === 0 || Buffer.byteLength(s) > 253) return false;
  return s.split('.').every((seg) => RX.longNameSegment.test(seg));
}

const VALIDATORS: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => RX.bson.test(s),
  uri: isRequestURI,
  email: isEmail,
  hostname: isHostname,
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: isCIDR,
  mac: isMAC,
  uuid: (s) => RX.uuid.test(s),
  uuid3: (s) => RX.uuid3.test(s),
  uuid4: (s) => RX.uuid4.test(s),
  uuid5: (s) => RX.uuid5.test(s),
  isbn: (s) => isISBN10(s) || isISBN13(s),
  isbn10: isISBN10,
  isbn13: isISBN13,
  creditcard: isCreditCard,
  ssn: (s) => RX.ssn.test(s),
  hexcolor: (s) => RX.hexcolor.test(s),
  rgbcolor: (s) => RX.rgbcolor.test(s),
  byte: (s) => RX.base64.test(s),
  password: () => true,
  date: isDate,
  duration: isDuration,
  datetime: isDateTime,
  quantity: (s) => s.trim() === s && tryParseQuantity(s) !== undefined,
  k8sshortname: (s) => isDNS1123Label(s).length === 0,
  k8slongname: isK8sLongName,
};

/** Whether a string value satisfies a (known, string) format. Unknown formats accept anything. */
export function checkStringFormat(format: string, value: string): boolean {
  const v = VALIDATORS[format.replaceAll('-', '')];
  return v ? v(value) : true;
}
