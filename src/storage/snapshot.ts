// Snapshots: every retained version at a cut revision, so that recovery replays only the log
// written after the cut. Written to a temporary file, fsynced, then renamed into place, so a
// crash leaves either the old snapshot or the new one, never half of one.

import fs from 'node:fs/promises';
import { join } from 'node:path';
import { FRAME_HEADER, decodeRecords, encodeRecords, frame, readFrame, type LogRecord } from './codec.ts';
import { CorruptError } from './errors.ts';
import { fsyncDir, ioError, snapshotName } from './files.ts';

const MAGIC = Buffer.from('KLSNAP01');

export interface SnapshotMeta {
  /** Every write at or below this revision is in the snapshot; the log holds the rest. */
  revision: number;
  compactRevision: number;
  /** The first log segment to replay after loading this snapshot. */
  segment: number;
  lastLeaseId: number;
  leases: [id: number, ttl: number][];
}

interface Trailer {
  frames: number;
  records: number;
}

/**
 * Writes a snapshot. `chunks` yields batches of records (each becomes one frame); it may
 * yield to the event loop between batches. `aborted` is checked between frames.
 */
export async function writeSnapshot(
  dir: string,
  meta: SnapshotMeta,
  chunks: AsyncIterable<LogRecord[]>,
  options: { fsync: boolean; aborted: () => boolean },
): Promise<{ bytes: number } | undefined> {
  const final = join(dir, snapshotName(meta.segment));
  const tmp = `${final}.tmp`;
  const fh = await fs.open(tmp, 'w').catch((err: unknown) => {
    throw ioError(err, tmp, 'creating');
  });
  let bytes = 0;
  let ok = false;
  try {
    const write = async (b: Buffer) => {
      let done = 0;
      while (done < b.length) done += (await fh.write(b, done, b.length - done)).bytesWritten;
      bytes += b.length;
    };
    await write(MAGIC);
    await write(frame(Buffer.from(JSON.stringify(meta))));
    const trailer: Trailer = { frames: 0, records: 0 };
    for await (const records of chunks) {
      if (options.aborted()) return undefined;
      if (records.length === 0) continue;
      await write(frame(encodeRecords(records)));
      trailer.frames++;
      trailer.records += records.length;
    }
    await write(frame(Buffer.from(JSON.stringify({ end: trailer }))));
    if (options.fsync) await fh.datasync();
    ok = true;
  } catch (err) {
    throw ioError(err, tmp, 'writing');
  } finally {
    await fh.close().catch(() => {});
    if (!ok) await fs.rm(tmp, { force: true });
  }
  await fs.rename(tmp, final);
  if (options.fsync) await fsyncDir(dir);
  return { bytes };
}

/** Reads a snapshot, calling `apply` for each frame of records, and returns its metadata. */
export async function readSnapshot(
  dir: string,
  segment: number,
  apply: (records: LogRecord[]) => void,
): Promise<SnapshotMeta> {
  const path = join(dir, snapshotName(segment));
  const fh = await fs.open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    let pos = 0;
    const readExact = async (n: number): Promise<Buffer> => {
      const b = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(b, got, n - got, pos + got);
        if (bytesRead === 0) throw new CorruptError(`storage: snapshot ${path} ends early at byte ${pos + got}`);
        got += bytesRead;
      }
      pos += n;
      return b;
    };
    const nextFrame = async (): Promise<Buffer> => {
      const head = await readExact(FRAME_HEADER);
      const len = head.readUInt32LE(0);
      if (pos + len > size) throw new CorruptError(`storage: snapshot ${path} ends early at byte ${pos}`);
      // Header and payload in one buffer, read in place: values loaded from the snapshot are
      // views into it, so a snapshot is neither copied nor split into a million allocations.
      const whole = Buffer.allocUnsafe(FRAME_HEADER + len);
      head.copy(whole, 0);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(whole, FRAME_HEADER + got, len - got, pos + got);
        if (bytesRead === 0) throw new CorruptError(`storage: snapshot ${path} ends early at byte ${pos + got}`);
        got += bytesRead;
      }
      pos += len;
      const f = readFrame(whole, 0);
      if (!f.ok) throw new CorruptError(`storage: snapshot ${path} is corrupt at byte ${pos - whole.length} (${f.reason})`);
      return f.payload;
    };
    if (!(await readExact(MAGIC.length)).equals(MAGIC)) {
      throw new CorruptError(`storage: ${path} is not a kubelite snapshot (bad header)`);
    }
    const meta = JSON.parse((await nextFrame()).toString('utf8')) as SnapshotMeta;
    let frames = 0;
    let records = 0;
    for (;;) {
      const payload = await nextFrame();
      if (payload[0] === 0x7b /* '{' */) {
        const { end } = JSON.parse(payload.toString('utf8')) as { end: Trailer };
        if (end.frames !== frames || end.records !== records || pos !== size) {
          throw new CorruptError(`storage: snapshot ${path} does not match its trailer`);
        }
        return meta;
      }
      const recs = decodeRecords(payload, `snapshot ${path}`);
      frames++;
      records += recs.length;
      apply(recs);
    }
  } finally {
    await fh.close();
  }
}
