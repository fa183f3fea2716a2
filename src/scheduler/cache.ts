// The scheduler cache (upstream backend/cache): nodes and the pods on them, including pods
// "assumed" onto a node while their binding is in flight, and the snapshot a scheduling cycle
// reads. Each NodeInfo carries a generation; the cache keeps nodes in a list ordered by most
// recent change, so updating the snapshot copies only the nodes changed since the last cycle.

import type { Obj } from '../apiserver/rest.ts';
import type { Clock } from '../util/clock.ts';
import { getZoneKey } from './framework/helpers.ts';
import type { SharedLister } from './framework/interfaces.ts';
import { NodeInfo, PodInfo, type ImageStateSummary } from './framework/types.ts';

export class CacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheError';
  }
}

/**
 * Upstream nodeTree: nodes grouped by zone, listed round-robin across zones so that the first
 * nodes a cycle filters are spread over zones.
 */
export class NodeTree {
  private readonly tree = new Map<string, string[]>();
  private readonly zones: string[] = [];
  numNodes = 0;

  addNode(node: Obj): void {
    const zone = getZoneKey(node);
    const name = node.metadata?.name ?? '';
    let list = this.tree.get(zone);
    if (!list) {
      list = [];
      this.tree.set(zone, list);
      this.zones.push(zone);
    }
    if (list.includes(name)) return;
    list.push(name);
    this.numNodes++;
  }

  removeNode(node: Obj): void {
    const zone = getZoneKey(node);
    const name = node.metadata?.name ?? '';
    const list = this.tree.get(zone);
    if (!list) return;
    const i = list.indexOf(name);
    if (i < 0) return;
    list.splice(i, 1);
    this.numNodes--;
    if (list.length === 0) {
      this.tree.delete(zone);
      this.zones.splice(this.zones.indexOf(zone), 1);
    }
  }

  /** True when the node moved to another zone (the list order changes). */
  updateNode(oldNode: Obj | undefined, newNode: Obj): boolean {
    if (oldNode && getZoneKey(oldNode) === getZoneKey(newNode)) return false;
    if (oldNode) this.removeNode(oldNode);
    this.addNode(newNode);
    return true;
  }

  list(): string[] {
    const out: string[] = [];
    for (let idx = 0; out.length < this.numNodes; idx++) {
      let any = false;
      for (const z of this.zones) {
        const l = this.tree.get(z)!;
        if (idx < l.length) {
          out.push(l[idx]!);
          any = true;
        }
      }
      if (!any) break;
    }
    return out;
  }
}

/** What one scheduling cycle reads; refreshed in place by Cache.updateSnapshot. */
export class Snapshot implements SharedLister {
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  nodeInfoList: NodeInfo[] = [];
  havePodsWithAffinityNodeInfoList: NodeInfo[] = [];
  havePodsWithRequiredAntiAffinityNodeInfoList: NodeInfo[] = [];
  usedPVCSet = new Set<string>();
  generation = 0;

  list(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }
  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }
  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithAffinityNodeInfoList;
  }
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithRequiredAntiAffinityNodeInfoList;
  }
  isPVCUsedByPods(key: string): boolean {
    return this.usedPVCSet.has(key);
  }
  numNodes(): number {
    return this.nodeInfoList.length;
  }

  /** A standalone snapshot of these nodes and pods (for tests and what-if tools). */
  static of(nodes: Obj[], pods: Obj[] = []): Snapshot {
    const cache = new Cache();
    for (const n of nodes) cache.addNode(n);
    for (const p of pods) cache.addPod(p);
    const s = new Snapshot();
    cache.updateSnapshot(s);
    return s;
  }
}

interface NodeItem {
  name: string;
  info: NodeInfo;
  next: NodeItem | undefined;
  prev: NodeItem | undefined;
}

interface PodState {
  pod: PodInfo;
  /** When an assumed pod whose binding finished expires (ms); undefined until then. */
  deadline: number | undefined;
  bindingFinished: boolean;
}

