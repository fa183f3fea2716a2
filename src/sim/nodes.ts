// Simulated nodes, as KWOK makes them: Node objects with the capacity, labels and taints they
// are given, kept alive with Lease heartbeats, whose pods move through lifecycle stages (data,
// see stages.ts) instead of running anything. Everything goes through the API server with a
// client, so simulated and real nodes can share one cluster.
import { parse as parseYaml } from 'yaml';
import { isAlreadyExists, isNotFound, resources, type Client, EventRecorder, SharedInformerFactory, type Informer } from '../client/index.ts';
import { realClock, type Clock, type Timer } from '../util/clock.ts';
import { defaultStages } from './default-stages.ts';
import { rfc3339 } from '../util/time.ts';
import { delayOf, fill, pickStage, type Stage } from './stages.ts';
import { UsageRules, type UsageRule } from './usage.ts';
import type { NodeReport } from '../metrics/index.ts';
import { parseQuantity, Quantity } from '../api/validation/quantity.ts';

type Obj = Record<string, any>;

/** Marks the nodes (and so the pods) this simulator owns, as KWOK's annotation does. */
export const SIM_ANNOTATION = 'kwok.x-k8s.io/node';
export const SIM_LABEL = 'type';

export interface SimNodeGroup {
  /** Nodes are named `<prefix>-<i>`, i from 0. */
  prefix?: string;
  count: number;
  capacity?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  annotations?: Record<string, string>;
}

export interface SimConfig {
  nodes: SimNodeGroup[];
  /** Replaces the default stages when given. */
  stages?: Stage[];
  /** How often each node renews its Lease (the kubelet's 10 s); its duration is 4x that. */
  heartbeatSeconds?: number;
  /** Delay before a pod runs (and a Job's pod completes), ms, with as much jitter again. */
  podReadyMs?: number;
  jobCompleteMs?: number;
  /** Resource usage rules (see usage.ts); the first matching rule wins. */
  usage?: UsageRule[];
  /** How often each node reports usage (metrics-server's default resolution, 15 s). */
  metricsSeconds?: number;
  /** What a node uses besides its pods (system daemons); default cpu 100m, memory 256Mi. */
  nodeBaseUsage?: { cpu?: string; memory?: string };
  /**
   * How often an unchanged Ready condition's lastHeartbeatTime is refreshed: the kubelet's
   * nodeStatusReportFrequency, 5 min; the Lease is the frequent heartbeat.
   */
  statusReportSeconds?: number;
}

/** Reads a config file's text: YAML or JSON with `nodes`, `stages`, and the timings. */
export function parseSimConfig(text: string): SimConfig {
  const raw = parseYaml(text) as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('sim config: expected a mapping with "nodes"');
  const c = raw as Obj;
  if (!Array.isArray(c.nodes) || c.nodes.length === 0) throw new Error('sim config: "nodes" must be a non-empty list');
  c.nodes.forEach((g: Obj, i: number) => {
    if (!Number.isInteger(g?.count) || g.count < 0) throw new Error(`sim config: nodes[${i}].count must be a whole number`);
  });
  if (c.stages !== undefined && !Array.isArray(c.stages)) throw new Error('sim config: "stages" must be a list');
  if (c.usage !== undefined && !Array.isArray(c.usage)) throw new Error('sim config: "usage" must be a list');
  new UsageRules(c.usage ?? []);
  return c as SimConfig;
}

/** The capacity KWOK's default nodes report. */
export const DEFAULT_CAPACITY = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' };

