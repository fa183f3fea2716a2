// The embedded engine: an in-memory MVCC index made durable by a write-ahead log.
//
// A write is decided and applied to the index at once (so the next write's condition sees it),
// but it is invisible until its log frame is fsynced: reads are served at the last durable
// ("committed") revision, watchers are told only of committed revisions, and the caller's
// promise resolves only then. Writes that arrive while an fsync runs wait in a queue and share
// the next one (group commit). If a log write fails, every write not yet durable is undone in
// reverse order and rejected, so memory never holds what the disk does not.

import fs from 'node:fs/promises';
import { join } from 'node:path';
import { realClock, type Clock, type Timer } from '../util/clock.ts';
import { encodeRecords, type LogRecord } from './codec.ts';
import {
  CompactedError,
  CorruptError,
  FutureRevisionError,
  InvalidArgumentError,
  LeaseNotFoundError,
  RequestTooLargeError,
  StorageError,
  StoreClosedError,
} from './errors.ts';
import { lockDir, prepareDir, segmentName, snapshotName } from './files.ts';
import { MvccIndex, publicKv, restoredRev, type Rev } from './mvcc.ts';
import { readSnapshot, writeSnapshot, type SnapshotMeta } from './snapshot.ts';
import {
  MAX_LEASE_TTL,
  MAX_REQUEST_BYTES,
  type LeaseGrant,
  type LeaseStatus,
  type RangeOptions,
  type RangeResult,
  type Store,
  type StoreStatus,
  type TxnResult,
  type Watch,
  type WatchOptions,
  type WriteOptions,
} from './types.ts';
import { Wal, replay } from './wal.ts';
import { WatchHub } from './watch.ts';

export interface EngineOptions {
  /** Directory for the log and snapshots; absent: memory only, nothing survives close. */
  dir?: string;
  /** fdatasync each group commit (default true). Off only for throwaway stores. */
  fsync?: boolean;
  /** Log bytes written since the last snapshot that trigger the next one (default 128 MiB). */
  snapshotEveryBytes?: number;
  /** Size at which a log segment is closed and a new one started (default 64 MiB). */
  segmentBytes?: number;
  /** Events a watcher may leave unread before it is cut off (default 100,000). */
  maxWatcherLag?: number;
  /** Keys compacted per slice; each slice holds the event loop for well under a millisecond. */
  compactionBatch?: number;
  /** Drives lease expiry. */
  clock?: Clock;
}

export interface EmbeddedStore extends Store {
  /** Writes a snapshot now and removes the log segments it covers. */
  snapshot(): Promise<void>;
  readonly dir: string | undefined;
}

/** One queued unit of the commit loop. */
interface Pending {
  records: LogRecord[];
  /** Undo steps, run newest first if the commit fails. */
  undo: (() => void)[];
  /** Highest revision this unit wrote, 0 if none. */
  lastRev: number;
  bytes: number;
  /** A snapshot cut: roll the log here, once everything before it is durable. */
  cut?: (seq: number) => void;
  /** Applied once durable (e.g. a compaction starting). */
  onCommit?: () => void;
  /** Live keys and leases once this unit is applied (what status reports after it commits). */
  liveKeys?: number;
  leaseCount?: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Lease {
  id: number;
  ttl: number;
  expiresAt: number;
  keys: Set<string>;
}

const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export async function openStore(options: EngineOptions = {}): Promise<EmbeddedStore> {
  const engine = new Engine(options);
  await engine.open();
  return engine;
}

class Engine implements EmbeddedStore {
  readonly dir: string | undefined;
  private readonly fsync: boolean;
  private readonly snapshotEveryBytes: number;
  private readonly segmentBytes: number;
  private readonly compactionBatch: number;
  private readonly clock: Clock;

  private index = new MvccIndex();
  private committed = 1;
  /** Live keys and leases as of `committed` (the index also counts writes still in flight). */
  private committedKeys = 0;
  private committedLeases = 0;
  private readonly hub: WatchHub;
  private leases = new Map<number, Lease>();
  private lastLeaseId = 0;
  private leaseTimer: Timer | undefined;
  private leaseTimerAt = Infinity;

