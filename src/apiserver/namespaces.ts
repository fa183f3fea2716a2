// Namespace deletion, as upstream does it in two parts: the namespace registry marks the
// namespace Terminating (deletionTimestamp, status.phase) while `spec.finalizers` holds
// "kubernetes"; the namespace controller then deletes everything in it and removes that
// finalizer, and the namespace goes. Until kubelite's controller manager exists, the API
// server runs the controller half itself, in the background.

import { ignoreNotFound } from '../api/errors.ts';
import type { ResourceRegistry } from '../api/registry.ts';
import type { Obj, ResourceStore } from './rest.ts';

export const NAMESPACE_FINALIZER = 'kubernetes';

export class NamespaceLifecycle {
  private running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly rest: ResourceStore,
    private readonly registry: ResourceRegistry,
    private readonly retryMs = 200,
  ) {}

  private get info() {
    return this.registry.get('', 'v1', 'namespaces')!;
  }

  /** Called after a namespace was marked for deletion. */
  start(name: string): void {
    if (this.running.has(name) || this.stopped) return;
    const run = this.drain(name)
      .catch(() => {})
      .finally(() => this.running.delete(name));
    this.running.set(name, run);
  }

  /** Resumes deletions that were under way when the server last stopped. */
  async resume(): Promise<void> {
    const list = await this.rest.list(this.info, undefined);
    for (const ns of list.items) if (ns.metadata?.deletionTimestamp) this.start(ns.metadata.name);
  }

  /** The controller manager does this work instead. */
  disable(): void {
    this.stopped = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running.values());
  }

  private async drain(name: string): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      let left = 0;
      for (const info of this.registry.all()) {
        if (!info.namespaced || !info.verbs.includes('delete') || !info.verbs.includes('list')) continue;
        // Resources served in several versions share storage: clear each once.
        if (this.registry.groups().find((g) => g.group === info.group)?.versions[0] !== info.version) continue;
        const items = (await this.rest.list(info, name)).items;
        for (const item of items) {
          left++;
          if (item.metadata?.deletionTimestamp) continue;
          await this.rest.delete(info, name, item.metadata.name, { propagationPolicy: 'Background' }).catch(ignoreNotFound);
        }
      }
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, this.retryMs));
    }
    await this.rest
      .guaranteedUpdate(this.info, undefined, name, (ns: Obj) => {
        ns.spec = { ...(ns.spec ?? {}), finalizers: (ns.spec?.finalizers ?? []).filter((f: string) => f !== NAMESPACE_FINALIZER) };
        return ns;
      })
      .catch(ignoreNotFound);
    await this.finishIfDone(name);
  }

  /** Deletes a Terminating namespace once no finalizer of either kind is left. */
  async finishIfDone(name: string): Promise<void> {
    const ns = await this.rest.get(this.info, undefined, name).catch(ignoreNotFound);
    if (!ns?.metadata?.deletionTimestamp) return;
    if ((ns.spec?.finalizers ?? []).length > 0 || (ns.metadata.finalizers ?? []).length > 0) return;
    await this.rest.store.delete(this.rest.key(this.info, undefined, name), Number(ns.metadata.resourceVersion));
  }
}

