// Matching helpers shared by plugins: tolerations against taints, node selectors and node
// affinity (k8s.io/component-helpers/scheduling/corev1), pod affinity terms, zone keys, image
// names and the default score normalization. Everything here is parsed once (per pod or per
// node) and then evaluated many times, so parsing and matching are separate steps.

import { fromLabelSelectorObject, matchesLabels, type LabelSelector } from '../../api/selectors.ts';
import type { Obj } from '../../apiserver/rest.ts';

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

// ---- taints and tolerations ----

export interface Taint {
  key: string;
  value: string;
  effect: string;
}

export interface Toleration {
  key: string;
  operator: string;
  value: string;
  effect: string;
}

export function parseTaints(list: unknown): Taint[] {
  if (!Array.isArray(list)) return [];
  return list.map((t: Obj) => ({ key: t?.key ?? '', value: t?.value ?? '', effect: t?.effect ?? '' }));
}

export function parseTolerations(list: unknown): Toleration[] {
  if (!Array.isArray(list)) return [];
  return list.map((t: Obj) => ({
    key: t?.key ?? '',
    operator: t?.operator ?? '',
    value: t?.value ?? '',
    effect: t?.effect ?? '',
  }));
}

/** Upstream Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== '' && t.key !== taint.key) return false;
  switch (t.operator) {
    case '':
    case 'Equal':
      return t.value === taint.value;
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint (in node order) that the tolerations do not tolerate, among `taints`. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  for (const taint of taints) if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  return undefined;
}

export function isNoScheduleOrNoExecute(t: Taint): boolean {
  return t.effect === 'NoSchedule' || t.effect === 'NoExecute';
}

// ---- node selectors ----

type LabelReq =
  | { op: 'In' | 'NotIn'; key: string; values: Set<string> }
  | { op: 'Exists' | 'DoesNotExist'; key: string }
  | { op: 'Gt' | 'Lt'; key: string; bound: number };

type FieldReq = { op: 'In' | 'NotIn'; values: Set<string> };

interface SelectorTerm {
  labels: LabelReq[];
  fields: FieldReq[];
}

const INT = /^[+-]?\d+$/;

function parseLabelReq(r: Obj): LabelReq | undefined {
  const key = r?.key;
  const values: unknown[] = Array.isArray(r?.values) ? r.values : [];
  if (typeof key !== 'string') return undefined;
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) return undefined;
      return { op: r.operator, key, values: new Set(values.map(String)) };
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) return undefined;
      return { op: r.operator, key };
    case 'Gt':
    case 'Lt':
      if (values.length !== 1 || !INT.test(String(values[0]))) return undefined;
      return { op: r.operator, key, bound: Number(values[0]) };
    default:
      return undefined;
  }
}

function matchLabelReq(r: LabelReq, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.op) {
    case 'In':
      return has && r.values.has(labels[r.key]!);
    case 'NotIn':
      return !has || !r.values.has(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has) return false;
      const v = labels[r.key]!;
      if (!INT.test(v)) return false;
      return r.op === 'Gt' ? Number(v) > r.bound : Number(v) < r.bound;
    }
  }
}

/**
 * Parses one NodeSelectorTerm. Empty terms select nothing, and terms with an invalid
 * requirement are dropped (upstream's lazy-error selector ignores them when matching).
 */
