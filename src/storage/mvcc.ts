// The in-memory multi-version index: for each key, its versions in revision order; and for
// each revision, the one version it wrote. It does no I/O and knows nothing of durability: the
// engine decides when a revision counts as committed.
//
// Every write takes its own revision, so the revision log is dense and "every event from
// revision R" is a slice of it. A revision normally holds one version; a lease revocation holds
// the deletions of all the lease's keys, as one etcd transaction does.

import { RevLog } from './rev-log.ts';
import { SortedMap } from './sorted-map.ts';
import type { KeyValue } from './types.ts';

const EMPTY = new Uint8Array(0);

/** One version of a key. It is the KeyValue handed out to readers, so it is never mutated. */
export interface Rev extends KeyValue {
  /** A tombstone: the key was deleted at `modRevision`. */
  readonly deleted: boolean;
}

function makeRev(
  key: string,
  value: Uint8Array,
  modRevision: number,
  createRevision: number,
  version: number,
  lease: number,
  deleted: boolean,
): Rev {
  return { key, value, createRevision, modRevision, version, lease, deleted };
}

/**
 * A caller's own copy of a version: the bytes handed out are never the stored ones, so no
 * reader can change what the store holds (a copy costs far less than the JSON decoding that
 * follows every read).
 */
export function publicKv(r: Rev): KeyValue {
  return {
    key: r.key,
    value: r.value.length === 0 ? EMPTY : Buffer.from(r.value),
    createRevision: r.createRevision,
    modRevision: r.modRevision,
    version: r.version,
    lease: r.lease,
  };
}

/** The newest version in `revs` at or below `revision`, or undefined. */
function revAt(revs: readonly Rev[], revision: number): Rev | undefined {
  const last = revs[revs.length - 1];
  if (last && last.modRevision <= revision) return last;
  let lo = 0;
  let hi = revs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (revs[mid]!.modRevision <= revision) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? revs[lo - 1] : undefined;
}

export interface IndexRange {
  kvs: Rev[];
  count: number;
  more: boolean;
}

export class MvccIndex {
  private readonly keys = new SortedMap<Rev[]>();
  /** The version written at each revision (holes where compaction dropped a tombstone). */
  private log: RevLog<Rev | Rev[]>;
  /** The newest revision written (including writes not yet durable). etcd starts at 1. */
  revision: number;
  compactRevision = 0;
  liveKeys = 0;

  constructor(revision = 1) {
    this.revision = revision;
    this.log = new RevLog(revision + 1);
  }

  get keyCount(): number {
    return this.keys.size;
  }

  /** The newest version of `key`, tombstones included. */
  latest(key: string): Rev | undefined {
    const revs = this.keys.get(key);
    return revs?.[revs.length - 1];
  }

  /** The live version of `key` at `revision`. */
  get(key: string, revision: number): Rev | undefined {
    const revs = this.keys.get(key);
    const r = revs && revAt(revs, revision);
    return r && !r.deleted ? r : undefined;
  }

  put(key: string, value: Uint8Array, lease: number): Rev {
    const prev = this.latest(key);
    const rev = this.revision + 1;
    const live = prev && !prev.deleted;
    const r = makeRev(key, value, rev, live ? prev.createRevision : rev, live ? prev.version + 1 : 1, lease, false);
    if (!live) this.liveKeys++;
    this.append(r);
    return r;
  }

  /** Writes a tombstone; the caller has checked that the key is live. */
  delete(key: string): Rev {
    return this.deleteMany([key])[0]!;
  }

  /** Deletes live keys, all in one revision. */
  deleteMany(keys: readonly string[]): Rev[] {
    const rev = this.revision + 1;
    const out = keys.map((key) => {
      const r = makeRev(key, EMPTY, rev, 0, 0, 0, true);
      this.liveKeys--;
      this.addVersion(r);
      return r;
    });
    this.log.push(rev, out.length === 1 ? out[0] : out);
    this.revision = rev;
    return out;
  }

  /**
   * Appends a version to its key's history and returns the version before it. A new history
   * is the literal `[r]`: an empty array grown by push reserves 17 slots, 136 bytes a key.
   */
  private addVersion(r: Rev): Rev | undefined {
    const revs = this.keys.get(r.key);
    if (!revs) {
      this.keys.set(r.key, [r]);
      return undefined;
    }
    const prev = revs[revs.length - 1];
    revs.push(r);
    return prev;
  }

  private append(r: Rev): void {
    this.addVersion(r);
    this.log.push(r.modRevision, r);
    this.revision = r.modRevision;
  }

  /** Takes back the newest revision (a failed group commit unwinds its writes newest first). */
  undo(written: Rev | readonly Rev[]): void {
    const all = Array.isArray(written) ? (written as readonly Rev[]) : [written as Rev];
    for (const r of all) {
      const revs = this.keys.get(r.key);
      if (!revs || revs[revs.length - 1] !== r || this.revision !== r.modRevision) {
        throw new Error(`mvcc: undo of revision ${r.modRevision} out of order`);
      }
      revs.pop();
      const prev = revs[revs.length - 1];
      if (r.deleted) this.liveKeys++;
      else if (!prev || prev.deleted) this.liveKeys--;
      if (revs.length === 0) this.keys.delete(r.key);
    }
    this.log.pop();
    this.revision--;
  }

