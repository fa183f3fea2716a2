// The store's directory: a format marker, a lock, log segments and snapshots.
//
//   FORMAT                      "kubelite-store 1": refuse any directory without it (unless empty)
//   LOCK                        pid of the process that has the store open
//   wal-<seq, 16 hex>.log       log segments, replayed in sequence order
//   snap-<seq, 16 hex>.snap     a snapshot; replay continues with segment <seq>
//   *.tmp                       half-written files, removed on open

import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import { join } from 'node:path';
import { NoSpaceError, StorageError } from './errors.ts';

export const FORMAT = 'kubelite-store 1\n';

export function segmentName(seq: number): string {
  return `wal-${seq.toString(16).padStart(16, '0')}.log`;
}

export function snapshotName(seq: number): string {
  return `snap-${seq.toString(16).padStart(16, '0')}.snap`;
}

function parseSeq(name: string, prefix: string, suffix: string): number | undefined {
  if (!name.startsWith(prefix) || !name.endsWith(suffix)) return undefined;
  const hex = name.slice(prefix.length, name.length - suffix.length);
  return /^[0-9a-f]{16}$/.test(hex) ? parseInt(hex, 16) : undefined;
}

export interface DirListing {
  segments: number[];
  snapshots: number[];
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Makes sure `dir` is a kubelite store directory (creating it when absent or empty) and lists
 * its files. Anything else is refused with a clear error, never written to.
 */
export async function prepareDir(dir: string): Promise<DirListing> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if (errno(err) === 'ENOTDIR') throw new StorageError('ForeignDataDir', `storage: ${dir} is not a directory`);
    if (errno(err) !== 'ENOENT') throw err;
    await fs.mkdir(dir, { recursive: true });
    names = [];
  }
  if (!names.includes('FORMAT')) {
    const others = names.filter((n) => n !== 'LOCK');
    if (others.length > 0) {
      const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ', ...' : '');
      throw new StorageError(
        'ForeignDataDir',
        `storage: ${dir} is not empty and was not written by kubelite (it holds ${shown}); refusing to use it`,
      );
    }
    const tmp = join(dir, 'FORMAT.tmp');
    await fs.writeFile(tmp, FORMAT, { flush: true });
    await fs.rename(tmp, join(dir, 'FORMAT'));
    await fsyncDir(dir);
  } else {
    const format = await fs.readFile(join(dir, 'FORMAT'), 'utf8');
    if (format !== FORMAT) {
      throw new StorageError(
        'ForeignDataDir',
        `storage: ${dir}/FORMAT says ${JSON.stringify(format.trim().slice(0, 60))}, not ${JSON.stringify(FORMAT.trim())}; refusing to use it`,
      );
    }
  }
  const segments: number[] = [];
  const snapshots: number[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp')) {
      await fs.rm(join(dir, name), { force: true });
      continue;
    }
    const seg = parseSeq(name, 'wal-', '.log');
    if (seg !== undefined) segments.push(seg);
    const snap = parseSeq(name, 'snap-', '.snap');
    if (snap !== undefined) snapshots.push(snap);
  }
  segments.sort((a, b) => a - b);
  snapshots.sort((a, b) => a - b);
  return { segments, snapshots };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errno(err) === 'EPERM';
  }
}

/** Directories this process has open: a LOCK naming our own pid is stale only if not here. */
const heldHere = new Set<string>();

/**
 * Takes the directory's lock file. A lock left by a process that is gone (or by this process
 * for a store it no longer has open) is taken over.
 */
export async function lockDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'LOCK');
  const id = await fs.realpath(dir);
  if (heldHere.has(id)) throw new StorageError('Locked', `storage: ${dir} is in use by process ${process.pid} (this one)`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      heldHere.add(id);
      return async () => {
        heldHere.delete(id);
        await fs.rm(path, { force: true });
      };
    } catch (err) {
      if (errno(err) !== 'EEXIST') {
        // A full disk can leave the lock file created but empty.
        await fs.rm(path, { force: true }).catch(() => {});
        throw ioError(err, path, 'creating');
      }
      const pid = parseInt(await fs.readFile(path, 'utf8').catch(() => ''), 10);
      if (pid > 0 && pid !== process.pid && alive(pid)) {
        throw new StorageError('Locked', `storage: ${dir} is in use by process ${pid}`);
      }
      await fs.rm(path, { force: true });
    }
  }
  throw new StorageError('Locked', `storage: could not take the lock on ${dir}`);
}

/** Maps a failed file operation to the store's error vocabulary. */
export function ioError(err: unknown, path: string, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = errno(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new NoSpaceError(what, path, { cause: err });
  }
  return new StorageError('IO', `storage: ${what} ${path} failed: ${(err as Error).message}`, { cause: err });
}
