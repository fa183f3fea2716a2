// The taint eviction controller (upstream pkg/controller/tainteviction): pods bound to a node with
// NoExecute taints they do not tolerate are deleted at once; pods whose tolerations are bounded
// (tolerationSeconds) are deleted when the shortest of them runs out; pods that tolerate forever
// stay. A scheduled deletion is cancelled when the taints go away or the pod comes to tolerate them.
import { isNotFound, objectOf, resources, type Client, type EventRecorder, type Informer, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { realClock, type Clock, type Timer } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';

type Obj = Record<string, any>;

/** The pod informer index upstream's controllers share: pods by spec.nodeName. */
export const NODE_NAME_INDEX = 'spec.nodeName';

/** Adds the pods-by-node index unless another controller on the same informer already did. */
export function ensureNodeNameIndex(pods: Informer<Obj>): void {
  try {
    pods.addIndexers({ [NODE_NAME_INDEX]: (p: Obj) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
  } catch (err) {
    if (!String((err as Error)?.message).includes('indexer conflict')) throw err;
  }
}

/** Does `toleration` tolerate `taint` (core/v1 Toleration.ToleratesTaint)? */
export function toleratesTaint(toleration: Obj, taint: Obj): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const op = toleration.operator || 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (toleration.value ?? '') === (taint.value ?? '');
  return false;
}

/**
 * Whether every taint is tolerated, and for each taint the first toleration that does
 * (upstream's GetMatchingTolerations).
 */
export function matchingTolerations(taints: Obj[], tolerations: Obj[]): { all: boolean; used: Obj[] } {
  const used: Obj[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (!t) return { all: false, used: [] };
    used.push(t);
  }
  return { all: true, used };
}

/** The shortest bounded toleration in ms, -1 for forever, 0 when none were used. */
export function minTolerationMs(used: Obj[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (typeof t.tolerationSeconds !== 'number') continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

export const noExecuteTaints = (node: Obj | undefined): Obj[] => (node?.spec?.taints ?? []).filter((t: Obj) => t?.effect === 'NoExecute');

export interface TaintEvictionControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

interface ScheduledDeletion {
  createdAt: number;
  fireAt: number;
  timer: Timer;
}

const RETRIES = 5;

export class TaintEvictionController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly reportError: ((key: string, err: unknown) => void) | undefined;
  private readonly nodeInformer: Informer<Obj>;
  private readonly podInformer: Informer<Obj>;
  /** Node name → its NoExecute taints, for nodes that have some. */
  private readonly taintedNodes = new Map<string, Obj[]>();
  /**
   * Pod key → scheduled deletion; null once a deletion has run, so that later updates of the
   * terminating pod do not schedule it again (the key goes when the pod does).
   */
  private readonly scheduled = new Map<string, ScheduledDeletion | null>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(o: TaintEvictionControllerOptions) {
    const clock = o.clock ?? realClock;
    const nodeInformer = o.factory.forResource(resources.nodes);
    const podInformer = o.factory.forResource(resources.pods);
    super({ name: 'taint-eviction-controller', informers: [nodeInformer, podInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.reportError = o.onError;
    this.nodeInformer = nodeInformer;
    this.podInformer = podInformer;
    ensureNodeNameIndex(podInformer);

    nodeInformer.addEventHandler({
      onAdd: (n) => this.queue.add(`node:${n.metadata.name}`),
      onUpdate: (old, n) => {
        if (JSON.stringify(noExecuteTaints(old)) === JSON.stringify(noExecuteTaints(n))) return;
        this.queue.add(`node:${n.metadata.name}`);
      },
      onDelete: (n) => this.queue.add(`node:${objectOf(n).metadata.name}`),
    });
    podInformer.addEventHandler({
      onAdd: (p) => this.queue.add(`pod:${p.metadata.namespace}/${p.metadata.name}`),
      onUpdate: (old, p) => {
        if (old.spec?.nodeName === p.spec?.nodeName && JSON.stringify(old.spec?.tolerations ?? []) === JSON.stringify(p.spec?.tolerations ?? [])) return;
        this.queue.add(`pod:${p.metadata.namespace}/${p.metadata.name}`);
      },
      onDelete: (p) => {
        const pod = objectOf(p);
        this.queue.add(`pod:${pod.metadata.namespace}/${pod.metadata.name}`);
      },
    });
  }

  /** When the pod's deletion is due (ms since the epoch), if one is scheduled. */
  scheduledDeletion(podKey: string): number | undefined {
    return this.scheduled.get(podKey)?.fireAt;
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith('node:')) this.handleNode(key.slice(5));
    else if (key.startsWith('pod:')) this.handlePod(key.slice(4));
  }

  override async run(workers: number, signal: AbortSignal): Promise<void> {
    await super.run(workers, signal);
    for (const s of this.scheduled.values()) s?.timer.cancel();
    this.scheduled.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private handleNode(name: string): void {
    const node = this.nodeInformer.get(name);
    if (!node) {
      this.taintedNodes.delete(name);
      return;
    }
    const taints = noExecuteTaints(node);
    // The map is updated before the pods are looked at: a pod arriving later finds the taints.
    if (taints.length === 0) this.taintedNodes.delete(name);
    else this.taintedNodes.set(name, taints);
    const pods = this.podInformer.byIndex(NODE_NAME_INDEX, name);
    const now = this.clock.now();
    for (const p of pods) {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      if (taints.length === 0) this.cancel(key);
      else this.processPod(key, p.spec?.tolerations ?? [], taints, now);
    }
  }

  private handlePod(key: string): void {
    const pod = this.podInformer.get(key);
    if (!pod) {
      this.cancel(key);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const taints = this.taintedNodes.get(nodeName);
    if (!taints) return;
    this.processPod(key, pod.spec?.tolerations ?? [], taints, this.clock.now());
  }

  private processPod(key: string, tolerations: Obj[], taints: Obj[], now: number): void {
    const { all, used } = matchingTolerations(taints, tolerations);
    if (!all) {
      this.cancel(key);
      this.schedule(key, now, now);
      return;
    }
    const min = minTolerationMs(used);
    if (min < 0) {
      this.cancel(key);
      return;
    }
    const existing = this.scheduled.get(key);
    let start = now;
    if (existing !== undefined) {
      if (existing === null) return;
      // A deletion already counting down keeps its start: tolerations only shorten the wait.
      start = existing.createdAt;
      if (start + min < now + min) return;
      this.cancel(key);
    }
    this.schedule(key, start, start + min);
  }

  private schedule(key: string, createdAt: number, fireAt: number): void {
    if (this.scheduled.has(key)) return;
    const delay = fireAt - this.clock.now();
    if (delay <= 0) {
      // Due now: a manual clock would not fire a zero timer until it next moves.
      this.scheduled.set(key, { createdAt, fireAt, timer: { cancel() {} } });
      this.fire(key);
      return;
    }
    const timer = this.clock.setTimeout(() => this.fire(key), delay);
    this.scheduled.set(key, { createdAt, fireAt, timer });
  }

  /** Cancels a pending deletion; an event only if one was still pending. */
  private cancel(key: string): void {
    const s = this.scheduled.get(key);
    if (s === undefined) return;
    this.scheduled.delete(key);
    if (s === null) return;
    s.timer.cancel();
    this.recorder?.event(podRef(key), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  private fire(key: string): void {
    const p = this.deletePod(key).then(
      () => {
        if (this.scheduled.has(key)) this.scheduled.set(key, null);
      },
      (err) => {
        this.scheduled.delete(key);
        this.reportError?.(`pod:${key}`, err);
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deletePod(key: string): Promise<void> {
    this.recorder?.event(podRef(key), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    const [ns, name] = key.split('/') as [string, string];
    let last: unknown;
    for (let i = 0; i < RETRIES; i++) {
      try {
        const pod = await this.client.get(resources.pods, ns, name);
        const cond = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' };
        const old = (pod.status?.conditions ?? []).find((c: Obj) => c.type === 'DisruptionTarget');
        if (!old || old.status !== cond.status || old.reason !== cond.reason || old.message !== cond.message) {
          const lastTransitionTime = old && old.status === cond.status ? old.lastTransitionTime : rfc3339(this.clock.now());
          await this.client.patch(resources.pods, ns, name, 'strategic', { status: { conditions: [{ ...cond, lastTransitionTime }] } }, { subresource: 'status' });
        }
        await this.client.delete(resources.pods, ns, name);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        last = err;
      }
    }
    throw last;
  }
}

const podRef = (key: string) => {
  const [namespace, name] = key.split('/') as [string, string];
  return { apiVersion: 'v1', kind: 'Pod', namespace, name };
};
