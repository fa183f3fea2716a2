// The watch hub. Watchers that are caught up ("synced", as etcd calls them) get each committed
// batch pushed to them; a watcher that starts in the past pulls history from the revision log
// chunk by chunk until it is caught up, so a long catch-up costs no one else anything. A synced
// watcher whose reader stops reading is cut off with CompactedError once it has more than
// `maxLag` events queued, instead of holding memory or slowing the writers.

import { CompactedError, StoreClosedError, type StorageError } from './errors.ts';
import { publicKv, type Rev } from './mvcc.ts';
import type { Watch, WatchEvent, WatchOptions, WatchResponse } from './types.ts';

/** What the hub reads from the engine. */
export interface WatchSource {
  /** Last durable revision: nothing above it is ever shown to a watcher. */
  readonly committed: number;
  readonly compactRevision: number;
  between(from: number, to: number): Rev[];
  previous(r: Rev): Rev | undefined;
}

const CATCH_UP_CHUNK = 10_000;

function matches(key: string, prefix: boolean, r: Rev): boolean {
  return prefix ? r.key.startsWith(key) : r.key === key;
}

function toEvent(r: Rev, prev: Rev | undefined): WatchEvent {
  const type = r.deleted ? 'delete' : 'put';
  return prev ? { type, kv: publicKv(r), prevKv: publicKv(prev) } : { type, kv: publicKv(r) };
}

interface Group {
  key: string;
  prefix: boolean;
  watchers: Set<Watcher>;
}

