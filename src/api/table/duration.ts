// Human-readable durations and timestamps, as the API server renders them in
// Table cells (AGE, LAST SEEN, DURATION, "(5m ago)" ...).
import { rfc3339 } from '../../util/time.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * A succinct rendering of a duration with ~2-3 significant figures, following
 * k8s.io/apimachinery/pkg/util/duration.HumanDuration: 45s, 119s, 3m2s, 10m,
 * 3h20m, 20h, 2d5h, 400d, 2y100d, 9y. Up to one second in the future reads as
 * "0s" (clock skew); further ahead is "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const days = Math.trunc(hours / 24);
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** The shorter form (ShortHumanDuration): 59s, 59m, 23h, 364d, 2y. */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch for an RFC 3339 timestamp (metav1.Time or
 * MicroTime), or undefined when absent, unparseable or Go's zero time
 * (0001-01-01T00:00:00Z, which metav1.Time.IsZero treats as unset).
 */
export function parseTime(value: unknown): number | undefined {
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof value !== 'string' || value === '') return undefined;
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const year = Number(y);
  // Go's zero time reads as unset.
  if (year === 1 && `${mo}${d}${h}${mi}${s}` === '0101000000' && !Number(frac ?? '0') && !sign) return undefined;
  const ms = frac ? Math.trunc(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  // Date.UTC maps years 0-99 to 1900-1999.
  if (year < 100) {
    const dt = new Date(t);
    dt.setUTCFullYear(year);
    t = dt.getTime();
  }
  if (sign) {
    const offset = (Number(oh) * 60 + Number(om)) * MINUTE;
    t += sign === '+' ? -offset : offset;
  }
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The time elapsed since timestamp, as upstream's translateTimestampSince:
 * "<unknown>" when the timestamp is unset.
 */
export function translateTimestampSince(timestamp: unknown, now: Date): string {
  const t = parseTime(timestamp);
  if (t === undefined) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** The time left until timestamp (translateTimestampUntil). */
export function translateTimestampUntil(timestamp: unknown, now: Date): string {
  const t = parseTime(timestamp);
  if (t === undefined) return '<unknown>';
  return humanDuration(t - now.getTime());
}

/**
 * time.RFC3339 in UTC with whole seconds (what the default table convertor
 * puts in its "Created At" cells); Go's zero time when unset.
 */
export function formatRFC3339(timestamp: unknown): string {
  const t = parseTime(timestamp);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return rfc3339(t);
}
