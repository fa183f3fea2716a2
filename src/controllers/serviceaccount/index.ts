// The ServiceAccounts controller (upstream pkg/controller/serviceaccount/serviceaccounts_controller.go):
// every active namespace has the `default` ServiceAccount, recreated when deleted. It only
// creates (its role grants nothing else), reading namespaces and accounts from informers.
import { isAlreadyExists, keyOf, objectOf, resources, type Client, type Informer, type SharedInformerFactory, type Tombstone } from '../../client/index.ts';
import { ApiError } from '../../client/errors.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';

type Obj = Record<string, any>;

/** Upstream's DefaultServiceAccountsControllerOptions: just `default`. */
export const DEFAULT_SERVICE_ACCOUNTS: readonly string[] = Object.freeze(['default']);

export interface ServiceAccountsControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  /** The accounts every namespace gets (DEFAULT_SERVICE_ACCOUNTS). */
  serviceAccounts?: readonly string[];
  onError?: (key: string, err: unknown) => void;
}

/**
 * A create refused because the namespace is being deleted: nothing to do, the namespace's
 * content is going away (upstream checks the NamespaceTerminating status cause).
 */
export function isNamespaceTerminating(err: unknown): boolean {
  if (!(err instanceof ApiError) || err.code !== 403) return false;
  return (err.details?.causes ?? []).some((c) => c?.reason === 'NamespaceTerminating' || (c as Obj)?.type === 'NamespaceTerminating') || /because it is being terminated/.test(err.message);
}

export class ServiceAccountsController extends KeyedController {
  private readonly client: Client;
  private readonly accounts: readonly string[];
  private readonly nsInformer: Informer<Obj>;
  private readonly saInformer: Informer<Obj>;

  constructor(o: ServiceAccountsControllerOptions) {
    const nsInformer = o.factory.forResource(resources.namespaces);
    const saInformer = o.factory.forResource(resources.serviceaccounts);
    super({ name: 'serviceaccount', informers: [nsInformer, saInformer], clock: o.clock ?? realClock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.accounts = o.serviceAccounts ?? DEFAULT_SERVICE_ACCOUNTS;
    this.nsInformer = nsInformer;
    this.saInformer = saInformer;
    nsInformer.addEventHandler({
      onAdd: (ns) => this.enqueue(ns),
      onUpdate: (_old, ns) => this.enqueue(ns),
    });
    // Keys are namespace names: a deleted account sends its namespace round again.
    saInformer.addEventHandler({
      onDelete: (sa) => this.accountGone(sa),
    });
  }

  private accountGone(sa: Obj | Tombstone<Obj>): void {
    const obj = objectOf(sa);
    if (this.accounts.includes(obj.metadata?.name) && obj.metadata?.namespace) this.queue.add(obj.metadata.namespace);
  }

  async reconcile(key: string): Promise<void> {
    const ns = this.nsInformer.get(key);
    // Terminating namespaces are left alone: their content is being deleted.
    if (!ns || ns.metadata?.deletionTimestamp || (ns.status?.phase && ns.status.phase !== 'Active')) return;
    for (const name of this.accounts) {
      if (this.saInformer.get(keyOf({ metadata: { namespace: key, name } }))) continue;
      try {
        await this.client.create(resources.serviceaccounts, key, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
      } catch (err) {
        if (isAlreadyExists(err) || isNamespaceTerminating(err)) continue;
        throw err;
      }
    }
  }
}
