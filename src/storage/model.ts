// A deliberately simple reference model of the store contract (types.ts), used by the
// property tests to check the engine. It keeps the whole state at every revision in an array
// and answers every question by looking it up there: no indexes, no cleverness, no I/O. Where
// the contract leaves a detail to etcd, the model does what etcd v3 does.
//
// Leases have no clock here: they never expire on their own (the property tests drive expiry
// through the conformance suite instead).

import {
  CompactedError,
  FutureRevisionError,
  InvalidArgumentError,
  LeaseNotFoundError,
  StorageError,
} from './errors.ts';
import type {
  KeyValue,
  LeaseGrant,
  RangeOptions,
  RangeResult,
  TxnResult,
  WatchEvent,
  WriteOptions,
} from './types.ts';

/** The state of the store after one revision, and the events that revision produced. */
interface RevisionEntry {
  readonly revision: number;
  /** Every live key at this revision. */
  readonly kvs: ReadonlyMap<string, KeyValue>;
  /** The changes this revision made, in etcd's order (sub-revision order). */
  readonly events: readonly WatchEvent[];
}

const utf8 = new TextEncoder();

/** etcd orders keys by their bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(utf8.encode(a), utf8.encode(b));
}

function matches(candidate: string, key: string, prefix: boolean): boolean {
  return prefix ? candidate.startsWith(key) : candidate === key;
}

export class StoreModel {
  /** history[i] is the state at revision history[0].revision + i. */
  readonly history: RevisionEntry[];
  compactRevision: number;
  /** Live leases: id -> granted TTL in seconds. */
  readonly leases = new Map<number, number>();

  constructor(initialRevision = 1, compactRevision = 0) {
    this.history = [{ revision: initialRevision, kvs: new Map(), events: [] }];
    this.compactRevision = compactRevision;
  }

  get revision(): number {
    return this.latest().revision;
  }

  private latest(): RevisionEntry {
    const last = this.history[this.history.length - 1];
    if (!last) throw new Error('model: empty history');
    return last;
  }

  /** The state at `revision` (which must be within the history). */
  stateAt(revision: number): ReadonlyMap<string, KeyValue> {
    const first = this.history[0];
    const entry = first ? this.history[revision - first.revision] : undefined;
    if (!entry) throw new Error(`model: no revision ${revision} in history`);
    return entry.kvs;
  }

  get(key: string): KeyValue | undefined {
    return this.latest().kvs.get(key);
  }

  /** Append a revision made of `changes` (applied in order); returns the new revision. */
  private commit(changes: Array<{ key: string; kv?: KeyValue }>): number {
    const prev = this.latest();
    const revision = prev.revision + 1;
    const kvs = new Map(prev.kvs);
    const events: WatchEvent[] = [];
    for (const change of changes) {
      const before = kvs.get(change.key);
      if (change.kv) {
        kvs.set(change.key, change.kv);
        events.push(before ? { type: 'put', kv: change.kv, prevKv: before } : { type: 'put', kv: change.kv });
      } else {
        kvs.delete(change.key);
        const tombstone: KeyValue = {
          key: change.key,
          value: new Uint8Array(0),
          createRevision: 0,
          modRevision: revision,
          version: 0,
          lease: 0,
        };
        events.push(before ? { type: 'delete', kv: tombstone, prevKv: before } : { type: 'delete', kv: tombstone });
      }
    }
    this.history.push({ revision, kvs, events });
    return revision;
  }

  private checkWrite(key: string, options?: WriteOptions): number {
    if (key === '') throw new InvalidArgumentError('etcdserver: key is not provided');
    const lease = options?.lease ?? 0;
    if (lease !== 0 && !this.leases.has(lease)) throw new LeaseNotFoundError(lease);
    return lease;
  }

  private put(key: string, value: Uint8Array, lease: number): TxnResult {
    const current = this.get(key);
    const revision = this.revision + 1;
    const kv: KeyValue = {
      key,
      value: Uint8Array.from(value),
      createRevision: current ? current.createRevision : revision,
      modRevision: revision,
      version: current ? current.version + 1 : 1,
      lease,
    };
    this.commit([{ key, kv }]);
    return { succeeded: true, revision, kv };
  }

  private failed(key: string): TxnResult {
    const kv = this.get(key);
    return kv ? { succeeded: false, revision: this.revision, kv } : { succeeded: false, revision: this.revision };
  }

  create(key: string, value: Uint8Array, options?: WriteOptions): TxnResult {
    const lease = this.checkWrite(key, options);
    if (this.get(key)) return this.failed(key);
    return this.put(key, value, lease);
  }

  /** As etcd's `mod_revision == modRevision` compare: a missing key's modRevision is 0. */
  update(key: string, value: Uint8Array, modRevision: number, options?: WriteOptions): TxnResult {
    const lease = this.checkWrite(key, options);
    if ((this.get(key)?.modRevision ?? 0) !== modRevision) return this.failed(key);
    return this.put(key, value, lease);
  }

  delete(key: string, modRevision?: number): TxnResult {
    if (key === '') throw new InvalidArgumentError('etcdserver: key is not provided');
    const current = this.get(key);
    if (!current) return this.failed(key);
    if (modRevision !== undefined && current.modRevision !== modRevision) return this.failed(key);
    const revision = this.commit([{ key }]);
    return { succeeded: true, revision, kv: current };
  }

  range(key: string, options: RangeOptions = {}): RangeResult {
    const revision = options.revision || this.revision;
    if (revision > this.revision) throw new FutureRevisionError();
    if (revision < this.compactRevision) throw new CompactedError(this.compactRevision);
    const after = options.after;
    const all = [...this.stateAt(revision).values()]
      .filter((kv) => matches(kv.key, key, options.prefix ?? false))
      .filter((kv) => after === undefined || compareKeys(kv.key, after) > 0)
      .sort((a, b) => compareKeys(a.key, b.key));
    const count = all.length;
    if (options.countOnly) return { kvs: [], more: false, count, revision };
    const limit = options.limit ?? 0;
    const kvs = limit > 0 ? all.slice(0, limit) : all;
    return { kvs, more: kvs.length < count, count, revision };
  }

  compact(revision: number): void {
    if (revision <= this.compactRevision) throw new CompactedError(this.compactRevision);
    if (revision > this.revision) throw new FutureRevisionError();
    this.compactRevision = revision;
  }

  /**
   * The events a watch from `startRevision` (>= 1) sees, up to the latest revision. Watching
   * below the compact revision fails as in etcd.
   */
  watchEvents(key: string, options: { prefix?: boolean; startRevision: number; prevKv?: boolean }): WatchEvent[] {
    if (options.startRevision < this.compactRevision) throw new CompactedError(this.compactRevision);
    return this.eventsSince(key, options);
  }

  /**
   * The events from `startRevision` on, whatever the compact revision: what a watcher that was
   * already running before a compaction receives.
   */
  eventsSince(key: string, options: { prefix?: boolean; startRevision: number; prevKv?: boolean }): WatchEvent[] {
    const out: WatchEvent[] = [];
    for (const entry of this.history) {
      if (entry.revision < options.startRevision) continue;
      for (const event of entry.events) {
        if (!matches(event.kv.key, key, options.prefix ?? false)) continue;
        if (options.prevKv && event.prevKv) out.push(event);
        else out.push({ type: event.type, kv: event.kv });
      }
    }
    return out;
  }

  /** Grant a lease; `id` is the one the engine chose (the model checks it is not in use). */
  leaseGrant(ttl: number, id: number): LeaseGrant {
    if (this.leases.has(id)) throw new StorageError('LeaseExists', 'etcdserver: lease already exists');
    this.leases.set(id, ttl);
    return { id, ttl };
  }

  /** Keys attached to the lease: the live keys whose kv names it. */
  leaseKeys(id: number): string[] {
    return [...this.latest().kvs.values()]
      .filter((kv) => kv.lease === id)
      .map((kv) => kv.key)
      .sort(compareKeys);
  }

  /** Delete the lease and, in one revision (keys in order, as etcd), every key attached to it. */
  leaseRevoke(id: number): void {
    if (!this.leases.has(id)) throw new LeaseNotFoundError(id);
    const keys = this.leaseKeys(id);
    this.leases.delete(id);
    if (keys.length > 0) this.commit(keys.map((key) => ({ key })));
  }

  leaseKeepAlive(id: number): number {
    const ttl = this.leases.get(id);
    if (ttl === undefined) throw new LeaseNotFoundError(id);
    return ttl;
  }

  status(): { revision: number; compactRevision: number; keys: number; leases: number } {
    return {
      revision: this.revision,
      compactRevision: this.compactRevision,
      keys: this.latest().kvs.size,
      leases: this.leases.size,
    };
  }
}