  private wal: Wal | undefined;
  private unlock: (() => Promise<void>) | undefined;
  private queue: Pending[] = [];
  /** Set and cleared inside flush() itself (not in a callback), so no enqueue can miss it. */
  private flushRunning = false;
  private flushDone: Promise<void> = Promise.resolve();
  private closed = false;
  /** Serialises snapshots and physical compaction. */
  private maintenance: Promise<void> = Promise.resolve();
  private snapshotRunning = false;
  private abortSnapshot = false;

  constructor(options: EngineOptions) {
    this.dir = options.dir;
    this.fsync = options.fsync ?? true;
    this.snapshotEveryBytes = options.snapshotEveryBytes ?? 128 * 1024 * 1024;
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.compactionBatch = options.compactionBatch ?? 2_000;
    this.clock = options.clock ?? realClock;
    const engine = this;
    this.hub = new WatchHub(
      {
        get committed() {
          return engine.committed;
        },
        get compactRevision() {
          return engine.index.compactRevision;
        },
        between: (from, to) => engine.index.between(from, to),
        previous: (r) => engine.index.previous(r),
      },
      options.maxWatcherLag ?? 100_000,
    );
  }

  // ---- opening and recovery ----

  async open(): Promise<void> {
    if (!this.dir) return;
    const dir = this.dir;
    const listing = await prepareDir(dir);
    this.unlock = await lockDir(dir);
    try {
      let from = 1;
      const snap = listing.snapshots[listing.snapshots.length - 1];
      if (snap !== undefined) {
        const meta = await readSnapshot(dir, snap, (records) => {
          for (const r of records) {
            if (r.t !== 'kv') throw new CorruptError(`storage: snapshot holds a '${r.t}' record`);
            this.index.restore(restoredRev(r.key, r.value, r));
          }
        });
        this.index.finishRestore(meta.revision, meta.compactRevision);
        // A compaction logged before the cut may not have been carried out on the versions yet.
        this.compactAll(meta.compactRevision);
        this.lastLeaseId = meta.lastLeaseId;
        for (const [id, ttl] of meta.leases) this.restoreLease(id, ttl);
        from = snap;
      }
      const segments = listing.segments.filter((s) => s >= from);
      if (segments.length > 0 && segments[0] !== from) {
        throw new CorruptError(
          `storage: ${dir}: log segment ${segmentName(from)} is missing (the log starts at ${segmentName(segments[0]!)})`,
        );
      }
      await replay(dir, segments, (records) => this.replayRecords(records));
      this.committed = this.index.revision;
      this.committedKeys = this.index.liveKeys;
      this.committedLeases = this.leases.size;
      this.attachLeasedKeys();
      this.wal = await Wal.open(dir, segments[segments.length - 1] ?? from, {
        fsync: this.fsync,
        segmentBytes: this.segmentBytes,
      });
      // Leftovers from a crash between a snapshot and the clean-up after it.
      await this.wal.removeBefore(from);
      for (const old of listing.snapshots) {
        if (old !== snap) await fs.rm(join(dir, snapshotName(old)), { force: true });
      }
      this.armLeaseTimer();
    } catch (err) {
      await this.unlock();
      this.unlock = undefined;
      throw err;
    }
  }

  /** After recovery: each lease learns its keys from the versions that name it. */
  private attachLeasedKeys(): void {
    for (const lease of this.leases.values()) lease.keys.clear();
    this.index.scan('', false, (key, revs) => {
      const r = revs[revs.length - 1];
      if (r && !r.deleted && r.lease) this.leases.get(r.lease)?.keys.add(key);
      return true;
    });
  }

  private restoreLease(id: number, ttl: number): void {
    this.leases.set(id, { id, ttl, expiresAt: this.clock.now() + ttl * 1000, keys: new Set() });
  }

