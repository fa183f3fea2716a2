// Pure helpers of the Deployment controller (upstream pkg/controller/deployment/util): the
// pod-template hash, surge/unavailable arithmetic, revisions and the rollout conditions.
import { stableJson } from '../util.ts';

type Obj = Record<string, any>;

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

/** Annotations of a Deployment that are not copied to its ReplicaSets. */
const NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, 'deprecated.deployment.rollback.to']);

// Upstream's rand.SafeEncodeString alphabet: no vowels, and no 0, 1, 3 that read as letters.
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Upstream's ComputeHash: FNV-32a of the template, then the collision count as 8 little-endian
 * bytes (only its low 4 set), the decimal sum safe-encoded. Upstream renders the Go struct with
 * spew; kubelite renders the template as key-sorted JSON, so hashes differ from a real cluster's
 * but are stable and change exactly when the template does.
 */
export function computeHash(template: Obj, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(stableJson(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/** Whether two pod templates are equal once the pod-template-hash label is ignored. */
export function equalIgnoreHash(a: Obj | undefined, b: Obj | undefined): boolean {
  const strip = (t: Obj | undefined) => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) {
      delete c.metadata.labels[POD_TEMPLATE_HASH];
      if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    }
    if (c.metadata && Object.keys(c.metadata).length === 0) delete c.metadata;
    return stableJson(c);
  };
  return strip(a) === strip(b);
}

/** An int-or-string of a count or `N%` of `total`, rounded up or down. */
export function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (m) {
      const x = (Number(m[1]) * total) / 100;
      return roundUp ? Math.ceil(x) : Math.floor(x);
    }
    if (/^\d+$/.test(v)) return Number(v);
  }
  throw new Error(`invalid value for IntOrString: invalid value "${String(v)}"`);
}

/** Upstream's ResolveFenceposts: surge rounds up, unavailable down; both zero becomes 0/1. */
export function resolveFenceposts(d: Obj): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec?.replicas ?? 1;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const maxSurge = intOrPercent(ru.maxSurge ?? '25%', replicas, true);
  const maxUnavailable = intOrPercent(ru.maxUnavailable ?? '25%', replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) return { maxSurge: 0, maxUnavailable: 1 };
  return { maxSurge, maxUnavailable };
}

export const isRollingUpdate = (d: Obj) => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

export function maxUnavailable(d: Obj): number {
  const replicas = d.spec?.replicas ?? 1;
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(resolveFenceposts(d).maxUnavailable, replicas);
}

export function maxSurge(d: Obj): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).maxSurge : 0;
}

export const revisionOf = (o: Obj | undefined): number => {
  const n = Number(o?.metadata?.annotations?.[REVISION] ?? 0);
  return Number.isFinite(n) ? n : 0;
};

export const specReplicas = (rs: Obj | undefined): number => rs?.spec?.replicas ?? 0;

/** Annotations a ReplicaSet gets from its Deployment (upstream's skipCopyAnnotation). */
export function copiedAnnotations(d: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(d.metadata?.annotations ?? {})) if (!NOT_COPIED.has(k)) out[k] = v;
  return out;
}

/** How many replicas the new ReplicaSet should have now (upstream's NewRSNewReplicas). */
export function newRSNewReplicas(d: Obj, allRSs: Obj[], newRS: Obj): number {
  const replicas = d.spec?.replicas ?? 1;
  if (!isRollingUpdate(d)) return replicas;
  const current = allRSs.reduce((n, rs) => n + specReplicas(rs), 0);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, Math.max(0, replicas - specReplicas(newRS)));
  return specReplicas(newRS) + up;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export const getCondition = (status: Obj | undefined, type: string): Condition | undefined => (status?.conditions ?? []).find((c: Condition) => c.type === type);

/** Sets a condition, keeping lastTransitionTime when the status does not change. */
export function setCondition(status: Obj, c: Condition): void {
  const cur = getCondition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x: Condition) => x.type !== c.type), next];
}

export function deploymentComplete(d: Obj, s: Obj): boolean {
  const r = d.spec?.replicas ?? 1;
  return s.updatedReplicas === r && s.replicas === r && s.availableReplicas === r && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

export function deploymentProgressing(d: Obj, s: Obj): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return s.updatedReplicas > (old.updatedReplicas ?? 0) || newOld < oldOld || s.readyReplicas > (old.readyReplicas ?? 0) || s.availableReplicas > (old.availableReplicas ?? 0);
}

export function deploymentTimedOut(d: Obj, s: Obj, now: number): boolean {
  const deadline = d.spec?.progressDeadlineSeconds;
  if (deadline === undefined || deadline === null) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  return !Number.isNaN(from) && from + deadline * 1000 < now;
}
