// PodInfo and NodeInfo: the scheduler's parsed view of pods and nodes. Everything a plugin
// needs from a pod (requests, tolerations, affinity terms, host ports, images) is computed once
// when the PodInfo is built; NodeInfo keeps running aggregates (requested resources, used
// ports, pods with affinity) so that a filter never walks the pods of a node.

import type { Obj } from '../../apiserver/rest.ts';
import {
  AffinityTerm,
  RequiredNodeAffinity,
  WeightedAffinityTerm,
  isNoScheduleOrNoExecute,
  normalizedImageName,
  parseTaints,
  parseTolerations,
  podPriority,
  type Taint,
  type Toleration,
} from './helpers.ts';
import { computePodResources, parseResourceList, Resource, type PodResources, type ResourceList } from './resource.ts';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

// ---- host ports ----

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

const ANY_IP = '0.0.0.0';

/** Upstream HostPortInfo: ip -> set of "protocol/port". */
export class HostPortInfo {
  private readonly byIP = new Map<string, Set<string>>();

  static sanitize(ip: string | undefined, protocol: string | undefined): [string, string] {
    return [ip || ANY_IP, protocol || 'TCP'];
  }

  add(ip: string, protocol: string, port: number): void {
    const [i, p] = HostPortInfo.sanitize(ip, protocol);
    let s = this.byIP.get(i);
    if (!s) this.byIP.set(i, (s = new Set()));
    s.add(`${p}/${port}`);
  }

  remove(ip: string, protocol: string, port: number): void {
    const [i, p] = HostPortInfo.sanitize(ip, protocol);
    const s = this.byIP.get(i);
    if (!s) return;
    s.delete(`${p}/${port}`);
    if (s.size === 0) this.byIP.delete(i);
  }

  /** A wildcard IP conflicts with every IP, and every IP conflicts with the wildcard. */
  checkConflict(ip: string, protocol: string, port: number): boolean {
    if (port <= 0) return false;
    const [i, p] = HostPortInfo.sanitize(ip, protocol);
    const key = `${p}/${port}`;
    if (i === ANY_IP) {
      for (const s of this.byIP.values()) if (s.has(key)) return true;
      return false;
    }
    return (this.byIP.get(i)?.has(key) ?? false) || (this.byIP.get(ANY_IP)?.has(key) ?? false);
  }

  get size(): number {
    let n = 0;
    for (const s of this.byIP.values()) n += s.size;
    return n;
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, s] of this.byIP) c.byIP.set(ip, new Set(s));
    return c;
  }
}

// ---- pods ----

function hostPortsOf(pod: Obj): HostPort[] {
  const out: HostPort[] = [];
  const collect = (containers: unknown, onlySidecars: boolean) => {
    if (!Array.isArray(containers)) return;
    for (const c of containers as Obj[]) {
      if (onlySidecars && c.restartPolicy !== 'Always') continue;
      if (!Array.isArray(c.ports)) continue;
      for (const p of c.ports as Obj[]) {
        const port = Number(p?.hostPort ?? 0);
        if (port > 0) out.push({ ip: p.hostIP ?? '', protocol: p.protocol ?? '', port });
      }
    }
  };
  collect(pod.spec?.containers, false);
  collect(pod.spec?.initContainers, true);
  return out;
}

function termsOf(pod: Obj, list: unknown): AffinityTerm[] {
  if (!Array.isArray(list)) return [];
  return (list as Obj[]).map((t) => AffinityTerm.fromPodAffinityTerm(pod, t));
}

function weightedTermsOf(pod: Obj, list: unknown): WeightedAffinityTerm[] {
  if (!Array.isArray(list)) return [];
  return (list as Obj[]).map((w) => new WeightedAffinityTerm(AffinityTerm.fromPodAffinityTerm(pod, w?.podAffinityTerm ?? {}), Number(w?.weight ?? 0)));
}

/** A pod and everything the plugins derive from it, computed once. */
export class PodInfo {
  readonly pod: Obj;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** namespace/name */
  readonly key: string;
  readonly labels: Record<string, string>;
  readonly priority: number;
  readonly schedulerName: string;
  readonly nodeName: string;
  readonly nominatedNodeName: string;
  readonly resources: PodResources;
  readonly tolerations: Toleration[];
  readonly requiredNodeAffinity: RequiredNodeAffinity;
  readonly requiredAffinityTerms: AffinityTerm[];
  readonly requiredAntiAffinityTerms: AffinityTerm[];
  readonly preferredAffinityTerms: WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: WeightedAffinityTerm[];
  readonly hostPorts: HostPort[];
  /** Container and init-container images, normalized (`:latest` added when untagged). */
  readonly images: string[];
  /** Names of the PVCs the pod mounts (spec.volumes[].persistentVolumeClaim.claimName). */
  readonly pvcNames: string[];
  readonly schedulingGates: string[];