  /** Loads a version from a snapshot; versions arrive in key order, each key's in revision order. */
  restore(r: Rev): void {
    const last = this.keys.lastKey();
    let prev: Rev | undefined;
    if (last === undefined || r.key > last) this.keys.append(r.key, [r]);
    else prev = this.addVersion(r);
    if (r.deleted) {
      if (prev && !prev.deleted) this.liveKeys--;
    } else if (!prev || prev.deleted) {
      this.liveKeys++;
    }
  }

  /** After restoring a snapshot: rebuild the revision log and set the head revision. */
  finishRestore(revision: number, compactRevision: number): void {
    this.revision = revision;
    this.compactRevision = compactRevision;
    const base = Math.max(1, compactRevision);
    const byRev = new Array<Rev | Rev[] | undefined>(Math.max(0, revision - base + 1));
    this.keys.scan('', false, (_k, revs) => {
      for (const r of revs) {
        if (r.modRevision < base) continue;
        const i = r.modRevision - base;
        const there = byRev[i];
        byRev[i] = there === undefined ? r : Array.isArray(there) ? [...there, r] : [there, r];
      }
      return true;
    });
    this.log = new RevLog(base);
    for (let i = 0; i < byRev.length; i++) this.log.push(base + i, byRev[i]);
  }

  /** The version written at each revision in [from, to], skipping compacted holes. */
  between(from: number, to: number): Rev[] {
    const slots = this.log.between(from, to);
    return slots.some(Array.isArray) ? slots.flat() : (slots as Rev[]);
  }

  /** The live version that `r` replaced, if it is still retained. */
  previous(r: Rev): Rev | undefined {
    const revs = this.keys.get(r.key);
    if (!revs) return undefined;
    const p = revAt(revs, r.modRevision - 1);
    return p && !p.deleted ? p : undefined;
  }

  range(
    key: string,
    opts: { prefix: boolean; revision: number; limit: number; after?: string; countOnly: boolean },
  ): IndexRange {
    const kvs: Rev[] = [];
    let count = 0;
    const take = (r: Rev) => {
      count++;
      if (!opts.countOnly && (opts.limit <= 0 || kvs.length < opts.limit)) kvs.push(r);
    };
    if (!opts.prefix) {
      const r = this.get(key, opts.revision);
      if (r && (opts.after === undefined || key > opts.after)) take(r);
    } else {
      const resume = opts.after !== undefined && opts.after >= key;
      this.keys.scan(resume ? opts.after! : key, resume, (k, revs) => {
        if (!k.startsWith(key)) return false;
        const r = revAt(revs, opts.revision);
        if (r && !r.deleted) take(r);
        return true;
      });
    }
    return { kvs, count, more: !opts.countOnly && kvs.length < count };
  }

  /**
   * Starts a compaction at `revision`: from now on reads below it fail, and the revision log
   * forgets what lies below it. Versions are then dropped key by key with `compactSome`.
   */
  beginCompaction(revision: number): void {
    this.compactRevision = revision;
    this.log.dropBefore(revision);
  }

  /**
   * Drops the versions that no read at or above `revision` can see, for up to `budget` keys
   * after `cursor`. Returns the cursor to continue from, or undefined when done.
   */
  compactSome(revision: number, cursor: string | undefined, budget: number): string | undefined {
    let last: string | undefined;
    let seen = 0;
    const emptied: string[] = [];
    this.keys.scan(cursor ?? '', cursor !== undefined, (k, revs) => {
      last = k;
      // The newest version at or below the compact revision stays (it is what a read there
      // sees) unless it is a tombstone; everything older goes.
      let keep = 0;
      while (keep + 1 < revs.length && revs[keep + 1]!.modRevision <= revision) keep++;
      const head = revs[keep]!;
      if (head.modRevision <= revision && head.deleted) keep++;
      if (keep > 0) revs.splice(0, keep);
      if (revs.length === 0) emptied.push(k);
      return ++seen < budget;
    });
    for (const k of emptied) this.keys.delete(k);
    return seen < budget ? undefined : last;
  }

  /** Every retained version in key order (for snapshots), resumable from a key. */
  scan(from: string, exclusive: boolean, fn: (key: string, revs: readonly Rev[]) => boolean): void {
    this.keys.scan(from, exclusive, fn);
  }
}

export function restoredRev(
  key: string,
  value: Uint8Array,
  fields: { rev: number; create: number; version: number; lease: number; deleted: boolean },
): Rev {
  return makeRev(key, value, fields.rev, fields.create, fields.version, fields.lease, fields.deleted);
}
