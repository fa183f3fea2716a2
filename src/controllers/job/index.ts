// The Job controller (upstream pkg/controller/job): runs pods until `completions` succeed (or one
// per index in Indexed mode), at most `parallelism` at a time, gives up after `backoffLimit`
// failures or `activeDeadlineSeconds`, and counts finished pods exactly once through the
// batch.kubernetes.io/job-tracking finalizer and status.uncountedTerminatedPods. podFailurePolicy
// rules decide how a failed pod counts (FailJob, FailIndex, Ignore, Count), successPolicy lets an
// Indexed Job succeed early, and backoffLimitPerIndex / maxFailedIndexes give each index its own
// retry budget (tracked in the job-index-failure-count annotation and status.failedIndexes).
import { EventRecorder, NAMESPACE_INDEX, isNotFound, objectOf, resources, type Client, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { Expectations, claim, controllerRefOf, isPodReady, parseTime, selectorOf } from '../util.ts';

type Obj = Record<string, any>;

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** Upstream's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

export const REASON_BACKOFF_LIMIT = 'BackoffLimitExceeded';
export const REASON_DEADLINE = 'DeadlineExceeded';
export const REASON_COMPLETIONS = 'CompletionsReached';
const MESSAGES: Record<string, string> = {
  [REASON_BACKOFF_LIMIT]: 'Job has reached the specified backoff limit',
  [REASON_DEADLINE]: 'Job was active longer than specified deadline',
  [REASON_COMPLETIONS]: 'Reached expected number of succeeded pods',
};

export interface JobControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

export const conditionOf = (job: Obj, type: string): Obj | undefined => (job.status?.conditions ?? []).find((c: Obj) => c.type === type);
const isTrue = (job: Obj, type: string) => conditionOf(job, type)?.status === 'True';
export const isJobFinished = (job: Obj): boolean => isTrue(job, 'Complete') || isTrue(job, 'Failed');

const hasFinalizer = (p: Obj) => (p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
const isSucceeded = (p: Obj) => p.status?.phase === 'Succeeded';
/** A pod failure policy implies waiting for terminating pods to reach a phase before replacing them. */
const onlyReplaceFailed = (job: Obj) => job.spec.podReplacementPolicy === 'Failed' || !!job.spec.podFailurePolicy;
/** Deleted pods that never succeeded count as failed unless only Failed pods are replaced. */
function isFailed(p: Obj, job: Obj): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailed(job)) return false;
  return !!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded';
}
const isFinished = (p: Obj, job: Obj) => isSucceeded(p) || isFailed(p, job);
const isActive = (p: Obj) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp;

/** The completion index a pod carries (annotation first, as upstream), or undefined. */
export function podIndex(p: Obj): number | undefined {
  const v = p.metadata.annotations?.[JOB_COMPLETION_INDEX] ?? p.metadata.labels?.[JOB_COMPLETION_INDEX];
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** `1,3-5` → {1,3,4,5}; entries not below `completions` are ignored, as upstream. */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) continue;
    for (let i = lo; i <= hi && i < completions; i++) out.add(i);
  }
  return out;
}