/** The conditions a healthy simulated kubelet reports (as the node-initialize stage sets them). */
const KUBELET_CONDITIONS: Record<string, { status: string; reason: string; message: string }> = {
  MemoryPressure: { status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  DiskPressure: { status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  PIDPressure: { status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  Ready: { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
};

export interface SimOptions {
  client: Client;
  config: SimConfig;
  clock?: Clock;
  random?: () => number;
  onError?: (err: unknown) => void;
  /** Receives each node's usage every metricsSeconds (in-process or pushed to the metrics API). */
  onMetrics?: (node: string, r: NodeReport) => void | Promise<void>;
  /** Report usage to the API server's metrics endpoint (what `kubelite sim nodes` does). */
  reportMetricsToApi?: boolean;
}

/** PUTs a node's usage report where kubelite's API server takes it for metrics.k8s.io. */
export async function reportNodeMetrics(client: Client, node: string, report: NodeReport): Promise<void> {
  await client.request('PUT', `/kubelite/nodes/${encodeURIComponent(node)}/metrics`, report);
}

export class SimNodes {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly stages: Stage[];
  private readonly names = new Map<string, number>();
  private readonly timers = new Map<string, { timer: Timer; stage: string }>();
  private readonly podIPs = new Map<string, string>();
  private readonly factory: SharedInformerFactory;
  private pods!: Informer;
  private nodes!: Informer;
  private heartbeat: Timer | undefined;
  private readonly events: EventRecorder;
  private stopped = false;
  private readonly usage: UsageRules;
  private metricsTimer: Timer | undefined;
  /** Nodes whose kubelet is "dead": no Lease renewal, no status, no metrics. */
  private readonly silent = new Set<string>();
  private readonly statusReported = new Map<string, number>();

  constructor(private o: SimOptions) {
    this.clock = o.clock ?? realClock;
    if (o.reportMetricsToApi && !o.onMetrics) {
      this.o = { ...o, onMetrics: (node, r) => reportNodeMetrics(o.client, node, r) };
    }
    this.random = o.random ?? Math.random;
    this.stages = o.config.stages ?? defaultStages({ podReadyMs: o.config.podReadyMs, jobCompleteMs: o.config.jobCompleteMs });
    this.factory = new SharedInformerFactory(o.client, { clock: this.clock, random: this.random, ...(o.onError ? { onError: o.onError } : {}) });
    this.events = new EventRecorder(o.client, { component: 'kubelite-sim', clock: this.clock });
    this.usage = new UsageRules(o.config.usage ?? []);
  }

  /** The node's kubelet stops: its Lease is no longer renewed nor its status posted. */
  stopHeartbeats(node: string): void {
    this.silent.add(node);
  }

  /** The node's kubelet is back: it renews the Lease and posts its status at once. */
  resumeHeartbeats(node: string): void {
    if (!this.silent.delete(node)) return;
    this.statusReported.delete(node);
    if (!this.stopped) void this.beatOne(node, true).catch((err: unknown) => this.fail(err));
  }

  /** Names of the nodes this simulator runs. */
  nodeNames(): string[] {
    return [...this.names.keys()];
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    if (this.o.onError) this.o.onError(err);
    else console.error(`kubelite sim: ${(err as Error).message}`);
  }

  async start(): Promise<void> {
    let index = 0;
    for (const g of this.o.config.nodes) {
      for (let i = 0; i < g.count; i++) this.names.set(`${g.prefix ?? 'sim-node'}-${i}`, index++);
    }
    this.nodes = this.factory.forResource(resources.nodes);
    this.pods = this.factory.forResource(resources.pods);
    this.pods.addIndexers({ node: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
    const onNode = (n: Obj) => this.names.has(n.metadata?.name) && this.consider('Node', n);
    const onPod = (p: Obj) => this.names.has(p.spec?.nodeName) && this.consider('Pod', p);
    this.nodes.addEventHandler({ onAdd: onNode, onUpdate: (_o, n) => onNode(n) });
    this.pods.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p), onDelete: (p) => this.forget(p as Obj) });
    await this.createNodes();
    this.factory.start();
    await this.factory.waitForCacheSync();
    await this.beat();
    if (this.o.onMetrics) this.metricsTimer = this.clock.setTimeout(() => void this.reportMetrics(), (this.o.config.metricsSeconds ?? 15) * 1000);
  }

  /** Each node's usage, as its kubelet's resource metrics would give it. */
  private async reportMetrics(): Promise<void> {
    if (this.stopped || !this.o.onMetrics) return;
    const seconds = this.o.config.metricsSeconds ?? 15;
    const now = this.clock.now();
    const base = this.o.config.nodeBaseUsage ?? {};
    for (const name of this.names.keys()) {
      if (this.silent.has(name)) continue;
      const node = this.nodes.get(name);
      if (!node) continue;
      let cpu = parseQuantity(base.cpu ?? '100m');
      let memory = parseQuantity(base.memory ?? '256Mi');
      const pods: NodeReport['pods'] = [];
      for (const pod of this.pods.byIndex('node', name)) {
        if (pod.status?.phase !== 'Running') continue;
        let containers;
        try {
          containers = this.usage.podUsage(pod, node, now);
        } catch (err) {
          this.fail(new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(err as Error).message}`));
          continue;
        }
        for (const c of containers) {
          cpu = cpu.add(parseQuantity(c.usage.cpu));
          memory = memory.add(parseQuantity(c.usage.memory));
        }
        pods.push({ namespace: pod.metadata.namespace, name: pod.metadata.name, labels: pod.metadata.labels ?? {}, containers });
      }
      const report: NodeReport = {
        timestamp: rfc3339(now),
        windowSeconds: seconds,
        labels: node.metadata.labels ?? {},
        usage: { cpu: cpu.toString(), memory: new Quantity(memory.value(), 0, 'BinarySI').toString() },
        pods,
      };
      try {
        await this.o.onMetrics(name, report);
      } catch (err) {
        this.fail(err);
      }
    }
    if (!this.stopped) this.metricsTimer = this.clock.setTimeout(() => void this.reportMetrics(), seconds * 1000);
  }

  private async createNodes(): Promise<void> {
    const work: Promise<void>[] = [];
    const limit = 32;
    for (const g of this.o.config.nodes) {
      for (let i = 0; i < g.count; i++) {
        const name = `${g.prefix ?? 'sim-node'}-${i}`;
        const node = {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name,
            labels: { [SIM_LABEL]: 'kwok', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...(g.labels ?? {}) },
            annotations: { [SIM_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0', ...(g.annotations ?? {}) },
          },
          spec: { podCIDR: this.podCIDR(name), podCIDRs: [this.podCIDR(name)], ...(g.taints?.length ? { taints: g.taints } : {}) },
          status: { capacity: { ...DEFAULT_CAPACITY, ...(g.capacity ?? {}) } },
        };
        work.push(
          this.o.client.create(resources.nodes, undefined, node).then(
            () => undefined,
            (err: unknown) => {
              if (!isAlreadyExists(err)) throw err;
            },
          ),
        );
        if (work.length >= limit) await Promise.all(work.splice(0));
      }
    }
    await Promise.all(work);
  }

  private podCIDR(node: string): string {
    const i = this.names.get(node) ?? 0;
    return `10.${64 + (i >> 8)}.${i & 255}.0/24`;
  }

  private nodeIP(node: string): string {
    const i = this.names.get(node) ?? 0;
    return `10.${32 + (i >> 16)}.${(i >> 8) & 255}.${(i & 255) || 1}`;
  }

  private podIP(pod: Obj): string {
    const key = pod.metadata.uid as string;
    let ip = this.podIPs.get(key);
    if (!ip) {
      const used = new Set(this.pods.byIndex('node', pod.spec.nodeName).map((p) => p.status?.podIP));
      const base = this.podCIDR(pod.spec.nodeName).split('.').slice(0, 3).join('.');
      for (let host = 2; host < 255; host++) {
        if (!used.has(`${base}.${host}`) && ![...this.podIPs.values()].includes(`${base}.${host}`)) {
          ip = `${base}.${host}`;
          break;
        }
      }
      ip ??= `${base}.254`;
      this.podIPs.set(key, ip);
    }
    return ip;
  }

  /**
   * Heartbeats, as a kubelet with node leases: every node renews its Lease in kube-node-lease
   * each heartbeatSeconds, and refreshes its conditions' lastHeartbeatTime only every
   * statusReportSeconds (nothing else in its status changes).
   */
  private async beat(): Promise<void> {
    if (this.stopped) return;
    const seconds = this.o.config.heartbeatSeconds ?? 10;
    const work: Promise<unknown>[] = [];
    for (const name of this.names.keys()) {
      if (this.silent.has(name)) continue;
      work.push(this.beatOne(name, false));
      if (work.length >= 32) await Promise.all(work.splice(0)).catch((err) => this.fail(err));
    }
    await Promise.all(work).catch((err) => this.fail(err));
    if (!this.stopped) this.heartbeat = this.clock.setTimeout(() => void this.beat(), seconds * 1000);
  }

  private async beatOne(name: string, statusNow: boolean): Promise<void> {
    const seconds = this.o.config.heartbeatSeconds ?? 10;
    const nowMs = this.clock.now();
    const now = new Date(nowMs).toISOString().replace('Z', '000Z');
    const node = this.nodes.get(name);
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease', ...(node ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }] } : {}) },
      spec: { holderIdentity: name, leaseDurationSeconds: seconds * 4, renewTime: now },
    };
    await this.o.client.patch(resources.leases, 'kube-node-lease', name, 'merge', { spec: { renewTime: now, holderIdentity: name } }).catch(async (err: unknown) => {
      if (!isNotFound(err)) throw err;
      await this.o.client.create(resources.leases, 'kube-node-lease', lease).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
    });
    const conditions = node?.status?.conditions as Obj[] | undefined;
    if (!conditions?.length) return;
    const last = this.statusReported.get(name);
    if (last === undefined && !statusNow) {
      // Just initialized (or the simulator restarted): the conditions' own heartbeat is the last report.
      const ready = conditions.find((c) => c.type === 'Ready');
      this.statusReported.set(name, Date.parse(ready?.lastHeartbeatTime ?? '') || nowMs);
      if (nowMs - this.statusReported.get(name)! < (this.o.config.statusReportSeconds ?? 300) * 1000) return;
    } else if (!statusNow && nowMs - last! < (this.o.config.statusReportSeconds ?? 300) * 1000) return;
    this.statusReported.set(name, nowMs);
    const stamp = rfc3339(nowMs);
    // The kubelet asserts its own view, undoing what the node lifecycle controller set while it was silent.
    const own = (c: Obj): Obj => {
      const mine = KUBELET_CONDITIONS[c.type as string];
      if (!mine || c.status === mine.status) return { ...c, lastHeartbeatTime: stamp };
      return { ...c, ...mine, lastHeartbeatTime: stamp, lastTransitionTime: stamp };
    };
    await this.o.client.patch(resources.nodes, undefined, name, 'merge', { status: { conditions: conditions.map(own) } }, { subresource: 'status' });
  }

  /** Plans the next stage of a node or pod, replacing a plan for a stage that no longer applies. */
  private consider(kind: 'Pod' | 'Node', obj: Obj): void {
    if (this.stopped) return;
    const key = `${kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const stage = pickStage(this.stages, { ...obj, kind }, this.random);
    const planned = this.timers.get(key);
    if (planned && planned.stage === stage?.name) return;
    planned?.timer.cancel();
    this.timers.delete(key);
    if (!stage) return;
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(key);
      void this.play(kind, obj, stage).catch((err: unknown) => this.fail(err));
    }, delayOf(stage, obj, this.clock, this.random));
    this.timers.set(key, { timer, stage: stage.name });
  }

  private forget(p: Obj): void {
    const key = `Pod/${p.metadata?.namespace ?? ''}/${p.metadata?.name}`;
    this.timers.get(key)?.timer.cancel();
    this.timers.delete(key);
    if (p.metadata?.uid) this.podIPs.delete(p.metadata.uid);
  }

  private async play(kind: 'Pod' | 'Node', planned: Obj, stage: Stage): Promise<void> {
    if (this.stopped) return;
    const res = kind === 'Pod' ? resources.pods : resources.nodes;
    const ns: string | undefined = planned.metadata.namespace;
    const name: string = planned.metadata.name;
    // Act on the object as it is now; if it moved on meanwhile, it is planned again.
    const current = (kind === 'Pod' ? this.pods.get(`${ns}/${name}`) : this.nodes.get(name)) ?? planned;
    if (current.metadata.uid !== planned.metadata.uid) return;
    const next = stage.next;
    const nodeName: string = kind === 'Pod' ? current.spec.nodeName : name;
    const ctx = {
      now: rfc3339(this.clock.now()),
      nodeName,
      nodeIP: this.nodeIP(nodeName),
      ...(kind === 'Pod' ? { podIP: this.podIP(current) } : {}),
    };
    try {
      if (next.finalizers) {
        let finalizers: string[] = next.finalizers.empty ? [] : [...(current.metadata.finalizers ?? [])];
        finalizers = finalizers.filter((f) => !(next.finalizers!.remove ?? []).includes(f));
        for (const f of next.finalizers.add ?? []) if (!finalizers.includes(f)) finalizers.push(f);
        if (JSON.stringify(finalizers) !== JSON.stringify(current.metadata.finalizers ?? [])) {
          await this.o.client.patch(res, ns, name, 'merge', { metadata: { finalizers } });
        }
      }
      if (next.statusTemplate) {
        const status = fill(next.statusTemplate, current, ctx) as Obj;
        await this.o.client.patch(res, ns, name, 'merge', { status }, { subresource: 'status' });
      }
      if (next.event) this.events.event(current, next.event.type, next.event.reason, next.event.message);
      if (next.delete) await this.o.client.delete(res, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: current.metadata.uid } });
    } catch (err) {
      // Gone or changed under us: the informer brings the news and the object is planned again.
      if (isNotFound(err)) return;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.heartbeat?.cancel();
    this.metricsTimer?.cancel();
    for (const t of this.timers.values()) t.timer.cancel();
    this.timers.clear();
    await this.factory.shutdown();
    await this.events.shutdown();
  }

  /** Stops the simulator and deletes its nodes (their pods are left to the cluster). */
  async remove(): Promise<void> {
    await this.stop();
    for (const name of this.names.keys()) await this.o.client.delete(resources.nodes, undefined, name).catch(() => undefined);
  }
}
