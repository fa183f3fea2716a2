// The scheduling queue (upstream backend/queue): activeQ, a heap in QueueSort order of pods
// ready to be tried; backoffQ, pods waiting out their per-pod exponential backoff (1s doubling
// to 10s by default); and unschedulablePods, pods that failed and wait for a cluster event that
// one of the plugins that rejected them says may help (QueueingHint), or for the 5 minute flush.
// Also the nominator (pods nominated to a node by preemption). Time comes from an injected Clock.

import type { Obj } from '../apiserver/rest.ts';
import type { Clock, Timer } from '../util/clock.ts';
import { EVENTS, QueueingHint, eventLabel, eventMatches, isWildCard, type ClusterEvent } from './framework/events.ts';
import type { NominatingInfo, PreEnqueuePlugin, QueuedPodInfo } from './framework/interfaces.ts';
import type { RegisteredEvent } from './framework/runtime.ts';
import { isSuccess } from './framework/status.ts';
import { PodInfo } from './framework/types.ts';

export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS = 5 * 60 * 1000;
/** The backoffQ orders (and flushes) pods in whole-second windows when popping from it is on. */
const BACKOFF_WINDOW_MS = 1000;

/**
 * A binary heap with O(log n) delete and update by key. Items the order calls equal come out
 * in insertion order: an injected clock may stamp many pods with the same millisecond, and
 * upstream's nanosecond timestamps make such ties practically FIFO.
 */
export class KeyedHeap<T> {
  private readonly items: T[] = [];
  private readonly pos = new Map<string, number>();
  private readonly seq = new Map<string, number>();
  private nextSeq = 0;
  private readonly less: (a: T, b: T) => boolean;

  constructor(
    private readonly keyOf: (t: T) => string,
    order: (a: T, b: T) => boolean,
  ) {
    this.less = (a, b) => order(a, b) || (!order(b, a) && this.seq.get(this.keyOf(a))! < this.seq.get(this.keyOf(b))!);
  }

  get length(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.pos.has(key);
  }

  get(key: string): T | undefined {
    const i = this.pos.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  peek(): T | undefined {
    return this.items[0];
  }

  addOrUpdate(t: T): void {
    const key = this.keyOf(t);
    const i = this.pos.get(key);
    if (i !== undefined) {
      this.items[i] = t;
      this.fix(i);
      return;
    }
    this.items.push(t);
    this.pos.set(key, this.items.length - 1);
    this.seq.set(key, this.nextSeq++);
    this.up(this.items.length - 1);
  }

  delete(key: string): T | undefined {
    const i = this.pos.get(key);
    if (i === undefined) return undefined;
    const t = this.items[i]!;
    this.removeAt(i);
    return t;
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const t = this.items[0]!;
    this.removeAt(0);
    return t;
  }

  list(): T[] {
    return this.items.slice();
  }

  private removeAt(i: number): void {
    const last = this.items.length - 1;
    const key = this.keyOf(this.items[i]!);
    this.pos.delete(key);
    this.seq.delete(key);
    if (i !== last) {
      this.items[i] = this.items[last]!;
      this.pos.set(this.keyOf(this.items[i]!), i);
    }
    this.items.pop();
    if (i < this.items.length) this.fix(i);
  }

  private fix(i: number): void {
    if (!this.down(i)) this.up(i);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    this.pos.set(this.keyOf(b), i);
    this.pos.set(this.keyOf(a), j);
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i]!, this.items[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i0: number): boolean {
    let i = i0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let j = l;
      if (l + 1 < n && this.less(this.items[l + 1]!, this.items[l]!)) j = l + 1;
      if (!this.less(this.items[j]!, this.items[i]!)) break;
      this.swap(i, j);
      i = j;
    }
    return i > i0;
  }
}

const keyOf = (q: QueuedPodInfo) => q.podInfo.uid;

type Strategy = 'skip' | 'backoff' | 'immediately';

interface RecordedEvent {
  seq: number;
  event: ClusterEvent;
  oldObj: Obj | undefined;
  newObj: Obj | undefined;
}

export interface QueueOptions {
  clock: Clock;
  /** The QueueSort plugin's less (shared by all profiles). */
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  /** PreEnqueue plugins by scheduler name. */
  preEnqueuePlugins?: Map<string, PreEnqueuePlugin[]>;
  /** Registered events with their hints, by scheduler name. */
  events?: Map<string, RegisteredEvent[]>;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  podMaxInUnschedulablePodsMs?: number;
  /** Pop a backing-off pod when activeQ is empty (SchedulerPopFromBackoffQ, on since v1.33). */
  popFromBackoffQ?: boolean;
  /** The informer's copy of a pod: the nominator ignores pods that are gone or already bound. */
  podLister?: (namespace: string, name: string) => Obj | undefined;
  /** Called when a pod becomes poppable, to wake the scheduling loop. */
  onActivated?: () => void;
}

