// The node lifecycle controller (upstream pkg/controller/nodelifecycle): watches each node's
// heartbeats (its Ready condition and its Lease), marks a silent node's conditions Unknown,
// marks its pods not ready, and taints failed nodes: NoSchedule taints mirroring the conditions at
// once, and the NoExecute not-ready/unreachable taints (which make the taint eviction controller
// evict pods) at a per-zone rate that drops, or stops, when much of a zone or the whole cluster
// looks down, since then the fault is more likely the control plane's view than the nodes.
import { TokenBucket, isConflict, isNotFound, resources, type Client, type EventRecorder, type Informer, type SharedInformerFactory } from '../../client/index.ts';
import { rfc3339 } from '../../client/timing.ts';
import { realClock, type Clock, type Timer } from '../../util/clock.ts';
import { KeyedController } from '../controller.ts';
import { parseTime } from '../util.ts';
import { NODE_NAME_INDEX, ensureNodeNameIndex } from '../tainteviction/index.ts';

type Obj = Record<string, any>;

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Upstream's kube-controller-manager defaults. */
export const DEFAULTS = {
  nodeMonitorPeriodMs: 5_000,
  nodeMonitorGracePeriodMs: 50_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  unhealthyZoneThreshold: 0.55,
  largeClusterSizeThreshold: 50,
  /** scheduler.NodeEvictionPeriod: how often the NoExecute tainting queues are worked. */
  evictionPeriodMs: 100,
};

/** Which condition status gives which NoSchedule taint (upstream's taint-by-condition). */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: TAINT_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_PID_PRESSURE },
};
const CONDITION_TAINT_KEYS = new Set(Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)));

export type ZoneState = 'Initial' | 'Normal' | 'FullDisruption' | 'PartialDisruption';

/** upstream's GetZoneKey: region and zone joined by a NUL that no label value holds. */
export function zoneKey(node: Obj): string {
  const l: Record<string, string> = node.metadata?.labels ?? {};
  const zone = l[LABEL_ZONE] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  const region = l[LABEL_REGION] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  return !region && !zone ? '' : `${region}:\x00:${zone}`;
}

export const nodeCondition = (node: Obj | undefined, type: string): Obj | undefined => (node?.status?.conditions ?? []).find((c: Obj) => c?.type === type);

const hasTaint = (node: Obj, key: string, effect: string) => (node.spec?.taints ?? []).some((t: Obj) => t.key === key && t.effect === effect);

export interface NodeLifecycleControllerOptions {
  client: Client;
  factory: SharedInformerFactory;
  clock?: Clock;
  recorder?: EventRecorder;
  onError?: (key: string, err: unknown) => void;
  nodeMonitorPeriodMs?: number;
  nodeMonitorGracePeriodMs?: number;
  nodeStartupGracePeriodMs?: number;
  nodeEvictionRate?: number;
  secondaryNodeEvictionRate?: number;
  unhealthyZoneThreshold?: number;
  largeClusterSizeThreshold?: number;
  evictionPeriodMs?: number;
}

interface Pending {
  name: string;
  uid: string;
  processAt: number;
}

/**
 * upstream's RateLimitedTimedQueue: nodes to taint, in order, worked through only as fast as the
 * zone's token bucket allows. A node that was handled stays in `seen` so it is not queued again
 * until removed.
 */
class ZoneTainter {
  private queue: Pending[] = [];
  private readonly seen = new Set<string>();
  private limiter: TokenBucket | undefined;
  qps: number;

  constructor(
    private readonly clock: Clock,
    qps: number,
  ) {
    this.qps = qps;
    this.limiter = qps > 0 ? new TokenBucket(qps, 1, clock) : undefined;
  }

  add(name: string, uid: string): boolean {
    if (this.seen.has(name)) return false;
    this.seen.add(name);
    this.queue.push({ name, uid, processAt: this.clock.now() });
    return true;
  }

