// The CronJob controller (upstream pkg/controller/cronjob, the v2 controller): creates a Job named
// `<cronjob>-<scheduled minute since the epoch>` at each scheduled time, honours the concurrency
// policy, startingDeadlineSeconds and suspend, and prunes finished Jobs beyond the history limits.
import { EventRecorder, NAMESPACE_INDEX, isAlreadyExists, isNotFound, objectOf, resources, type Client, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController, TerminalError } from '../controller.ts';
import { controllerRefOf, parseTime } from '../util.ts';
import { mostRecent, next, parseSchedule, rfc3339In } from './schedule.ts';

type Obj = Record<string, any>;

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Upstream requeues this long after the next scheduled time, so that it has surely passed. */
const NEXT_SLACK_MS = 100;

export interface CronJobControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

const finishedCondition = (job: Obj): string | undefined =>
  (job.status?.conditions ?? []).find((c: Obj) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;

/** Upstream's getJobName: the scheduled time in minutes since the epoch. */
export const jobNameFor = (cronJob: Obj, scheduled: number): string => `${cronJob.metadata.name}-${Math.floor(scheduled / 60_000)}`;

export class CronJobController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly cjInformer;
  private readonly jobInformer;

  constructor(o: CronJobControllerOptions) {
    const cjInformer = o.factory.forResource(resources.cronjobs);
    const jobInformer = o.factory.forResource(resources.jobs);
    super({ name: 'cronjob', informers: [cjInformer, jobInformer], clock: o.clock ?? realClock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.cjInformer = cjInformer;
    this.jobInformer = jobInformer;
    cjInformer.addEventHandler({ onAdd: (c) => this.enqueue(c), onUpdate: (_o, c) => this.enqueue(c), onDelete: (c) => this.enqueue(c) });
    const jobChanged = (j: Obj) => {
      const ref = controllerRefOf(j);
      if (ref?.kind === 'CronJob') this.queue.add(`${j.metadata.namespace}/${ref.name}`);
    };
    jobInformer.addEventHandler({ onAdd: jobChanged, onUpdate: (_o, j) => jobChanged(j), onDelete: (j) => jobChanged(objectOf(j)) });
  }

  async reconcile(key: string): Promise<void> {
    const cj = this.cjInformer.get(key);
    if (!cj) return;
    const now = this.clock.now();
    const ns = cj.metadata.namespace;
    const jobs = this.jobInformer.byIndex(NAMESPACE_INDEX, ns).filter((j) => controllerRefOf(j)?.uid === cj.metadata.uid);
    const status: Obj = structuredClone(cj.status ?? {});
    const ref = (j: Obj) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: ns, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion });

    // Active: the owned jobs not yet finished; finished ones leave the list with an event.
    const byUid = new Map(jobs.map((j) => [j.metadata.uid as string, j]));
    const wasActive = new Set((status.active ?? []).map((r: Obj) => r.uid));
    const active: Obj[] = [];
    for (const j of jobs) {
      const done = finishedCondition(j);
      if (!done) active.push(ref(j));
      else if (wasActive.has(j.metadata.uid)) this.recorder?.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${done}`);
      if (done === 'Complete' && j.status?.completionTime) {
        if (!status.lastSuccessfulTime || parseTime(j.status.completionTime) > parseTime(status.lastSuccessfulTime)) status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    // Jobs in the old list the informer has not seen yet stay (they were just created).
    for (const r of status.active ?? []) if (!byUid.has(r.uid) && this.recentlyCreated.has(r.uid)) active.push(r);
    status.active = active;

    await this.pruneHistory(cj, jobs);

    let requeue: number | undefined;
    if (!cj.metadata.deletionTimestamp && cj.spec.suspend !== true) {
      let schedule;
      try {
        schedule = parseSchedule(cj.spec.schedule ?? '');
      } catch (err) {
        this.recorder?.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${(err as Error).message}`);
        await this.writeStatus(cj, status);
        throw new TerminalError(String(err));
      }
      const tz: string | undefined = cj.spec.timeZone ?? undefined;
      try {
        new Intl.DateTimeFormat('en-US', tz ? { timeZone: tz } : {});
      } catch {
        this.recorder?.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
        await this.writeStatus(cj, status);
        throw new TerminalError(`unknown time zone ${tz}`);
      }
      let earliest = parseTime(status.lastScheduleTime);
      if (Number.isNaN(earliest)) earliest = parseTime(cj.metadata.creationTimestamp);
      const sds = cj.spec.startingDeadlineSeconds;
      if (typeof sds === 'number') earliest = Math.max(earliest, now - sds * 1000);
      const { time, missed } = mostRecent(schedule, earliest, now, tz);
      if (missed > 100) this.recorder?.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
      if (time !== undefined) await this.start(cj, status, time, active);
      const n = next(schedule, now, tz);
      requeue = n === undefined ? 8 * 24 * 3600_000 : n - now + NEXT_SLACK_MS;
    }
    await this.writeStatus(cj, status);
    if (requeue !== undefined) this.enqueueAfter(key, requeue);
  }

  private readonly recentlyCreated = new Set<string>();

  private async start(cj: Obj, status: Obj, time: number, active: Obj[]): Promise<void> {
    const ns = cj.metadata.namespace;
    const policy = cj.spec.concurrencyPolicy ?? 'Allow';
    const name = jobNameFor(cj, time);
    if (active.some((r) => r.name === name)) return;
    if (policy === 'Forbid' && active.length > 0) {
      this.recorder?.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return;
    }
    if (policy === 'Replace') {
      for (const r of [...active]) {
        try {
          await this.client.delete(resources.jobs, ns, r.name, { propagationPolicy: 'Background' });
          this.recorder?.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${r.name}`);
        } catch (err) {
          if (!isNotFound(err)) {
            this.recorder?.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
            throw err;
          }
        }
        active.splice(active.indexOf(r), 1);
      }
    }
    const t = cj.spec.jobTemplate ?? {};
    const job: Obj = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: ns,
        labels: { ...(t.metadata?.labels ?? {}) },
        annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339In(time, cj.spec.timeZone ?? undefined) },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name, uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(t.spec ?? {}),
    };
    let created: Obj;
    try {
      created = await this.client.create(resources.jobs, ns, job);
    } catch (err) {
      if (isAlreadyExists(err)) {
        // Made by an earlier sync whose status write was lost: that run happened.
        status.lastScheduleTime = rfc3339(time);
        return;
      }
      this.recorder?.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
      throw err;
    }
    this.recorder?.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    this.recentlyCreated.add(created.metadata.uid);
    active.push({ apiVersion: 'batch/v1', kind: 'Job', name, namespace: ns, uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion });
    status.lastScheduleTime = rfc3339(time);
  }

  private async pruneHistory(cj: Obj, jobs: Obj[]): Promise<void> {
    const ns = cj.metadata.namespace;
    const startOf = (j: Obj) => parseTime(j.status?.startTime ?? j.metadata.creationTimestamp);
    for (const [kind, limit] of [['Complete', cj.spec.successfulJobsHistoryLimit], ['Failed', cj.spec.failedJobsHistoryLimit]] as const) {
      if (typeof limit !== 'number') continue;
      const done = jobs.filter((j) => finishedCondition(j) === kind && !j.metadata.deletionTimestamp).sort((a, b) => startOf(a) - startOf(b));
      for (const j of done.slice(0, Math.max(0, done.length - limit))) {
        try {
          await this.client.delete(resources.jobs, ns, j.metadata.name, { propagationPolicy: 'Background', preconditions: { uid: j.metadata.uid } });
          this.recorder?.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
  }

  private async writeStatus(cj: Obj, status: Obj): Promise<void> {
    for (const uid of [...this.recentlyCreated]) if (this.jobInformer.list().some((j) => j.metadata.uid === uid)) this.recentlyCreated.delete(uid);
    if (JSON.stringify(cj.status ?? {}) === JSON.stringify(status)) return;
    try {
      await this.client.updateStatus(resources.cronjobs, cj.metadata.namespace, { ...cj, status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
