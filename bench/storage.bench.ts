// Storage benchmarks: the embedded engine (durable, under os.tmpdir()) against a real etcd
// started in the same run, where /usr/bin/etcd exists. See DESIGN.md, "Benchmarks".
//
//   disk       the machine's own fdatasync latency, which every durable write pays
//   put        create of new keys (256-byte values), 1 writer and 64 concurrent writers
//   range      single-key get and a 100-key prefix range out of 10,000 keys, p50/p99
//   watch      1,000 prefix watchers, 500 events at a steady pace, write-to-receipt p50/p99
//   compaction compact ~200,000 revisions while writing; longest event-loop stall
//   recovery   1,000,000 keys of 1 KiB (KUBELITE_BENCH_RECOVERY_KEYS), reopened in a child
//              process: open time and resident memory
//
// Ratios compare with etcd through the `etcd3` client and are oriented so that > 1 means the
// engine is better (ours/etcd for throughput, etcd/ours for latency).
//
// Run as `node --import tsx bench/storage.bench.ts --load-child|--recovery-child DIR KEYS` it
// is one of the two children of the recovery benchmark (load, then restart). KUBELITE_BENCH_ONLY=watch,recovery runs only the sections named.
import { randomFillSync } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Etcd3 } from 'etcd3';
import type { EngineOptions, EmbeddedStore, Store, Watch } from '../src/storage/index.ts';
import type { EtcdServer } from './etcd.ts';
import {
  GiB,
  MiB,
  Samples,
  now,
  runConcurrent,
  runTsChild,
  sleep,
  summarize,
  tempDir,
  withTimeout,
  type Metric,
  type Metrics,
} from './lib.ts';

const THIS_FILE = fileURLToPath(import.meta.url);

