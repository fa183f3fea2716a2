// ResourceQuota: a write that would take a namespace past a quota's hard limits is refused;
// an admitted one is charged to the quota's status.used at once (with the quota's
// resourceVersion as the lock, as upstream's admission does), and the usage is recounted from
// the stored objects when a quota changes and when objects go away. The recount stands in for
// kube-controller-manager's resource quota controller until the controller manager exists.
import { StatusError, ignoreNotFound } from '../../api/errors.ts';
import type { ResourceInfo, ResourceRegistry } from '../../api/registry.ts';
import { addUsage, quotaCheck, totalUsage } from '../quota/index.ts';
import { matchingResources } from '../quota/evaluators.ts';
import type { Obj, ResourceStore } from '../rest.ts';
import { qualifiedName, type AdmissionAttributes, type AdmissionPlugin } from './index.ts';

export class ResourceQuotas {
  private readonly quotas: ResourceInfo;
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly rest: ResourceStore,
    private readonly registry: ResourceRegistry,
    private readonly now: () => number,
  ) {
    this.quotas = registry.get('', 'v1', 'resourcequotas')!;
  }

  plugin(): AdmissionPlugin {
    return {
      name: 'ResourceQuota',
      validate: (a) => this.admit(a),
    };
  }

  private async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation === 'DELETE' || !a.object || !a.namespace || !a.info.namespaced) return;
    for (let attempt = 0; ; attempt++) {
      const quotas = (await this.rest.list(this.quotas, a.namespace)).items;
      if (quotas.length === 0) return;
      const charges: { quota: Obj; used: Record<string, string> }[] = [];
      for (const quota of quotas) {
        const used: Record<string, string> = quota.status?.used ?? {};
        const args = [quota, used, a.info.group, a.info.resource, a.object, a.oldObject, a.subresource ?? '', this.now()] as const;
        const r = quotaCheck(...args);
        if ('error' in r) {
          throw new StatusError(403, 'Forbidden', `${qualifiedName(a.info, a.object.metadata?.name ?? a.name)} is forbidden: ${r.error}`, {
            name: a.object.metadata?.name ?? a.name,
            ...(a.info.group ? { group: a.info.group } : {}),
            kind: a.info.resource,
          });
        }
        if (Object.keys(r.delta).length > 0) charges.push({ quota, used: addUsage(used, r.delta) });
      }
      if (a.dryRun || charges.length === 0) return;
      try {
        for (const { quota, used } of charges) {
          await this.rest.guaranteedUpdate(
            this.quotas,
            a.namespace,
            quota.metadata.name,
            (current) => {
              current.status = { ...(current.status ?? {}), used };
              return current;
            },
            { expectedRv: String(quota.metadata.resourceVersion) },
          );
        }
        return;
      } catch (err) {
        // Another write charged the quota meanwhile: check again against the new usage.
        if (!(err instanceof StatusError && err.code === 409) || attempt > 10) throw err;
      }
    }
  }

  /** Recounts a namespace's quotas soon (coalescing bursts of deletions into one recount). */
  recount(namespace: string): void {
    if (this.pending.has(namespace)) return;
    const run = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      this.pending.delete(namespace);
      await this.recountNow(namespace);
    })().catch((err: unknown) => console.error(`kubelite: resource quota recount in ${namespace}: ${(err as Error).message}`));
    this.pending.set(namespace, run);
  }

  async recountNow(namespace: string): Promise<void> {
    const quotas = (await this.rest.list(this.quotas, namespace)).items;
    if (quotas.length === 0) return;
    const cache = new Map<ResourceInfo, Obj[]>();
    for (const quota of quotas) {
      const hardKeys = Object.keys(quota.spec?.hard ?? {});
      const items: { group: string; resource: string; obj: Obj }[] = [];
      for (const info of this.registry.all()) {
        if (!info.namespaced || !info.verbs.includes('list') || matchingResources(info.group, info.resource, hardKeys).length === 0) continue;
        if (!cache.has(info)) cache.set(info, (await this.rest.list(info, namespace)).items);
        for (const obj of cache.get(info)!) items.push({ group: info.group, resource: info.resource, obj });
      }
      const used = totalUsage(quota, items, this.now());
      await this.rest
        .guaranteedUpdate(this.quotas, namespace, quota.metadata.name, (current) => {
          current.status = { hard: current.spec?.hard ?? {}, used };
          return current;
        })
        .catch(ignoreNotFound);
    }
  }

  /** Whether a write or deletion may change what a quota counts. */
  touches(info: ResourceInfo, obj: Obj | undefined): string | undefined {
    const ns = obj?.metadata?.namespace;
    if (!ns || !info.namespaced) return undefined;
    if (info === this.quotas) return ns;
    if (info.group === '' && info.kind === 'Pod' && ['Succeeded', 'Failed'].includes(obj.status?.phase)) return ns;
    return undefined;
  }

  async waitIdle(): Promise<void> {
    await Promise.all([...this.pending.values()]);
  }
}