export interface CacheOptions {
  clock?: Clock;
  /**
   * How long an assumed pod may wait for its informer Add after binding finished, in ms.
   * 0 (upstream's value since v1.27, after issue #106361) means never expire.
   */
  assumedPodTTL?: number;
}

export class Cache {
  private readonly clock: Clock | undefined;
  private readonly ttl: number;
  private readonly podStates = new Map<string, PodState>();
  private readonly assumedPods = new Set<string>();
  private readonly nodes = new Map<string, NodeItem>();
  private head: NodeItem | undefined;
  readonly nodeTree = new NodeTree();
  private nodeTreeChanged = false;
  private readonly imageStates = new Map<string, ImageStateSummary>();

  constructor(opts: CacheOptions = {}) {
    this.clock = opts.clock;
    this.ttl = opts.assumedPodTTL ?? 0;
  }

  // ---- nodes ----

  addNode(node: Obj): NodeInfo {
    const name = node.metadata?.name ?? '';
    let item = this.nodes.get(name);
    if (!item) {
      item = this.newItem(name);
      this.nodes.set(name, item);
    } else {
      this.removeNodeImageStates(item.info);
    }
    this.moveToHead(item);
    this.nodeTree.addNode(node);
    this.nodeTreeChanged = true;
    item.info.setNode(node);
    this.addNodeImageStates(node, item.info);
    return item.info;
  }

  updateNode(oldNode: Obj | undefined, newNode: Obj): NodeInfo {
    const name = newNode.metadata?.name ?? '';
    let item = this.nodes.get(name);
    if (!item) {
      item = this.newItem(name);
      this.nodes.set(name, item);
      this.nodeTree.addNode(newNode);
      this.nodeTreeChanged = true;
    } else {
      this.removeNodeImageStates(item.info);
      if (this.nodeTree.updateNode(item.info.node ?? oldNode, newNode)) this.nodeTreeChanged = true;
    }
    this.moveToHead(item);
    item.info.setNode(newNode);
    this.addNodeImageStates(newNode, item.info);
    return item.info;
  }

  /**
   * Removes the node. Its pods stay accounted (on a node-less NodeInfo) until their own delete
   * events arrive, as upstream does, so that a re-added node is not briefly seen empty.
   */
  removeNode(node: Obj): void {
    const name = node.metadata?.name ?? '';
    const item = this.nodes.get(name);
    if (!item) throw new CacheError(`node ${name} is not found`);
    const cached = item.info.node ?? node;
    this.removeNodeImageStates(item.info);
    item.info.removeNode();
    if (item.info.pods.length === 0) this.removeItem(item);
    else this.moveToHead(item);
    this.nodeTree.removeNode(cached);
    this.nodeTreeChanged = true;
  }

  private addNodeImageStates(node: Obj, info: NodeInfo): void {
    info.imageStates = new Map();
    for (const image of (node.status?.images ?? []) as Obj[]) {
      for (const name of (image?.names ?? []) as string[]) {
        let st = this.imageStates.get(name);
        if (!st) {
          st = { size: Number(image.sizeBytes ?? 0), nodes: new Set() };
          this.imageStates.set(name, st);
        }
        st.nodes.add(info.name || node.metadata?.name);
        info.imageStates.set(name, st);
      }
    }
  }

  private removeNodeImageStates(info: NodeInfo): void {
    for (const [name, st] of info.imageStates) {
      st.nodes.delete(info.name);
      if (st.nodes.size === 0) this.imageStates.delete(name);
    }
    info.imageStates = new Map();
  }

  // ---- pods ----

  private key(pod: Obj | PodInfo): string {
    const uid = pod instanceof PodInfo ? pod.uid : pod.metadata?.uid;
    if (!uid) throw new CacheError('cannot get cache key for pod with empty UID');
    return uid;
  }

  private addPodToNode(pi: PodInfo): void {
    let item = this.nodes.get(pi.nodeName);
    if (!item) {
      item = this.newItem(pi.nodeName);
      this.nodes.set(pi.nodeName, item);
    }
    item.info.addPodInfo(pi);
    this.moveToHead(item);
  }

