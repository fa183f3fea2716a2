// Label maps and label selectors rendered the way the API machinery's
// String() methods render them (labels.FormatLabels, metav1.FormatLabelSelector).

import { isRecord, str } from './access.ts';

/** "k1=v1,k2=v2" sorted by key, or "<none>" (labels.FormatLabels). */
export function formatLabels(labels: unknown): string {
  if (!isRecord(labels)) return '<none>';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${str(labels[k])}`).join(',');
}

interface Requirement {
  key: string;
  text: string;
}

function requirement(key: string, op: string, values: string[]): Requirement {
  const sorted = [...values].sort();
  switch (op) {
    case 'Equals':
      return { key, text: `${key}=${values[0] ?? ''}` };
    case 'In':
      return { key, text: `${key} in (${sorted.join(',')})` };
    case 'NotIn':
      return { key, text: `${key} notin (${sorted.join(',')})` };
    case 'Exists':
      return { key, text: key };
    default: // DoesNotExist
      return { key, text: `!${key}` };
  }
}

/**
 * metav1.LabelSelectorAsSelector(sel).String(): "" for a nil or empty
 * selector, undefined for an invalid one (unknown operator).
 */
export function selectorString(selector: unknown): string | undefined {
  if (!isRecord(selector)) return '';
  const reqs: Requirement[] = [];
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(matchLabels)) reqs.push(requirement(k, 'Equals', [str(v)]));
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const e of exprs) {
    if (!isRecord(e)) return undefined;
    const op = str(e.operator);
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) return undefined;
    const values = Array.isArray(e.values) ? e.values.map((v) => str(v)) : [];
    reqs.push(requirement(str(e.key), op, values));
  }
  // labels.Selector.Add keeps requirements sorted by key.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: the selector, "<none>" when it selects everything or nothing, "<error>" if invalid. */
export function formatLabelSelector(selector: unknown): string {
  const s = selectorString(selector);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}
