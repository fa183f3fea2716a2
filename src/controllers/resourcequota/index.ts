// The resource quota controller (upstream pkg/controller/resourcequota): every ResourceQuota's
// status gets hard = spec.hard and used = what the namespace's objects use (scopes and
// scopeSelector applied by the quota evaluators), recomputed for all quotas every full resync
// period and promptly for a namespace's quotas when an object they count is deleted or changes
// in a way that frees quota (a pod reaching a terminal phase, a service leaving NodePort or
// LoadBalancer, a claim's allocated storage changing). Admission charges creations itself.
import { NAMESPACE_INDEX, objectOf, resources, type Client, type Informer, type Resource, type SharedInformerFactory, type Tombstone } from '../../client/index.ts';
import { totalUsage } from '../../apiserver/quota/index.ts';
import { matchingResources } from '../../apiserver/quota/evaluators.ts';
import { mask, toList, toRecord } from '../../apiserver/quota/resources.ts';
import { realClock, type Clock, type Timer } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';

type Obj = Record<string, any>;

export const RESOURCE_QUOTAS: Resource = Object.freeze({ group: '', version: 'v1', resource: 'resourcequotas', kind: 'ResourceQuota', namespaced: true });

/** Upstream's --resource-quota-sync-period default. */
export const DEFAULT_RESYNC_PERIOD_MS = 5 * 60 * 1000;

/**
 * What is counted when no list is given. Upstream discovers every listable, watchable,
 * deletable resource; these are the ones kubelite's own components serve and quotas name.
 */
export const DEFAULT_QUOTED_RESOURCES: readonly Resource[] = Object.freeze([
  resources.pods,
  resources.services,
  resources.persistentvolumeclaims,
  resources.configmaps,
  resources.secrets,
  resources.replicationcontrollers,
  RESOURCE_QUOTAS,
  resources.deployments,
  resources.replicasets,
  resources.statefulsets,
  resources.daemonsets,
  resources.jobs,
  resources.cronjobs,
  resources.horizontalpodautoscalers,
  resources.poddisruptionbudgets,
  resources.endpointslices,
  resources.leases,
]);

export interface ResourceQuotaControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  /** Full recalculation of every quota this often (5 min); 0 disables it. */
  resyncPeriodMs?: number;
  /** The namespaced resources counted (DEFAULT_QUOTED_RESOURCES). */
  quotedResources?: readonly Resource[];
  onError?: (key: string, err: unknown) => void;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

/** Upstream's QuotaV1Pod: a pod still charged (not terminal, not past its deletion grace period). */
export function podChargesQuota(pod: Obj, now: number): boolean {
  if (TERMINAL.has(pod.status?.phase)) return false;
  const deletion = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (deletion && typeof grace === 'number') {
    const t = Date.parse(deletion);
    if (!Number.isNaN(t) && now > t + grace * 1000) return false;
  }
  return true;
}