  remove(name: string): void {
    this.seen.delete(name);
    this.queue = this.queue.filter((p) => p.name !== name);
  }

  swapLimiter(qps: number): void {
    if (qps === this.qps) return;
    let next: TokenBucket | undefined;
    if (qps > 0) {
      next = new TokenBucket(qps, 1, this.clock);
      // With a burst of one: if the old bucket was empty, so starts the new one.
      if (!this.limiter?.tryAccept()) next.tryAccept();
    }
    this.qps = qps;
    this.limiter = next;
  }

  async work(fn: (p: Pending) => Promise<{ ok: boolean; retryMs: number }>): Promise<void> {
    for (;;) {
      this.queue.sort((a, b) => a.processAt - b.processAt);
      const head = this.queue[0];
      if (!head) return;
      if (!this.limiter?.tryAccept()) return;
      const now = this.clock.now();
      if (now < head.processAt) return;
      const { ok, retryMs } = await fn(head);
      if (ok) this.queue = this.queue.filter((p) => p !== head);
      else head.processAt = now + retryMs + 1;
    }
  }
}

/** Runs `fn` every `periodMs` on the clock; a tick that comes while it runs makes it run once more after. */
class Periodic {
  private timer: Timer | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly fn: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.arm();
    this.trigger();
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.arm();
      this.trigger();
    }, this.periodMs);
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.fn();
        } catch (err) {
          this.onError(err);
        }
      } while (this.again && !this.stopped);
      this.running = undefined;
    })();
  }

  /** Resolves once no run is under way or asked for. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }
}

export class NodeLifecycleController extends KeyedController {
  private readonly client: Client;
  private readonly recorder: EventRecorder | undefined;
  private readonly reportError: (key: string, err: unknown) => void;
  private readonly nodeInformer: Informer<Obj>;
  private readonly podInformer: Informer<Obj>;
  private readonly leaseInformer: Informer<Obj>;
  private readonly o: Required<Omit<NodeLifecycleControllerOptions, 'client' | 'factory' | 'clock' | 'recorder' | 'onError'>>;
  /** Nodes seen by the last monitor pass. */
  private readonly known = new Map<string, Obj>();
  /** Probe time never counted from before this (first sighting, or leaving full disruption). */
  private readonly probeFloor = new Map<string, number>();
  private readonly nodesToRetry = new Set<string>();
  private readonly tainters = new Map<string, ZoneTainter>();
  readonly zoneStates = new Map<string, ZoneState>();
  private readonly monitor: Periodic;
  private readonly tainting: Periodic;

  constructor(o: NodeLifecycleControllerOptions) {
    const clock = o.clock ?? realClock;
    const nodeInformer = o.factory.forResource(resources.nodes);
    const podInformer = o.factory.forResource(resources.pods);
    const leaseInformer = o.factory.forResource(resources.leases);
    super({ name: 'node-lifecycle-controller', informers: [nodeInformer, podInformer, leaseInformer], clock, ...(o.onError ? { onError: o.onError } : {}) });
    this.client = o.client;
    this.recorder = o.recorder;
    this.reportError = o.onError ?? (() => {});
    this.nodeInformer = nodeInformer;
    this.podInformer = podInformer;
    this.leaseInformer = leaseInformer;
    this.o = {
      nodeMonitorPeriodMs: o.nodeMonitorPeriodMs ?? DEFAULTS.nodeMonitorPeriodMs,
      nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs ?? DEFAULTS.nodeMonitorGracePeriodMs,
      nodeStartupGracePeriodMs: o.nodeStartupGracePeriodMs ?? DEFAULTS.nodeStartupGracePeriodMs,
      nodeEvictionRate: o.nodeEvictionRate ?? DEFAULTS.nodeEvictionRate,
      secondaryNodeEvictionRate: o.secondaryNodeEvictionRate ?? DEFAULTS.secondaryNodeEvictionRate,
      unhealthyZoneThreshold: o.unhealthyZoneThreshold ?? DEFAULTS.unhealthyZoneThreshold,
      largeClusterSizeThreshold: o.largeClusterSizeThreshold ?? DEFAULTS.largeClusterSizeThreshold,
      evictionPeriodMs: o.evictionPeriodMs ?? DEFAULTS.evictionPeriodMs,
    };
    ensureNodeNameIndex(podInformer);
    this.monitor = new Periodic(clock, this.o.nodeMonitorPeriodMs, () => this.monitorNodeHealth(), (e) => this.reportError('monitor', e));
    this.tainting = new Periodic(clock, this.o.evictionPeriodMs, () => this.doNoExecuteTaintingPass(), (e) => this.reportError('tainting', e));

    nodeInformer.addEventHandler({
      onAdd: (n) => this.queue.add(n.metadata.name),
      onUpdate: (_old, n) => this.queue.add(n.metadata.name),
    });
    podInformer.addEventHandler({
      onAdd: (p) => {
        if (p.spec?.nodeName) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
      },
      onUpdate: (_old, p) => {
        if (p.spec?.nodeName) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
      },
    });
  }

  override async run(workers: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.monitor.start();
    this.tainting.start();
    await super.run(workers, signal);
    await Promise.all([this.monitor.stop(), this.tainting.stop()]);
  }

  /** Resolves once the periodic passes have nothing under way (for tests and shutdown). */
  async idle(): Promise<void> {
    await this.monitor.idle();
    await this.tainting.idle();
  }

  /** Node names are keys of the NoSchedule pass; `namespace/name` keys are pods to check. */
  async reconcile(key: string): Promise<void> {
    if (key.includes('/')) return this.processPod(key);
    return this.doNoScheduleTaintingPass(key);
  }

  // ---- NoSchedule taints mirror the conditions, unrated.

  private async doNoScheduleTaintingPass(name: string): Promise<void> {
    const node = this.nodeInformer.get(name);
    if (!node) return;
    const want: Obj[] = [];
    for (const c of node.status?.conditions ?? []) {
      const key = CONDITION_TAINTS[c?.type]?.[c?.status];
      if (key) want.push({ key, effect: 'NoSchedule' });
    }
    if (node.spec?.unschedulable) want.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
    const have = (node.spec?.taints ?? []).filter((t: Obj) => t.effect === 'NoSchedule' && (t.key === TAINT_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)));
    const same = (a: Obj, b: Obj) => a.key === b.key && a.effect === b.effect;
    const add = want.filter((w) => !have.some((h: Obj) => same(h, w)));
    const del = have.filter((h: Obj) => !want.some((w) => same(h, w)));
    if (add.length === 0 && del.length === 0) return;
    await this.swapTaints(name, add, del);
  }

  // ---- Pods on a node that is not ready are not ready either.

  private async processPod(key: string): Promise<void> {
    const pod = this.podInformer.get(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName) return;
    const ready = nodeCondition(this.nodeInformer.get(nodeName), 'Ready');
    if (ready && ready.status !== 'True') await this.markPodsNotReady([pod], nodeName);
  }

  private async markPodsNotReady(pods: Obj[], nodeName: string): Promise<void> {
    const errors: unknown[] = [];
    for (const p of pods) {
      if (p.spec?.nodeName !== nodeName) continue;
      const i = (p.status?.conditions ?? []).findIndex((c: Obj) => c?.type === 'Ready');
      if (i < 0 || p.status.conditions[i].status === 'False') continue;
      const pod = structuredClone(p);
      pod.status.conditions[i] = { ...pod.status.conditions[i], status: 'False', lastTransitionTime: rfc3339(this.clock.now()) };
      try {
        await this.client.update(resources.pods, pod.metadata.namespace, pod, { subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
        continue;
      }
      this.recorder?.event({ apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid }, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
    if (errors.length) throw errors[0];
  }

  // ---- The monitor pass.

  private async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodeInformer.list();
    const now = this.clock.now();
    const names = new Set(nodes.map((n) => n.metadata.name as string));
    for (const node of nodes) {
      const name: string = node.metadata.name;
      if (this.known.has(name)) continue;
      this.nodeEvent(name, node.metadata.uid, 'RegisteredNode', `Registered Node ${name} in Controller`);
      this.known.set(name, node);
      this.probeFloor.set(name, now);
      const zone = zoneKey(node);
      if (!this.tainters.has(zone)) {
        this.tainters.set(zone, new ZoneTainter(this.clock, this.o.nodeEvictionRate));
      }
      await this.markNodeAsReachable(node);
    }
    for (const [name, node] of this.known) {
      if (names.has(name)) continue;
      this.nodeEvent(name, node.metadata.uid, 'RemovingNode', `Removing Node ${name} from Controller`);
      this.known.delete(name);
      this.probeFloor.delete(name);
      this.nodesToRetry.delete(name);
      for (const t of this.tainters.values()) t.remove(name);
    }

    const zoneConditions = new Map<string, (Obj | undefined)[]>();
    for (const listed of nodes) {
      const name: string = listed.metadata.name;
      let node = listed;
      let health: { observed: Obj; current: Obj | undefined } | undefined;
      for (let attempt = 0; attempt < 5 && !health; attempt++) {
        try {
          health = await this.tryUpdateNodeHealth(node);
        } catch (err) {
          if (isNotFound(err)) break;
          try {
            node = await this.client.get(resources.nodes, undefined, name);
          } catch (getErr) {
            if (isNotFound(getErr)) break;
          }
          if (attempt === 4) this.reportError(name, err);
        }
      }
      if (!health) continue;
      const { observed, current } = health;
      const zone = zoneKey(node);
      zoneConditions.set(zone, [...(zoneConditions.get(zone) ?? []), current]);
      if (current) {
        try {
          await this.processTaintBaseEviction(node, observed);
        } catch (err) {
          this.reportError(name, err);
        }
        let mark = false;
        if (current.status !== 'True' && observed.status === 'True') {
          this.nodeEvent(name, node.metadata.uid, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, true);
          mark = true;
        } else if (this.nodesToRetry.has(name) && observed.status !== 'True') {
          mark = true;
        }
        if (mark) {
          try {
            await this.markPodsNotReady(this.podInformer.byIndex(NODE_NAME_INDEX, name), name);
          } catch (err) {
            this.reportError(name, err);
            this.nodesToRetry.add(name);
            continue;
          }
        }
      }
      this.nodesToRetry.delete(name);
    }
    await this.handleDisruption(zoneConditions, nodes);
  }

  /**
   * Marks the conditions Unknown once nothing was heard for the grace period. `observed` is the
   * Ready condition as found, `current` as it is now (undefined: never posted, still in grace).
   */
  private async tryUpdateNodeHealth(node: Obj): Promise<{ observed: Obj; current: Obj | undefined }> {
    const name: string = node.metadata.name;
    const ready = nodeCondition(node, 'Ready');
    const created = node.metadata.creationTimestamp;
    const observed: Obj = ready ? structuredClone(ready) : { type: 'Ready', status: 'Unknown', lastHeartbeatTime: created, lastTransitionTime: created };
    const grace = ready ? this.o.nodeMonitorGracePeriodMs : this.o.nodeStartupGracePeriodMs;
    const lease = this.leaseInformer.get(`${NODE_LEASE_NAMESPACE}/${name}`);
    const probe = Math.max(
      ...[parseTime(ready ? ready.lastHeartbeatTime : created), parseTime(lease?.spec?.renewTime), this.probeFloor.get(name) ?? NaN].filter((t) => Number.isFinite(t)),
      -Infinity,
    );
    const now = this.clock.now();
    if (!(now > probe + grace)) return { observed, current: ready };

    const updated = structuredClone(node);
    updated.status ??= {};
    const conditions: Obj[] = (updated.status.conditions ??= []);
    const nowTime = rfc3339(now);
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = conditions.find((x) => x?.type === type);
      if (!c) {
        conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: created, lastTransitionTime: nowTime });
      } else if (c.status !== 'Unknown') {
        Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: nowTime });
      }
    }
    const current = nodeCondition(updated, 'Ready');
    if (JSON.stringify(current) !== JSON.stringify(observed)) {
      await this.client.update(resources.nodes, undefined, updated, { subresource: 'status' });
    }
    return { observed, current };
  }

  private async processTaintBaseEviction(node: Obj, observed: Obj): Promise<void> {
    const name: string = node.metadata.name;
    switch (observed.status) {
      case 'False':
        if (hasTaint(node, TAINT_UNREACHABLE, 'NoExecute')) {
          // Mirrors Ready at once when only the kind of failure changed: no new rate token.
          await this.swapTaints(name, [{ key: TAINT_NOT_READY, effect: 'NoExecute' }], [{ key: TAINT_UNREACHABLE, effect: 'NoExecute' }]);
        } else this.markNodeForTainting(node, 'False');
        return;
      case 'Unknown':
        if (hasTaint(node, TAINT_NOT_READY, 'NoExecute')) {
          await this.swapTaints(name, [{ key: TAINT_UNREACHABLE, effect: 'NoExecute' }], [{ key: TAINT_NOT_READY, effect: 'NoExecute' }]);
        } else this.markNodeForTainting(node, 'Unknown');
        return;
      case 'True':
        await this.markNodeAsReachable(node);
        return;
    }
  }

  private tainterFor(node: Obj): ZoneTainter {
    const zone = zoneKey(node);
    let t = this.tainters.get(zone);
    if (!t) {
      t = new ZoneTainter(this.clock, this.o.nodeEvictionRate);
      this.tainters.set(zone, t);
    }
    return t;
  }

  private markNodeForTainting(node: Obj, status: 'False' | 'Unknown'): boolean {
    const tainter = this.tainterFor(node);
    const key = status === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    // A taint that went missing (removed by hand) is queued again.
    if (!hasTaint(node, key, 'NoExecute')) tainter.remove(node.metadata.name);
    return tainter.add(node.metadata.name, node.metadata.uid);
  }

  private async markNodeAsReachable(node: Obj): Promise<void> {
    const del = [TAINT_UNREACHABLE, TAINT_NOT_READY].filter((k) => hasTaint(node, k, 'NoExecute')).map((key) => ({ key, effect: 'NoExecute' }));
    if (del.length) await this.swapTaints(node.metadata.name, [], del);
    this.tainterFor(node).remove(node.metadata.name);
  }

  private async doNoExecuteTaintingPass(): Promise<void> {
    for (const tainter of this.tainters.values()) {
      await tainter.work(async (p) => {
        const node = this.nodeInformer.get(p.name);
        if (!node) return { ok: true, retryMs: 0 };
        const ready = nodeCondition(node, 'Ready');
        if (!ready) return { ok: false, retryMs: 50 };
        let add: string;
        let opposite: string;
        if (ready.status === 'False') [add, opposite] = [TAINT_NOT_READY, TAINT_UNREACHABLE];
        else if (ready.status === 'Unknown') [add, opposite] = [TAINT_UNREACHABLE, TAINT_NOT_READY];
        else return { ok: true, retryMs: 0 };
        try {
          await this.swapTaints(p.name, [{ key: add, effect: 'NoExecute' }], [{ key: opposite, effect: 'NoExecute' }]);
          return { ok: true, retryMs: 0 };
        } catch (err) {
          this.reportError(p.name, err);
          return { ok: false, retryMs: 0 };
        }
      });
    }
  }

  // ---- Zones.

  private computeZoneState(conditions: (Obj | undefined)[]): ZoneState {
    let ready = 0;
    let notReady = 0;
    for (const c of conditions) {
      if (c?.status === 'True') ready++;
      else notReady++;
    }
    if (ready === 0 && notReady > 0) return 'FullDisruption';
    if (notReady > 2 && notReady / (notReady + ready) >= this.o.unhealthyZoneThreshold) return 'PartialDisruption';
    return 'Normal';
  }

  private setLimiterInZone(zone: string, size: number, state: ZoneState): void {
    const t = this.tainters.get(zone);
    if (!t) return;
    if (state === 'Normal' || state === 'FullDisruption') t.swapLimiter(this.o.nodeEvictionRate);
    else if (state === 'PartialDisruption') t.swapLimiter(size > this.o.largeClusterSizeThreshold ? this.o.secondaryNodeEvictionRate : 0);
  }

  private async handleDisruption(zoneConditions: Map<string, (Obj | undefined)[]>, nodes: Obj[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFull = true;
    for (const [zone, conds] of zoneConditions) {
      const s = this.computeZoneState(conds);
      if (s !== 'FullDisruption') allAreFull = false;
      newStates.set(zone, s);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    let allWereFull = true;
    for (const [zone, s] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (s !== 'FullDisruption') {
        allWereFull = false;
        break;
      }
    }
    if (allAreFull && allWereFull) return;
    if (allAreFull) {
      // Every node down at once is more likely our own view than the nodes: stop all evictions.
      for (const node of nodes) {
        try {
          await this.markNodeAsReachable(node);
        } catch (err) {
          this.reportError(node.metadata.name, err);
        }
      }
      for (const zone of this.zoneStates.keys()) {
        this.tainters.get(zone)?.swapLimiter(0);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWereFull) {
      // Leaving full disruption: every node gets a fresh grace period.
      const now = this.clock.now();
      for (const node of nodes) this.probeFloor.set(node.metadata.name, now);
      for (const zone of [...this.zoneStates.keys()]) {
        const s = newStates.get(zone) ?? 'Normal';
        this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, s);
        this.zoneStates.set(zone, s);
      }
      return;
    }
    for (const [zone, old] of [...this.zoneStates]) {
      const s = newStates.get(zone);
      if (!s || s === old) continue;
      this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, s);
      this.zoneStates.set(zone, s);
    }
  }

  // ---- Writes.

  /** Adds and removes node taints (NoExecute ones stamped with timeAdded), retrying conflicts on a fresh read. */
  private async swapTaints(name: string, add: Obj[], del: Obj[]): Promise<void> {
    const same = (a: Obj, b: Obj) => a.key === b.key && a.effect === b.effect;
    for (let attempt = 0; ; attempt++) {
      const node = await this.client.get(resources.nodes, undefined, name);
      const old: Obj[] = node.spec?.taints ?? [];
      let taints = old.filter((t) => !del.some((d) => same(d, t)));
      const stamp = rfc3339(this.clock.now());
      for (const a of add) {
        if (taints.some((t) => same(t, a))) continue;
        taints = [...taints, a.effect === 'NoExecute' ? { ...a, timeAdded: stamp } : { ...a }];
      }
      if (JSON.stringify(taints) === JSON.stringify(old)) return;
      node.spec = { ...(node.spec ?? {}), taints };
      if (taints.length === 0) delete node.spec.taints;
      try {
        await this.client.update(resources.nodes, undefined, node);
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }

  private nodeEvent(name: string, uid: string, reason: string, message: string, statusChange = false): void {
    // upstream's RecordNodeEvent refers to the node with its name as uid; RecordNodeStatusChange with its uid.
    const ref = { apiVersion: 'v1', kind: 'Node', name, uid: statusChange ? uid : name };
    this.recorder?.event(ref, 'Normal', reason, statusChange ? message : `Node ${name} event: ${message}`);
  }
}
