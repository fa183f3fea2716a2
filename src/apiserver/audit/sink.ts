// The audit log backend (--audit-log-path): one JSON object per line, rotated by size like the
// lumberjack logger upstream uses. Writes are synchronous so that events land in request order
// and a crash loses nothing already logged; an audit event is a few hundred bytes.

import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface AuditSink {
  write(event: object): void;
  close(): Promise<void>;
}

export interface FileAuditSink extends AuditSink {
  /** Events that could not be written (the first failure is also reported on stderr). */
  readonly errorCount: number;
}

export interface FileSinkOptions {
  /** Rotate before the file would exceed this size. 0 or absent: 100, lumberjack's default. */
  maxSizeMB?: number;
  /** Rotated files to keep; 0 or absent keeps all, as lumberjack. */
  maxBackups?: number;
}

const MB = 1024 * 1024;
const DEFAULT_MAX_SIZE_MB = 100;

/** Lumberjack's backup time format, 2006-01-02T15-04-05.000, in UTC. */
function backupStamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace(/:/g, '-');
}

const BACKUP_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}$/;

class FileSink implements FileAuditSink {
  errorCount = 0;
  private fd: number | undefined;
  private size = 0;
  private lastBackupMs = 0;
  private reported = false;
  private closed = false;
  private readonly maxBytes: number;
  private readonly maxBackups: number;

  constructor(
    private readonly path: string,
    opts: FileSinkOptions,
  ) {
    this.maxBytes = (opts.maxSizeMB && opts.maxSizeMB > 0 ? opts.maxSizeMB : DEFAULT_MAX_SIZE_MB) * MB;
    this.maxBackups = opts.maxBackups && opts.maxBackups > 0 ? Math.floor(opts.maxBackups) : 0;
    if (path === '-') return;
    // Upstream creates the file at startup; a failure here is reported but retried on each write.
    try {
      this.open();
    } catch (e) {
      this.report(e);
    }
  }

  write(event: object): void {
    if (this.closed) return this.fail(new Error('audit log is closed'));
    let line: string;
    try {
      line = JSON.stringify(event) + '\n';
    } catch (e) {
      return this.fail(e);
    }
    if (this.path === '-') {
      try {
        process.stdout.write(line);
      } catch (e) {
        this.fail(e);
      }
      return;
    }
    const buf = Buffer.from(line, 'utf8');
    if (buf.length > this.maxBytes) {
      return this.fail(new Error(`write length ${buf.length} exceeds maximum file size ${this.maxBytes}`));
    }
    try {
      if (this.fd === undefined) this.open();
      if (this.size > 0 && this.size + buf.length > this.maxBytes) this.rotate();
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off);
      this.size += buf.length;
    } catch (e) {
      // Drop the descriptor so the next event reopens (the file may have been removed or the disk freed).
      this.dropFd();
      this.fail(e);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dropFd();
  }

  private open(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const fd = openSync(this.path, 'a', 0o600);
    try {
      this.size = fstatSync(fd).size;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
  }

  private rotate(): void {
    this.dropFd();
    const dir = dirname(this.path);
    const ext = extname(this.path);
    const prefix = basename(this.path, ext);
    // Lumberjack names backups by millisecond. Names must grow with each rotation (pruning keeps
    // the newest by name), so a rotation within the same millisecond takes the next one.
    let ms = Math.max(Date.now(), this.lastBackupMs + 1);
    let target = join(dir, `${prefix}-${backupStamp(ms)}${ext}`);
    while (existsSync(target)) target = join(dir, `${prefix}-${backupStamp(++ms)}${ext}`);
    renameSync(this.path, target);
    this.lastBackupMs = ms;
    this.open();
    if (this.maxBackups > 0) this.pruneBackups(dir, prefix, ext);
  }

  private pruneBackups(dir: string, prefix: string, ext: string): void {
    try {
      const backups = readdirSync(dir)
        .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith(ext) && BACKUP_STAMP.test(f.slice(prefix.length + 1, f.length - ext.length)))
        .sort()
        .reverse();
      for (const old of backups.slice(this.maxBackups)) unlinkSync(join(dir, old));
    } catch (e) {
      this.report(e);
    }
  }

  private dropFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already unusable; nothing more to release.
    }
    this.fd = undefined;
  }

  private fail(e: unknown): void {
    this.errorCount++;
    this.report(e);
  }

  private report(e: unknown): void {
    if (this.reported) return;
    this.reported = true;
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`audit log ${this.path}: ${msg} (further audit log errors are counted, not reported)\n`);
  }
}

/** Appends one JSON line per event; path '-' means stdout. Never throws on a write error. */
export function fileSink(path: string, opts: FileSinkOptions = {}): FileAuditSink {
  return new FileSink(path, opts);
}
