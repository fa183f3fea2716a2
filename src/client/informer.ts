// Shared informers (client-go's reflector + indexer + handlers in one): list, then watch from
// the list's resourceVersion; on 410 Gone list again and report what vanished meanwhile as
// tombstones; on a dropped watch resume from the last resourceVersion seen, backing off.
import type { Obj } from '../apiserver/rest.ts';
import { realClock, type Clock, type Timer } from '../util/clock.ts';
import type { Client } from './client.ts';
import { ApiError, isGone } from './errors.ts';
import type { Resource } from './resources.ts';
import { Indexer, Tombstone, keyOf, type IndexFunc, type StoreReader } from './store.ts';
import { getMaxListeners, setMaxListeners } from 'node:events';
import { sleep } from './timing.ts';

export interface EventHandler<T = Obj> {
  /** isInInitialList: the object came with the first list (or a late handler's replay). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** Also called with old === new on a resync, and for every object a re-list returns. */
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | Tombstone<T>): void;
}

export interface HandlerRegistration {
  remove(): void;
}

export interface InformerOptions<T = Obj> {
  /** Watch one namespace only; all namespaces when absent. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Every this many ms, handlers get onUpdate(obj, obj) for every cached object; 0 = never. */
  resyncPeriodMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Page size of lists (500). */
  pageSize?: number;
  /** Reconnect backoff: initialMs (200) doubling to maxMs (30 000), plus up to 100% jitter. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Errors the informer recovers from by itself (dropped watches, failed lists). */
  onError?: (err: unknown) => void;
}

type WatchOutcome = 'gone' | 'ended' | 'short';

export class Informer<T extends Obj = Obj> implements StoreReader<T> {
  readonly store: Indexer<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private lastRv = '';
  private synced = false;
  private syncWaiters: Array<(ok: boolean) => void> = [];
  private ac: AbortController | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private attempts = 0;
  private resyncTimer: Timer | undefined;

  constructor(
    private readonly client: Client,
    readonly resource: Resource,
    private readonly o: InformerOptions<T> = {},
  ) {
    this.store = new Indexer<T>(o.indexers);
    this.clock = o.clock ?? realClock;
    this.random = o.random ?? Math.random;
  }

  /** Registers handlers; if objects are cached already, onAdd is called for each before this returns. */
  addEventHandler(handler: EventHandler<T>): HandlerRegistration {
    this.handlers.add(handler);
    for (const obj of this.store.list()) this.call(() => handler.onAdd?.(obj, true));
    return { remove: () => void this.handlers.delete(handler) };
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.store.addIndexers(indexers);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return this.store.list();
  }

  keys(): string[] {
    return this.store.keys();
  }

  byIndex(indexName: string, value: string): T[] {
    return this.store.byIndex(indexName, value);
  }

  get size(): number {
    return this.store.size;
  }

  /** The resourceVersion the cache is current at. */
  get lastSyncResourceVersion(): string {
    return this.lastRv;
  }

