// The root CA certificate publisher (upstream pkg/controller/certificates/rootcacertpublisher):
// every namespace has the ConfigMap `kube-root-ca.crt` holding the cluster's CA bundle as
// `ca.crt`, put back when deleted or changed. Its role grants create and update of ConfigMaps
// only, so it reads from informers.
import { isNotFound, objectOf, resources, type Client, type Informer, type SharedInformerFactory, type Tombstone } from '../../client/index.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { isNamespaceTerminating } from '../serviceaccount/index.ts';

type Obj = Record<string, any>;

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCACertPublisherOptions {
  client: Client;
  factory: SharedInformerFactory;
  /** The CA bundle (PEM) to publish. */
  rootCA: string;
  clock?: Clock;
  onError?: (key: string, err: unknown) => void;
}

export class RootCACertPublisher extends KeyedController {
  private readonly client: Client;
  private readonly rootCA: string;
  private readonly nsInformer: Informer<Obj>;
  private readonly cmInformer: Informer<Obj>;

  constructor(o: RootCACertPublisherOptions) {
    const nsInformer = o.factory.forResource(resources.namespaces);
    const cmInformer = o.factory.forResource(resources.configmaps);
    super({ name: 'root-ca-cert-publisher', informers: [nsInformer, cmInformer], clock: o.clock ?? realClock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.rootCA = o.rootCA;
    this.nsInformer = nsInformer;
    this.cmInformer = cmInformer;
    // Keys are namespace names.
    nsInformer.addEventHandler({
      onAdd: (ns) => this.enqueue(ns),
      onUpdate: (_old, ns) => this.enqueue(ns),
    });
    cmInformer.addEventHandler({
      onUpdate: (_old, cm) => this.configMapChanged(cm),
      onDelete: (cm) => this.configMapChanged(cm),
    });
  }

  private configMapChanged(cm: Obj | Tombstone<Obj>): void {
    const obj = objectOf(cm);
    if (obj.metadata?.name === ROOT_CA_CONFIGMAP && obj.metadata?.namespace) this.queue.add(obj.metadata.namespace);
  }

  async reconcile(key: string): Promise<void> {
    const ns = this.nsInformer.get(key);
    if (!ns || ns.metadata?.deletionTimestamp) return;
    const data = { 'ca.crt': this.rootCA };
    const cm = this.cmInformer.get(`${key}/${ROOT_CA_CONFIGMAP}`);
    if (!cm) {
      try {
        await this.client.create(resources.configmaps, key, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
          data,
        });
      } catch (err) {
        // No retry when the namespace is gone or terminating; AlreadyExists retries (the cache is behind).
        if (isNotFound(err) || isNamespaceTerminating(err)) return;
        throw err;
      }
      return;
    }
    // As upstream, only data and the annotation are compared and written; binaryData is left alone.
    const sameData = Object.keys(cm.data ?? {}).length === 1 && cm.data?.['ca.crt'] === this.rootCA;
    if (sameData && cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION]) return;
    const next: Obj = { ...cm, metadata: { ...cm.metadata, annotations: { ...(cm.metadata?.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data };
    try {
      await this.client.update(resources.configmaps, key, next);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