const PUT_1_COUNT = 5_000;
const PUT_64_COUNT = 50_000;
const RANGE_NAMESPACES = 100;
const RANGE_PER_NAMESPACE = 100;
const RANGE_GETS = 5_000;
const RANGE_PREFIXES = 2_000;
const WATCHERS = 1_000;
const WATCH_EVENTS = 500;
const WATCH_INTERVAL_MS = 5;
const COMPACT_KEYS = 20_000;
const COMPACT_VERSIONS = 10;
const RECOVERY_KEYS = Number(process.env.KUBELITE_BENCH_RECOVERY_KEYS ?? 1_000_000);
const RECOVERY_CONCURRENCY = 256;
/** Comma-separated section names (put, range, watch, compaction, recovery) to run only those. */
const ONLY = (process.env.KUBELITE_BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const wanted = (section: string) => ONLY.length === 0 || ONLY.includes(section);

const VALUE_256 = randomFillSync(Buffer.alloc(256));
const VALUE_1K = randomFillSync(Buffer.alloc(1024));

type OpenStore = (options: EngineOptions) => Promise<EmbeddedStore>;

async function loadEngine(): Promise<OpenStore> {
  const mod = await import('../src/storage/index.ts');
  return mod.openStore;
}

function log(msg: string): void {
  console.error(`[storage ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

const pad = (i: number, w = 6) => String(i).padStart(w, '0');
const ms = (n: number) => Math.round(n * 1000) / 1000;

/** Throws when a write that must succeed did not. */
function mustSucceed(r: { succeeded: boolean }, what: string): void {
  if (!r.succeeded) throw new Error(`${what}: write unexpectedly failed its condition`);
}

/** Calls fn(i) at a steady pace, one every `intervalMs`, without waiting for earlier calls. */
async function paced(count: number, intervalMs: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  const start = now();
  const pending: Promise<unknown>[] = [];
  let failure: { err: unknown } | undefined;
  for (let i = 0; i < count && !failure; i++) {
    const due = start + i * intervalMs;
    const wait = due - now();
    if (wait > 0.5) await sleep(wait);
    pending.push(fn(i).catch((err: unknown) => (failure ??= { err })));
  }
  await Promise.all(pending);
  if (failure) throw failure.err;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    total += st.isDirectory() ? dirBytes(p) : st.size;
  }
  return total;
}

// ---- etcd side ----------------------------------------------------------------------------

function etcdCreate(c: Etcd3, key: string, value: Buffer): Promise<{ succeeded: boolean }> {
  return c
    .if(key, 'Version', '==', 0)
    .then(c.put(key).value(value))
    .commit()
    .then((r) => ({ succeeded: r.succeeded }));
}

interface Ctx {
  openStore: OpenStore;
  etcd: EtcdServer | undefined;
  etcdClient: Etcd3 | undefined;
  anchor: string;
  metrics: Metrics;
}

function put(ctx: Ctx, name: string, m: Metric): void {
  ctx.metrics[name] = m;
}

/** Our metric and, when etcd ran, etcd's figure beside it plus the oriented ratio. */
function compared(
  ctx: Ctx,
  name: string,
  ours: number,
  theirs: number | undefined,
  unit: string,
  extra: Partial<Metric> = {},
): void {
  const higher = unit.endsWith('/s');
  const m: Metric = { value: ours, unit, ...extra };
  if (theirs !== undefined) {
    m.anchor = ctx.anchor;
    m.ratio = higher ? ours / theirs : theirs / ours;
  }
  put(ctx, name, m);
  if (theirs !== undefined) put(ctx, `${name}.etcd`, { value: theirs, unit });
}

// ---- disk ---------------------------------------------------------------------------------

/**
 * The machine's own fdatasync latency (300-byte appends, one every 5 ms, as the watch
 * benchmark writes): every durable write pays it, so it bounds the latencies below.
 */
async function benchDisk(ctx: Ctx): Promise<void> {
  const dir = tempDir('disk');
  try {
    const fh = await open(join(dir.path, 'probe'), 'w');
    try {
      const s = new Samples(500);
      const rec = Buffer.alloc(300);
      await paced(500, WATCH_INTERVAL_MS, async () => {
        const t = now();
        await fh.write(rec);
        await fh.datasync();
        s.push(now() - t);
      });
      const sum = summarize(s.values());
      log(`disk: append + fdatasync p50 ${ms(sum.p50)} p99 ${ms(sum.p99)} max ${ms(sum.max)} ms`);
      put(ctx, 'disk.fdatasync.p50', { value: sum.p50, unit: 'ms' });
      put(ctx, 'disk.fdatasync.p99', { value: sum.p99, unit: 'ms' });
    } finally {
      await fh.close();
    }
  } finally {
    dir.remove();
  }
}

// ---- put ----------------------------------------------------------------------------------

async function benchPut(ctx: Ctx, store: Store): Promise<void> {
  const ours: Record<string, number> = {};
  const theirs: Record<string, number> = {};
  const runs = [
    { name: 'put.1_writer', count: PUT_1_COUNT, writers: 1 },
    { name: 'put.64_writers', count: PUT_64_COUNT, writers: 64 },
  ];
  for (const run of runs) {
    // A short warm-up on other keys, so JIT and connections are not part of the figure.
    await runConcurrent(200, run.writers, (i) => store.create(`/registry/warm/${run.writers}/${pad(i)}`, VALUE_256));
    const elapsed = await runConcurrent(run.count, run.writers, async (i) =>
      mustSucceed(await store.create(`/registry/put${run.writers}/obj-${pad(i)}`, VALUE_256), 'engine create'),
    );
    ours[run.name] = (run.count / elapsed) * 1000;
    log(`engine ${run.name}: ${Math.round(ours[run.name] ?? 0)} ops/s (${run.count} in ${Math.round(elapsed)} ms)`);

    const c = ctx.etcdClient;
    if (c) {
      await runConcurrent(200, run.writers, (i) => etcdCreate(c, `/registry/warm/${run.writers}/${pad(i)}`, VALUE_256));
      const e = await runConcurrent(run.count, run.writers, async (i) =>
        mustSucceed(await etcdCreate(c, `/registry/put${run.writers}/obj-${pad(i)}`, VALUE_256), 'etcd create'),
      );
      theirs[run.name] = (run.count / e) * 1000;
      log(`etcd   ${run.name}: ${Math.round(theirs[run.name] ?? 0)} ops/s (${run.count} in ${Math.round(e)} ms)`);
    }
  }
  for (const run of runs) compared(ctx, run.name, ours[run.name] ?? NaN, theirs[run.name], 'ops/s');
  const o64 = ours['put.64_writers'];
  const t64 = theirs['put.64_writers'];
  if (o64 !== undefined && t64 !== undefined) {
    put(ctx, 'put.64_writers.vs_etcd', { value: o64 / t64, unit: 'x', target: 2, anchor: ctx.anchor });
  }
}

// ---- range --------------------------------------------------------------------------------

async function benchRange(ctx: Ctx, store: Store): Promise<void> {
  const key = (ns: number, i: number) => `/registry/range/ns-${pad(ns, 3)}/obj-${pad(i, 3)}`;
  const prefix = (ns: number) => `/registry/range/ns-${pad(ns, 3)}/`;
  const total = RANGE_NAMESPACES * RANGE_PER_NAMESPACE;
  const at = (n: number): [number, number] => [Math.floor(n / RANGE_PER_NAMESPACE), n % RANGE_PER_NAMESPACE];
  // A fixed pseudo-random sequence so both stores answer the same queries.
  const rnd = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

  await runConcurrent(total, 64, async (n) => mustSucceed(await store.create(key(...at(n)), VALUE_256), 'engine create'));
  const check = await store.range(prefix(7), { prefix: true });
  if (check.kvs.length !== RANGE_PER_NAMESPACE) throw new Error(`engine prefix range returned ${check.kvs.length} keys`);

  const measure = async (n: number, op: (r: () => number) => Promise<unknown>) => {
    const r = rnd(42);
    for (let i = 0; i < 200; i++) await op(r); // warm-up
    const s = new Samples(n);
    for (let i = 0; i < n; i++) {
      const t = now();
      await op(r);
      s.push(now() - t);
    }
    return summarize(s.values());
  };
  const getOurs = await measure(RANGE_GETS, (r) => store.range(key(...at(Math.floor(r() * total)))));
  const prefOurs = await measure(RANGE_PREFIXES, (r) =>
    store.range(prefix(Math.floor(r() * RANGE_NAMESPACES)), { prefix: true }),
  );
  log(`engine get p50 ${ms(getOurs.p50)} p99 ${ms(getOurs.p99)}; prefix100 p50 ${ms(prefOurs.p50)} p99 ${ms(prefOurs.p99)} ms`);

  let getEtcd: ReturnType<typeof summarize> | undefined;
  let prefEtcd: ReturnType<typeof summarize> | undefined;
  const c = ctx.etcdClient;
  if (c) {
    await runConcurrent(total, 64, (n) => c.put(key(...at(n))).value(VALUE_256).exec());
    const chk = await c.getAll().prefix(prefix(7)).exec();
    if (chk.kvs.length !== RANGE_PER_NAMESPACE) throw new Error(`etcd prefix range returned ${chk.kvs.length} keys`);
    getEtcd = await measure(RANGE_GETS, (r) => c.get(key(...at(Math.floor(r() * total)))).exec());
    prefEtcd = await measure(RANGE_PREFIXES, (r) => c.getAll().prefix(prefix(Math.floor(r() * RANGE_NAMESPACES))).exec());
    log(`etcd   get p50 ${ms(getEtcd.p50)} p99 ${ms(getEtcd.p99)}; prefix100 p50 ${ms(prefEtcd.p50)} p99 ${ms(prefEtcd.p99)} ms`);
  }
  compared(ctx, 'range.get.p50', getOurs.p50, getEtcd?.p50, 'ms');
  compared(ctx, 'range.get.p99', getOurs.p99, getEtcd?.p99, 'ms');
  compared(ctx, 'range.prefix100_of_10k.p50', prefOurs.p50, prefEtcd?.p50, 'ms');
  compared(ctx, 'range.prefix100_of_10k.p99', prefOurs.p99, prefEtcd?.p99, 'ms');
}

// ---- watch --------------------------------------------------------------------------------

interface WatchRun {
  latencies: ReturnType<typeof summarize>;
  /** Write call to the write's own promise resolving (the commit, fsync included). */
  commits: ReturnType<typeof summarize>;
  delivered: number;
  expected: number;
}

/**
 * Shared driver: `subscribe(onEvent)` sets up `watchers` watchers (each calling onEvent(key)
 * on receipt); then WATCH_EVENTS creates are written at a steady pace.
 */
async function watchRun(
  label: string,
  watchers: number,
  prefix: string,
  subscribe: (onKey: (key: string) => void) => Promise<() => Promise<void>>,
  write: (key: string) => Promise<{ succeeded: boolean }>,
  deliveryTimeoutMs: number,
): Promise<WatchRun> {
  const sent = new Float64Array(WATCH_EVENTS).fill(NaN);
  const committed = new Float64Array(WATCH_EVENTS);
  const lat = new Samples(watchers * WATCH_EVENTS);
  const expected = watchers * WATCH_EVENTS;
  let delivered = 0;
  let allDelivered: () => void = () => {};
  const done = new Promise<void>((r) => (allDelivered = r));
  const onKey = (key: string) => {
    const t = now();
    const i = Number(key.slice(prefix.length + 2)); // "e-000123"
    const s = sent[i];
    if (s === undefined || Number.isNaN(s)) return; // not one of ours
    lat.push(t - s);
    if (++delivered === expected) allDelivered();
  };
  const t0 = now();
  const unsubscribe = await subscribe(onKey);
  log(`${label}: ${watchers} watchers set up in ${Math.round(now() - t0)} ms`);
  try {
    await paced(WATCH_EVENTS, WATCH_INTERVAL_MS, async (i) => {
      const t = (sent[i] = now());
      mustSucceed(await write(`${prefix}e-${pad(i)}`), `${label} create`);
      committed[i] = now() - t;
    });
    await Promise.race([done, sleep(deliveryTimeoutMs)]);
  } finally {
    await unsubscribe();
  }
  return { latencies: summarize(lat.values()), commits: summarize(committed), delivered, expected };
}

async function benchWatch(ctx: Ctx, store: Store): Promise<void> {
  const prefix = '/registry/watch/';
  const ours = await watchRun(
    'engine watch',
    WATCHERS,
    prefix,
    async (onKey) => {
      const start = (await store.status()).revision + 1;
      const errors: unknown[] = [];
      const watches: Watch[] = [];
      const loops: Promise<void>[] = [];
      for (let w = 0; w < WATCHERS; w++) {
        const watch = store.watch(prefix, { prefix: true, startRevision: start });
        watches.push(watch);
        loops.push(
          (async () => {
            try {
              for await (const resp of watch) for (const ev of resp.events) onKey(ev.kv.key);
            } catch (err) {
              errors.push(err);
            }
          })(),
        );
      }
      return async () => {
        for (const w of watches) w.cancel();
        await withTimeout(Promise.all(loops), 10_000, 'engine watch iteration ending after cancel()');
        if (errors.length) throw new Error(`${errors.length} engine watchers failed; first: ${String(errors[0])}`);
      };
    },
    (key) => store.create(key, VALUE_256),
    30_000,
  );
  if (ours.delivered !== ours.expected) {
    throw new Error(`engine watch delivered ${ours.delivered} of ${ours.expected} events within 30 s`);
  }
  log(
    `engine watch p50 ${ms(ours.latencies.p50)} p99 ${ms(ours.latencies.p99)} max ${ms(ours.latencies.max)} ms; ` +
      `its writes' commit p50 ${ms(ours.commits.p50)} p99 ${ms(ours.commits.p99)} ms`,
  );

  // etcd through the etcd3 client: every watcher shares one gRPC stream in this process.
  let theirs: WatchRun | undefined;
  let etcdWatchers = WATCHERS;
  const etcd = ctx.etcd;
  if (etcd) {
    for (const n of [WATCHERS, 100]) {
      etcdWatchers = n;
      const client = etcd.client(); // its own client, closed afterwards with all its watchers
      const p = `/registry/watch-etcd-${n}/`;
      try {
        theirs = await watchRun(
          `etcd watch`,
          n,
          p,
          async (onKey) => {
            const ws = await Promise.all(Array.from({ length: n }, () => client.watch().prefix(p).create()));
            for (const w of ws) w.on('put', (kv) => onKey(kv.key.toString()));
            return async () => {
              await Promise.all(ws.map((w) => w.cancel()));
            };
          },
          (key) => etcdCreate(client, key, VALUE_256),
          60_000,
        );
      } finally {
        client.close();
      }
      if (theirs.delivered === theirs.expected) break;
      log(`etcd watch with ${n} watchers delivered ${theirs.delivered} of ${theirs.expected} in 60 s; retrying with fewer`);
      theirs = undefined;
    }
    if (theirs) {
      log(`etcd   watch (${etcdWatchers}) p50 ${ms(theirs.latencies.p50)} p99 ${ms(theirs.latencies.p99)} ms`);
    }
  }
  const name = `watch.${WATCHERS}_watchers`;
  const sameCount = theirs !== undefined && etcdWatchers === WATCHERS;
  compared(ctx, `${name}.p50`, ours.latencies.p50, sameCount ? theirs?.latencies.p50 : undefined, 'ms');
  compared(ctx, `${name}.p99`, ours.latencies.p99, sameCount ? theirs?.latencies.p99 : undefined, 'ms', { target: 5 });
  put(ctx, `${name}.max`, { value: ours.latencies.max, unit: 'ms' });
  // The write's own commit (fsync included) is part of every delivery latency above.
  compared(ctx, `${name}.write_commit.p99`, ours.commits.p99, sameCount ? theirs?.commits.p99 : undefined, 'ms');
  if (theirs && !sameCount) {
    put(ctx, `watch.etcd_${etcdWatchers}_watchers.p50`, { value: theirs.latencies.p50, unit: 'ms', anchor: ctx.anchor });
    put(ctx, `watch.etcd_${etcdWatchers}_watchers.p99`, { value: theirs.latencies.p99, unit: 'ms', anchor: ctx.anchor });
  }
}

// ---- compaction ---------------------------------------------------------------------------

async function benchCompaction(ctx: Ctx): Promise<void> {
  const dir = tempDir('compact');
  const store = await ctx.openStore({ dir: dir.path });
  try {
    const key = (i: number) => `/registry/compact/obj-${pad(i)}`;
    const modRev = new Float64Array(COMPACT_KEYS);
    const t0 = now();
    await runConcurrent(COMPACT_KEYS, 64, async (i) => {
      const r = await store.create(key(i), VALUE_256);
      mustSucceed(r, 'engine create');
      modRev[i] = r.kv?.modRevision ?? r.revision;
    });
    for (let v = 1; v < COMPACT_VERSIONS; v++) {
      await runConcurrent(COMPACT_KEYS, 64, async (i) => {
        const r = await store.update(key(i), VALUE_256, modRev[i] ?? 0);
        mustSucceed(r, 'engine update');
        modRev[i] = r.kv?.modRevision ?? r.revision;
      });
    }
    const loadMs = now() - t0;
    const revs = COMPACT_KEYS * COMPACT_VERSIONS;
    log(`compaction: loaded ${revs} revisions in ${Math.round(loadMs)} ms`);

    // Background writers and a stall meter, run once as a baseline and once around compact().
    let n = 0; // background keys, shared by both windows: every create is of a new key
    const window = async (during: () => Promise<void>) => {
      let stop = false;
      let writes = 0;
      let maxWrite = 0;
      let writeError: { err: unknown } | undefined;
      const writers = Array.from({ length: 4 }, async () => {
        try {
          while (!stop) {
            const t = now();
            mustSucceed(await store.create(`/registry/compact-bg/obj-${pad(n++, 8)}`, VALUE_256), 'engine create');
            maxWrite = Math.max(maxWrite, now() - t);
            writes++;
          }
        } catch (err) {
          writeError ??= { err };
        }
      });
      const hist = monitorEventLoopDelay({ resolution: 1 });
      let last = now();
      let maxGap = 0;
      const timer = setInterval(() => {
        const t = now();
        maxGap = Math.max(maxGap, t - last - 1);
        last = t;
      }, 1);
      await sleep(50); // let the meters settle
      hist.reset();
      maxGap = 0;
      last = now();
      const start = now();
      let elapsed = 0;
      try {
        await during();
        elapsed = now() - start;
        await sleep(20); // a stall that ends with during() is measured on the next tick
      } finally {
        hist.disable();
        clearInterval(timer);
        stop = true;
        await Promise.all(writers);
      }
      if (writeError) throw writeError.err;
      return { elapsed, maxStall: Math.max(hist.max / 1e6, maxGap), writes, maxWrite };
    };
    const baseline = await window(() => sleep(1000));
    let compactRev = 0;
    const during = await window(async () => {
      compactRev = (await store.status()).revision;
      await store.compact(compactRev);
    });
    const st = await store.status();
    if (st.compactRevision < compactRev) {
      throw new Error(`status().compactRevision ${st.compactRevision} < compacted revision ${compactRev}`);
    }
    log(
      `compaction of ${compactRev} revisions: ${Math.round(during.elapsed)} ms, max stall ${ms(during.maxStall)} ms ` +
        `(baseline ${ms(baseline.maxStall)} ms), ${during.writes} writes during it, max write ${ms(during.maxWrite)} ms`,
    );
    put(ctx, 'compaction.max_pause', { value: during.maxStall, unit: 'ms', target: 10 });
    put(ctx, 'compaction.total_time', { value: during.elapsed, unit: 'ms' });
    put(ctx, 'compaction.revisions', { value: compactRev, unit: 'revisions' });
    put(ctx, 'compaction.baseline_max_stall', { value: baseline.maxStall, unit: 'ms' });
    put(ctx, 'compaction.writes_during', { value: during.writes, unit: 'writes' });
    put(ctx, 'compaction.max_write_latency_during', { value: during.maxWrite, unit: 'ms' });
    put(ctx, 'compaction.load_rate', { value: (revs / loadMs) * 1000, unit: 'ops/s' });
  } finally {
    await store.close();
    dir.remove();
  }
}

// ---- recovery -----------------------------------------------------------------------------

interface RecoveryReport {
  openMs: number;
  rss: number;
  peakRss: number;
  heapUsed: number;
  keys: number;
  revision: number;
}

async function benchRecovery(ctx: Ctx): Promise<void> {
  const dir = tempDir('recovery');
  try {
    // The load runs in its own process too: a parent still holding (and collecting) the
    // loaded heap would compete with the restarting child for the machine's two cores.
    const t0 = now();
    const load = await runTsChild(THIS_FILE, ['--load-child', dir.path, String(RECOVERY_KEYS)], { timeoutMs: 600_000 });
    if (load.code !== 0) throw new Error(`load child failed (code ${load.code}): ${load.stderr.trim().slice(-2000)}`);
    const loadMs = now() - t0;
    const disk = dirBytes(dir.path);
    log(`recovery: ${RECOVERY_KEYS} keys of 1 KiB loaded in ${Math.round(loadMs)} ms; ${Math.round(disk / MiB)} MiB on disk`);

    const child = await runTsChild(THIS_FILE, ['--recovery-child', dir.path, String(RECOVERY_KEYS)], {
      timeoutMs: 180_000,
    });
    const rep = child.json as RecoveryReport | undefined;
    if (child.code !== 0 || !rep || typeof rep.openMs !== 'number') {
      throw new Error(
        `recovery child failed (code ${child.code}, signal ${child.signal}): ${child.stderr.trim().slice(-2000)}`,
      );
    }
    log(
      `recovery: reopened in ${Math.round(rep.openMs)} ms (child wall ${Math.round(child.wallMs)} ms), ` +
        `rss ${Math.round(rep.rss / MiB)} MiB, peak ${Math.round(rep.peakRss / MiB)} MiB`,
    );
    put(ctx, 'recovery.restart_time', { value: rep.openMs, unit: 'ms', target: 10_000 });
    put(ctx, 'recovery.rss_after_open', { value: rep.rss / MiB, unit: 'MiB', target: 3 * (GiB / MiB) });
    put(ctx, 'recovery.peak_rss', { value: Math.max(rep.peakRss, child.maxSampledRss) / MiB, unit: 'MiB' });
    put(ctx, 'recovery.child_wall_time', { value: child.wallMs, unit: 'ms' });
    put(ctx, 'recovery.keys', { value: RECOVERY_KEYS, unit: 'keys' });
    put(ctx, 'recovery.disk', { value: disk / MiB, unit: 'MiB' });
    put(ctx, 'recovery.load_rate', { value: (RECOVERY_KEYS / loadMs) * 1000, unit: 'ops/s' });
  } finally {
    dir.remove();
  }
}

/** The loading side: write the keys with many concurrent writers, then close. */
async function loadChild(dir: string, keys: number): Promise<void> {
  const openStore = await loadEngine();
  const store = await openStore({ dir });
  const t0 = now();
  let loaded = 0;
  try {
    await runConcurrent(keys, RECOVERY_CONCURRENCY, async (i) => {
      const v = Buffer.allocUnsafe(1024);
      VALUE_1K.copy(v);
      v.writeUInt32BE(i, 0);
      mustSucceed(await store.create(`/registry/pods/ns-${pad(i % 1000, 4)}/pod-${pad(i, 7)}`, v), 'engine create');
      if (++loaded % 200_000 === 0) log(`recovery: loaded ${loaded} keys in ${Math.round(now() - t0)} ms`);
    });
  } finally {
    await store.close();
  }
}

/** The child side: open the store, check it, report time and memory as one JSON line. */
async function recoveryChild(dir: string, expectedKeys: number): Promise<void> {
  const openStore = await loadEngine();
  const t0 = now();
  const store = await openStore({ dir });
  const openMs = now() - t0;
  const rss = process.memoryUsage().rss;
  const st = await store.status();
  if (st.keys !== expectedKeys) throw new Error(`reopened store has ${st.keys} keys, expected ${expectedKeys}`);
  const i = expectedKeys - 1;
  const r = await store.range(`/registry/pods/ns-${pad(i % 1000, 4)}/pod-${pad(i, 7)}`);
  const v = r.kvs[0]?.value;
  if (!v || v.length !== 1024 || Buffer.from(v.buffer, v.byteOffset, v.byteLength).readUInt32BE(0) !== i) {
    throw new Error('reopened store returned a wrong value for the last key');
  }
  const status = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
  const peakKb = Number(/VmHWM:\s*(\d+)/.exec(status)?.[1] ?? 0);
  const report: RecoveryReport = {
    openMs,
    rss,
    peakRss: peakKb * 1024,
    heapUsed: process.memoryUsage().heapUsed,
    keys: st.keys,
    revision: st.revision,
  };
  await store.close();
  process.stdout.write(JSON.stringify(report) + '\n');
}

// ---- entry points -------------------------------------------------------------------------

async function section(ctx: Ctx, name: string, timeoutMs: number, fn: () => Promise<void>): Promise<void> {
  if (!wanted(name)) return;
  const t = now();
  log(`${name} ...`);
  try {
    await withTimeout(fn(), timeoutMs, `section ${name}`);
    log(`${name} done in ${((now() - t) / 1000).toFixed(1)} s`);
  } catch (err) {
    log(`${name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    put(ctx, `${name}.error`, { value: 1, unit: 'error', target: 0, better: 'lower' });
  }
}

export default async function run(): Promise<Metrics> {
  const openStore = await loadEngine();
  const { startEtcd } = await import('./etcd.ts');
  const started = ['put', 'range', 'watch'].some(wanted)
    ? await startEtcd()
    : { etcd: undefined, reason: 'not needed by the sections chosen (KUBELITE_BENCH_ONLY)' };
  if (!started.etcd) log(`etcd comparison skipped: ${started.reason}`);
  else log(`etcd ${started.etcd.version} at ${started.etcd.endpoint} (pid ${started.etcd.pid})`);
  const ctx: Ctx = {
    openStore,
    etcd: started.etcd,
    etcdClient: started.etcd?.client(),
    anchor: `etcd ${started.etcd?.version ?? '?'}, same run (etcd3 client; ratio > 1: ours better)`,
    metrics: {},
  };
  const dir = tempDir('store');
  try {
    await section(ctx, 'disk', 60_000, () => benchDisk(ctx));
    const store = await openStore({ dir: dir.path });
    try {
      await section(ctx, 'put', 180_000, () => benchPut(ctx, store));
      await section(ctx, 'range', 120_000, () => benchRange(ctx, store));
      await section(ctx, 'watch', 180_000, () => benchWatch(ctx, store));
    } finally {
      await withTimeout(store.close(), 30_000, 'store.close()');
    }
  } finally {
    ctx.etcdClient?.close();
    await ctx.etcd?.stop();
    dir.remove();
  }
  await section(ctx, 'compaction', 180_000, () => benchCompaction(ctx));
  await section(ctx, 'recovery', 300_000, () => benchRecovery(ctx));
  return ctx.metrics;
}

const childRole = process.argv[1] && resolve(process.argv[1]) === THIS_FILE ? process.argv[2] : undefined;
if (childRole === '--recovery-child' || childRole === '--load-child') {
  const [dir, keys] = process.argv.slice(3);
  (childRole === '--load-child' ? loadChild : recoveryChild)(dir ?? '', Number(keys)).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
