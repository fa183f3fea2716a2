// Standard five-field cron schedules (as robfig/cron's ParseStandard, which upstream uses) plus
// the @yearly/@monthly/@weekly/@daily/@hourly descriptors, evaluated in an IANA time zone.
import { rfc3339 } from '../../util/time.ts';

export interface Schedule {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  /** Day-of-month or day-of-week was `*`: then both must match, otherwise either. */
  domStar: boolean;
  dowStar: boolean;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function field(spec: string, lo: number, hi: number, names?: string[], nameBase = 0): Set<number> {
  const out = new Set<number>();
  const num = (s: string): number => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    if (i >= 0) return i + nameBase;
    if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}`);
    return Number(s);
  };
  for (const part of spec.split(',')) {
    const [range = '', stepStr] = part.split('/');
    const step = stepStr === undefined ? 1 : num(stepStr);
    if (step <= 0) throw new Error(`step of range should be a positive number: ${part}`);
    let a: number;
    let b: number;
    if (range === '*' || range === '?') {
      a = lo;
      b = hi;
    } else {
      const [x = '', y] = range.split('-');
      a = num(x);
      b = y === undefined ? (stepStr === undefined ? a : hi) : num(y);
    }
    if (a < lo || b > hi || a > b) throw new Error(`end of range (${b}) above maximum (${hi}): ${part}`);
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

export function parseSchedule(text: string): Schedule {
  const t = text.trim();
  const expanded = DESCRIPTORS[t.toLowerCase()] ?? t;
  if (expanded.startsWith('@')) throw new Error(`unrecognized descriptor: ${t}`);
  const f = expanded.split(/\s+/);
  if (f.length !== 5) throw new Error(`expected exactly 5 fields, found ${f.length}: ${t}`);
  const dow = field(f[4]!, 0, 7, DAYS);
  if (dow.has(7)) dow.add(0);
  return {
    minute: field(f[0]!, 0, 59),
    hour: field(f[1]!, 0, 23),
    dom: field(f[2]!, 1, 31),
    month: field(f[3]!, 1, 12, MONTHS, 1),
    dow,
    domStar: f[2] === '*' || f[2] === '?',
    dowStar: f[4] === '*' || f[4] === '?',
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Wall-clock fields of `ms` in `timeZone` (throws RangeError for an unknown zone). */
export function wallClock(ms: number, timeZone = 'UTC'): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(ms)) parts[p.type] = p.value;
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second), weekday: WEEKDAY[parts.weekday!] ?? 0 };
}

export function matches(s: Schedule, ms: number, timeZone?: string): boolean {
  const w = wallClock(ms, timeZone);
  if (!s.minute.has(w.minute) || !s.hour.has(w.hour) || !s.month.has(w.month)) return false;
  const d = s.dom.has(w.day);
  const wd = s.dow.has(w.weekday);
  return s.domStar || s.dowStar ? d && wd : d || wd;
}

const MINUTE = 60_000;

/**
 * The latest scheduled time in (after, now], and how many were missed in that window (counting
 * stops past `cap`). Minute by minute, as time zones make field arithmetic unsafe.
 */
export function mostRecent(s: Schedule, after: number, now: number, timeZone?: string, cap = 100): { time?: number; missed: number } {
  let time: number | undefined;
  let missed = 0;
  for (let t = Math.floor(now / MINUTE) * MINUTE; t > after && missed <= cap; t -= MINUTE) {
    if (!matches(s, t, timeZone)) continue;
    time ??= t;
    missed++;
  }
  return time === undefined ? { missed } : { time, missed };
}

/** The first scheduled time after `now`, looking at most `horizonMs` ahead. */
export function next(s: Schedule, now: number, timeZone?: string, horizonMs = 8 * 24 * 3600_000): number | undefined {
  for (let t = Math.floor(now / MINUTE) * MINUTE + MINUTE; t <= now + horizonMs; t += MINUTE) if (matches(s, t, timeZone)) return t;
  return undefined;
}

/** RFC 3339 in the zone, as Go's time.Format(time.RFC3339) of a zoned time. */
export function rfc3339In(ms: number, timeZone?: string): string {
  if (!timeZone || timeZone === 'UTC' || timeZone === 'Etc/UTC') return rfc3339(ms);
  const w = wallClock(ms, timeZone);
  const offMin = Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000) / MINUTE);
  const pad = (n: number, l = 2) => String(n).padStart(l, '0');
  const off = offMin === 0 ? 'Z' : `${offMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offMin) / 60))}:${pad(Math.abs(offMin) % 60)}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${off}`;
}