  /** Starts listing and watching; idempotent. */
  start(): void {
    if (this.running || this.stopped) return;
    const ac = new AbortController();
    this.ac = ac;
    this.running = this.run(ac.signal);
    this.scheduleResync();
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  /** True once the first list has been delivered to the handlers and the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false if the informer stops (or `signal` aborts) first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        resolve(false);
      };
      const waiter = (ok: boolean) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      this.syncWaiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ac?.abort();
    this.resyncTimer?.cancel();
    this.releaseWaiters(false);
    await this.running;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.listAndReplace(signal);
          needList = false;
          this.attempts = 0;
        }
        const outcome = await this.watch(signal);
        if (outcome === 'gone') {
          needList = true;
          continue;
        }
        if (outcome === 'ended') continue;
      } catch (err) {
        if (signal.aborted) break;
        this.o.onError?.(err);
        // A watch the server refuses outright (or ends with an error Status) starts over from a
        // list; a connection that failed resumes the watch where it was.
        if (isGone(err)) {
          needList = true;
          continue;
        }
        if (err instanceof ApiError) needList = true;
      }
      await sleep(this.clock, this.nextBackoff(), signal);
    }
  }

  private nextBackoff(): number {
    const initial = this.o.backoff?.initialMs ?? 200;
    const max = this.o.backoff?.maxMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    return Math.min(max, base * (1 + this.random()));
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const opts = { labelSelector: this.o.labelSelector, fieldSelector: this.o.fieldSelector, signal };
    let list;
    try {
      list = await this.client.listAll<T>(this.resource, this.o.namespace, { ...opts, limit: this.o.pageSize ?? 500 });
    } catch (err) {
      // The continue token expired between pages: one unpaginated list, as client-go's pager.
      if (!isGone(err)) throw err;
      list = await this.client.list<T>(this.resource, this.o.namespace, opts);
    }
    if (signal.aborted) return;
    this.replace(list.items, list.metadata.resourceVersion);
  }

  private replace(items: T[], rv: string): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      const old = this.store.set(item);
      if (old) this.emit((h) => h.onUpdate?.(old, item));
      else this.emit((h) => h.onAdd?.(item, initial));
    }
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const last = this.store.delete(key)!;
      const tomb = new Tombstone(key, last);
      this.emit((h) => h.onDelete?.(tomb));
    }
    this.lastRv = rv;
    if (!this.synced) {
      this.synced = true;
      this.releaseWaiters(true);
    }
  }

  private async watch(signal: AbortSignal): Promise<WatchOutcome> {
    const started = this.clock.now();
    let received = 0;
    // client-go picks a timeout between 5 and 10 minutes so watches of many clients spread out.
    const timeoutSeconds = Math.floor(300 * (1 + this.random()));
    const events = this.client.watch<T>(
      this.resource,
      this.o.namespace,
      {
        resourceVersion: this.lastRv,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.o.labelSelector,
        fieldSelector: this.o.fieldSelector,
      },
      signal,
    );
    for await (const e of events) {
      if (signal.aborted) break;
      received++;
      if (e.type === 'ERROR') {
        const err = new ApiError(e.object);
        if (isGone(err)) {
          this.o.onError?.(err);
          return 'gone';
        }
        throw err;
      }
      this.attempts = 0;
      const obj = e.object;
      const rv = obj?.metadata?.resourceVersion;
      if (e.type === 'BOOKMARK') {
        if (rv) this.lastRv = rv;
        continue;
      }
      const key = keyOf(obj);
      if (e.type === 'DELETED') {
        this.store.delete(key);
        this.emit((h) => h.onDelete?.(obj));
      } else {
        const old = this.store.set(obj);
        if (old) this.emit((h) => h.onUpdate?.(old, obj));
        else this.emit((h) => h.onAdd?.(obj, false));
      }
      if (rv) this.lastRv = rv;
    }
    // A watch that closes at once with nothing in it is a server in trouble: back off.
    return received === 0 && this.clock.now() - started < 1000 ? 'short' : 'ended';
  }

  private emit(fn: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) this.call(() => fn(h));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // One handler's bug must not starve the others or the cache.
      this.o.onError?.(err);
    }
  }

  private releaseWaiters(ok: boolean): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w(ok);
  }

  private scheduleResync(): void {
    const period = this.o.resyncPeriodMs ?? 0;
    if (period <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      if (this.synced) for (const obj of this.store.list()) this.emit((h) => h.onUpdate?.(obj, obj));
      this.scheduleResync();
    }, period);
  }
}

export interface SharedInformerFactoryOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resyncPeriodMs?: number;
  clock?: Clock;
  random?: () => number;
  onError?: (err: unknown) => void;
}

/** One informer (one list and one watch) per resource, shared by every caller of forResource. */
export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<Obj>>();

  constructor(
    readonly client: Client,
    private readonly o: SharedInformerFactoryOptions = {},
  ) {}

  forResource<T extends Obj = Obj>(res: Resource): Informer<T> {
    const id = `${res.group}/${res.version}/${res.resource}`;
    let inf = this.informers.get(id);
    if (!inf) {
      inf = new Informer<Obj>(this.client, res, { ...this.o });
      this.informers.set(id, inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** Starts every informer asked for so far (later ones wait for the next start). */
  start(): void {
    for (const inf of this.informers.values()) inf.start();
  }

  /** True when every started informer has synced; false if one stopped or `signal` aborted. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const started = [...this.informers.values()].filter((i) => i.started);
    // Each informer listens on the signal while it waits; a dozen are normal, not a leak.
    if (signal) setMaxListeners(Math.max(getMaxListeners(signal), started.length + 10), signal);
    const results = await Promise.all(started.map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
