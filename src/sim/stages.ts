// Lifecycle as data, as KWOK's Stage objects: a stage selects objects (of one kind) by labels,
// annotations and expressions over their fields, waits a delay with jitter, then moves the
// object on: a new status (a template filled in from the object), finalizers added or removed,
// an event, or deletion. The engine that plays stages against the API server is in nodes.ts;
// this file only decides, so stage sets can be tested as tables.
import type { Clock } from '../util/clock.ts';

type Obj = Record<string, any>;

export interface Expression {
  /** A field path in JSONPath-lite form: `.metadata.deletionTimestamp`, `.status.conditions`. */
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface Stage {
  name: string;
  kind: 'Pod' | 'Node';
  selector?: { matchLabels?: Record<string, string>; matchAnnotations?: Record<string, string>; matchExpressions?: Expression[] };
  /** Among several matching stages one is drawn with probability proportional to weight (default 1). */
  weight?: number;
  delay?: {
    durationMilliseconds?: number;
    jitterDurationMilliseconds?: number;
    /** A field holding an RFC 3339 time to wait for instead (e.g. `.metadata.deletionTimestamp`). */
    durationFrom?: string;
  };
  next: {
    /** Merged over `.status`; strings may hold `{{ placeholders }}` (see fill()). */
    statusTemplate?: Obj;
    finalizers?: { add?: string[]; remove?: string[]; empty?: boolean };
    event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
    delete?: boolean;
  };
  /** Stages whose next leaves the object matching them again would loop: they say they may not. */
  immediateNextStage?: boolean;
}

/** A field of an object by path (`.a.b`, `.a[0].b`), or undefined. */
export function field(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.replace(/^\./, '').split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[/^\d+$/.test(part) && Array.isArray(cur) ? Number(part) : part];
  }
  return cur;
}

function expressionMatches(obj: Obj, e: Expression): boolean {
  const v = field(obj, e.key);
  const present = v !== undefined && v !== null && !(typeof v === 'string' && v === '');
  switch (e.operator) {
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'In':
      return present && (e.values ?? []).includes(typeof v === 'string' ? v : JSON.stringify(v));
    case 'NotIn':
      return !present || !(e.values ?? []).includes(typeof v === 'string' ? v : JSON.stringify(v));
  }
}

export function stageMatches(stage: Stage, obj: Obj): boolean {
  if ((obj.kind ?? stage.kind) !== stage.kind) return false;
  const s = stage.selector ?? {};
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (obj.metadata?.labels?.[k] !== v) return false;
  for (const [k, v] of Object.entries(s.matchAnnotations ?? {})) if (obj.metadata?.annotations?.[k] !== v) return false;
  return (s.matchExpressions ?? []).every((e) => expressionMatches(obj, e));
}

/** The stage to play next for `obj`, drawn by weight among those that match. */
export function pickStage(stages: readonly Stage[], obj: Obj, random: () => number): Stage | undefined {
  const matching = stages.filter((s) => stageMatches(s, obj));
  if (matching.length <= 1) return matching[0];
  const total = matching.reduce((t, s) => t + (s.weight ?? 1), 0);
  let r = random() * total;
  for (const s of matching) {
    r -= s.weight ?? 1;
    if (r < 0) return s;
  }
  return matching[matching.length - 1];
}

/** How long to wait before playing the stage, in ms. */
export function delayOf(stage: Stage, obj: Obj, clock: Clock, random: () => number): number {
  const d = stage.delay;
  if (!d) return 0;
  if (d.durationFrom) {
    const at = Date.parse(String(field(obj, d.durationFrom) ?? ''));
    if (!Number.isNaN(at)) return Math.max(0, at - clock.now());
  }
  const base = d.durationMilliseconds ?? 0;
  const jitter = d.jitterDurationMilliseconds ?? 0;
  return base + (jitter > base ? Math.floor(random() * (jitter - base)) : 0);
}

export interface FillContext {
  now: string;
  nodeName?: string;
  nodeIP?: string;
  podIP?: string;
}

/**
 * A template with `{{ now }}`, `{{ nodeName }}`, `{{ nodeIP }}`, `{{ podIP }}` and
 * `{{ .field.path }}` placeholders filled in. A string that is only a placeholder takes the
 * placeholder's value as is (so lists and objects can be copied from the object).
 */
export function fill(template: unknown, obj: Obj, ctx: FillContext): unknown {
  const value = (expr: string): unknown => {
    const e = expr.trim();
    if (e.startsWith('.')) return field(obj, e);
    return (ctx as unknown as Record<string, unknown>)[e];
  };
  if (typeof template === 'string') {
    const whole = /^\{\{([^}]*)\}\}$/.exec(template);
    if (whole) return value(whole[1]!);
    return template.replace(/\{\{([^}]*)\}\}/g, (_, e: string) => String(value(e) ?? ''));
  }
  if (Array.isArray(template)) return template.map((t) => fill(t, obj, ctx));
  if (template && typeof template === 'object') {
    const out: Obj = {};
    for (const [k, v] of Object.entries(template)) {
      // `{{ range .spec.containers }}`-style lists: a key ending in [] maps its template over a list field.
      const each = /^(.*)\[\]$/.exec(k);
      if (each && v && typeof v === 'object' && 'from' in v && 'item' in v) {
        const items = field(obj, String((v as Obj).from));
        out[each[1]!] = Array.isArray(items) ? items.map((item) => fill((v as Obj).item, { ...obj, item }, ctx)) : [];
        continue;
      }
      out[k] = fill(v, obj, ctx);
    }
    return out;
  }
  return template;
}
