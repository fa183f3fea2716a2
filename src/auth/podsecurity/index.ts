// Pod Security Standards evaluation as upstream's pod-security-admission does it: the
// namespace labels that pick a level and version, the baseline and restricted checks, the
// messages for a rejected or warned-about pod, and the warnings for a namespace whose
// enforce level is tightened over pods that already run there. Pure: no server code.

import type { Obj } from '../../apiserver/rest.ts';
import { StatusError } from '../../api/errors.ts';
import { errorString, formatErrors, goQuote, toStatusCauses } from '../../api/validation/errors.ts';
import {
  compareLevels,
  evaluateLabels,
  levelVersionString,
  parseVersion,
  type LevelVersion,
  type NamespacePolicy,
} from './api.ts';
import { checksFor, goCompare, type Violation } from './checks.ts';

export type { Level, LevelVersion, NamespacePolicy } from './api.ts';
export type { Violation } from './checks.ts';
export { MAX_POLICY_VERSION } from './checks.ts';
export { evaluateLabels, compareLevels, levelVersionString } from './api.ts';

/**
 * Reads pod-security.kubernetes.io/{enforce,audit,warn}[-version] labels; missing =
 * privileged/latest. `errors` are upstream's field errors for malformed values, e.g.
 * `metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted`.
 */
export function policyFromLabels(labels: Record<string, string> | undefined): {
  policy: NamespacePolicy;
  errors: string[];
} {
  const { policy, fieldErrors } = evaluateLabels(labels);
  return { policy, errors: fieldErrors.map(errorString) };
}

/** All checks of the level at that version (restricted includes baseline's). */
export function checkPod(lv: LevelVersion, metadata: Obj | undefined, spec: Obj | undefined): Violation[] {
  if (lv.level === 'privileged') return [];
  const minor = parseVersion(lv.version).minor;
  const meta = metadata ?? {};
  const podSpec = spec ?? {};
  const out: Violation[] = [];
  for (const c of checksFor(lv.level, minor)) {
    const v = c.fn(meta, podSpec);
    if (v) out.push(v);
  }
  return out;
}

/** `reason1 (detail1), reason2 (detail2)`: upstream's ForbiddenDetail(). */
export function violationDetail(v: readonly Violation[]): string {
  return v.map((x) => (x.detail ? `${x.reason} (${x.detail})` : x.reason)).join(', ');
}

/** `violates PodSecurity "restricted:latest": reason1 (detail1), ...`: the enforce rejection. */
export function violationMessage(lv: LevelVersion, v: Violation[]): string {
  return `violates PodSecurity ${goQuote(levelVersionString(lv))}: ${violationDetail(v)}`;
}

/** `would violate PodSecurity "baseline:latest": ...`: the warn-mode warning and the audit annotation value. */
export function wouldViolateMessage(lv: LevelVersion, v: Violation[]): string {
  return `would violate PodSecurity ${goQuote(levelVersionString(lv))}: ${violationDetail(v)}`;
}

function template(t: unknown): { metadata: Obj | undefined; spec: Obj | undefined } {
  const o = typeof t === 'object' && t !== null ? (t as Obj) : undefined;
  return { metadata: o?.metadata ?? undefined, spec: o?.spec ?? undefined };
}

/**
 * The pod metadata+spec a kind carries: Pod itself, or the template of Deployment, ReplicaSet,
 * StatefulSet, DaemonSet, Job, CronJob (spec.jobTemplate.spec.template), ReplicationController,
 * PodTemplate. undefined for other kinds. Both fields undefined means the object has no
 * template (a ReplicationController may omit it), which upstream admits without evaluating.
 */
export function podSpecOf(
  group: string,
  kind: string,
  o: Obj,
): { metadata: Obj | undefined; spec: Obj | undefined } | undefined {
  const spec = o?.spec ?? undefined;
  if (group === '') {
    switch (kind) {
      case 'Pod':
        return { metadata: o?.metadata ?? undefined, spec };
      case 'PodTemplate':
        return template(o?.template);
      case 'ReplicationController':
        return template(spec?.template);
    }
    return undefined;
  }
  if (group === 'apps' && ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(kind)) {
    return template(spec?.template);
  }
  if (group === 'batch') {
    if (kind === 'Job') return template(spec?.template);
    if (kind === 'CronJob') return template(spec?.jobTemplate?.spec?.template);
  }
  return undefined;
}

/** Upstream's cap on how many existing pods a namespace label change is checked against. */
export const NAMESPACE_MAX_PODS_TO_CHECK = 3000;

function controllerUID(pod: Obj): string | undefined {
  const refs = pod?.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  for (const r of refs) if (r && r.controller === true) return String(r.uid ?? '');
  return undefined;
}

/**
 * Warnings upstream returns when a namespace's enforce label changes and existing pods would
 * violate it: `existing pods in namespace "x" violate the new PodSecurity enforce level
 * "restricted:latest"`, then one line per distinct set of violated checks, naming the
 * lexically first pod and how many others share it, sorted. One pod per controller is checked
 * before the rest, and at most NAMESPACE_MAX_PODS_TO_CHECK pods are.
 */
