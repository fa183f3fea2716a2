// What the Node authorizer asks on every request of a kubelet: which pods are bound to this
// node. Upstream keeps a graph fed by informers; here an index of the bound pods, kept by a
// watch on the store, built the first time a node asks (clusters whose nodes never
// authenticate as nodes, such as simulated ones, never pay for it). Only the parts of a pod the
// authorizer reads are kept.
import type { ResourceInfo } from '../api/registry.ts';
import type { Watch } from '../storage/index.ts';
import type { Obj, ResourceStore } from './rest.ts';

const keep = (pod: Obj): Obj => {
  const s = pod.spec ?? {};
  return {
    metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace },
    spec: {
      serviceAccountName: s.serviceAccountName,
      volumes: s.volumes,
      containers: s.containers,
      initContainers: s.initContainers,
      ephemeralContainers: s.ephemeralContainers,
      imagePullSecrets: s.imagePullSecrets,
      resourceClaims: s.resourceClaims,
    },
  };
};

export class PodsByNode {
  private byNode = new Map<string, Map<string, Obj>>();
  private nodeOf = new Map<string, string>();
  private building: Promise<void> | undefined;
  private watch: Watch | undefined;
  private stopped = false;

  constructor(
    private readonly rest: ResourceStore,
    private readonly pods: ResourceInfo,
  ) {}

  async podsOnNode(node: string): Promise<Obj[]> {
    if (this.stopped) throw new Error('the node graph has stopped');
    await (this.building ??= this.build());
    return [...(this.byNode.get(node)?.values() ?? [])];
  }

  stop(): void {
    this.stopped = true;
    this.watch?.cancel();
  }

  private async build(): Promise<void> {
    const list = await this.rest.list(this.pods, undefined);
    for (const p of list.items) this.put(this.rest.key(this.pods, p.metadata.namespace, p.metadata.name), p);
    const w = this.rest.store.watch(this.rest.prefix(this.pods), { prefix: true, startRevision: Number(list.resourceVersion) + 1 });
    this.watch = w;
    void (async () => {
      for await (const batch of w) {
        for (const e of batch.events) {
          if (e.type === 'put') this.put(e.kv.key, this.rest.decode(this.pods, e.kv));
          else this.remove(e.kv.key);
        }
      }
    })().catch(() => {
      // Fell behind (compaction) or the store closed: start over on the next question.
      this.byNode = new Map();
      this.nodeOf = new Map();
      this.building = undefined;
    });
  }

  private put(key: string, pod: Obj): void {
    const node = pod.spec?.nodeName;
    if (this.nodeOf.get(key) !== node) this.remove(key);
    if (typeof node !== 'string' || !node) return;
    let m = this.byNode.get(node);
    if (!m) this.byNode.set(node, (m = new Map()));
    m.set(key, keep(pod));
    this.nodeOf.set(key, node);
  }

  private remove(key: string): void {
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const m = this.byNode.get(node);
    m?.delete(key);
    if (m && m.size === 0) this.byNode.delete(node);
  }
}
