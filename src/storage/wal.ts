// The write-ahead log: a sequence of segment files, each a header then checksummed frames.
// One group commit appends one frame and then fdatasyncs; nothing is acknowledged before that.

import type { FileHandle } from 'node:fs/promises';
import fs from 'node:fs/promises';
import { join } from 'node:path';
import { FRAME_HEADER, decodeRecords, frame, readFrame, type LogRecord } from './codec.ts';
import { CorruptError, StorageError } from './errors.ts';
import { fsyncDir, ioError, segmentName } from './files.ts';

const MAGIC = Buffer.from('KLWAL001');
const HEADER = 16;

function header(seq: number): Buffer {
  const b = Buffer.alloc(HEADER);
  MAGIC.copy(b, 0);
  b.writeDoubleLE(seq, 8);
  return b;
}

export interface ReplayStats {
  segments: number;
  frames: number;
  records: number;
  /** Bytes cut off the end of the last segment: a write torn by a crash, never acknowledged. */
  truncatedBytes: number;
}

/**
 * Replays segments `seqs` (ascending, contiguous) and calls `apply` for each frame's records.
 * A torn last frame of the last segment is cut off; damage anywhere else stops the replay with
 * a CorruptError, because acknowledged writes would be lost behind it.
 */
export async function replay(
  dir: string,
  seqs: readonly number[],
  apply: (records: LogRecord[]) => void,
): Promise<ReplayStats> {
  const stats: ReplayStats = { segments: 0, frames: 0, records: 0, truncatedBytes: 0 };
  for (let i = 0; i < seqs.length; i++) {
    const seq = seqs[i]!;
    if (i > 0 && seq !== seqs[i - 1]! + 1) {
      throw new CorruptError(`storage: ${dir}: log segment ${segmentName(seqs[i - 1]! + 1)} is missing`);
    }
    const last = i === seqs.length - 1;
    const path = join(dir, segmentName(seq));
    const buf = await fs.readFile(path);
    stats.segments++;
    if (buf.length < HEADER || !buf.subarray(0, 8).equals(MAGIC) || buf.readDoubleLE(8) !== seq) {
      // A crash while a new segment was being created leaves it short; it held nothing yet.
      if (last && buf.length < HEADER && MAGIC.subarray(0, Math.min(8, buf.length)).equals(buf.subarray(0, 8))) {
        await fs.writeFile(path, header(seq), { flush: true });
        stats.truncatedBytes += buf.length;
        continue;
      }
      throw new CorruptError(`storage: ${path} is not a kubelite log segment (bad header)`);
    }
    let off = HEADER;
    while (off < buf.length) {
      const f = readFrame(buf, off);
      if (!f.ok) {
        // A crash tears only the last write, so nothing valid can follow a torn frame. If a
        // whole frame does follow, this is damage in the middle of the log.
        const after = last ? nextValidFrame(buf, off + 1) : off;
        if (last && after === undefined) {
          stats.truncatedBytes += buf.length - off;
          await fs.truncate(path, off);
          break;
        }
        throw new CorruptError(
          `storage: ${path} is corrupt at offset ${off} (${f.reason}) with ${buf.length - off} more bytes after it; ` +
            `refusing to start, as acknowledged writes would be lost (restore from a backup, or move the data dir away)`,
        );
      }
      const records = decodeRecords(f.payload, `${path} offset ${off}`);
      stats.frames++;
      stats.records += records.length;
      apply(records);
      off = f.next;
    }
  }
  return stats;
}

/** Offset of the first intact frame at or after `from`, if any. Used only on damaged logs. */
function nextValidFrame(buf: Buffer, from: number): number | undefined {
  for (let off = from; off + FRAME_HEADER < buf.length; off++) {
    const len = buf.readUInt32LE(off);
    if (len === 0 || off + FRAME_HEADER + len > buf.length) continue;
    if (readFrame(buf, off).ok) return off;
  }
  return undefined;
}

export interface WalOptions {
  fsync: boolean;
  segmentBytes: number;
}

/** The writable end of the log. Only the engine's commit loop calls it, one call at a time. */
export class Wal {
  private fh: FileHandle | undefined;
  private size = 0;
  /** Bytes appended since the last snapshot cut. */
  bytesSinceCut = 0;
  /** After a failed fsync the page cache can no longer be trusted: no more writes. */
  private broken: StorageError | undefined;

  private constructor(
    readonly dir: string,
    public seq: number,
    private readonly opts: WalOptions,
  ) {}

  /** Opens segment `seq` for appending, creating it if it does not exist. */
  static async open(dir: string, seq: number, opts: WalOptions): Promise<Wal> {
    const wal = new Wal(dir, seq, opts);
    const path = join(dir, segmentName(seq));
    let size = 0;
    try {
      size = (await fs.stat(path)).size;
    } catch {
      size = 0;
    }
    if (size === 0) await wal.create(seq);
    else {
      wal.fh = await fs.open(path, 'a');
      wal.size = size;
    }
    return wal;
  }

  private async create(seq: number): Promise<void> {
    const path = join(this.dir, segmentName(seq));
    const fh = await fs.open(path, 'a');
    try {
      await fh.truncate(0);
      await fh.write(header(seq));
      if (this.opts.fsync) {
        await fh.datasync();
        await fsyncDir(this.dir);
      }
    } catch (err) {
      await fh.close().catch(() => {});
      throw ioError(err, path, 'creating');
    }
    this.fh = fh;
    this.seq = seq;
    this.size = HEADER;
  }

  /** Appends one frame and makes it durable. On failure nothing of it remains in the log. */
  async append(payload: Buffer): Promise<void> {
    if (this.broken) throw this.broken;
    if (this.size >= this.opts.segmentBytes) await this.roll();
    const data = frame(payload);
    const fh = this.fh!;
    const path = join(this.dir, segmentName(this.seq));
    const start = this.size;
    try {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await fh.write(data, done, data.length - done);
        done += bytesWritten;
      }
    } catch (err) {
      // Take back whatever part of the frame reached the file, so that the log stays a clean
      // sequence of whole frames and the next append can try again.
      await fh.truncate(start).catch(() => {});
      throw ioError(err, path, 'appending to');
    }
    if (this.opts.fsync) {
      try {
        await fh.datasync();
      } catch (err) {
        this.broken = new StorageError(
          'IO',
          `storage: fdatasync of ${path} failed (${(err as Error).message}); no further writes are accepted ` +
            `until kubelite restarts and recovers from the log`,
          { cause: err },
        );
        throw this.broken;
      }
    }
    this.size += data.length;
    this.bytesSinceCut += data.length;
  }

  /** Starts a new segment; returns its sequence number. */
  async roll(): Promise<number> {
    if (this.broken) throw this.broken;
    const old = this.fh;
    await this.create(this.seq + 1);
    await old?.close();
    return this.seq;
  }

  async removeBefore(seq: number): Promise<void> {
    const names = await fs.readdir(this.dir);
    let removed = false;
    for (const name of names) {
      const m = /^wal-([0-9a-f]{16})\.log$/.exec(name);
      if (m && parseInt(m[1]!, 16) < seq) {
        await fs.rm(join(this.dir, name), { force: true });
        removed = true;
      }
    }
    if (removed && this.opts.fsync) await fsyncDir(this.dir);
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}
