// Resource lists (`{cpu: "100m", memory: "1Gi"}`) as maps of Quantity, with the arithmetic
// upstream's quota and resource helpers use. Go's Quantity.Add and Sub adopt the other operand's
// format when the receiver is zero, which decides whether a sum prints as `1Gi` or `1073741824`.
import type { Obj } from '../rest.ts';
import { Quantity, tryParseQuantity } from '../../api/validation/quantity.ts';

export type ResourceList = Map<string, Quantity>;

export const ZERO = Quantity.fromInt(0);

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** Reads a resource list; values that are not quantities are skipped (validation rejects them). */
export function toList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!isObj(v)) return out;
  for (const [k, raw] of Object.entries(v)) {
    const q = tryParseQuantity(raw);
    if (q) out.set(k, q);
  }
  return out;
}

export function toRecord(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = (list.get(k) as Quantity).toString();
  return out;
}

export function qadd(a: Quantity, b: Quantity): Quantity {
  const sum = a.add(b);
  return a.isZero() ? new Quantity(sum.unscaled, sum.scale, b.format) : sum;
}

export function qsub(a: Quantity, b: Quantity): Quantity {
  const diff = a.sub(b);
  return a.isZero() ? new Quantity(diff.unscaled, diff.scale, b.format) : diff;
}

/** list += other, key by key (upstream's addResourceList). */
export function addInto(list: ResourceList, other: ResourceList): void {
  for (const [k, v] of other) {
    const cur = list.get(k);
    list.set(k, cur === undefined ? v : qadd(cur, v));
  }
}

/** list = max(list, other), key by key (upstream's maxResourceList). */
export function maxInto(list: ResourceList, other: ResourceList): void {
  for (const [k, v] of other) {
    const cur = list.get(k);
    if (cur === undefined || v.cmp(cur) > 0) list.set(k, v);
  }
}

/** quota.Add: the union of keys, summed where both have them. */
export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  addInto(out, b);
  return out;
}

/** quota.SubtractWithNonNegativeResult: a - b floored at zero; keys only in b become zero. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, v] of a) {
    const other = b.get(k);
    const d = other === undefined ? v : qsub(v, other);
    out.set(k, d.sign() > 0 ? d : ZERO);
  }
  for (const k of b.keys()) if (!out.has(k)) out.set(k, ZERO);
  return out;
}

export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const keep = new Set(names);
  const out: ResourceList = new Map();
  for (const [k, v] of list) if (keep.has(k)) out.set(k, v);
  return out;
}

export function isZero(list: ResourceList): boolean {
  for (const v of list.values()) if (!v.isZero()) return false;
  return true;
}

/** `a=1,b=2Gi`, keys sorted (the quota admission's prettyPrint). */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${(list.get(k) as Quantity).toString()}`)
    .join(',');
}

/**
 * The text of upstream's utilerrors.NewAggregate: one message alone, several as `[a, b]`, with
 * repeated messages shown once. The lead prefixes it with `<resource> "<name>" is forbidden: `.
 */
export function aggregateErrors(messages: string[]): string {
  const seen: string[] = [];
  for (const m of messages) if (!seen.includes(m)) seen.push(m);
  if (seen.length === 0) return '';
  if (seen.length === 1) return seen[0] as string;
  return `[${seen.join(', ')}]`;
}
