// The store contract: the part of etcd's v3 API that the API server needs, and nothing more.
// Every backend (the embedded engine, real etcd) implements exactly this; anything else is
// rejected by not being here. Keys are strings (Kubernetes keys are ASCII paths such as
// `/registry/pods/default/nginx`); values are bytes.

/** One stored version of a key, as etcd's mvccpb.KeyValue. Reads return their own copies. */
export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
  /** Revision of the write that created the key (since its last deletion). */
  readonly createRevision: number;
  /** Revision of the write that produced this version. */
  readonly modRevision: number;
  /** 1 for a new key, +1 on each update; reset by deletion. */
  readonly version: number;
  /** Lease the key is attached to; 0 for none. */
  readonly lease: number;
}

export interface RangeOptions {
  /** Treat `key` as a prefix and return every key that starts with it. */
  prefix?: boolean;
  /** Read the store as it was at this revision; 0 or absent means the latest. */
  revision?: number;
  /** At most this many keys; 0 or absent means no limit. */
  limit?: number;
  /**
   * Continue a paginated range: only keys strictly greater than this one. The API server
   * builds its `continue` token from the last key of the previous page and its revision.
   */
  after?: string;
  /** Return only the count, no key-values. */
  countOnly?: boolean;
}

export interface RangeResult {
  readonly kvs: KeyValue[];
  /** True when `limit` cut the result short. */
  readonly more: boolean;
  /** Number of keys in the whole range (ignoring `limit`, honouring `after`). */
  readonly count: number;
  /** The revision the range was read at. */
  readonly revision: number;
}

export interface WriteOptions {
  /** Attach the key to this lease (0 or absent: none); it is deleted when the lease expires. */
  lease?: number;
}

/**
 * The outcome of a conditional write, as the API server needs it. On success `kv` is the new
 * version (for delete: the version that was deleted). On failure nothing was written and `kv`
 * is the current version of the key (absent when the key does not exist), so the caller can
 * retry its update against it without another read.
 */
export interface TxnResult {
  readonly succeeded: boolean;
  /** The store's revision after the write (on failure: the revision the check was made at). */
  readonly revision: number;
  readonly kv?: KeyValue;
}

export type WatchEventType = 'put' | 'delete';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** For a put, the new version; for a delete, a tombstone: empty value, modRevision of the delete. */
  readonly kv: KeyValue;
  /** The version before this event, when the watch asked for it and it is still retained. */
  readonly prevKv?: KeyValue;
}

/**
 * A batch of events, in revision order, or an empty progress notification. The values are
 * copies (no watcher can change the store), but one batch is shared by every watcher of the
 * same key range: treat it as read-only.
 */
export interface WatchResponse {
  /** Every event at or below this revision has been delivered. */
  readonly revision: number;
  readonly events: readonly WatchEvent[];
}

export interface WatchOptions {
  /** Watch every key with this prefix instead of one key. */
  prefix?: boolean;
  /** First revision to deliver; 0 or absent means "from now on" (current revision + 1). */
  startRevision?: number;
  /** Include the previous version of each key in events. */
  prevKv?: boolean;
}

/**
 * A watch stream. Iterate it to receive responses; iteration ends when the watch is
 * cancelled, and throws a CompactedError when the start revision was compacted or the
 * watcher fell too far behind (the API server answers both with 410 Gone), or a
 * StoreClosedError when the store closes.
 */
export interface Watch extends AsyncIterable<WatchResponse> {
  readonly id: number;
  /** Ask for an empty response carrying the current revision (etcd's RequestProgress). */
  requestProgress(): void;
  cancel(): void;
}

export interface LeaseGrant {
  readonly id: number;
  readonly ttl: number;
}

export interface LeaseStatus {
  readonly id: number;
  /** Seconds granted. */
  readonly grantedTtl: number;
  /** Seconds left before expiry (rounded up), as etcd's LeaseTimeToLive. */
  readonly ttl: number;
  readonly keys: string[];
}

export interface StoreStatus {
  /** The latest committed revision. */
  readonly revision: number;
  /** Revisions below this one are gone. */
  readonly compactRevision: number;
  /** Live keys at the latest revision. */
  readonly keys: number;
  readonly watchers: number;
  readonly leases: number;
}

/** The store contract. Every operation is linearizable with respect to the others. */
export interface Store {
  range(key: string, options?: RangeOptions): Promise<RangeResult>;
  /** Write `value` at `key` only if the key does not exist. */
  create(key: string, value: Uint8Array, options?: WriteOptions): Promise<TxnResult>;
  /** Write `value` at `key` only if its current modRevision is `modRevision`. */
  update(key: string, value: Uint8Array, modRevision: number, options?: WriteOptions): Promise<TxnResult>;
  /**
   * Delete `key` if its current modRevision is `modRevision`, or whatever its version when
   * `modRevision` is absent. Fails (succeeded: false) when the key does not exist.
   */
  delete(key: string, modRevision?: number): Promise<TxnResult>;
  watch(key: string, options?: WatchOptions): Watch;
  /** Discard history below `revision`; ranges and watches below it then fail with CompactedError. */
  compact(revision: number): Promise<void>;
  leaseGrant(ttlSeconds: number, id?: number): Promise<LeaseGrant>;
  /** Delete the lease and every key attached to it. */
  leaseRevoke(id: number): Promise<void>;
  /** Restart the lease's TTL; returns the TTL granted. */
  leaseKeepAlive(id: number): Promise<number>;
  leaseTimeToLive(id: number): Promise<LeaseStatus>;
  status(): Promise<StoreStatus>;
  /** Finish pending writes, end every watch, release files. Idempotent. */
  close(): Promise<void>;
}

/** Limits, as etcd's defaults: a request (key plus value) may be at most 1.5 MiB. */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** etcd's lease TTLs are seconds; it refuses more than 9,000,000,000. */
export const MAX_LEASE_TTL = 9_000_000_000;
