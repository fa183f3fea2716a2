// Builders for pods and nodes and an in-memory cluster, for tests of the scheduler and of
// plugins built on it (upstream's pkg/scheduler/testing wrappers, in spirit).

import type { Obj } from '../apiserver/rest.ts';
import type { Binding, ClusterAPI, PodStatusUpdate, SchedulerEvent } from './framework/interfaces.ts';

type Resources = Record<string, string | number>;

export interface PodSpecLite {
  name: string;
  namespace?: string;
  uid?: string;
  /** Requests of the single container. */
  req?: Resources;
  /** More containers' requests. */
  containers?: Resources[];
  initContainers?: (Resources & { restartPolicy?: string })[];
  overhead?: Resources;
  priority?: number;
  nodeName?: string;
  nominatedNodeName?: string;
  schedulerName?: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  affinity?: Obj;
  tolerations?: Obj[];
  hostPorts?: { port: number; protocol?: string; ip?: string }[];
  images?: string[];
  gates?: string[];
  resourceVersion?: string;
  topologySpreadConstraints?: Obj[];
  volumes?: Obj[];
  preemptionPolicy?: 'Never' | 'PreemptLowerPriority';
  ownerReferences?: Obj[];
  /** status.startTime (RFC 3339). */
  startTime?: string;
  deletionTimestamp?: string;
}

export function makePod(p: PodSpecLite): Obj {
  const containerList = p.containers ?? [p.req ?? {}];
  const containers = containerList.map((req, i) => {
    const c: Obj = { name: `c${i}`, image: p.images?.[i] ?? 'registry.k8s.io/pause:3.10' };
    if (Object.keys(req).length) c.resources = { requests: { ...req } };
    if (i === 0 && p.hostPorts) c.ports = p.hostPorts.map((hp) => ({ containerPort: hp.port, hostPort: hp.port, protocol: hp.protocol, hostIP: hp.ip }));
    return c;
  });
  const spec: Obj = { containers };
  if (p.initContainers) {
    spec.initContainers = p.initContainers.map(({ restartPolicy, ...req }, i) => ({
      name: `init${i}`,
      image: 'busybox',
      ...(restartPolicy ? { restartPolicy } : {}),
      resources: { requests: req },
    }));
  }
  if (p.overhead) spec.overhead = p.overhead;
  if (p.priority !== undefined) spec.priority = p.priority;
  if (p.nodeName) spec.nodeName = p.nodeName;
  if (p.schedulerName) spec.schedulerName = p.schedulerName;
  if (p.nodeSelector) spec.nodeSelector = p.nodeSelector;
  if (p.affinity) spec.affinity = p.affinity;
  if (p.tolerations) spec.tolerations = p.tolerations;
  if (p.gates) spec.schedulingGates = p.gates.map((name) => ({ name }));
  if (p.topologySpreadConstraints) spec.topologySpreadConstraints = p.topologySpreadConstraints;
  if (p.volumes) spec.volumes = p.volumes;
  if (p.preemptionPolicy) spec.preemptionPolicy = p.preemptionPolicy;
  const ns = p.namespace ?? 'default';
  const pod: Obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: ns, uid: p.uid ?? `uid-${ns}-${p.name}`, labels: p.labels ?? {}, resourceVersion: p.resourceVersion ?? '1' },
    spec,
    status: { phase: 'Pending' },
  };
  if (p.nominatedNodeName) pod.status.nominatedNodeName = p.nominatedNodeName;
  if (p.startTime) pod.status.startTime = p.startTime;
  if (p.ownerReferences) pod.metadata.ownerReferences = p.ownerReferences;
  if (p.deletionTimestamp) pod.metadata.deletionTimestamp = p.deletionTimestamp;
  return pod;
}

export interface NodeSpecLite {
  name: string;
  /** Allocatable; pods defaults to 110. */
  alloc?: Resources;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
}

export function makeNode(n: NodeSpecLite): Obj {
  const node: Obj = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...n.labels } },
    spec: {},
    status: { allocatable: { pods: '110', ...n.alloc }, capacity: { pods: '110', ...n.alloc } },
  };
  if (n.taints) node.spec.taints = n.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
  if (n.unschedulable) node.spec.unschedulable = true;
  if (n.images) node.status.images = n.images;
  return node;
}

/**
 * An in-memory cluster: records bindings, events and status updates. With `onBind` set it can
 * play the API server and feed the bound pod back as an informer update.
 */
export class FakeCluster implements ClusterAPI {
  readonly bindings: Binding[] = [];
  readonly events: SchedulerEvent[] = [];
  readonly statusUpdates: { pod: string; update: PodStatusUpdate }[] = [];
  readonly deleted: string[] = [];
  pdbs: Obj[] = [];
  /** Fails the next bindings with this error (consumed one per bind). */
  bindErrors: Error[] = [];
  onBind: ((b: Binding) => void) | undefined;
  /** Called after a pod deletion was recorded (to play the informer). */
  onDelete: ((pod: Obj) => void) | undefined;
  /** Called after a status update was recorded (to play the informer). */
  onStatusUpdate: ((pod: Obj, update: PodStatusUpdate) => void) | undefined;
  /** Objects served by get/list, by kind (Service, PersistentVolumeClaim, Namespace, ...). */
  readonly objects = new Map<string, Obj[]>();
  /** Claim annotation writes (VolumeBinding's PreBind); absent: the cluster cannot write claims. */
  annotateClaim: ((namespace: string, name: string, annotations: Record<string, string>) => Promise<void>) | undefined;

  addObject(kind: string, obj: Obj): void {
    const list = this.objects.get(kind) ?? [];
    const ns = obj.metadata?.namespace ?? '';
    const rest = list.filter((o) => (o.metadata?.namespace ?? '') !== ns || o.metadata?.name !== obj.metadata?.name);
    this.objects.set(kind, [...rest, obj]);
  }

  get(resource: string, namespace: string, name: string): Obj | undefined {
    return this.objects.get(resource)?.find((o) => (o.metadata?.namespace ?? '') === namespace && o.metadata?.name === name);
  }

  list(resource: string): Obj[] {
    return this.objects.get(resource) ?? [];
  }

  async bind(b: Binding): Promise<void> {
    const err = this.bindErrors.shift();
    if (err) throw err;
    this.bindings.push(b);
    this.onBind?.(b);
  }

  recordEvent(e: SchedulerEvent): void {
    this.events.push(e);
  }

  updatePodStatus(pod: Obj, update: PodStatusUpdate): void {
    this.statusUpdates.push({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, update });
    this.onStatusUpdate?.(pod, update);
  }

  async deletePod(pod: Obj): Promise<void> {
    this.deleted.push(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
    this.onDelete?.(pod);
  }

  listPodDisruptionBudgets(): Obj[] {
    return this.pdbs;
  }
}