function parseTerm(t: Obj | undefined): SelectorTerm | undefined {
  const exprs: Obj[] = Array.isArray(t?.matchExpressions) ? t!.matchExpressions : [];
  const fieldExprs: Obj[] = Array.isArray(t?.matchFields) ? t!.matchFields : [];
  if (exprs.length === 0 && fieldExprs.length === 0) return undefined;
  const labels: LabelReq[] = [];
  for (const e of exprs) {
    const r = parseLabelReq(e);
    if (!r) return undefined;
    labels.push(r);
  }
  const fields: FieldReq[] = [];
  for (const f of fieldExprs) {
    const vals: unknown[] = Array.isArray(f?.values) ? f.values : [];
    if (f?.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn') || vals.length !== 1) return undefined;
    fields.push({ op: f.operator, values: new Set(vals.map(String)) });
  }
  return { labels, fields };
}

function matchTerm(t: SelectorTerm, labels: Record<string, string>, nodeName: string): boolean {
  for (const r of t.labels) if (!matchLabelReq(r, labels)) return false;
  for (const f of t.fields) {
    const inSet = f.values.has(nodeName);
    if (f.op === 'In' ? !inSet : inSet) return false;
  }
  return true;
}

/** A v1.NodeSelector: its terms are ORed. */
export class NodeSelector {
  private readonly terms: SelectorTerm[];

  constructor(sel: Obj) {
    const terms: Obj[] = Array.isArray(sel?.nodeSelectorTerms) ? sel.nodeSelectorTerms : [];
    this.terms = [];
    for (const t of terms) {
      const parsed = parseTerm(t);
      if (parsed) this.terms.push(parsed);
    }
  }

  match(labels: Record<string, string>, nodeName: string): boolean {
    for (const t of this.terms) if (matchTerm(t, labels, nodeName)) return true;
    return false;
  }
}

/** A list of v1.PreferredSchedulingTerm: the score is the sum of the weights of matching terms. */
export class PreferredSchedulingTerms {
  private readonly terms: { weight: number; term: SelectorTerm }[] = [];

  constructor(list: unknown) {
    if (!Array.isArray(list)) return;
    for (const p of list as Obj[]) {
      const weight = Number(p?.weight ?? 0);
      if (!weight) continue;
      const term = parseTerm(p?.preference);
      if (term) this.terms.push({ weight, term });
    }
  }

  get size(): number {
    return this.terms.length;
  }

  score(labels: Record<string, string>, nodeName: string): number {
    let s = 0;
    for (const t of this.terms) if (matchTerm(t.term, labels, nodeName)) s += t.weight;
    return s;
  }
}

/** The pod's hard node constraints: spec.nodeSelector AND required node affinity. */
export class RequiredNodeAffinity {
  readonly labelSelector: [string, string][] | undefined;
  readonly nodeSelector: NodeSelector | undefined;

  constructor(pod: Obj) {
    const ns = pod.spec?.nodeSelector;
    this.labelSelector = ns && typeof ns === 'object' ? Object.entries(ns as Record<string, string>) : undefined;
    const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.nodeSelector = req ? new NodeSelector(req) : undefined;
  }

  get isEmpty(): boolean {
    return this.labelSelector === undefined && this.nodeSelector === undefined;
  }

  match(labels: Record<string, string>, nodeName: string): boolean {
    if (this.labelSelector) {
      for (const [k, v] of this.labelSelector) if (labels[k] !== v) return false;
    }
    return this.nodeSelector ? this.nodeSelector.match(labels, nodeName) : true;
  }
}

// ---- pod affinity terms ----

/** A selector that may be "nothing" (a missing selector selects no objects). */
export type MaybeSelector = LabelSelector | null;

export function selectorFrom(sel: unknown): MaybeSelector {
  if (sel == null || typeof sel !== 'object') return null;
  return fromLabelSelectorObject(sel as Obj);
}

export function selectorMatches(sel: MaybeSelector, labels: Record<string, string> | undefined): boolean {
  return sel !== null && matchesLabels(sel, labels);
}

/** Upstream fwk.AffinityTerm: which pods a (anti-)affinity term refers to, and the topology it spans. */
export class AffinityTerm {
  constructor(
    readonly namespaces: ReadonlySet<string>,
    readonly selector: MaybeSelector,
    readonly topologyKey: string,
    readonly namespaceSelector: MaybeSelector,
  ) {}

  static fromPodAffinityTerm(pod: Obj, term: Obj): AffinityTerm {
    const explicit: string[] = Array.isArray(term?.namespaces) ? term.namespaces : [];
    const nsSel = selectorFrom(term?.namespaceSelector);
    // No namespaces and no namespaceSelector means "the pod's own namespace".
    const namespaces = explicit.length === 0 && term?.namespaceSelector == null ? new Set([pod.metadata?.namespace ?? '']) : new Set(explicit);
    return new AffinityTerm(namespaces, selectorFrom(term?.labelSelector), term?.topologyKey ?? '', nsSel);
  }

  /** Whether `pod` (with its namespace's labels) is one of the pods this term refers to. */
  matches(pod: Obj, nsLabels: Record<string, string> | undefined): boolean {
    const ns = pod.metadata?.namespace ?? '';
    if (this.namespaces.has(ns) || selectorMatches(this.namespaceSelector, nsLabels)) {
      return selectorMatches(this.selector, pod.metadata?.labels);
    }
    return false;
  }
}

export class WeightedAffinityTerm {
  constructor(
    readonly term: AffinityTerm,
    readonly weight: number,
  ) {}
}

// ---- misc ----

/** Upstream utilnode.GetZoneKey: region and zone joined with a NUL-guarded separator. */
export function getZoneKey(node: Obj | undefined): string {
  const labels = node?.metadata?.labels as Record<string, string> | undefined;
  if (!labels) return '';
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  if (region === '' && zone === '') return '';
  return `${region}:\x00:${zone}`;
}

/** Image names without a tag mean `:latest` (upstream ImageLocality's normalizedImageName). */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/**
 * Upstream helper.DefaultNormalizeScore: scales scores to [0, maxPriority] by the maximum,
 * optionally reversed (higher raw score becomes lower).
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: Float64Array | number[]): void {
  let maxCount = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > maxCount) maxCount = scores[i]!;
  if (maxCount === 0) {
    if (reverse) for (let i = 0; i < scores.length; i++) scores[i] = maxPriority;
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * scores[i]!) / maxCount);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}

/** A pod's priority (spec.priority, 0 when unset). */
export function podPriority(pod: Obj): number {
  const p = pod.spec?.priority;
  return typeof p === 'number' ? p : 0;
}