export function namespaceChangeWarnings(
  namespace: string,
  lv: LevelVersion,
  pods: Obj[],
  maxPodsToCheck: number = NAMESPACE_MAX_PODS_TO_CHECK,
): string[] {
  // Replicas of an already-seen controller would mostly repeat its warning, so they go last.
  const first: Obj[] = [];
  const later: Obj[] = [];
  const seen = new Set<string>();
  for (const pod of pods) {
    const uid = controllerUID(pod);
    if (uid === undefined) first.push(pod);
    else if (seen.has(uid)) later.push(pod);
    else {
      seen.add(uid);
      first.push(pod);
    }
  }
  const prioritized = [...first, ...later];
  const total = prioritized.length;
  const checked = prioritized.slice(0, Math.max(0, maxPodsToCheck));

  const order: string[] = [];
  const counts = new Map<string, { podName: string; count: number }>();
  for (const pod of checked) {
    const v = checkPod(lv, pod?.metadata, pod?.spec);
    if (v.length === 0) continue;
    const warning = v.map((x) => x.reason).join(', ');
    const name = String(pod?.metadata?.name ?? '');
    const c = counts.get(warning);
    if (!c) {
      counts.set(warning, { podName: name, count: 1 });
      order.push(warning);
    } else {
      if (goCompare(name, c.podName) < 0) c.podName = name;
      c.count++;
    }
  }

  const warnings: string[] = [];
  if (checked.length < total) {
    warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${total} existing pods`);
  }
  if (order.length > 0) {
    warnings.push(
      `existing pods in namespace ${goQuote(namespace)} violate the new PodSecurity enforce level ${goQuote(levelVersionString(lv))}`,
    );
  }
  const podWarnings = order.map((w) => {
    const c = counts.get(w) as { podName: string; count: number };
    if (c.count === 1) return `${c.podName}: ${w}`;
    if (c.count === 2) return `${c.podName} (and 1 other pod): ${w}`;
    return `${c.podName} (and ${c.count - 1} other pods): ${w}`;
  });
  podWarnings.sort(goCompare);
  return [...warnings, ...podWarnings];
}

/**
 * Whether upstream dry-runs existing pods when a namespace's policy changes from `old` to
 * `next`: not when enforce is unchanged, when it becomes privileged, or when only the level
 * was relaxed at the same version.
 */
export function enforceNeedsPodCheck(old: NamespacePolicy, next: NamespacePolicy): boolean {
  const o = old.enforce;
  const n = next.enforce;
  if (o.level === n.level && o.version === n.version) return false;
  if (n.level === 'privileged') return false;
  if (n.version === o.version && compareLevels(n.level, o.level) < 1) return false;
  return true;
}

/**
 * The 422 upstream rejects a Namespace create or update with when its pod-security labels are
 * malformed (`Namespace "x" is invalid: metadata.labels[...]: Invalid value: ...`). On update,
 * labels that were already malformed in exactly the same way do not block the update.
 */
export function namespaceLabelsError(
  name: string,
  labels: Record<string, string> | undefined,
  oldLabels?: Record<string, string>,
): StatusError | undefined {
  const errs = evaluateLabels(labels).fieldErrors;
  if (errs.length === 0) return undefined;
  if (oldLabels !== undefined) {
    const oldErrs = evaluateLabels(oldLabels).fieldErrors;
    const same =
      oldErrs.length === errs.length &&
      oldErrs.every((e, i) => errorString(e) === errorString(errs[i] as (typeof errs)[number]));
    if (same) return undefined;
  }
  return new StatusError(422, 'Invalid', formatErrors('Namespace', '', name, errs), {
    name,
    kind: 'Namespace',
    causes: toStatusCauses(errs),
  });
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/**
 * Whether a pod update changes anything the checks could see (upstream's
 * isSignificantPodUpdate): images, the seccomp annotations, the number of containers, or an
 * added ephemeral container. Other updates of a pod are admitted without evaluation, so a pod
 * admitted before its namespace was tightened can still have its labels or status changed.
 */
export function isSignificantPodUpdate(pod: Obj, oldPod: Obj): boolean {
  const ann = (p: Obj): Record<string, unknown> => p?.metadata?.annotations ?? {};
  const a = ann(pod);
  const oa = ann(oldPod);
  const annStr = (m: Record<string, unknown>, k: string): string => (typeof m[k] === 'string' ? (m[k] as string) : '');
  if (annStr(a, SECCOMP_POD_ANNOTATION) !== annStr(oa, SECCOMP_POD_ANNOTATION)) return true;
  const arr = (p: Obj, f: string): Obj[] => (Array.isArray(p?.spec?.[f]) ? p.spec[f] : []);
  const containerChanged = (c: Obj, oc: Obj): boolean => {
    if ((c?.image ?? '') !== (oc?.image ?? '')) return true;
    const k = SECCOMP_CONTAINER_ANNOTATION_PREFIX + String(c?.name ?? '');
    return annStr(a, k) !== annStr(oa, k);
  };
  for (const f of ['containers', 'initContainers']) {
    const cs = arr(pod, f);
    const ocs = arr(oldPod, f);
    if (cs.length !== ocs.length) return true;
    for (let i = 0; i < cs.length; i++) if (containerChanged(cs[i] as Obj, ocs[i] as Obj)) return true;
  }
  const oldEphemeral = arr(oldPod, 'ephemeralContainers');
  for (const c of arr(pod, 'ephemeralContainers')) {
    const oc = oldEphemeral.find((x) => x?.name === c?.name);
    if (!oc) return true;
    if (containerChanged(c, oc)) return true;
  }
  return false;
}