  private removePodFromNode(pi: PodInfo): void {
    const item = this.nodes.get(pi.nodeName);
    if (!item) return;
    item.info.removePod(pi.uid);
    if (item.info.pods.length === 0 && item.info.node === undefined) this.removeItem(item);
    else this.moveToHead(item);
  }

  private add(pi: PodInfo, assumed: boolean): void {
    this.addPodToNode(pi);
    this.podStates.set(pi.uid, { pod: pi, deadline: undefined, bindingFinished: false });
    if (assumed) this.assumedPods.add(pi.uid);
  }

  private remove(pi: PodInfo): void {
    this.removePodFromNode(pi);
    this.podStates.delete(pi.uid);
    this.assumedPods.delete(pi.uid);
  }

  /** Accounts a pod on `pod.nodeName` before its binding is confirmed. */
  assumePod(pod: PodInfo): void {
    const key = this.key(pod);
    if (this.podStates.has(key)) throw new CacheError(`pod ${key}(${pod.key}) is in the cache, so can't be assumed`);
    this.add(pod, true);
  }

  /** Binding went through: start the assumed pod's expiry clock. */
  finishBinding(pod: PodInfo): void {
    const st = this.podStates.get(this.key(pod));
    if (!st || !this.assumedPods.has(pod.uid)) return;
    st.bindingFinished = true;
    st.deadline = (this.clock?.now() ?? 0) + this.ttl;
  }

  /** Binding failed: drop the assumed pod. */
  forgetPod(pod: PodInfo): void {
    const key = this.key(pod);
    const st = this.podStates.get(key);
    if (st && st.pod.nodeName !== pod.nodeName) {
      throw new CacheError(`pod ${key}(${pod.key}) was assumed on ${pod.nodeName} but assigned to ${st.pod.nodeName}`);
    }
    if (st && this.assumedPods.has(key)) {
      this.remove(st.pod);
      return;
    }
    throw new CacheError(`pod ${key}(${pod.key}) wasn't assumed so cannot be forgotten`);
  }

  /** An informer Add for a scheduled pod: confirms an assumed pod, or adds one (also after expiry). */
  addPod(pod: Obj): void {
    const key = this.key(pod);
    const st = this.podStates.get(key);
    if (st && this.assumedPods.has(key)) {
      this.remove(st.pod);
      this.add(new PodInfo(pod), false);
      return;
    }
    if (!st) {
      this.add(new PodInfo(pod), false);
      return;
    }
    throw new CacheError(`pod ${key}(${pod.metadata?.namespace}/${pod.metadata?.name}) was already in added state`);
  }

  updatePod(oldPod: Obj, newPod: Obj): void {
    const key = this.key(oldPod);
    const st = this.podStates.get(key);
    if (!st) throw new CacheError(`pod ${key}(${oldPod.metadata?.namespace}/${oldPod.metadata?.name}) is not added to scheduler cache, so cannot be updated`);
    if (this.assumedPods.has(key)) throw new CacheError(`assumed pod ${key}(${oldPod.metadata?.namespace}/${oldPod.metadata?.name}) should not be updated`);
    this.remove(st.pod);
    this.add(new PodInfo(newPod), false);
  }

  removePod(pod: Obj): void {
    const key = this.key(pod);
    const st = this.podStates.get(key);
    if (!st) throw new CacheError(`pod ${key}(${pod.metadata?.namespace}/${pod.metadata?.name}) is not found in scheduler cache, so cannot be removed from it`);
    this.remove(st.pod);
  }

  isAssumedPod(uid: string): boolean {
    return this.assumedPods.has(uid);
  }

  getPod(uid: string): PodInfo | undefined {
    return this.podStates.get(uid)?.pod;
  }

  /** Drops assumed pods whose binding finished more than the TTL ago; returns them. */
  cleanupAssumedPods(now = this.clock?.now() ?? 0): PodInfo[] {
    if (this.ttl === 0) return [];
    const expired: PodInfo[] = [];
    for (const key of this.assumedPods) {
      const st = this.podStates.get(key)!;
      if (!st.bindingFinished || st.deadline === undefined || now <= st.deadline) continue;
      expired.push(st.pod);
    }
    for (const p of expired) this.remove(p);
    return expired;
  }