/** Upstream's GetQuotaServiceType: the service types quota charges, '' for the others. */
const quotaServiceType = (svc: Obj) => (svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer' ? svc.spec.type : '');

/** Whether an update of an object of this resource can free quota (upstream's monitor filter). */
export function updateReplenishes(res: Resource, oldObj: Obj, newObj: Obj, now: number): boolean {
  if (res.group !== '') return false;
  switch (res.resource) {
    case 'pods':
      return podChargesQuota(oldObj, now) && !podChargesQuota(newObj, now);
    case 'services':
      return quotaServiceType(oldObj) !== quotaServiceType(newObj);
    case 'persistentvolumeclaims':
      return String(oldObj.status?.allocatedResources?.storage ?? '') !== String(newObj.status?.allocatedResources?.storage ?? '');
    default:
      return false;
  }
}

const sameList = (a: unknown, b: unknown) => JSON.stringify(toRecord(toList(a))) === JSON.stringify(toRecord(toList(b)));

export class ResourceQuotaController extends KeyedController {
  private readonly client: Client;
  private readonly resyncPeriodMs: number;
  private readonly quotaInformer: Informer<Obj>;
  private readonly monitors: { res: Resource; informer: Informer<Obj> }[];
  private timer: Timer | undefined;

  constructor(o: ResourceQuotaControllerOptions) {
    const quotaInformer = o.factory.forResource(RESOURCE_QUOTAS);
    const quoted = o.quotedResources ?? DEFAULT_QUOTED_RESOURCES;
    const monitors = quoted.map((res) => ({ res, informer: o.factory.forResource(res) }));
    const informers = [quotaInformer, ...monitors.map((m) => m.informer).filter((i) => i !== quotaInformer)];
    super({ name: 'resourcequota', informers, clock: o.clock ?? realClock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.resyncPeriodMs = o.resyncPeriodMs ?? DEFAULT_RESYNC_PERIOD_MS;
    this.quotaInformer = quotaInformer;
    this.monitors = monitors;
    quotaInformer.addEventHandler({
      onAdd: (q) => this.enqueue(q),
      // Resyncs (old === new) and our own status writes leave spec.hard alone: nothing to do.
      onUpdate: (oldQ, q) => {
        if (!sameList(oldQ.spec?.hard, q.spec?.hard) || !sameList(q.spec?.hard, q.status?.hard)) this.enqueue(q);
      },
    });
    for (const { res, informer } of monitors) {
      informer.addEventHandler({
        onUpdate: (oldObj, obj) => {
          if (oldObj.metadata?.resourceVersion !== obj.metadata?.resourceVersion && updateReplenishes(res, oldObj, obj, this.clock.now())) this.replenish(res, obj);
        },
        onDelete: (obj) => this.replenish(res, obj),
      });
    }
  }

  /** Every quota of the object's namespace that counts its kind is recalculated. */
  private replenish(res: Resource, obj: Obj | Tombstone<Obj>): void {
    const ns = objectOf(obj).metadata?.namespace;
    if (!ns) return;
    for (const q of this.quotaInformer.byIndex(NAMESPACE_INDEX, ns)) {
      const names = Object.keys(q.status?.hard ?? q.spec?.hard ?? {});
      if (matchingResources(res.group, res.resource, names).length > 0) this.enqueue(q);
    }
  }

  private enqueueAll(): void {
    for (const q of this.quotaInformer.list()) this.enqueue(q);
  }

  override async run(workers: number, signal: AbortSignal): Promise<void> {
    if (this.resyncPeriodMs > 0 && !signal.aborted) {
      const arm = () => {
        this.timer = this.clock.setTimeout(() => {
          this.enqueueAll();
          arm();
        }, this.resyncPeriodMs);
      };
      arm();
      signal.addEventListener('abort', () => this.timer?.cancel(), { once: true });
    }
    await super.run(workers, signal);
  }

  async reconcile(key: string): Promise<void> {
    const quota = this.quotaInformer.get(key);
    if (!quota) return;
    const ns: string = quota.metadata.namespace;
    const hard: Record<string, string> = quota.spec?.hard ?? {};
    const hardNames = Object.keys(hard);
    const items: { group: string; resource: string; obj: Obj }[] = [];
    for (const { res, informer } of this.monitors) {
      if (matchingResources(res.group, res.resource, hardNames).length === 0) continue;
      for (const obj of informer.byIndex(NAMESPACE_INDEX, ns)) items.push({ group: res.group, resource: res.resource, obj });
    }
    const fresh = totalUsage(quota, items, this.clock.now());
    // As upstream: the recount overrides what status.used said, and only hard resources stay.
    const merged = toList({ ...(quota.status?.used ?? {}), ...fresh });
    const used = toRecord(mask(merged, hardNames));
    if (sameList(quota.status?.hard, hard) && JSON.stringify(toRecord(toList(quota.status?.used))) === JSON.stringify(used) && quota.status?.used && quota.status?.hard) return;
    // A conflict (admission charged the quota meanwhile) requeues and recounts.
    await this.client.updateStatus(RESOURCE_QUOTAS, ns, { ...quota, status: { hard, used } });
  }
}
