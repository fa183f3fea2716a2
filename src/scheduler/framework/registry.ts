// Plugins by name (upstream runtime.Registry). A factory gets the plugin's args (already
// defaulted by the configuration) and the framework handle.

import type { Obj } from '../../apiserver/rest.ts';
import type { Handle, Plugin } from './interfaces.ts';

export type PluginFactory = (args: Obj | undefined, handle: Handle) => Plugin;

export class Registry {
  private readonly factories = new Map<string, PluginFactory>();

  constructor(entries?: Iterable<[string, PluginFactory]>) {
    if (entries) for (const [n, f] of entries) this.register(n, f);
  }

  /** Throws when the name is taken: two plugins with one name would be ambiguous in configs. */
  register(name: string, factory: PluginFactory): this {
    if (this.factories.has(name)) throw new Error(`a plugin named ${name} already exists`);
    this.factories.set(name, factory);
    return this;
  }

  unregister(name: string): void {
    if (!this.factories.delete(name)) throw new Error(`no plugin named ${name} exists`);
  }

  get(name: string): PluginFactory | undefined {
    return this.factories.get(name);
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  names(): string[] {
    return [...this.factories.keys()];
  }

  /** A new registry with both sets of plugins; names must not overlap. */
  merge(other: Registry): Registry {
    const r = new Registry(this.factories);
    for (const [n, f] of other.factories) r.register(n, f);
    return r;
  }
}