export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'inFlight';

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxInUnschedulable: number;
  private readonly popFromBackoffQ: boolean;
  private readonly preEnqueue: Map<string, PreEnqueuePlugin[]>;
  private readonly events: Map<string, RegisteredEvent[]>;
  private readonly activeLess: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  private readonly podLister: QueueOptions['podLister'];
  onActivated: (() => void) | undefined;

  private readonly activeQ: KeyedHeap<QueuedPodInfo>;
  private readonly podBackoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly podErrorBackoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulablePods = new Map<string, QueuedPodInfo>();

  private schedCycle = 0;
  private readonly inFlightPods = new Map<string, number>();
  private inFlightEvents: RecordedEvent[] = [];
  private eventSeq = 0;

  // nominator
  private readonly nominatedPods = new Map<string, PodInfo[]>();
  private readonly nominatedPodToNode = new Map<string, string>();

  private timers: Timer[] = [];
  private running = false;

  constructor(opts: QueueOptions) {
    this.clock = opts.clock;
    this.initialBackoff = opts.podInitialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoff = opts.podMaxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulable = opts.podMaxInUnschedulablePodsMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS;
    this.popFromBackoffQ = opts.popFromBackoffQ ?? true;
    this.preEnqueue = opts.preEnqueuePlugins ?? new Map();
    this.events = opts.events ?? new Map();
    this.activeLess = opts.less;
    this.podLister = opts.podLister;
    this.onActivated = opts.onActivated;
    this.activeQ = new KeyedHeap(keyOf, opts.less);
    const backoffLess = (a: QueuedPodInfo, b: QueuedPodInfo) => {
      const ba = this.backoffTime(a);
      const bb = this.backoffTime(b);
      if (ba !== bb) return ba < bb;
      return this.popFromBackoffQ ? this.activeLess(a, b) : false;
    };
    this.podBackoffQ = new KeyedHeap(keyOf, backoffLess);
    this.podErrorBackoffQ = new KeyedHeap(keyOf, (a, b) => this.backoffTime(a) < this.backoffTime(b));
  }

  // ---- lifecycle ----

  /** Starts the periodic flushes: backoffQ every second, leftover unschedulable pods every 30s. */
  run(): void {
    if (this.running) return;
    this.running = true;
    const backoffTick = () => {
      if (!this.running) return;
      this.flushBackoffQCompleted();
      this.timers.push(this.clock.setTimeout(backoffTick, BACKOFF_WINDOW_MS));
    };
    const now = this.clock.now();
    const firstBackoff = this.popFromBackoffQ ? BACKOFF_WINDOW_MS - (now % BACKOFF_WINDOW_MS) : BACKOFF_WINDOW_MS;
    this.timers.push(this.clock.setTimeout(backoffTick, firstBackoff));
    const leftoverTick = () => {
      if (!this.running) return;
      this.flushUnschedulablePodsLeftover();
      this.timers.push(this.clock.setTimeout(leftoverTick, 30_000));
    };
    leftoverTick();
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }

  // ---- adding and removing pods ----

  private newQueuedPodInfo(pod: Obj | PodInfo): QueuedPodInfo {
    return {
      podInfo: pod instanceof PodInfo ? pod : new PodInfo(pod),
      timestamp: this.clock.now(),
      attempts: 0,
      initialAttemptTimestamp: undefined,
      unschedulablePlugins: new Set(),
      pendingPlugins: new Set(),
      gatingPlugin: undefined,
      unschedulableCount: 0,
      consecutiveErrorsCount: 0,
      backoffExpiration: undefined,
    };
  }

  /** A new unscheduled pod. */
  add(pod: Obj | PodInfo): void {
    const q = this.newQueuedPodInfo(pod);
    if (this.moveToActiveQ(q, EVENTS.UnscheduledPodAdd.label)) this.activated();
  }

  /** An update of an unscheduled pod (upstream PriorityQueue.Update). */
  update(oldPod: Obj | undefined, newPod: Obj, events: ClusterEvent[]): void {
    const uid = newPod.metadata?.uid ?? '';
    if (this.inFlightPods.has(uid)) {
      // Being scheduled right now: remember the update for when the attempt ends.
      this.recordEvents(events, oldPod, newPod);
      return;
    }
    for (const heap of [this.activeQ, this.podBackoffQ, this.podErrorBackoffQ]) {
      const q = heap.get(uid);
      if (q) {
        q.podInfo = new PodInfo(newPod);
        heap.addOrUpdate(q);
        this.updateNominatedPod(oldPod, q.podInfo);
        return;
      }
    }
    const q = this.unschedulablePods.get(uid);
    if (q) {
      q.podInfo = new PodInfo(newPod);
      this.updateNominatedPod(oldPod, q.podInfo);
      for (const e of events) {
        const strategy = this.isPodWorthRequeuing(q, e, oldPod, newPod);
        const where = this.requeue(q, strategy, eventLabel(e));
        if (where !== 'unschedulable') this.unschedulablePods.delete(uid);
        if (where === 'active' || (this.popFromBackoffQ && where === 'backoff')) {
          this.activated();
          break;
        }
      }
      return;
    }
    if (this.moveToActiveQ(this.newQueuedPodInfo(newPod), EVENTS.UnscheduledPodUpdate.label)) this.activated();
  }

  delete(pod: Obj | PodInfo): void {
    const uid = pod instanceof PodInfo ? pod.uid : (pod.metadata?.uid ?? '');
    this.deleteNominatedPodIfExists(uid);
    if (this.activeQ.delete(uid)) return;
    if (this.podBackoffQ.delete(uid) || this.podErrorBackoffQ.delete(uid)) return;
    this.unschedulablePods.delete(uid);
  }

  // ---- popping ----

  /** The next pod to schedule, or undefined when nothing is ready. */
  pop(): QueuedPodInfo | undefined {
    let q = this.activeQ.pop();
    if (!q && this.popFromBackoffQ) q = this.podBackoffQ.pop();
    if (!q) return undefined;
    q.attempts++;
    q.initialAttemptTimestamp ??= this.clock.now();
    this.schedCycle++;
    this.inFlightPods.set(q.podInfo.uid, this.eventSeq);
    q.unschedulablePlugins.clear();
    q.pendingPlugins.clear();
    return q;
  }

  /** Whether pop() would return a pod now. */
  hasPoppable(): boolean {
    return this.activeQ.length > 0 || (this.popFromBackoffQ && this.podBackoffQ.length > 0);
  }

  /** The attempt of this pod is over (scheduled, or handed back); frees its recorded events. */
  done(uid: string): void {
    if (!this.inFlightPods.delete(uid)) return;
    if (this.inFlightPods.size === 0) {
      this.inFlightEvents = [];
      return;
    }
    let min = Infinity;
    for (const s of this.inFlightPods.values()) if (s < min) min = s;
    let drop = 0;
    while (drop < this.inFlightEvents.length && this.inFlightEvents[drop]!.seq <= min) drop++;
    if (drop > 0) this.inFlightEvents = this.inFlightEvents.slice(drop);
  }

  schedulingCycle(): number {
    return this.schedCycle;
  }

  // ---- failed attempts ----

  /**
   * Puts a pod whose attempt failed back (upstream AddUnschedulableIfNotPresent): to backoffQ or
   * activeQ when an event recorded during the attempt may help, else to unschedulablePods.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo): QueueName | undefined {
    const uid = q.podInfo.uid;
    try {
      if (this.unschedulablePods.has(uid) || this.activeQ.has(uid) || this.podBackoffQ.has(uid) || this.podErrorBackoffQ.has(uid)) return undefined;
      if (q.unschedulablePlugins.size === 0 && q.pendingPlugins.size === 0) q.consecutiveErrorsCount++;
      else {
        q.unschedulableCount++;
        q.consecutiveErrorsCount = 0;
      }
      q.timestamp = this.clock.now();
      q.backoffExpiration = undefined;
      const strategy = this.hintForInFlightPod(q);
      const where = this.requeue(q, strategy, EVENTS.ScheduleAttemptFailure.label);
      if (where === 'active' || (this.popFromBackoffQ && where === 'backoff')) this.activated();
      return where;
    } finally {
      this.done(uid);
    }
  }

  private hintForInFlightPod(q: QueuedPodInfo): Strategy {
    const since = this.inFlightPods.get(q.podInfo.uid);
    if (since === undefined) return 'backoff';
    if (q.unschedulablePlugins.size === 0 && q.pendingPlugins.size === 0) return 'backoff';
    let strategy: Strategy = 'skip';
    for (const e of this.inFlightEvents) {
      if (e.seq <= since) continue;
      const s = this.isPodWorthRequeuing(q, e.event, e.oldObj, e.newObj);
      if (s === 'immediately') return s;
      if (s === 'backoff') {
        strategy = s;
        if (q.pendingPlugins.size === 0) return s;
      }
    }
    return strategy;
  }

  // ---- cluster events ----

  /**
   * A cluster event happened: move the unschedulable pods it may help (per the hints of the
   * plugins that rejected them) to activeQ or backoffQ, and remember it for in-flight pods.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, oldObj?: Obj, newObj?: Obj, preCheck?: (pod: PodInfo) => boolean): void {
    const pods: QueuedPodInfo[] = [];
    for (const q of this.unschedulablePods.values()) if (!preCheck || preCheck(q.podInfo)) pods.push(q);
    this.movePodsToActiveOrBackoffQueue(pods, event, oldObj, newObj);
  }

  private isEventOfInterest(event: ClusterEvent): boolean {
    if (isWildCard(event)) return true;
    for (const regs of this.events.values()) for (const r of regs) if (eventMatches(r.event, event)) return true;
    return false;
  }

  private movePodsToActiveOrBackoffQueue(pods: QueuedPodInfo[], event: ClusterEvent, oldObj: Obj | undefined, newObj: Obj | undefined): void {
    if (!this.isEventOfInterest(event)) return;
    let activated = false;
    const label = eventLabel(event);
    for (const q of pods) {
      // Gated pods only leave through their own updates (upstream issue #124384).
      if (q.gatingPlugin !== undefined && q.unschedulablePlugins.has('SchedulingGates')) continue;
      const strategy = this.isPodWorthRequeuing(q, event, oldObj, newObj);
      if (strategy === 'skip') continue;
      this.unschedulablePods.delete(q.podInfo.uid);
      const where = this.requeue(q, strategy, label);
      if (where === 'active' || (this.popFromBackoffQ && where === 'backoff')) activated = true;
    }
    if (this.inFlightPods.size > 0) this.recordEvents([event], oldObj, newObj);
    if (activated) this.activated();
  }

  private recordEvents(events: ClusterEvent[], oldObj: Obj | undefined, newObj: Obj | undefined): void {
    for (const event of events) this.inFlightEvents.push({ seq: ++this.eventSeq, event, oldObj, newObj });
  }

  /** Upstream isPodWorthRequeuing. */
  private isPodWorthRequeuing(q: QueuedPodInfo, event: ClusterEvent, oldObj: Obj | undefined, newObj: Obj | undefined): Strategy {
    const rejectors = new Set([...q.unschedulablePlugins, ...q.pendingPlugins]);
    if (rejectors.size === 0) return 'backoff';
    if (isWildCard(event)) {
      // A wildcard event carrying a pod is for that pod only (ForceActivate).
      if (newObj && newObj.metadata?.uid !== q.podInfo.uid) return 'skip';
      return 'backoff';
    }
    const regs = this.events.get(q.podInfo.schedulerName);
    if (!regs) return 'backoff';
    let strategy: Strategy = 'skip';
    for (const r of regs) {
      if (!rejectors.has(r.plugin) || !eventMatches(r.event, event)) continue;
      let hint: QueueingHint = QueueingHint.Queue;
      if (r.hint) {
        try {
          hint = r.hint(q.podInfo, oldObj, newObj);
        } catch {
          // A failing hint must not strand the pod in unschedulablePods.
          hint = QueueingHint.Queue;
        }
      }
      if (hint === QueueingHint.QueueSkip) continue;
      if (q.pendingPlugins.has(r.plugin)) return 'immediately';
      if (q.pendingPlugins.size === 0) return 'backoff';
      strategy = 'backoff';
    }
    return strategy;
  }

  private requeue(q: QueuedPodInfo, strategy: Strategy, event: string | undefined): QueueName {
    if (strategy === 'skip') {
      this.unschedulablePods.set(q.podInfo.uid, q);
      return 'unschedulable';
    }
    if (strategy === 'backoff' && this.isPodBackingOff(q)) {
      return this.moveToBackoffQ(q, event) ? 'backoff' : 'unschedulable';
    }
    return this.moveToActiveQ(q, event) ? 'active' : 'unschedulable';
  }

  /** Runs the PreEnqueue plugins; returns the first one that says no. */
  private runPreEnqueuePlugins(q: QueuedPodInfo): string | undefined {
    for (const pl of this.preEnqueue.get(q.podInfo.schedulerName) ?? []) {
      const s = pl.preEnqueue(q.podInfo);
      if (isSuccess(s)) continue;
      q.unschedulablePlugins.add(pl.name);
      return pl.name;
    }
    return undefined;
  }

  private moveToActiveQ(q: QueuedPodInfo, event: string | undefined): boolean {
    if (!this.popFromBackoffQ || event !== EVENTS.BackoffComplete.label) q.gatingPlugin = this.runPreEnqueuePlugins(q);
    const uid = q.podInfo.uid;
    if (q.gatingPlugin !== undefined) {
      if (this.activeQ.has(uid) || this.podBackoffQ.has(uid) || this.podErrorBackoffQ.has(uid) || this.unschedulablePods.has(uid)) return false;
      this.unschedulablePods.set(uid, q);
      return false;
    }
    q.initialAttemptTimestamp ??= this.clock.now();
    this.activeQ.addOrUpdate(q);
    this.unschedulablePods.delete(uid);
    this.podBackoffQ.delete(uid);
    this.podErrorBackoffQ.delete(uid);
    if (event === EVENTS.UnscheduledPodAdd.label || event === EVENTS.UnscheduledPodUpdate.label) this.addNominatedPod(q.podInfo, undefined);
    return true;
  }

  private moveToBackoffQ(q: QueuedPodInfo, _event: string | undefined): boolean {
    if (this.popFromBackoffQ) {
      // PreEnqueue runs on the way into backoffQ, since a pod may be popped straight from it.
      q.gatingPlugin = this.runPreEnqueuePlugins(q);
      if (q.gatingPlugin !== undefined) {
        if (!this.unschedulablePods.has(q.podInfo.uid)) this.unschedulablePods.set(q.podInfo.uid, q);
        return false;
      }
    }
    if (q.unschedulablePlugins.size === 0 && q.pendingPlugins.size === 0) this.podErrorBackoffQ.addOrUpdate(q);
    else this.podBackoffQ.addOrUpdate(q);
    return true;
  }

  /** Moves pods to activeQ now (PodsToActivate); in-flight ones get a ForceActivate event. */
  activate(pods: Obj[]): void {
    let activated = false;
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      let q = this.unschedulablePods.get(uid);
      if (!q) {
        q = this.podBackoffQ.get(uid) ?? this.podErrorBackoffQ.get(uid);
        if (q) {
          this.podBackoffQ.delete(uid);
          this.podErrorBackoffQ.delete(uid);
        }
      }
      if (q) {
        if (this.moveToActiveQ(q, EVENTS.ForceActivate.label)) activated = true;
        continue;
      }
      if (this.inFlightPods.has(uid)) this.recordEvents([EVENTS.ForceActivate], undefined, pod);
    }
    if (activated) this.activated();
  }

  // ---- backoff ----

  private backoffDuration(q: QueuedPodInfo): number {
    const count = q.consecutiveErrorsCount > 0 ? q.consecutiveErrorsCount : q.unschedulableCount;
    let d = this.initialBackoff;
    for (let i = 1; i < count; i++) {
      if (d > this.maxBackoff - d) return this.maxBackoff;
      d += d;
    }
    return d;
  }

  private align(t: number): number {
    return this.popFromBackoffQ ? t - (t % BACKOFF_WINDOW_MS) : t;
  }

  /** When the pod's backoff ends (ms); -Infinity for pods that never failed. */
  backoffTime(q: QueuedPodInfo): number {
    if (this.maxBackoff === 0) return -Infinity;
    const count = q.consecutiveErrorsCount > 0 ? q.consecutiveErrorsCount : q.unschedulableCount;
    if (count === 0) return -Infinity;
    q.backoffExpiration ??= this.align(q.timestamp + this.backoffDuration(q));
    return q.backoffExpiration;
  }

  /** A pod whose backoff ends within the current window is still backing off. */
  isPodBackingOff(q: QueuedPodInfo): boolean {
    return this.backoffTime(q) >= this.align(this.clock.now());
  }

  /** Moves pods whose backoff completed to activeQ (run every second). */
  flushBackoffQCompleted(): void {
    let activated = false;
    for (const heap of [this.podBackoffQ, this.podErrorBackoffQ]) {
      for (;;) {
        const q = heap.peek();
        if (!q || this.isPodBackingOff(q)) break;
        heap.pop();
        if (this.moveToActiveQ(q, EVENTS.BackoffComplete.label)) activated = true;
      }
    }
    if (activated) this.activated();
  }

  /** Moves pods unschedulable for longer than the maximum (5 min) back (run every 30s). */
  flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    const pods: QueuedPodInfo[] = [];
    for (const q of this.unschedulablePods.values()) if (now - q.timestamp > this.maxInUnschedulable) pods.push(q);
    if (pods.length > 0) this.movePodsToActiveOrBackoffQueue(pods, EVENTS.UnschedulableTimeout, undefined, undefined);
  }

  private activated(): void {
    this.onActivated?.();
  }

  // ---- nominator ----

  /** Records (Override), keeps (Noop with status.nominatedNodeName) or clears a pod's nominated node. */
  addNominatedPod(pi: PodInfo, info: NominatingInfo | undefined): void {
    this.deleteNominatedPodIfExists(pi.uid);
    let nodeName: string;
    if (info?.mode === 'Override') nodeName = info.nominatedNodeName;
    else {
      if (pi.nominatedNodeName === '') return;
      nodeName = pi.nominatedNodeName;
    }
    if (nodeName === '') return;
    if (this.podLister) {
      const current = this.podLister(pi.namespace, pi.name);
      if (!current || current.spec?.nodeName) return;
    }
    this.nominatedPodToNode.set(pi.uid, nodeName);
    let list = this.nominatedPods.get(nodeName);
    if (!list) this.nominatedPods.set(nodeName, (list = []));
    if (!list.some((p) => p.uid === pi.uid)) list.push(pi);
  }

  deleteNominatedPodIfExists(uid: string): void {
    const node = this.nominatedPodToNode.get(uid);
    if (node === undefined) return;
    this.nominatedPodToNode.delete(uid);
    const list = this.nominatedPods.get(node);
    if (!list) return;
    const rest = list.filter((p) => p.uid !== uid);
    if (rest.length === 0) this.nominatedPods.delete(node);
    else this.nominatedPods.set(node, rest);
  }

  /** Keeps an in-memory nomination across an update that does not carry it yet. */
  updateNominatedPod(oldPod: Obj | undefined, pi: PodInfo): void {
    let info: NominatingInfo | undefined;
    const oldNNN = oldPod?.status?.nominatedNodeName ?? '';
    if (oldNNN === '' && pi.nominatedNodeName === '') {
      const nnn = this.nominatedPodToNode.get(pi.uid);
      if (nnn !== undefined) info = { mode: 'Override', nominatedNodeName: nnn };
    }
    this.deleteNominatedPodIfExists(pi.uid);
    this.addNominatedPod(pi, info);
  }

  nominatedPodsForNode(nodeName: string): PodInfo[] {
    return this.nominatedPods.get(nodeName)?.slice() ?? [];
  }

  nominatedNodeFor(uid: string): string | undefined {
    return this.nominatedPodToNode.get(uid);
  }

  // ---- inspection ----

  /** Which sub-queue holds the pod. */
  where(uid: string): QueueName | undefined {
    if (this.activeQ.has(uid)) return 'active';
    if (this.podBackoffQ.has(uid) || this.podErrorBackoffQ.has(uid)) return 'backoff';
    if (this.unschedulablePods.has(uid)) return 'unschedulable';
    if (this.inFlightPods.has(uid)) return 'inFlight';
    return undefined;
  }

  get(uid: string): QueuedPodInfo | undefined {
    return this.activeQ.get(uid) ?? this.podBackoffQ.get(uid) ?? this.podErrorBackoffQ.get(uid) ?? this.unschedulablePods.get(uid);
  }

  /** Pod keys (namespace/name) per sub-queue; activeQ in pop order. */
  pendingPods(): { active: string[]; backoff: string[]; unschedulable: string[] } {
    const sorted = this.activeQ.list().sort((a, b) => (this.activeLess(a, b) ? -1 : this.activeLess(b, a) ? 1 : 0));
    return {
      active: sorted.map((q) => q.podInfo.key),
      backoff: [...this.podBackoffQ.list(), ...this.podErrorBackoffQ.list()].map((q) => q.podInfo.key),
      unschedulable: [...this.unschedulablePods.values()].map((q) => q.podInfo.key),
    };
  }

  get length(): number {
    return this.activeQ.length + this.podBackoffQ.length + this.podErrorBackoffQ.length + this.unschedulablePods.size;
  }
}
