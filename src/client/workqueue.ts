// The controller workqueue (client-go's rate-limiting, delaying workqueue): an item is handed
// to one worker at a time; adding an item while it is processed marks it dirty so it comes
// back once done; duplicates waiting in the queue collapse into one.
import { realClock, type Clock, type Timer } from '../util/clock.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './ratelimit.ts';

export interface QueueOptions<K> {
  clock?: Clock;
  /** Default: defaultControllerRateLimiter on the same clock. */
  rateLimiter?: RateLimiter<K>;
  name?: string;
}

interface Delayed<K> {
  item: K;
  readyAt: number;
  seq: number;
}

const before = <K>(a: Delayed<K>, b: Delayed<K>) => a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);

export class RateLimitingQueue<K = string> {
  readonly name: string;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter<K>;
  private queue: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private getters: Array<(item: K | undefined) => void> = [];
  private closing = false;
  private drainers: Array<() => void> = [];
  // Items waiting for addAfter: the live entry per item, and a heap that may hold stale ones.
  private readonly waiting = new Map<K, Delayed<K>>();
  private heap: Delayed<K>[] = [];
  private seq = 0;
  private timer: Timer | undefined;
  private timerDue = Infinity;

  constructor(o: QueueOptions<K> = {}) {
    this.name = o.name ?? '';
    this.clock = o.clock ?? realClock;
    this.limiter = o.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  add(item: K): void {
    if (this.closing || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.queue.push(item);
    this.handOut();
  }

  /** Adds the item once `ms` have passed; an earlier pending time for the same item wins. */
  addAfter(item: K, ms: number): void {
    if (this.closing) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.waiting.get(item);
    if (existing && existing.readyAt <= readyAt) return;
    const entry = { item, readyAt, seq: this.seq++ };
    this.waiting.set(item, entry);
    this.push(entry);
    this.arm();
  }

  /** Adds the item after the wait the rate limiter gives it. */
  addRateLimited(item: K): void {
    this.addAfter(item, this.limiter.when(item));
  }

  /** The item is done for good: reset its backoff. */
  forget(item: K): void {
    this.limiter.forget(item);
  }

  numRequeues(item: K): number {
    return this.limiter.numRequeues(item);
  }

  /**
   * The next item, once there is one; it is the caller's until done(item). Undefined once the
   * queue is shut down and empty (items queued before the shutdown are still handed out).
   */
  get(): Promise<K | undefined> {
    if (this.queue.length > this.head) return Promise.resolve(this.take());
    if (this.closing) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(item: K): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.queue.push(item);
      this.handOut();
    } else if (this.processing.size === 0 && this.drainers.length) {
      const d = this.drainers;
      this.drainers = [];
      for (const fn of d) fn();
    }
  }

  /** Items waiting to be handed out (not those processing or delayed). */
  len(): number {
    return this.queue.length - this.head;
  }

  shuttingDown(): boolean {
    return this.closing;
  }

  /** Stops accepting items and wakes idle workers with undefined; delayed items are dropped. */
  shutdown(): void {
    this.closing = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerDue = Infinity;
    this.waiting.clear();
    this.heap = [];
    const g = this.getters;
    this.getters = [];
    for (const fn of g) fn(undefined);
  }

  /** shutdown(), then resolves once every item handed out has been marked done. */
  async shutDownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainers.push(resolve));
  }

  private take(): K {
    const item = this.queue[this.head] as K;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.processing.add(item);
    this.dirty.delete(item);
    return item;
  }

  private handOut(): void {
    while (this.getters.length && this.queue.length > this.head) {
      const fn = this.getters.shift()!;
      fn(this.take());
    }
  }

  private push(e: Delayed<K>): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Delayed<K> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  /** Drops heap entries superseded by an earlier addAfter of the same item. */
  private peekLive(): Delayed<K> | undefined {
    while (this.heap.length && this.waiting.get(this.heap[0]!.item) !== this.heap[0]) this.pop();
    return this.heap[0];
  }

  private arm(): void {
    const next = this.peekLive();
    if (!next) return;
    if (next.readyAt >= this.timerDue) return;
    this.timer?.cancel();
    this.timerDue = next.readyAt;
    this.timer = this.clock.setTimeout(() => this.fire(), next.readyAt - this.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.clock.now();
    for (let next = this.peekLive(); next && next.readyAt <= now; next = this.peekLive()) {
      this.pop();
      this.waiting.delete(next.item);
      this.add(next.item);
    }
    this.arm();
  }
}
