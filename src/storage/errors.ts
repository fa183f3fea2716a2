// Typed storage errors. Messages follow etcd's where etcd has one, so that what a user sees
// through the API server reads the same as on a real cluster.

export type StorageErrorCode =
  | 'Compacted'
  | 'FutureRevision'
  | 'RequestTooLarge'
  | 'InvalidArgument'
  | 'LeaseNotFound'
  | 'LeaseExists'
  | 'NoSpace'
  | 'IO'
  | 'Corrupt'
  | 'ForeignDataDir'
  | 'Locked'
  | 'Closed';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The revision asked for is no longer retained, or a watcher fell so far behind that it was
 * cut off. The API server maps this to 410 Gone; clients re-list.
 */
export class CompactedError extends StorageError {
  readonly compactRevision: number;
  constructor(compactRevision: number, message = 'mvcc: required revision has been compacted') {
    super('Compacted', message);
    this.compactRevision = compactRevision;
  }
}

export class FutureRevisionError extends StorageError {
  constructor() {
    super('FutureRevision', 'mvcc: required revision is a future revision');
  }
}

export class RequestTooLargeError extends StorageError {
  constructor(bytes: number, limit: number) {
    super('RequestTooLarge', `etcdserver: request is too large (${bytes} bytes, limit ${limit})`);
  }
}

export class InvalidArgumentError extends StorageError {
  constructor(message: string) {
    super('InvalidArgument', message);
  }
}

export class LeaseNotFoundError extends StorageError {
  constructor(id: number) {
    super('LeaseNotFound', `etcdserver: requested lease not found (${id})`);
  }
}

export class NoSpaceError extends StorageError {
  constructor(what: string, path: string, options?: { cause?: unknown }) {
    super('NoSpace', `storage: no space left on device ${what} ${path}; the write was not applied`, options);
  }
}

export class CorruptError extends StorageError {
  constructor(message: string) {
    super('Corrupt', message);
  }
}

export class StoreClosedError extends StorageError {
  constructor(reason = 'storage: the store is closed') {
    super('Closed', reason);
  }
}
