// Garbage collection of dependents (ownerReferences), the part `kubectl delete --cascade`
// needs: background deletion of dependents once their owner is gone, foreground deletion
// (the owner waits, with the foregroundDeletion finalizer, until its dependents are gone), and
// orphaning (the orphan finalizer: dependents lose the ownerReference and stay). Upstream's
// garbage collector does this in kube-controller-manager from a graph of informers; until
// kubelite's controller manager exists, the API server runs this simple version, which scans
// the store per deletion.

import { ignoreNotFound } from '../api/errors.ts';
import type { ResourceInfo, ResourceRegistry } from '../api/registry.ts';
import type { Obj, ResourceStore } from './rest.ts';

export class GarbageCollector {
  /** Jobs run side by side: a foreground deletion waits on the jobs of its dependents. */
  private running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly rest: ResourceStore,
    private readonly registry: ResourceRegistry,
    private readonly retryMs = 200,
  ) {}

  /** After a delete request: `obj` is the owner as it now is (undefined: gone for good). */
  ownerDeleted(info: ResourceInfo, obj: Obj | undefined, uid: string | undefined, namespace: string | undefined): void {
    if (this.stopped || !uid) return;
    const job: Promise<void> = this.process(info, obj, uid, namespace)
      .catch(() => {})
      .finally(() => this.running.delete(job));
    this.running.add(job);
  }

  /** The controller manager does this work instead. */
  disable(): void {
    this.stopped = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Every resource type once (versions of a group share storage). */
  private resources(): ResourceInfo[] {
    return this.registry
      .all()
      .filter((i) => i.verbs.includes('list') && this.registry.groups().find((g) => g.group === i.group)?.versions[0] === i.version);
  }

  private async dependents(uid: string, namespace: string | undefined): Promise<{ info: ResourceInfo; obj: Obj }[]> {
    const out: { info: ResourceInfo; obj: Obj }[] = [];
    for (const info of this.resources()) {
      // Namespaced dependents live in their owner's namespace; cluster-scoped owners may own anything.
      if (namespace && !info.namespaced) continue;
      for (const obj of (await this.rest.list(info, namespace)).items) {
        if ((obj.metadata?.ownerReferences ?? []).some((r: Obj) => r.uid === uid)) out.push({ info, obj });
      }
    }
    return out;
  }

  private async process(info: ResourceInfo, obj: Obj | undefined, uid: string, namespace: string | undefined): Promise<void> {
    const finalizers: string[] = obj?.metadata?.finalizers ?? [];
    if (obj && finalizers.includes('orphan')) {
      for (const d of await this.dependents(uid, namespace)) {
        await this.rest
          .guaranteedUpdate(d.info, d.obj.metadata.namespace, d.obj.metadata.name, (cur) => {
            const refs = (cur.metadata.ownerReferences ?? []).filter((r: Obj) => r.uid !== uid);
            if (refs.length > 0) cur.metadata.ownerReferences = refs;
            else delete cur.metadata.ownerReferences;
            return cur;
          })
          .catch(ignoreNotFound);
      }
      await this.dropFinalizer(info, obj, 'orphan');
      return;
    }
    if (obj && finalizers.includes('foregroundDeletion')) {
      while (!this.stopped) {
        const deps = await this.dependents(uid, namespace);
        if (deps.length === 0) break;
        for (const d of deps) {
          if (d.obj.metadata.deletionTimestamp) continue;
          await this.rest.delete(d.info, d.obj.metadata.namespace, d.obj.metadata.name, { propagationPolicy: 'Foreground' }).catch(ignoreNotFound);
          const after = await this.rest.get(d.info, d.obj.metadata.namespace, d.obj.metadata.name).catch(ignoreNotFound);
          this.ownerDeleted(d.info, after, d.obj.metadata.uid, d.obj.metadata.namespace);
        }
        await new Promise((r) => setTimeout(r, this.retryMs));
      }
      await this.dropFinalizer(info, obj, 'foregroundDeletion');
      return;
    }
    if (obj) return; // still there for another finalizer; its final delete comes later
    // Gone: dependents with no other owner left go too (background cascade).
    for (const d of await this.dependents(uid, namespace)) {
      const others = (d.obj.metadata.ownerReferences ?? []).filter((r: Obj) => r.uid !== uid);
      if (others.length > 0) continue;
      const r = await this.rest.delete(d.info, d.obj.metadata.namespace, d.obj.metadata.name, { propagationPolicy: 'Background' }).catch(ignoreNotFound);
      if (r) this.ownerDeleted(d.info, r.gone ? undefined : r.obj, d.obj.metadata.uid, d.obj.metadata.namespace);
    }
  }

  private async dropFinalizer(info: ResourceInfo, obj: Obj, finalizer: string): Promise<void> {
    const updated = await this.rest
      .guaranteedUpdate(info, obj.metadata.namespace, obj.metadata.name, (cur) => {
        cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f: string) => f !== finalizer);
        if (cur.metadata.finalizers.length === 0) delete cur.metadata.finalizers;
        return cur;
      })
      .catch(ignoreNotFound);
    // The write that cleared the last finalizer deleted the owner: its dependents follow.
    if (updated && !(updated.metadata.finalizers ?? []).length && updated.metadata.deletionTimestamp) {
      this.ownerDeleted(info, undefined, obj.metadata.uid, obj.metadata.namespace);
    }
  }
}

