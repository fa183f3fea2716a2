// Label and field selectors, parsed as kube-apiserver parses them (k8s.io/apimachinery
// labels.Parse and fields.ParseSelector), with its error messages.

import { badRequest } from './errors.ts';

export type Requirement =
  | { key: string; op: '=' | '!='; values: [string] }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!'; values: [] }
  | { key: string; op: 'gt' | 'lt'; values: [string] };

export type LabelSelector = Requirement[];

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): void {
  if (!KEY.test(key) || key.length > 316) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`);
  }
}

function checkValue(v: string): void {
  if (v.length > 63 || !VALUE.test(v)) {
    throw badRequest(`unable to parse requirement: invalid label value: "${v}": at key: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseLabelSelector(input: string | undefined): LabelSelector {
  const s = (input ?? '').trim();
  if (!s) return [];
  const reqs: Requirement[] = [];
  for (const raw of splitTop(s)) {
    const part = raw.trim();
    if (!part) throw badRequest(`unable to parse requirement: found '', expected: identifier`);
    let m: RegExpExecArray | null;
    if ((m = /^!\s*(\S+)$/.exec(part))) {
      checkKey(m[1]!);
      reqs.push({ key: m[1]!, op: '!', values: [] });
    } else if ((m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part))) {
      checkKey(m[1]!);
      const values = m[3]!.split(',').map((v) => v.trim());
      values.forEach(checkValue);
      reqs.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values });
    } else if ((m = /^(\S+?)\s*(==|=|!=)\s*(\S*)$/.exec(part))) {
      checkKey(m[1]!);
      checkValue(m[3]!);
      reqs.push({ key: m[1]!, op: m[2] === '!=' ? '!=' : '=', values: [m[3]!] });
    } else if ((m = /^(\S+?)\s*([<>])\s*(\S+)$/.exec(part))) {
      checkKey(m[1]!);
      if (!/^-?\d+$/.test(m[3]!)) throw badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      reqs.push({ key: m[1]!, op: m[2] === '>' ? 'gt' : 'lt', values: [m[3]!] });
    } else if (/^\S+$/.test(part)) {
      checkKey(part);
      reqs.push({ key: part, op: 'exists', values: [] });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: identifier`);
    }
  }
  return reqs;
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        if (!has || v !== r.values[0]) return false;
        break;
      case '!=':
        if (has && v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** A metav1.LabelSelector (matchLabels + matchExpressions) as requirements. */
export function fromLabelSelectorObject(sel: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): LabelSelector {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, op: '=', values: [value] });
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator;
    if (op === 'In') reqs.push({ key: e.key, op: 'in', values: e.values ?? [] });
    else if (op === 'NotIn') reqs.push({ key: e.key, op: 'notin', values: e.values ?? [] });
    else if (op === 'Exists') reqs.push({ key: e.key, op: 'exists', values: [] });
    else if (op === 'DoesNotExist') reqs.push({ key: e.key, op: '!', values: [] });
  }
  return reqs;
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(input: string | undefined): FieldRequirement[] {
  const s = (input ?? '').trim();
  if (!s) return [];
  return s.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    return { field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]! };
  });
}

export function matchesFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  for (const r of reqs) {
    const v = fields[r.field] ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