  podCount(): number {
    return this.podStates.size;
  }

  assumedPodCount(): number {
    return this.assumedPods.size;
  }

  nodeCount(): number {
    return this.nodeTree.numNodes;
  }

  /** The cache's own (live) NodeInfo for a node. */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name)?.info;
  }

  // ---- snapshot ----

  /**
   * Brings `snap` up to date: copies only nodes whose generation is newer than the snapshot's,
   * keeping each snapshot NodeInfo's identity, and rebuilds the lists only when needed.
   */
  updateSnapshot(snap: Snapshot): void {
    const gen = snap.generation;
    let updateAll = this.nodeTreeChanged;
    let updateAffinity = false;
    let updateAnti = false;
    let updatePVC = false;
    for (let item = this.head; item !== undefined; item = item.next) {
      if (item.info.generation <= gen) break;
      const info = item.info;
      if (info.node === undefined) continue;
      let existing = snap.nodeInfoMap.get(info.name);
      if (!existing) {
        updateAll = true;
        existing = Object.create(NodeInfo.prototype) as NodeInfo;
        existing.podsWithAffinity = [];
        existing.podsWithRequiredAntiAffinity = [];
        existing.pvcRefCounts = new Map();
        snap.nodeInfoMap.set(info.name, existing);
      }
      if (existing.podsWithAffinity.length > 0 !== info.podsWithAffinity.length > 0) updateAffinity = true;
      if (existing.podsWithRequiredAntiAffinity.length > 0 !== info.podsWithRequiredAntiAffinity.length > 0) updateAnti = true;
      if (!updatePVC) {
        if (existing.pvcRefCounts.size !== info.pvcRefCounts.size) updatePVC = true;
        else for (const k of info.pvcRefCounts.keys()) if (!existing.pvcRefCounts.has(k)) updatePVC = true;
      }
      info.copyInto(existing);
    }
    if (this.head) snap.generation = this.head.info.generation;
    if (snap.nodeInfoMap.size > this.nodeTree.numNodes) {
      for (const name of [...snap.nodeInfoMap.keys()]) {
        const item = this.nodes.get(name);
        if (!item || item.info.node === undefined) snap.nodeInfoMap.delete(name);
      }
      updateAll = true;
    }
    if (updateAll || updateAffinity || updateAnti || updatePVC) this.rebuildLists(snap, updateAll);
    this.nodeTreeChanged = false;
    if (snap.nodeInfoList.length !== this.nodeTree.numNodes) this.rebuildLists(snap, true);
  }

  private rebuildLists(snap: Snapshot, all: boolean): void {
    if (all) {
      snap.nodeInfoList = [];
      for (const name of this.nodeTree.list()) {
        const ni = snap.nodeInfoMap.get(name);
        if (ni) snap.nodeInfoList.push(ni);
      }
    }
    snap.havePodsWithAffinityNodeInfoList = snap.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
    snap.havePodsWithRequiredAntiAffinityNodeInfoList = snap.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
    snap.usedPVCSet = new Set();
    for (const n of snap.nodeInfoList) for (const k of n.pvcRefCounts.keys()) snap.usedPVCSet.add(k);
  }

  // ---- the recently-changed list ----

  private newItem(name: string): NodeItem {
    return { name, info: new NodeInfo(), next: undefined, prev: undefined };
  }

  private moveToHead(item: NodeItem): void {
    if (this.head === item) return;
    if (item.prev) item.prev.next = item.next;
    if (item.next) item.next.prev = item.prev;
    item.prev = undefined;
    item.next = this.head;
    if (this.head) this.head.prev = item;
    this.head = item;
  }

  private removeItem(item: NodeItem): void {
    if (item.prev) item.prev.next = item.next;
    if (item.next) item.next.prev = item.prev;
    if (this.head === item) this.head = item.next;
    item.prev = item.next = undefined;
    this.nodes.delete(item.name);
  }
}