/** status.completedIndexes and failedIndexes as upstream's orderedIntervals.String(): runs of three or more become `a-b`, a pair stays `a,b`. */
export function formatIntervals(set: Set<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    if (i === j) parts.push(`${xs[i]}`);
    else parts.push(`${xs[i]}${j === i + 1 ? ',' : '-'}${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_MAX_FAILED_INDEXES = 'MaxFailedIndexesExceeded';
export const REASON_FAILED_INDEXES = 'FailedIndexes';
export const REASON_SUCCESS_POLICY = 'SuccessPolicy';
MESSAGES[REASON_MAX_FAILED_INDEXES] = 'Job has exceeded the specified maximal number of failed indexes';
MESSAGES[REASON_FAILED_INDEXES] = 'Job has failed indexes';

export interface PodFailureMatch {
  /** Set only for a FailJob rule: the Job's failure message. */
  message?: string;
  /** False only for an Ignore rule: the failure does not count against backoffLimit. */
  countFailed: boolean;
  action?: 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';
}

const KNOWN_ACTIONS = new Set(['FailJob', 'FailIndex', 'Ignore', 'Count']);

function exitCodeMatch(statuses: Obj[] | undefined, req: Obj): Obj | undefined {
  for (const cs of statuses ?? []) {
    const t = cs.state?.terminated;
    if (!t) continue;
    if (typeof req.containerName === 'string' && req.containerName !== cs.name) continue;
    const code = t.exitCode ?? 0;
    // Exit code 0 is a success of that container, never a failure cause.
    if (code === 0) continue;
    const listed = (req.values ?? []).includes(code);
    if ((req.operator === 'In' && listed) || (req.operator === 'NotIn' && !listed)) return cs;
  }
  return undefined;
}

/**
 * Evaluates spec.podFailurePolicy against a failed pod, rules in order; the first rule with a
 * known action that matches decides. Unmatched failures count as usual.
 */
export function matchPodFailurePolicy(policy: Obj | undefined, pod: Obj): PodFailureMatch {
  if (!policy) return { countFailed: true };
  const rules: Obj[] = policy.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (!KNOWN_ACTIONS.has(r.action)) continue;
    let cause: string | undefined;
    if (r.onExitCodes) {
      const cs = exitCodeMatch(pod.status?.containerStatuses, r.onExitCodes) ?? exitCodeMatch(pod.status?.initContainerStatuses, r.onExitCodes);
      if (cs) cause = `Container ${cs.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${cs.state.terminated.exitCode} matching ${r.action} rule at index ${i}`;
    } else if (r.onPodConditions) {
      const patterns: Obj[] = r.onPodConditions;
      const c = (pod.status?.conditions ?? []).find((pc: Obj) => patterns.some((pt) => pt.type === pc.type && pt.status === pc.status));
      if (c) cause = `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${c.type} matching ${r.action} rule at index ${i}`;
    }
    if (cause === undefined) continue;
    if (r.action === 'Ignore') return { countFailed: false, action: 'Ignore' };
    if (r.action === 'FailJob') return { message: cause, countFailed: true, action: 'FailJob' };
    return { countFailed: true, action: r.action };
  }
  return { countFailed: true };
}

/** spec.successPolicy: `Matched rules at index N` for the first satisfied rule, else undefined. */
export function matchSuccessPolicy(policy: Obj | undefined, completions: number, succeeded: Set<number>): string | undefined {
  if (!policy || succeeded.size === 0) return undefined;
  const rules: Obj[] = policy.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (typeof r.succeededIndexes === 'string') {
      const wanted = parseIndexes(r.succeededIndexes, completions);
      if (wanted.size === 0) continue;
      let have = 0;
      for (const x of wanted) if (succeeded.has(x)) have++;
      if (have === wanted.size || (typeof r.succeededCount === 'number' && have >= r.succeededCount)) return `Matched rules at index ${i}`;
    } else if (typeof r.succeededCount === 'number' && succeeded.size >= r.succeededCount) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}

const annotationCount = (p: Obj | undefined, key: string): number => {
  const v = p?.metadata.annotations?.[key];
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return 0;
  const n = Number(v);
  return n > 2 ** 31 - 1 ? 0 : n;
};

/**
 * When a pod stopped: its last container finish (if every container has one), else Ready turning
 * False, else deletion less the grace period, else creation.
 */
function finishedAt(p: Obj): number {
  const statuses: Obj[] = p.status?.containerStatuses ?? [];
  let last = NaN;
  for (const cs of statuses) {
    const t = parseTime(cs.state?.terminated?.finishedAt);
    if (Number.isNaN(t)) {
      last = NaN;
      break;
    }
    if (!(t <= last)) last = t;
  }
  if (!Number.isNaN(last)) return last;
  const ready = (p.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
  const r = ready?.status === 'False' ? parseTime(ready.lastTransitionTime) : NaN;
  if (!Number.isNaN(r)) return r;
  const d = parseTime(p.metadata.deletionTimestamp);
  if (!Number.isNaN(d)) return d - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return parseTime(p.metadata.creationTimestamp);
}

/** Upstream's per-failure-count backoff: 10s doubling per earlier failure, capped at 10m. */
function backoffFor(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF_MS);
}

interface Backoff {
  failures: number;
  lastFailure: number;
}

export class JobController extends KeyedController {
  readonly expectations: Expectations;
  /** Pod UIDs whose finalizer removal was sent but not yet seen in the informer, per job. */
  private readonly finalizerExpectations = new Map<string, Set<string>>();
  private readonly backoff = new Map<string, Backoff>();
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly jobInformer;
  private readonly podInformer;

  constructor(o: JobControllerOptions) {
    const clock = o.clock ?? realClock;
    const jobInformer = o.factory.forResource(resources.jobs);
    const podInformer = o.factory.forResource(resources.pods);
    super({ name: 'job', informers: [jobInformer, podInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.jobInformer = jobInformer;
    this.podInformer = podInformer;
    this.expectations = new Expectations(clock);

    jobInformer.addEventHandler({
      onAdd: (j) => this.enqueue(j),
      onUpdate: (_o, j) => this.enqueue(j),
      onDelete: (j) => {
        const key = `${objectOf(j).metadata.namespace}/${objectOf(j).metadata.name}`;
        this.forget(key);
        this.queue.add(key);
      },
    });
    podInformer.addEventHandler({
      onAdd: (p) => {
        const key = this.ownerKey(p);
        if (!key) return;
        this.expectations.creationObserved(key);
        this.queue.add(key);
      },
      onUpdate: (_o, p) => this.podChanged(p),
      onDelete: (p) => this.podChanged(objectOf(p), true),
    });
  }

  private forget(key: string): void {
    this.expectations.delete(key);
    this.finalizerExpectations.delete(key);
    this.backoff.delete(key);
  }

  private podChanged(p: Obj, deleted = false): void {
    const key = this.ownerKey(p);
    if (!key) return;
    if (deleted || !hasFinalizer(p)) this.finalizerExpectations.get(key)?.delete(p.metadata.uid);
    if (deleted) this.expectations.deletionObserved(key, `${p.metadata.namespace}/${p.metadata.name}`);
    this.queue.add(key);
  }

  private ownerKey(p: Obj): string | undefined {
    const ref = controllerRefOf(p);
    if (!ref || ref.kind !== 'Job') return undefined;
    return `${p.metadata.namespace}/${ref.name}`;
  }

  async reconcile(key: string): Promise<void> {
    const job = this.jobInformer.get(key);
    if (!job) {
      this.forget(key);
      return;
    }
    const selector = selectorOf(job);
    if (!selector) return;
    const candidates = this.podInformer.byIndex(NAMESPACE_INDEX, job.metadata.namespace);
    const pods = await claim({ client: this.client, resource: resources.pods, owner: job, ownerApiVersion: 'batch/v1', ownerKind: 'Job', selector, candidates });

    if (isJobFinished(job)) {
      // Pods left over from a finished job must not stay pinned by our finalizer.
      await this.removeFinalizers(key, pods.filter(hasFinalizer));
      return;
    }

    const now = this.clock.now();
    const spec = job.spec;
    const indexed = spec.completionMode === 'Indexed';
    const completions: number | undefined = typeof spec.completions === 'number' ? spec.completions : undefined;
    const parallelism: number = spec.parallelism ?? 1;
    const backoffLimit: number = spec.backoffLimit ?? 6;
    const status: Obj = structuredClone(job.status ?? {});
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])] as string[], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] as string[] };
    const inUncounted = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const pendingRemoval = this.finalizerExpectations.get(key) ?? new Set<string>();
    const succeededIndexes = indexed ? parseIndexes(status.completedIndexes, completions ?? 0) : new Set<number>();

    const pfp: Obj | undefined = spec.podFailurePolicy ?? undefined;
    const perIndex = indexed && typeof spec.backoffLimitPerIndex === 'number';
    const validIndex = (p: Obj): number | undefined => {
      const i = podIndex(p);
      return i !== undefined && i < (completions ?? 0) ? i : undefined;
    };
    const fresh = (p: Obj) => hasFinalizer(p) && !inUncounted.has(p.metadata.uid) && !pendingRemoval.has(p.metadata.uid);
    if (indexed) {
      for (const p of pods) {
        const i = validIndex(p);
        if (isSucceeded(p) && i !== undefined) succeededIndexes.add(i);
      }
    }

    // backoffLimitPerIndex: an index fails once a counted failure finds its retries used up, or on a FailIndex rule.
    const failedIndexes = perIndex ? parseIndexes(status.failedIndexes ?? undefined, completions ?? 0) : new Set<number>();
    const delayed = new Map<number, Obj>();
    if (perIndex) {
      for (const p of pods) {
        const i = validIndex(p);
        if (i === undefined || !hasFinalizer(p) || !isFailed(p, job)) continue;
        const m = matchPodFailurePolicy(pfp, p);
        if (m.action === 'FailIndex' || (m.countFailed && annotationCount(p, JOB_INDEX_FAILURE_COUNT) >= spec.backoffLimitPerIndex)) failedIndexes.add(i);
      }
      // The newest failure of an index still to be retried keeps its finalizer until the replacement
      // exists, so that the replacement can inherit the index's failure count from it.
      const activeIndexes = new Set(pods.filter(isActive).map(podIndex));
      const absolute = (q: Obj) => annotationCount(q, JOB_INDEX_FAILURE_COUNT) + annotationCount(q, JOB_INDEX_IGNORED_FAILURE_COUNT);
      for (const p of pods) {
        const i = validIndex(p);
        if (i === undefined || !fresh(p) || !isFailed(p, job) || succeededIndexes.has(i) || failedIndexes.has(i) || activeIndexes.has(i)) continue;
        const prev = delayed.get(i);
        if (!prev || (absolute(prev) <= absolute(p) && finishedAt(p) >= finishedAt(prev))) delayed.set(i, p);
      }
    }
    const isDelayed = (p: Obj) => {
      const i = podIndex(p);
      return i !== undefined && delayed.get(i) === p;
    };

    // Finished pods still carrying the finalizer and not yet recorded: record them now. Failures an
    // Ignore rule matches only lose their finalizer, uncounted.
    let newFailures = 0;
    let newSuccesses = 0;
    const release: Obj[] = [];
    for (const p of pods) {
      if (!fresh(p) || !isFinished(p, job) || isDelayed(p)) continue;
      if (isSucceeded(p)) {
        uncounted.succeeded.push(p.metadata.uid);
        newSuccesses++;
      } else {
        newFailures++;
        if (!matchPodFailurePolicy(pfp, p).countFailed) {
          release.push(p);
          continue;
        }
        uncounted.failed.push(p.metadata.uid);
      }
      inUncounted.add(p.metadata.uid);
    }
    this.recordBackoff(key, newFailures, newSuccesses, now);

    const active = pods.filter(isActive);
    const terminating = pods.filter((p) => p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
    const succeeded = indexed ? succeededIndexes.size : (status.succeeded ?? 0) + uncounted.succeeded.length;
    const failed = (status.failed ?? 0) + uncounted.failed.length;

    const conditions: Obj[] = [...(status.conditions ?? [])];
    const setCondition = (type: string, st: string, reason: string, message: string) => {
      const i = conditions.findIndex((c) => c.type === type);
      const prev = conditions[i];
      if (prev && prev.status === st && prev.reason === reason && prev.message === message) return;
      const c = { type, status: st, lastProbeTime: rfc3339(now), lastTransitionTime: prev && prev.status === st ? prev.lastTransitionTime : rfc3339(now), reason, message };
      if (i >= 0) conditions[i] = c;
      else conditions.push(c);
    };

    // Suspension stops the clock: pods go away and startTime is forgotten until resumed.
    const suspended = spec.suspend === true;
    if (suspended) {
      if (status.startTime || active.length || !isTrue(job, 'Suspended')) {
        setCondition('Suspended', 'True', 'JobSuspended', 'Job suspended');
        if (!isTrue(job, 'Suspended')) this.recorder?.event(job, 'Normal', 'Suspended', 'Job suspended');
      }
      delete status.startTime;
    } else {
      if (isTrue(job, 'Suspended')) {
        setCondition('Suspended', 'False', 'JobResumed', 'Job resumed');
        this.recorder?.event(job, 'Normal', 'Resumed', 'Job resumed');
        delete status.startTime;
      }
      if (!status.startTime) status.startTime = rfc3339(now);
    }

    let failureTarget = conditionOf({ status: { conditions } }, 'FailureTarget');
    if (failureTarget?.status !== 'True') failureTarget = undefined;
    let successTarget = conditionOf({ status: { conditions } }, 'SuccessCriteriaMet');
    if (successTarget?.status !== 'True') successTarget = undefined;
    if (!failureTarget && !successTarget) {
      const restarts = spec.template?.spec?.restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m: number, c: Obj) => m + (c.restartCount ?? 0), 0), 0) : 0;
      const deadline = !suspended && typeof spec.activeDeadlineSeconds === 'number' ? parseTime(status.startTime) + spec.activeDeadlineSeconds * 1000 : NaN;
      // A FailJob rule matching any failed pod fails the Job before any counter is looked at.
      let failJobMessage: string | undefined;
      if (pfp) {
        for (const p of pods) {
          if (!isFailed(p, job)) continue;
          failJobMessage = matchPodFailurePolicy(pfp, p).message;
          if (failJobMessage !== undefined) break;
        }
      }
      let reason: string | undefined;
      if (failJobMessage !== undefined) reason = REASON_POD_FAILURE_POLICY;
      else if (failed > backoffLimit || (restarts > 0 && restarts >= backoffLimit)) reason = REASON_BACKOFF_LIMIT;
      else if (!Number.isNaN(deadline) && now >= deadline) reason = REASON_DEADLINE;
      else if (perIndex && typeof spec.maxFailedIndexes === 'number' && failedIndexes.size > spec.maxFailedIndexes) reason = REASON_MAX_FAILED_INDEXES;
      else if (perIndex && failedIndexes.size > 0 && failedIndexes.size + succeededIndexes.size >= (completions ?? 0)) reason = REASON_FAILED_INDEXES;
      const successPolicyMessage = !reason && indexed ? matchSuccessPolicy(spec.successPolicy ?? undefined, completions ?? 0, succeededIndexes) : undefined;
      if (reason) {
        const message = failJobMessage ?? MESSAGES[reason]!;
        setCondition('FailureTarget', 'True', reason, message);
        this.recorder?.event(job, 'Warning', reason, message);
        failureTarget = conditionOf({ status: { conditions } }, 'FailureTarget');
      } else if (successPolicyMessage !== undefined) {
        setCondition('SuccessCriteriaMet', 'True', REASON_SUCCESS_POLICY, successPolicyMessage);
        successTarget = conditionOf({ status: { conditions } }, 'SuccessCriteriaMet');
      } else {
        const complete = completions === undefined ? succeeded > 0 && active.length === 0 : succeeded >= completions;
        if (complete) {
          setCondition('SuccessCriteriaMet', 'True', REASON_COMPLETIONS, MESSAGES[REASON_COMPLETIONS]!);
          successTarget = conditionOf({ status: { conditions } }, 'SuccessCriteriaMet');
        } else if (!Number.isNaN(deadline)) {
          this.enqueueAfter(key, deadline - now);
        }
      }
    }

    // A finished Job lets go of every pod: unfinished ones count as failed when the Job failed (as
    // the policy allows), and are merely released when it succeeded.
    if (failureTarget || successTarget) {
      for (const p of pods) {
        if (!fresh(p) || isSucceeded(p) || release.includes(p)) continue;
        if ((failureTarget || isFailed(p, job)) && matchPodFailurePolicy(pfp, p).countFailed) {
          uncounted.failed.push(p.metadata.uid);
          inUncounted.add(p.metadata.uid);
        } else {
          release.push(p);
        }
      }
    }

    // Pod creations and deletions, once the informer has caught up with the previous ones.
    let manageErr: unknown;
    let stillActive = active;
    if (this.expectations.satisfied(key)) {
      try {
        stillActive = await this.managePods(key, job, active, {
          indexed,
          completions,
          parallelism,
          succeeded,
          succeededIndexes,
          failedIndexes,
          delayed: perIndex ? delayed : undefined,
          terminatingPods: onlyReplaceFailed(job) ? pods.filter((p) => p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') : [],
          stop: suspended || !!failureTarget || !!successTarget,
        });
      } catch (err) {
        manageErr = err;
      }
    }

    // First make the newly finished pods durable in status, then drop their finalizers, then count them.
    status.active = stillActive.length;
    status.ready = stillActive.filter(isPodReady).length;
    status.terminating = terminating + (active.length - stillActive.length);
    status.conditions = conditions;
    status.uncountedTerminatedPods = { ...(uncounted.succeeded.length ? { succeeded: uncounted.succeeded } : {}), ...(uncounted.failed.length ? { failed: uncounted.failed } : {}) };
    if (indexed) status.completedIndexes = formatIntervals(succeededIndexes);
    if (perIndex) status.failedIndexes = formatIntervals(failedIndexes);
    status.succeeded = indexed ? succeededIndexes.size : status.succeeded ?? 0;
    status.failed = status.failed ?? 0;
    let written = await this.writeStatus(job, status);
    if (!written) return;

    const byUid = new Map(pods.map((p) => [p.metadata.uid as string, p]));
    const toRelease = [...[...inUncounted].map((u) => byUid.get(u)).filter((p): p is Obj => !!p && hasFinalizer(p)), ...release];
    const stillPinned = await this.removeFinalizers(key, toRelease);
    const flushed = { succeeded: uncounted.succeeded.filter((u) => !stillPinned.has(u)), failed: uncounted.failed.filter((u) => !stillPinned.has(u)) };
    const next: Obj = structuredClone(written.status ?? {});
    if (!indexed) next.succeeded = (next.succeeded ?? 0) + flushed.succeeded.length;
    next.failed = (next.failed ?? 0) + flushed.failed.length;
    const left = { succeeded: uncounted.succeeded.filter((u) => stillPinned.has(u)), failed: uncounted.failed.filter((u) => stillPinned.has(u)) };
    next.uncountedTerminatedPods = { ...(left.succeeded.length ? { succeeded: left.succeeded } : {}), ...(left.failed.length ? { failed: left.failed } : {}) };

    // The terminal condition waits until no pod of the job is still running or terminating.
    const allGone = next.active === 0 && (next.terminating ?? 0) === 0 && left.succeeded.length + left.failed.length === 0;
    const target = failureTarget ?? successTarget;
    if (target && allGone) {
      const terminal = failureTarget ? 'Failed' : 'Complete';
      next.conditions = [...(next.conditions ?? []), { type: terminal, status: 'True', lastProbeTime: rfc3339(now), lastTransitionTime: rfc3339(now), reason: target.reason, message: target.message }];
      if (!failureTarget) {
        next.completionTime = rfc3339(now);
        this.recorder?.event(job, 'Normal', 'Completed', 'Job completed');
      }
    }
    if (flushed.succeeded.length + flushed.failed.length > 0 || (target && allGone)) {
      written = await this.writeStatus(written, next);
      if (!written) return;
    }
    if (manageErr !== undefined) throw manageErr;
  }

  private recordBackoff(key: string, failures: number, successes: number, now: number): void {
    if (successes > 0) this.backoff.delete(key);
    if (failures === 0) return;
    const b = this.backoff.get(key) ?? { failures: 0, lastFailure: now };
    this.backoff.set(key, { failures: b.failures + failures, lastFailure: now });
  }

  /** Milliseconds until a replacement pod may be created after recent failures (0: now). */
  private backoffRemaining(key: string): number {
    const b = this.backoff.get(key);
    if (!b) return 0;
    const delay = Math.min(POD_FAILURE_BACKOFF_MS * 2 ** Math.max(0, b.failures - 1), MAX_POD_FAILURE_BACKOFF_MS);
    return Math.max(0, b.lastFailure + delay - this.clock.now());
  }

  /** Creates and deletes pods; returns the active pods not being deleted. */
  private async managePods(
    key: string,
    job: Obj,
    active: Obj[],
    o: {
      indexed: boolean;
      completions: number | undefined;
      parallelism: number;
      succeeded: number;
      succeededIndexes: Set<number>;
      failedIndexes: Set<number>;
      /** With backoffLimitPerIndex: the last failed pod of each index awaiting a replacement. */
      delayed: Map<number, Obj> | undefined;
      /** Pods being deleted that must reach a phase before they are replaced. */
      terminatingPods: Obj[];
      stop: boolean;
    },
  ): Promise<Obj[]> {
    let doomed: Obj[] = [];
    let keep = active;
    let create: (number | undefined)[] = [];
    let perIndexWait = 0;
    if (o.stop) {
      doomed = active;
      keep = [];
    } else if (o.indexed) {
      const total = o.completions ?? 0;
      const seen = new Set<number>();
      keep = [];
      // Pods without a valid index, for a succeeded index, or duplicating an index go.
      for (const p of [...active].sort((a, b) => (isPodReady(b) ? 1 : 0) - (isPodReady(a) ? 1 : 0))) {
        const i = podIndex(p);
        if (i === undefined || i >= total || o.succeededIndexes.has(i) || seen.has(i)) doomed.push(p);
        else {
          seen.add(i);
          keep.push(p);
        }
      }
      if (keep.length > o.parallelism) {
        const extra = [...keep].sort((a, b) => podIndex(b)! - podIndex(a)!).slice(0, keep.length - o.parallelism);
        doomed.push(...extra);
        keep = keep.filter((p) => !extra.includes(p));
      }
      const busy = new Set(o.terminatingPods.map(podIndex));
      const room = o.parallelism - o.terminatingPods.length;
      for (let i = 0; i < total && keep.length + create.length < room; i++) if (!o.succeededIndexes.has(i) && !o.failedIndexes.has(i) && !seen.has(i) && !busy.has(i)) create.push(i);
      if (o.delayed) {
        // Each index backs off on its own, by the failures recorded on its last failed pod.
        const now = this.clock.now();
        const ready: number[] = [];
        let soonest = Infinity;
        for (const i of create as number[]) {
          const last = o.delayed.get(i);
          const wait = last ? finishedAt(last) + backoffFor(annotationCount(last, JOB_INDEX_FAILURE_COUNT) + annotationCount(last, JOB_INDEX_IGNORED_FAILURE_COUNT) + 1) - now : 0;
          if (wait > 0) soonest = Math.min(soonest, wait);
          else ready.push(i);
        }
        create = ready;
        if (soonest !== Infinity) perIndexWait = soonest;
      }
    } else {
      let want = o.completions === undefined ? (o.succeeded > 0 ? 0 : o.parallelism) : Math.min(o.parallelism, Math.max(0, o.completions - o.succeeded));
      want = Math.max(0, want - o.terminatingPods.length);
      if (active.length > want) {
        const order = [...active].sort((a, b) => (isPodReady(a) ? 1 : 0) - (isPodReady(b) ? 1 : 0));
        doomed = order.slice(0, active.length - want);
        keep = active.filter((p) => !doomed.includes(p));
      } else {
        want -= active.length;
        create = Array.from({ length: want }, () => undefined);
      }
    }

    if (doomed.length) {
      this.expectations.expectDeletions(key, doomed.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
      const res = await Promise.allSettled(
        doomed.map(async (p) => {
          try {
            await this.client.delete(resources.pods, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
            this.recorder?.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
          } catch (err) {
            this.expectations.deletionObserved(key, `${p.metadata.namespace}/${p.metadata.name}`);
            if (isNotFound(err)) return;
            this.recorder?.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
            throw err;
          }
        }),
      );
      const bad = res.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (bad) throw bad.reason;
      return keep;
    }
    if (perIndexWait > 0) this.enqueueAfter(key, perIndexWait);
    if (create.length) {
      const wait = o.delayed ? 0 : this.backoffRemaining(key);
      if (wait > 0) {
        this.enqueueAfter(key, wait);
        return keep;
      }
      this.expectations.expectCreations(key, create.length);
      let error: unknown;
      let done = 0;
      // Slow start: 1, 2, 4, ... so a rejected template fails once, not `parallelism` times.
      for (let batch = 1, at = 0; at < create.length && error === undefined; at += batch, batch *= 2) {
        const slice = create.slice(at, at + batch);
        const res = await Promise.allSettled(slice.map((i) => this.createPod(job, i, i === undefined || !o.delayed ? undefined : o.delayed.get(i) ?? null)));
        for (const r of res) {
          if (r.status === 'rejected') error ??= r.reason;
          else done++;
        }
      }
      if (create.length - done > 0) this.expectations.creationObserved(key, create.length - done);
      if (error !== undefined) throw error;
    }
    return keep;
  }

  /** `replacing`: with backoffLimitPerIndex, the failed pod this one replaces (null: first try of the index). */
  private async createPod(job: Obj, index: number | undefined, replacing?: Obj | null): Promise<void> {
    const t = job.spec.template ?? {};
    const labels: Obj = { ...(t.metadata?.labels ?? {}) };
    const annotations: Obj = { ...(t.metadata?.annotations ?? {}) };
    const spec: Obj = structuredClone(t.spec ?? {});
    let generateName = `${job.metadata.name}-`;
    if (index !== undefined) {
      annotations[JOB_COMPLETION_INDEX] = String(index);
      labels[JOB_COMPLETION_INDEX] = String(index);
      generateName = `${job.metadata.name}-${index}-`;
      if (replacing !== undefined) {
        let failures = annotationCount(replacing ?? undefined, JOB_INDEX_FAILURE_COUNT);
        let ignored = annotationCount(replacing ?? undefined, JOB_INDEX_IGNORED_FAILURE_COUNT);
        if (replacing) {
          if (matchPodFailurePolicy(job.spec.podFailurePolicy ?? undefined, replacing).countFailed) failures++;
          else ignored++;
        }
        annotations[JOB_INDEX_FAILURE_COUNT] = String(failures);
        if (ignored > 0) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(ignored);
      }
      if (!spec.hostname) spec.hostname = `${job.metadata.name}-${index}`;
      const env = { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } };
      for (const list of [spec.containers ?? [], spec.initContainers ?? []]) {
        for (const c of list) if (!(c.env ?? []).some((e: Obj) => e.name === JOB_COMPLETION_INDEX_ENV)) c.env = [...(c.env ?? []), env];
      }
    }
    const meta: Obj = {
      generateName,
      namespace: job.metadata.namespace,
      labels,
      finalizers: [...new Set([...(t.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER])],
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }],
    };
    if (Object.keys(annotations).length) meta.annotations = annotations;
    try {
      const pod = await this.client.create(resources.pods, job.metadata.namespace, { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec });
      this.recorder?.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    } catch (err) {
      this.recorder?.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  /**
   * Drops the tracking finalizer; UIDs whose removal succeeded are remembered until the informer
   * shows it. Returns the UIDs whose removal failed (they stay uncounted for a retry).
   */
  private async removeFinalizers(key: string, pods: Obj[]): Promise<Set<string>> {
    const failed = new Set<string>();
    if (!pods.length) return failed;
    let set = this.finalizerExpectations.get(key);
    if (!set) this.finalizerExpectations.set(key, (set = new Set()));
    const expected = set;
    await Promise.all(
      pods.map(async (p) => {
        try {
          await this.client.patch(resources.pods, p.metadata.namespace, p.metadata.name, 'merge', {
            metadata: { finalizers: (p.metadata.finalizers ?? []).filter((f: string) => f !== JOB_TRACKING_FINALIZER), resourceVersion: p.metadata.resourceVersion },
          });
        } catch (err) {
          if (!isNotFound(err)) {
            failed.add(p.metadata.uid);
            return;
          }
        }
        expected.add(p.metadata.uid);
      }),
    );
    return failed;
  }

  /** Writes status when it changed; returns the stored job (or the input when unchanged), undefined if gone. */
  private async writeStatus(job: Obj, status: Obj): Promise<Obj | undefined> {
    if (JSON.stringify(job.status ?? {}) === JSON.stringify(status)) return job;
    try {
      return await this.client.updateStatus(resources.jobs, job.metadata.namespace, { ...job, status });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
