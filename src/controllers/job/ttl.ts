// The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): deletes a finished
// Job, with its pods (foreground), ttlSecondsAfterFinished after it completed or failed.
import { isNotFound, resources, type Client, type SharedInformerFactory } from '../../client/index.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { parseTime } from '../util.ts';
import { conditionOf, isJobFinished } from './index.ts';

type Obj = Record<string, any>;

export interface TTLAfterFinishedControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  onError?: (key: string, err: unknown) => void;
}

/** When the finished job expires (ms since the epoch), or undefined when it never does. */
export function jobExpiresAt(job: Obj): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (typeof ttl !== 'number' || !isJobFinished(job) || job.metadata.deletionTimestamp) return undefined;
  const done = conditionOf(job, 'Complete')?.status === 'True' ? conditionOf(job, 'Complete') : conditionOf(job, 'Failed');
  const finished = parseTime(done?.lastTransitionTime);
  return Number.isNaN(finished) ? undefined : finished + ttl * 1000;
}

export class TTLAfterFinishedController extends KeyedController {
  private readonly client: Client;
  private readonly jobInformer;

  constructor(o: TTLAfterFinishedControllerOptions) {
    const jobInformer = o.factory.forResource(resources.jobs);
    super({ name: 'ttl-after-finished', informers: [jobInformer], clock: o.clock ?? realClock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.jobInformer = jobInformer;
    jobInformer.addEventHandler({ onAdd: (j) => this.enqueue(j), onUpdate: (_o, j) => this.enqueue(j) });
  }

  async reconcile(key: string): Promise<void> {
    const job = this.jobInformer.get(key);
    if (!job) return;
    const at = jobExpiresAt(job);
    if (at === undefined) return;
    const wait = at - this.clock.now();
    if (wait > 0) {
      this.enqueueAfter(key, wait);
      return;
    }
    // The cache may be stale: decide on the stored object, and delete only that incarnation.
    let fresh: Obj;
    try {
      fresh = await this.client.get(resources.jobs, job.metadata.namespace, job.metadata.name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const freshAt = jobExpiresAt(fresh);
    if (freshAt === undefined) return;
    if (freshAt > this.clock.now()) {
      this.enqueueAfter(key, freshAt - this.clock.now());
      return;
    }
    try {
      await this.client.delete(resources.jobs, fresh.metadata.namespace, fresh.metadata.name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