  private replayRecords(records: LogRecord[]): void {
    for (const r of records) {
      switch (r.t) {
        case 'put':
        case 'del': {
          this.expectRevision(r.rev);
          // Log values are views into the segment buffer: copy, so the segment can be freed.
          if (r.t === 'put') this.applyWrite(r.key, Buffer.from(r.value), r.lease);
          else this.applyWrite(r.key, null);
          break;
        }
        case 'grant':
          this.restoreLease(r.id, r.ttl);
          this.lastLeaseId = Math.max(this.lastLeaseId, r.id);
          break;
        case 'revoke':
          this.leases.delete(r.id);
          if (r.keys.length > 0) {
            this.expectRevision(r.rev);
            this.index.deleteMany(r.keys);
          }
          break;
        case 'compact':
          this.index.beginCompaction(r.rev);
          this.compactAll(r.rev);
          break;
        case 'kv':
          throw new CorruptError('storage: the log holds a snapshot record');
      }
    }
  }

  private expectRevision(rev: number): void {
    if (rev !== this.index.revision + 1) {
      throw new CorruptError(`storage: log revision ${rev} follows ${this.index.revision}; the log is out of order`);
    }
  }

  private compactAll(revision: number): void {
    let cursor: string | undefined;
    do cursor = this.index.compactSome(revision, cursor, Number.MAX_SAFE_INTEGER);
    while (cursor !== undefined);
  }

  // ---- applying writes to memory (with their undo) ----

  /**
   * Puts (or, with a null value, deletes) and keeps lease attachments right; returns the
   * undo step.
   */
  private applyWrite(key: string, value: Uint8Array | null, lease = 0): { rev: Rev; undo: () => void } {
    const before = this.index.latest(key);
    const oldLease = before && !before.deleted ? before.lease : 0;
    const rev = value ? this.index.put(key, value, lease) : this.index.delete(key);
    if (oldLease) this.leases.get(oldLease)?.keys.delete(key);
    if (lease) this.leases.get(lease)?.keys.add(key);
    return {
      rev,
      undo: () => {
        this.index.undo(rev);
        if (lease) this.leases.get(lease)?.keys.delete(key);
        if (oldLease) this.leases.get(oldLease)?.keys.add(key);
      },
    };
  }

  /** Revokes a lease: its keys are deleted in one revision, as one etcd transaction. */
  private applyRevoke(lease: Lease): { rev: number; keys: string[]; undo: () => void } {
    const keys = [...lease.keys].sort();
    const revs = keys.length > 0 ? this.index.deleteMany(keys) : [];
    this.leases.delete(lease.id);
    return {
      rev: revs[0]?.modRevision ?? 0,
      keys,
      undo: () => {
        if (revs.length > 0) this.index.undo(revs);
        this.leases.set(lease.id, lease);
      },
    };
  }

  // ---- the commit loop ----

