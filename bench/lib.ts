// Shared helpers for the benchmarks: metrics and their result files, percentiles, temp dirs,
// free ports, and running a TypeScript child process while watching its time and memory.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/**
 * One measured figure. `target`, `anchor` and `ratio` only where they apply. `ratio` compares
 * with the anchor (a peer measured in the same run) and is oriented so that > 1 means ours is
 * better: ours/peer for throughputs, peer/ours for latencies and times.
 */
export interface Metric {
  value: number;
  unit: string;
  target?: number;
  anchor?: string;
  ratio?: number;
  /**
   * Which way `target` is met. Not written to the result file; when absent it follows from
   * the unit (rates and ratios: higher; times and sizes: lower).
   */
  better?: 'higher' | 'lower';
}

export type Metrics = Record<string, Metric>;

export function higherIsBetter(m: Metric): boolean {
  if (m.better) return m.better === 'higher';
  return /\/s$|^x\b|ratio/.test(m.unit);
}

/** 'pass', 'fail', or '' when the metric has no target. */
export function verdict(m: Metric): 'pass' | 'fail' | '' {
  if (m.target === undefined) return '';
  const ok = higherIsBetter(m) ? m.value >= m.target : m.value <= m.target;
  return ok ? 'pass' : 'fail';
}

/** Round to a readable number of significant digits for the result files. */
export function round(n: number, digits = 4): number {
  if (!Number.isFinite(n) || n === 0) return n;
  const mag = Math.floor(Math.log10(Math.abs(n)));
  const factor = 10 ** Math.max(0, digits - 1 - mag);
  return Math.round(n * factor) / factor;
}

/** Writes `bench/results/<area>.json` with only the fields the format defines. */
export function writeResults(area: string, metrics: Metrics): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out: Record<string, Omit<Metric, 'better'>> = {};
  for (const [name, m] of Object.entries(metrics)) {
    const o: Omit<Metric, 'better'> = { value: round(m.value), unit: m.unit };
    if (m.target !== undefined) o.target = m.target;
    if (m.anchor !== undefined) o.anchor = m.anchor;
    if (m.ratio !== undefined && Number.isFinite(m.ratio)) o.ratio = round(m.ratio, 3);
    out[name] = o;
  }
  const file = join(RESULTS_DIR, `${area}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  return file;
}

export function readResults(area: string): Metrics | undefined {
  try {
    return JSON.parse(readFileSync(join(RESULTS_DIR, `${area}.json`), 'utf8')) as Metrics;
  } catch {
    return undefined;
  }
}

function fmtNum(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return n === undefined ? '' : String(n);
  const r = round(n, 4);
  return Math.abs(r) >= 1000 ? Math.round(r).toLocaleString('en-US') : String(r);
}

/** A plain-text table: metric, value, unit, target, pass/fail, ratio. */
export function formatTable(area: string, metrics: Metrics): string {
  const header = ['metric', 'value', 'unit', 'target', 'result', 'ratio'];
  const rows = Object.entries(metrics).map(([name, m]) => [
    `${area}.${name}`,
    fmtNum(m.value),
    m.unit,
    m.target === undefined ? '' : `${higherIsBetter(m) ? '>=' : '<='} ${fmtNum(m.target)}`,
    verdict(m),
    m.ratio === undefined ? '' : `${fmtNum(round(m.ratio, 3))}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = new Set([1, 3, 5]);
  const line = (cells: string[]) =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---- statistics -------------------------------------------------------------------------

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const i = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[i] as number;
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** Sorts a copy (typed array, fast) and summarizes it. */
export function summarize(samples: ArrayLike<number>): Summary {
  const s = Float64Array.from(samples as ArrayLike<number>).sort();
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i] as number;
  return {
    count: s.length,
    mean: s.length ? sum / s.length : NaN,
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    max: s.length ? (s[s.length - 1] as number) : NaN,
  };
}

/** A growable buffer of float samples (millions of samples without boxing). */
export class Samples {
  private buf: Float64Array;
  length = 0;
  constructor(initial = 1024) {
    this.buf = new Float64Array(initial);
  }
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  values(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

// ---- time, concurrency ------------------------------------------------------------------

export const now = (): number => performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn(i)` for i in [0, count) with at most `concurrency` calls in flight; returns the
 * elapsed milliseconds.
 */
export async function runConcurrent(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const start = now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return now() - start;
}

/** Rejects with `what timed out` when `p` has not settled within `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- files, ports -----------------------------------------------------------------------

/** A fresh temp dir under os.tmpdir(); `remove()` deletes it (idempotent). */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `kubelite-bench-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (found by binding port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Several distinct free ports (held open together so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const srv = createServer();
          srv.on('error', reject);
          srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    return typeof a === 'object' && a ? a.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

// ---- child processes --------------------------------------------------------------------

/** Resident memory of a live process from /proc (Linux), in bytes; undefined when gone. */
export function procRss(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(/^\s*(\d+)/.exec(status.split(`${field}:`)[1] ?? '')?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ms. */
  wallMs: number;
  /** Largest VmRSS seen by sampling /proc every `sampleMs`, bytes (0 when never sampled). */
  maxSampledRss: number;
  /** The last line of stdout that parses as JSON, if any. */
  json?: unknown;
}

/**
 * Runs `node --import tsx <file> ...args` and waits for it, sampling its RSS. Kills only that
 * child (by PID) if it outlives `timeoutMs`.
 */
export function runTsChild(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; sampleMs?: number } = {},
): Promise<ChildResult> {
  const { env = process.env, timeoutMs = 120_000, sampleMs = 100 } = options;
  return new Promise((resolve, reject) => {
    const start = now();
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let maxSampledRss = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const pid = child.pid;
    const sampler = setInterval(() => {
      if (pid === undefined) return;
      const m = procRss(pid);
      if (m && m.rss > maxSampledRss) maxSampledRss = m.rss;
    }, sampleMs);
    const killer = setTimeout(() => {
      stderr += `\n[bench] child ${pid} timed out after ${timeoutMs} ms; killing it\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearInterval(sampler);
      clearTimeout(killer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      let json: unknown;
      for (const line of stdout.trim().split('\n').reverse()) {
        try {
          json = JSON.parse(line);
          break;
        } catch {
          // not a JSON line
        }
      }
      resolve({ code, signal, stdout, stderr, wallMs: now() - start, maxSampledRss, json });
    });
  });
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

// ---- pods as the store sees them ----------------------------------------------------------

/**
 * Follows pod writes in the store (no polling lists): `onBound(key, json)` when a pod first
 * gets a nodeName, `onDeleting(key)` when it is first marked for deletion.
 */
export function followPods(
  store: import('../src/storage/index.ts').Store,
  handlers: { onBound?: (key: string, json: string) => void; onDeleting?: (key: string) => void },
): { stop(): Promise<void> } {
  const watch = store.watch('/registry/pods/', { prefix: true, prevKv: true });
  const decoder = new TextDecoder();
  const done = (async () => {
    for await (const batch of watch) {
      for (const e of batch.events) {
        if (e.type !== 'put') continue;
        const text = decoder.decode(e.kv.value);
        const was = e.prevKv ? decoder.decode(e.prevKv.value) : '';
        if (text.includes('"nodeName":') && !was.includes('"nodeName":')) handlers.onBound?.(e.kv.key, text);
        if (text.includes('"deletionTimestamp":') && !was.includes('"deletionTimestamp":')) handlers.onDeleting?.(e.kv.key);
      }
    }
  })();
  return {
    async stop() {
      watch.cancel();
      await done;
    },
  };
}