class Watcher implements Watch {
  /** Next revision this watcher has neither delivered nor queued. */
  nextRev: number;
  private queued: WatchEvent[][] = [];
  private queuedCount = 0;
  private queuedRevision = 0;
  private progressWanted = false;
  private error: StorageError | undefined;
  private done = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly id: number,
    readonly group: Group,
    readonly prevKv: boolean,
    startRevision: number,
    private readonly hub: WatchHub,
  ) {
    this.nextRev = startRevision;
  }

  get synced(): boolean {
    return this.nextRev > this.hub.source.committed;
  }

  push(events: WatchEvent[], revision: number): void {
    // A watcher that starts in the future keeps its start revision.
    this.nextRev = Math.max(this.nextRev, revision + 1);
    if (events.length === 0) return;
    this.queued.push(events);
    this.queuedCount += events.length;
    this.queuedRevision = revision;
    if (this.queuedCount > this.hub.maxLag) {
      const lag = this.queuedCount;
      this.fail(
        new CompactedError(
          this.hub.source.compactRevision,
          `mvcc: required revision has been compacted (watcher fell behind by ${lag} events and was cut off)`,
        ),
      );
      return;
    }
    this.signal();
  }

  fail(err: StorageError): void {
    if (this.done) return;
    this.error = err;
    this.queued = [];
    this.queuedCount = 0;
    this.finish();
  }

  requestProgress(): void {
    this.progressWanted = true;
    this.signal();
  }

  cancel(): void {
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.hub.remove(this);
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private take(): WatchResponse {
    const events = this.queued.length === 1 ? this.queued[0]! : this.queued.flat();
    this.queued = [];
    this.queuedCount = 0;
    this.progressWanted = false;
    return { revision: this.queuedRevision, events };
  }

  /** The next response, or undefined when the watch has ended. */
  private async next(): Promise<WatchResponse | undefined> {
    for (;;) {
      if (this.queuedCount > 0) return this.take();
      if (this.error) throw this.error;
      if (this.done) return undefined;
      if (!this.synced) {
        const r = this.catchUp();
        if (r) return r;
        continue;
      }
      if (this.progressWanted) {
        this.progressWanted = false;
        return { revision: this.hub.source.committed, events: [] };
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Pulls the next chunk of history; undefined when it held nothing for this watcher. */
  private catchUp(): WatchResponse | undefined {
    const src = this.hub.source;
    if (this.nextRev < src.compactRevision) {
      this.fail(new CompactedError(src.compactRevision));
      return undefined;
    }
    const to = Math.min(src.committed, this.nextRev + CATCH_UP_CHUNK - 1);
    const events: WatchEvent[] = [];
    for (const r of src.between(this.nextRev, to)) {
      if (matches(this.group.key, this.group.prefix, r)) {
        events.push(toEvent(r, this.prevKv ? src.previous(r) : undefined));
      }
    }
    this.nextRev = to + 1;
    return events.length > 0 ? { revision: to, events } : undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchResponse> {
    return {
      next: () => {
        // Fast path without an extra promise when a response is already waiting.
        if (this.queuedCount > 0) return Promise.resolve({ value: this.take(), done: false as const });
        return this.next().then((value) =>
          value ? { value, done: false as const } : { value: undefined, done: true as const },
        );
      },
      return: async () => {
        this.cancel();
        return { value: undefined, done: true };
      },
    };
  }
}

export class WatchHub {
  private groups = new Map<string, Group>();
  private lastId = 0;
  private count = 0;

  constructor(
    readonly source: WatchSource,
    readonly maxLag: number,
  ) {}

  get size(): number {
    return this.count;
  }

  watch(key: string, options: WatchOptions = {}): Watch {
    const prefix = options.prefix ?? false;
    const gk = `${prefix ? 'p' : 'k'}:${key}`;
    let group = this.groups.get(gk);
    if (!group) {
      group = { key, prefix, watchers: new Set() };
      this.groups.set(gk, group);
    }
    const start = options.startRevision && options.startRevision > 0 ? options.startRevision : this.source.committed + 1;
    const w = new Watcher(++this.lastId, group, options.prevKv ?? false, start, this);
    group.watchers.add(w);
    this.count++;
    if (options.startRevision && options.startRevision > 0 && options.startRevision < this.source.compactRevision) {
      w.fail(new CompactedError(this.source.compactRevision));
    }
    return w;
  }

  remove(w: Watcher): void {
    if (!w.group.watchers.delete(w)) return;
    this.count--;
    if (w.group.watchers.size === 0) {
      this.groups.delete(`${w.group.prefix ? 'p' : 'k'}:${w.group.key}`);
    }
  }

  /** Pushes the revisions (from, to], just made durable, to every synced watcher. */
  notify(from: number, to: number): void {
    if (this.count === 0 || to <= from) return;
    const revs = this.source.between(from + 1, to);
    let plain: Map<Rev, WatchEvent> | undefined;
    let withPrev: Map<Rev, WatchEvent> | undefined;
    const event = (r: Rev, prev: boolean): WatchEvent => {
      const cache = prev ? (withPrev ??= new Map()) : (plain ??= new Map());
      let e = cache.get(r);
      if (!e) {
        e = toEvent(r, prev ? this.source.previous(r) : undefined);
        cache.set(r, e);
      }
      return e;
    };
    for (const group of this.groups.values()) {
      const matched = revs.filter((r) => matches(group.key, group.prefix, r));
      // Watchers of one group that are level with the log share one event list (the common
      // case: every informer of a resource sees the same batch).
      let shared: WatchEvent[] | undefined;
      let sharedPrev: WatchEvent[] | undefined;
      for (const w of group.watchers) {
        // A watcher still pulling history will read these revisions from the log itself.
        if (w.nextRev <= from) continue;
        let events: WatchEvent[];
        if (w.nextRev === from + 1) {
          if (w.prevKv) events = sharedPrev ??= matched.map((r) => event(r, true));
          else events = shared ??= matched.map((r) => event(r, false));
        } else {
          events = [];
          for (const r of matched) if (r.modRevision >= w.nextRev) events.push(event(r, w.prevKv));
        }
        w.push(events, to);
      }
    }
  }

  closeAll(err: StorageError = new StoreClosedError()): void {
    for (const group of [...this.groups.values()]) for (const w of [...group.watchers]) w.fail(err);
  }
}