  constructor(pod: Obj, derivedFrom?: PodInfo) {
    this.pod = pod;
    const meta = pod.metadata ?? {};
    const spec = pod.spec ?? {};
    this.uid = meta.uid ?? '';
    this.namespace = meta.namespace ?? '';
    this.name = meta.name ?? '';
    this.key = `${this.namespace}/${this.name}`;
    this.labels = meta.labels ?? {};
    this.priority = podPriority(pod);
    this.schedulerName = spec.schedulerName || DEFAULT_SCHEDULER_NAME;
    this.nodeName = spec.nodeName ?? '';
    this.nominatedNodeName = pod.status?.nominatedNodeName ?? '';
    if (derivedFrom) {
      // Same spec, different nodeName (an assumed copy): reuse the parsed data.
      this.resources = derivedFrom.resources;
      this.tolerations = derivedFrom.tolerations;
      this.requiredNodeAffinity = derivedFrom.requiredNodeAffinity;
      this.requiredAffinityTerms = derivedFrom.requiredAffinityTerms;
      this.requiredAntiAffinityTerms = derivedFrom.requiredAntiAffinityTerms;
      this.preferredAffinityTerms = derivedFrom.preferredAffinityTerms;
      this.preferredAntiAffinityTerms = derivedFrom.preferredAntiAffinityTerms;
      this.hostPorts = derivedFrom.hostPorts;
      this.images = derivedFrom.images;
      this.pvcNames = derivedFrom.pvcNames;
      this.schedulingGates = derivedFrom.schedulingGates;
      return;
    }
    // Pods already on a node count what the kubelet allocated after an in-place resize.
    this.resources = computePodResources(pod, this.nodeName !== '');
    this.tolerations = parseTolerations(spec.tolerations);
    this.requiredNodeAffinity = new RequiredNodeAffinity(pod);
    const aff = spec.affinity ?? {};
    this.requiredAffinityTerms = termsOf(pod, aff.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.requiredAntiAffinityTerms = termsOf(pod, aff.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.preferredAffinityTerms = weightedTermsOf(pod, aff.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinityTerms = weightedTermsOf(pod, aff.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.hostPorts = hostPortsOf(pod);
    const images: string[] = [];
    for (const list of [spec.initContainers, spec.containers]) {
      if (Array.isArray(list)) for (const c of list as Obj[]) if (c?.image) images.push(normalizedImageName(String(c.image)));
    }
    this.images = images;
    const pvcs: string[] = [];
    if (Array.isArray(spec.volumes)) {
      for (const v of spec.volumes as Obj[]) if (v?.persistentVolumeClaim?.claimName) pvcs.push(String(v.persistentVolumeClaim.claimName));
    }
    this.pvcNames = pvcs;
    this.schedulingGates = Array.isArray(spec.schedulingGates) ? (spec.schedulingGates as Obj[]).map((g) => String(g?.name ?? '')) : [];
  }

  /** A copy bound to `nodeName` (what the cache assumes while binding is in flight). */
  withNodeName(nodeName: string): PodInfo {
    const pod = { ...this.pod, spec: { ...(this.pod.spec ?? {}), nodeName } };
    return new PodInfo(pod, this);
  }

  hasAffinity(): boolean {
    const a = this.pod.spec?.affinity;
    return !!(a && (a.podAffinity || a.podAntiAffinity));
  }

  hasRequiredAntiAffinity(): boolean {
    return this.requiredAntiAffinityTerms.length > 0;
  }
}

// ---- nodes ----

let generationCounter = 0;

/** A global, monotonically increasing generation stamp (upstream nextGeneration). */
export function nextGeneration(): number {
  return ++generationCounter;
}

/** An image present on some nodes: shared by every NodeInfo that has it, so the count stays current. */
export interface ImageStateSummary {
  size: number;
  nodes: Set<string>;
}

/**
 * A node and the pods on it. The cache owns one mutable NodeInfo per node; scheduling cycles
 * see snapshot copies that are refreshed only when the cache's generation moved.
 */
export class NodeInfo {
  node: Obj | undefined;
  name = '';
  labels: Record<string, string> = {};
  /** All taints of the node. */
  taints: Taint[] = [];
  /** Only the NoSchedule and NoExecute taints (what the filters look at). */
  noScheduleTaints: Taint[] = [];
  /** Only the PreferNoSchedule taints (what TaintToleration scores). */
  preferNoScheduleTaints: Taint[] = [];
  unschedulable = false;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  requested = new Resource();
  nonZeroRequested = new Resource();
  allocatable = new Resource();
  imageStates = new Map<string, ImageStateSummary>();
  /** "namespace/claimName" -> number of pods on this node using it. */
  pvcRefCounts = new Map<string, number>();
  generation = nextGeneration();

  constructor(node?: Obj, pods: PodInfo[] = []) {
    if (node) this.setNode(node);
    for (const p of pods) this.addPodInfo(p);
  }

  setNode(node: Obj): void {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.labels = node.metadata?.labels ?? {};
    this.taints = parseTaints(node.spec?.taints);
    this.noScheduleTaints = this.taints.filter(isNoScheduleOrNoExecute);
    this.preferNoScheduleTaints = this.taints.filter((t) => t.effect === 'PreferNoSchedule');
    this.unschedulable = node.spec?.unschedulable === true;
    // The API server defaults allocatable to capacity; do the same for objects that skipped it.
    const alloc: ResourceList = parseResourceList(node.status?.allocatable ?? node.status?.capacity);
    this.allocatable = Resource.fromList(alloc);
    this.generation = nextGeneration();
  }

  removeNode(): void {
    this.node = undefined;
    this.generation = nextGeneration();
  }

  addPodInfo(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity()) this.podsWithAffinity.push(pi);
    if (pi.hasRequiredAntiAffinity()) this.podsWithRequiredAntiAffinity.push(pi);
    this.update(pi, 1);
  }

  /** Removes the pod with this uid; false when it is not on the node. */
  removePod(uid: string): boolean {
    const i = this.pods.findIndex((p) => p.uid === uid);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    // Swap-remove as upstream does; pod order on a node carries no meaning.
    this.pods[i] = this.pods[this.pods.length - 1]!;
    this.pods.pop();
    removeFrom(this.podsWithAffinity, uid);
    removeFrom(this.podsWithRequiredAntiAffinity, uid);
    this.update(pi, -1);
    return true;
  }

  private update(pi: PodInfo, sign: 1 | -1): void {
    const r = pi.resources;
    this.requested.add(r.requests, sign);
    this.nonZeroRequested.milliCPU += sign * r.non0CPU;
    this.nonZeroRequested.memory += sign * r.non0Mem;
    for (const hp of pi.hostPorts) {
      if (sign > 0) this.usedPorts.add(hp.ip, hp.protocol, hp.port);
      else this.usedPorts.remove(hp.ip, hp.protocol, hp.port);
    }
    for (const claim of pi.pvcNames) {
      const key = `${pi.namespace}/${claim}`;
      const n = (this.pvcRefCounts.get(key) ?? 0) + sign;
      if (n <= 0) this.pvcRefCounts.delete(key);
      else this.pvcRefCounts.set(key, n);
    }
    this.generation = nextGeneration();
  }

  /** A copy whose aggregates can change independently (pod infos and image states are shared). */
  snapshot(): NodeInfo {
    const c = Object.create(NodeInfo.prototype) as NodeInfo;
    this.copyInto(c);
    return c;
  }

  /** Overwrites `target` with a copy of this NodeInfo, keeping `target`'s identity. */
  copyInto(target: NodeInfo): void {
    target.node = this.node;
    target.name = this.name;
    target.labels = this.labels;
    target.taints = this.taints;
    target.noScheduleTaints = this.noScheduleTaints;
    target.preferNoScheduleTaints = this.preferNoScheduleTaints;
    target.unschedulable = this.unschedulable;
    target.pods = this.pods.slice();
    target.podsWithAffinity = this.podsWithAffinity.slice();
    target.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice();
    target.usedPorts = this.usedPorts.size === 0 ? new HostPortInfo() : this.usedPorts.clone();
    target.requested = this.requested.clone();
    target.nonZeroRequested = this.nonZeroRequested.clone();
    target.allocatable = this.allocatable.clone();
    target.imageStates = new Map(this.imageStates);
    target.pvcRefCounts = new Map(this.pvcRefCounts);
    target.generation = this.generation;
  }
}

function removeFrom(list: PodInfo[], uid: string): void {
  const i = list.findIndex((p) => p.uid === uid);
  if (i >= 0) {
    list[i] = list[list.length - 1]!;
    list.pop();
  }
}