  private enqueue(p: Omit<Pending, 'resolve' | 'reject'>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...p, liveKeys: this.index.liveKeys, leaseCount: this.leases.size, resolve, reject });
      if (!this.flushRunning) this.flushDone = this.flush();
    });
  }

  private takeBatch(): Pending[] {
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length) {
      const p = this.queue[n]!;
      if (p.cut) break;
      if (n > 0 && bytes + p.bytes > MAX_BATCH_BYTES) break;
      bytes += p.bytes;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async flush(): Promise<void> {
    // The flag is cleared in the same synchronous step as the final queue check, so an
    // enqueue either lands in this loop or sees the flag down and starts a new one.
    this.flushRunning = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.cut) {
          this.queue.shift();
          try {
            const seq = this.wal ? await this.wal.roll() : 0;
            head.cut(seq);
            head.resolve();
          } catch (err) {
            head.reject(err);
          }
          continue;
        }
        const batch = this.takeBatch();
        const records: LogRecord[] = [];
        for (const p of batch) for (const r of p.records) records.push(r);
        if (records.length > 0 && this.wal) {
          try {
            await this.wal.append(encodeRecords(records));
          } catch (err) {
            this.abort(batch, err);
            continue;
          }
        }
        const from = this.committed;
        for (const p of batch) {
          if (p.lastRev > this.committed) this.committed = p.lastRev;
          this.committedKeys = p.liveKeys ?? this.committedKeys;
          this.committedLeases = p.leaseCount ?? this.committedLeases;
          p.onCommit?.();
        }
        this.hub.notify(from, this.committed);
        for (const p of batch) p.resolve();
        this.maybeSnapshot();
      }
    } finally {
      this.flushRunning = false;
    }
  }

  /** Undoes every write that is not durable (the failed batch and all queued after it). */
  private abort(batch: Pending[], err: unknown): void {
    const all = [...batch, ...this.queue];
    this.queue = [];
    for (let i = all.length - 1; i >= 0; i--) {
      const p = all[i]!;
      for (let j = p.undo.length - 1; j >= 0; j--) p.undo[j]!();
    }
    for (const p of all) p.reject(err);
    this.armLeaseTimer();
  }

  // ---- the contract ----

  private check(): void {
    if (this.closed) throw new StoreClosedError();
  }

  private checkKey(key: string, extra = 0): void {
    if (typeof key !== 'string' || key.length === 0) throw new InvalidArgumentError('etcdserver: key is not provided');
    const size = Buffer.byteLength(key) + extra;
    if (size > MAX_REQUEST_BYTES) throw new RequestTooLargeError(size, MAX_REQUEST_BYTES);
  }

  private checkValue(key: string, value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('storage: value must be bytes');
    this.checkKey(key, value.length);
  }

  private checkLease(lease: number | undefined): number {
    if (!lease) return 0;
    if (!this.leases.has(lease)) throw new LeaseNotFoundError(lease);
    return lease;
  }

  async range(key: string, options: RangeOptions = {}): Promise<RangeResult> {
    this.check();
    const prefix = options.prefix ?? false;
    if (!prefix) this.checkKey(key);
    const revision = options.revision && options.revision > 0 ? options.revision : this.committed;
    if (revision > this.committed) throw new FutureRevisionError();
    if (revision < this.index.compactRevision) throw new CompactedError(this.index.compactRevision);
    const r = this.index.range(key, {
      prefix,
      revision,
      limit: options.limit ?? 0,
      after: options.after,
      countOnly: options.countOnly ?? false,
    });
    return { kvs: r.kvs.map(publicKv), more: r.more, count: r.count, revision };
  }

  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<TxnResult> {
    this.check();
    this.checkValue(key, value);
    const lease = this.checkLease(options.lease);
    const cur = this.index.latest(key);
    if (cur && !cur.deleted) return this.failed(cur);
    return this.write(key, Buffer.from(value), lease);
  }

  async update(key: string, value: Uint8Array, modRevision: number, options: WriteOptions = {}): Promise<TxnResult> {
    this.check();
    this.checkValue(key, value);
    const lease = this.checkLease(options.lease);
    const cur = this.index.latest(key);
    const live = cur && !cur.deleted ? cur : undefined;
    // etcd compares a missing key's mod_revision as 0; kube-apiserver creates that way.
    if ((live?.modRevision ?? 0) !== modRevision) return this.failed(live);
    return this.write(key, Buffer.from(value), lease);
  }

  async delete(key: string, modRevision?: number): Promise<TxnResult> {
    this.check();
    this.checkKey(key);
    const cur = this.index.latest(key);
    const live = cur && !cur.deleted ? cur : undefined;
    if (!live || (modRevision !== undefined && live.modRevision !== modRevision)) return this.failed(live);
    const { rev, undo } = this.applyWrite(key, null);
    await this.enqueue({
      records: [{ t: 'del', rev: rev.modRevision, key }],
      undo: [undo],
      lastRev: rev.modRevision,
      bytes: key.length,
    });
    return { succeeded: true, revision: rev.modRevision, kv: publicKv(live) };
  }

  private async write(key: string, value: Uint8Array, lease: number): Promise<TxnResult> {
    const { rev, undo } = this.applyWrite(key, value, lease);
    await this.enqueue({
      records: [{ t: 'put', rev: rev.modRevision, key, value, lease }],
      undo: [undo],
      lastRev: rev.modRevision,
      bytes: key.length + value.length,
    });
    return { succeeded: true, revision: rev.modRevision, kv: publicKv(rev) };
  }

  /**
   * A failed comparison. It answers only once every write it may have seen is durable, so it
   * never reports state that a crash could take back.
   */
  private async failed(current: Rev | undefined): Promise<TxnResult> {
    const revision = this.index.revision;
    if (revision > this.committed) await this.enqueue({ records: [], undo: [], lastRev: 0, bytes: 0 });
    return current ? { succeeded: false, revision, kv: publicKv(current) } : { succeeded: false, revision };
  }

  watch(key: string, options: WatchOptions = {}): Watch {
    this.check();
    if (!options.prefix) this.checkKey(key);
    return this.hub.watch(key, options);
  }

  async compact(revision: number): Promise<void> {
    this.check();
    if (revision > this.committed) throw new FutureRevisionError();
    if (revision <= this.index.compactRevision) throw new CompactedError(this.index.compactRevision);
    await this.enqueue({
      records: [{ t: 'compact', rev: revision }],
      undo: [],
      lastRev: 0,
      bytes: 9,
      // Reads below the revision fail from the moment the compaction is durable; the old
      // versions are then dropped in small slices between other work.
      onCommit: () => this.index.beginCompaction(revision),
    });
    await this.exclusive(async () => {
      let cursor: string | undefined;
      do {
        cursor = this.index.compactSome(revision, cursor, this.compactionBatch);
        if (cursor !== undefined) await new Promise<void>((r) => setImmediate(r));
      } while (cursor !== undefined && !this.closed);
    });
  }

  // ---- leases ----

  async leaseGrant(ttlSeconds: number, id?: number): Promise<LeaseGrant> {
    this.check();
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_LEASE_TTL) {
      throw new InvalidArgumentError(`etcdserver: lease TTL ${ttlSeconds} is out of range (1 to ${MAX_LEASE_TTL})`);
    }
    if (id !== undefined && (!Number.isSafeInteger(id) || id <= 0)) {
      throw new InvalidArgumentError(`etcdserver: lease ID ${id} is invalid`);
    }
    if (id !== undefined && this.leases.has(id)) throw new StorageError('LeaseExists', 'etcdserver: lease already exists');
    const leaseId = id ?? this.lastLeaseId + 1;
    const prevLast = this.lastLeaseId;
    this.lastLeaseId = Math.max(this.lastLeaseId, leaseId);
    this.restoreLease(leaseId, ttlSeconds);
    this.armLeaseTimer();
    await this.enqueue({
      records: [{ t: 'grant', id: leaseId, ttl: ttlSeconds }],
      undo: [
        () => {
          this.leases.delete(leaseId);
          this.lastLeaseId = prevLast;
        },
      ],
      lastRev: 0,
      bytes: 17,
    });
    return { id: leaseId, ttl: ttlSeconds };
  }

  async leaseRevoke(id: number): Promise<void> {
    this.check();
    await this.revoke(id);
  }

  private revoke(id: number): Promise<void> {
    const lease = this.leases.get(id);
    if (!lease) return Promise.reject(new LeaseNotFoundError(id));
    const { rev, keys, undo } = this.applyRevoke(lease);
    return this.enqueue({
      records: [{ t: 'revoke', id, rev, keys }],
      undo: [undo],
      lastRev: rev,
      bytes: 21 + keys.reduce((n, k) => n + k.length + 4, 0),
    });
  }

  async leaseKeepAlive(id: number): Promise<number> {
    this.check();
    const lease = this.leases.get(id);
    if (!lease) throw new LeaseNotFoundError(id);
    lease.expiresAt = this.clock.now() + lease.ttl * 1000;
    return lease.ttl;
  }

  async leaseTimeToLive(id: number): Promise<LeaseStatus> {
    this.check();
    const lease = this.leases.get(id);
    if (!lease) throw new LeaseNotFoundError(id);
    const left = Math.max(0, Math.ceil((lease.expiresAt - this.clock.now()) / 1000));
    return { id, grantedTtl: lease.ttl, ttl: left, keys: [...lease.keys].sort() };
  }

  /** Keeps one timer, for the soonest expiry. */
  private armLeaseTimer(): void {
    if (this.closed) return;
    let soonest = Infinity;
    for (const l of this.leases.values()) soonest = Math.min(soonest, l.expiresAt);
    if (soonest === this.leaseTimerAt) return;
    this.leaseTimer?.cancel();
    this.leaseTimer = undefined;
    this.leaseTimerAt = soonest;
    if (soonest === Infinity) return;
    this.leaseTimer = this.clock.setTimeout(() => {
      this.leaseTimer = undefined;
      this.leaseTimerAt = Infinity;
      this.expireLeases();
    }, soonest - this.clock.now());
  }

  private expireLeases(): void {
    if (this.closed) return;
    const now = this.clock.now();
    for (const lease of [...this.leases.values()]) {
      // A failed revoke is undone and the lease comes back; the re-armed timer retries it.
      if (lease.expiresAt <= now) this.revoke(lease.id).catch(() => {});
    }
    this.armLeaseTimer();
  }

  // ---- snapshots ----

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.maintenance.then(fn);
    this.maintenance = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  private maybeSnapshot(): void {
    if (!this.wal || this.snapshotRunning || this.closed) return;
    if (this.wal.bytesSinceCut < this.snapshotEveryBytes) return;
    this.snapshot().catch(() => {
      // A failed snapshot (a full disk, say) leaves the log as it was; the next one retries.
    });
  }

  async snapshot(): Promise<void> {
    this.check();
    if (!this.wal || !this.dir) return;
    const dir = this.dir;
    this.snapshotRunning = true;
    try {
      await this.exclusive(async () => {
        const leases: [number, number][] = [...this.leases.values()].map((l) => [l.id, l.ttl]);
        const lastLeaseId = this.lastLeaseId;
        const revision = this.index.revision;
        let meta: SnapshotMeta | undefined;
        await this.enqueue({
          records: [],
          undo: [],
          lastRev: 0,
          bytes: 0,
          cut: (segment) => {
            meta = { revision, compactRevision: this.index.compactRevision, segment, lastLeaseId, leases };
            this.wal!.bytesSinceCut = 0;
          },
        });
        const m = meta!;
        this.abortSnapshot = false;
        const done = await writeSnapshot(dir, m, this.snapshotChunks(m.revision), {
          fsync: this.fsync,
          aborted: () => this.abortSnapshot,
        });
        if (!done) return;
        await this.wal!.removeBefore(m.segment);
        for (const name of await fs.readdir(dir)) {
          if (name.startsWith('snap-') && name.endsWith('.snap') && name !== snapshotName(m.segment)) {
            await fs.rm(join(dir, name), { force: true });
          }
        }
      });
    } finally {
      this.snapshotRunning = false;
    }
  }

  /** Every version at or below `revision`, in frames of about 4 MiB, yielding between frames. */
  private async *snapshotChunks(revision: number): AsyncGenerator<LogRecord[]> {
    let cursor: string | undefined;
    for (;;) {
      const out: LogRecord[] = [];
      let bytes = 0;
      let last: string | undefined;
      this.index.scan(cursor ?? '', cursor !== undefined, (key, revs) => {
        last = key;
        for (const r of revs) {
          if (r.modRevision > revision) break;
          out.push({
            t: 'kv',
            rev: r.modRevision,
            create: r.createRevision,
            version: r.version,
            lease: r.lease,
            deleted: r.deleted,
            key,
            value: r.value,
          });
          bytes += key.length + r.value.length + 50;
        }
        return bytes < 4 * 1024 * 1024;
      });
      if (last === undefined) return;
      yield out;
      cursor = last;
    }
  }

  // ---- status and closing ----

  async status(): Promise<StoreStatus> {
    this.check();
    return {
      revision: this.committed,
      compactRevision: this.index.compactRevision,
      keys: this.committedKeys,
      watchers: this.hub.size,
      leases: this.committedLeases,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued writes finish first; they were accepted before close was called.
    while (this.flushRunning) await this.flushDone;
    this.closed = true;
    this.abortSnapshot = true;
    this.leaseTimer?.cancel();
    this.hub.closeAll();
    await this.maintenance;
    await this.wal?.close();
    await this.unlock?.();
    this.unlock = undefined;
  }
}
