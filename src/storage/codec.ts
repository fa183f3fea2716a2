// Binary encoding of log and snapshot records, and the checksummed frame that carries them.
//
// A frame is `[u32 length][u32 crc32][payload]`; the checksum covers the length and the
// payload, so a torn length is caught as surely as a torn payload. One group commit writes one
// frame, so a crash can tear at most the last frame of the log.

import { crc32 } from 'node:zlib';
import { CorruptError } from './errors.ts';

export const FRAME_HEADER = 8;
/** Far above any frame we write (a batch of requests of at most 1.5 MiB each is capped below). */
export const MAX_FRAME = 1 << 30;

export type LogRecord =
  | { t: 'put'; rev: number; key: string; value: Uint8Array; lease: number }
  | { t: 'del'; rev: number; key: string }
  | { t: 'grant'; id: number; ttl: number }
  /** Revokes a lease and deletes its keys, all at revision `rev` (0 when it had no keys). */
  | { t: 'revoke'; id: number; rev: number; keys: string[] }
  | { t: 'compact'; rev: number }
  /** A retained version in a snapshot, with the fields a log replay would derive. */
  | {
      t: 'kv';
      rev: number;
      create: number;
      version: number;
      lease: number;
      deleted: boolean;
      key: string;
      value: Uint8Array;
    };

const TAG = { put: 1, del: 2, grant: 3, revoke: 4, compact: 5, kv: 6 } as const;

function recordSize(r: LogRecord): number {
  switch (r.t) {
    case 'put':
      return 1 + 8 + 8 + 4 + Buffer.byteLength(r.key) + 4 + r.value.length;
    case 'del':
      return 1 + 8 + 4 + Buffer.byteLength(r.key);
    case 'grant':
      return 1 + 8 + 8;
    case 'revoke': {
      let n = 1 + 8 + 8 + 4;
      for (const k of r.keys) n += 4 + Buffer.byteLength(k);
      return n;
    }
    case 'compact':
      return 1 + 8;
    case 'kv':
      return 1 + 8 * 4 + 1 + 4 + Buffer.byteLength(r.key) + 4 + r.value.length;
  }
}

class Writer {
  off = 0;
  constructor(readonly buf: Buffer) {}
  u8(v: number) {
    this.off = this.buf.writeUInt8(v, this.off);
  }
  num(v: number) {
    this.off = this.buf.writeDoubleLE(v, this.off);
  }
  bytes(v: Uint8Array) {
    this.off = this.buf.writeUInt32LE(v.length, this.off);
    this.buf.set(v, this.off);
    this.off += v.length;
  }
  str(v: string) {
    const len = this.buf.write(v, this.off + 4, 'utf8');
    this.buf.writeUInt32LE(len, this.off);
    this.off += 4 + len;
  }
}

/** Encodes records as one frame payload. */
export function encodeRecords(records: readonly LogRecord[]): Buffer {
  let size = 0;
  for (const r of records) size += recordSize(r);
  const w = new Writer(Buffer.allocUnsafe(size));
  for (const r of records) {
    w.u8(TAG[r.t]);
    switch (r.t) {
      case 'put':
        w.num(r.rev);
        w.num(r.lease);
        w.str(r.key);
        w.bytes(r.value);
        break;
      case 'del':
        w.num(r.rev);
        w.str(r.key);
        break;
      case 'grant':
        w.num(r.id);
        w.num(r.ttl);
        break;
      case 'revoke':
        w.num(r.id);
        w.num(r.rev);
        w.buf.writeUInt32LE(r.keys.length, w.off);
        w.off += 4;
        for (const k of r.keys) w.str(k);
        break;
      case 'compact':
        w.num(r.rev);
        break;
      case 'kv':
        w.num(r.rev);
        w.num(r.create);
        w.num(r.version);
        w.num(r.lease);
        w.u8(r.deleted ? 1 : 0);
        w.str(r.key);
        w.bytes(r.value);
        break;
    }
  }
  return w.buf;
}

/**
 * Decodes a frame payload. Values are views into `payload` (no copy): the caller keeps the
 * payload alive for as long as it keeps the values.
 */
export function decodeRecords(payload: Buffer, where: string): LogRecord[] {
  const out: LogRecord[] = [];
  let off = 0;
  const need = (n: number) => {
    if (off + n > payload.length) throw new CorruptError(`storage: ${where}: record runs past its frame`);
  };
  const num = () => {
    need(8);
    const v = payload.readDoubleLE(off);
    off += 8;
    return v;
  };
  const bytes = () => {
    need(4);
    const len = payload.readUInt32LE(off);
    off += 4;
    need(len);
    const v = payload.subarray(off, off + len);
    off += len;
    return v;
  };
  const str = () => bytes().toString('utf8');
  while (off < payload.length) {
    const tag = payload[off++];
    switch (tag) {
      case TAG.put: {
        const rev = num();
        const lease = num();
        const key = str();
        out.push({ t: 'put', rev, lease, key, value: bytes() });
        break;
      }
      case TAG.del: {
        const rev = num();
        out.push({ t: 'del', rev, key: str() });
        break;
      }
      case TAG.grant: {
        const id = num();
        out.push({ t: 'grant', id, ttl: num() });
        break;
      }
      case TAG.revoke: {
        const id = num();
        const rev = num();
        need(4);
        const n = payload.readUInt32LE(off);
        off += 4;
        const keys: string[] = [];
        for (let i = 0; i < n; i++) keys.push(str());
        out.push({ t: 'revoke', id, rev, keys });
        break;
      }
      case TAG.compact:
        out.push({ t: 'compact', rev: num() });
        break;
      case TAG.kv: {
        const rev = num();
        const create = num();
        const version = num();
        const lease = num();
        need(1);
        const deleted = payload[off++] === 1;
        const key = str();
        out.push({ t: 'kv', rev, create, version, lease, deleted, key, value: bytes() });
        break;
      }
      default:
        throw new CorruptError(`storage: ${where}: unknown record type ${tag}`);
    }
  }
  return out;
}

function checksum(header: Buffer, payload: Uint8Array): number {
  return crc32(payload, crc32(header.subarray(0, 4)));
}

export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  payload.copy(out, FRAME_HEADER);
  out.writeUInt32LE(checksum(out, payload), 4);
  return out;
}

export type FrameScan = { ok: true; payload: Buffer; next: number } | { ok: false; reason: string };

/** Reads the frame at `off`. */
export function readFrame(buf: Buffer, off: number): FrameScan {
  const left = buf.length - off;
  if (left < FRAME_HEADER) return { ok: false, reason: 'truncated frame header' };
  const len = buf.readUInt32LE(off);
  const end = off + FRAME_HEADER + len;
  if (len === 0 || len > MAX_FRAME) return { ok: false, reason: `impossible frame length ${len}` };
  if (end > buf.length) return { ok: false, reason: 'frame runs past the end of the file' };
  const payload = buf.subarray(off + FRAME_HEADER, end);
  if (checksum(buf.subarray(off), payload) !== buf.readUInt32LE(off + 4)) {
    return { ok: false, reason: 'checksum mismatch' };
  }
  return { ok: true, payload, next: end };
}
