// Model-based property tests: random sequences of operations run against the engine and
// against the reference model (model.ts), which must agree on every answer. Durable runs also
// restart the store mid-sequence, with log segments and snapshot thresholds so small that
// segment rolls, snapshots and segment removal happen all the time.
//
// Leases expire by a ManualClock that the sequence moves ('advance'); the model has no clock,
// so the runner keeps each lease's deadline and revokes due leases in the model.
//
// A failure prints fast-check's shrunk counterexample: the list of operations. To replay it:
//   PROPERTY_SEED=<seed> PROPERTY_PATH=<path>   (from the report), or
//   PROPERTY_MODE=memory|durable PROPERTY_OPS='<the counterexample's JSON array>'
// PROPERTY_RUNS_FACTOR=20 runs a longer soak; PROPERTY_SKIP=op1,op2 leaves operations out.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ManualClock } from '../util/clock.ts';
import { WatchReader, plainEvent, plainKv } from './conformance.ts';
import { StoreModel } from './model.ts';
import { StoreClosedError } from './errors.ts';
import { openStore, type EmbeddedStore, type EngineOptions } from './index.ts';
import type { RangeOptions, RangeResult, TxnResult, WriteOptions } from './types.ts';

// ---- operations ----

const KEYS = ['/a', '/a/x', '/a/y', '/a/x/1', '/ab', '/b', '/b/a', '/c'] as const;
const PREFIXES = ['/', '/a', '/a/', '/a/x', '/b/', '/c', '/d'] as const;
type Key = (typeof KEYS)[number];

/** -1: no lease; -2: a lease that does not exist; n >= 0: the (n mod count)th live lease. */
type LeaseRef = number;
/** The key's current modRevision, or a wrong one derived from the seed. */
type RevRef = 'current' | { wrong: number };
/** Which revision to read at. */
type At = 'latest' | { hist: number } | { future: number } | { compacted: number };

type Op =
  | { op: 'create'; key: Key; value: string; lease: LeaseRef }
  | { op: 'update'; key: Key; value: string; rev: RevRef; lease: LeaseRef }
  | { op: 'delete'; key: Key; rev: RevRef | 'any' }
  | { op: 'range'; key: string; prefix: boolean; limit: number; after: Key | null; at: At; countOnly: boolean }
  | { op: 'compact'; seed: number }
  | { op: 'watch'; key: string; prefix: boolean; prevKv: boolean; from: { live: number } | { compacted: number } }
  | { op: 'grant'; ttl: number }
  | { op: 'ttl'; lease: number }
  | { op: 'advance'; seconds: number }
  | { op: 'revoke'; lease: number }
  | { op: 'keepAlive'; lease: number }
  | {
      op: 'concurrent';
      writes: Array<{ key: Key; value: string; kind: 'create' | 'update' | 'delete' }>;
      /** Also compact (at a revision from before the batch) and snapshot, alongside the writes. */
      compact: number | null;
      snapshot: boolean;
    }
  | { op: 'checkLive' }
  | { op: 'restart' }
  | { op: 'snapshot' };

const keyArb = fc.constantFrom(...KEYS);
const valueArb = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 4 }) },
  { weight: 1, arbitrary: fc.nat(9).map((n) => `${n}`.repeat(120)) },
);
const leaseArb: fc.Arbitrary<LeaseRef> = fc.oneof(
  { weight: 5, arbitrary: fc.constant(-1) },
  { weight: 4, arbitrary: fc.nat(7) },
  { weight: 1, arbitrary: fc.constant(-2) },
);
const revArb: fc.Arbitrary<RevRef> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('current' as const) },
  { weight: 1, arbitrary: fc.nat(50).map((wrong) => ({ wrong })) },
);
const atArb: fc.Arbitrary<At> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('latest' as const) },
  { weight: 4, arbitrary: fc.nat(1000).map((hist) => ({ hist })) },
  { weight: 1, arbitrary: fc.nat(2).map((future) => ({ future })) },
  { weight: 1, arbitrary: fc.nat(1000).map((compacted) => ({ compacted })) },
);
const rangeKeyArb = fc.oneof(fc.constantFrom(...PREFIXES), keyArb);

/** Debugging aid: PROPERTY_SKIP=concurrent,revoke leaves those operations out. */
const SKIP = new Set((process.env.PROPERTY_SKIP ?? '').split(',').filter(Boolean));

function opArb(durable: boolean): fc.Arbitrary<Op> {
  const ops: Array<{ weight: number; arbitrary: fc.Arbitrary<Op> }> = [
    { weight: 5, arbitrary: fc.record({ op: fc.constant('create' as const), key: keyArb, value: valueArb, lease: leaseArb }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('update' as const), key: keyArb, value: valueArb, rev: revArb, lease: leaseArb }) },
    {
      weight: 3,
      arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb, rev: fc.oneof(fc.constant('any' as const), revArb) }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('range' as const),
        key: rangeKeyArb,
        prefix: fc.boolean(),
        limit: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
        after: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: keyArb }),
        at: atArb,
        countOnly: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('compact' as const), seed: fc.nat(1000) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('watch' as const),
        key: rangeKeyArb,
        prefix: fc.boolean(),
        prevKv: fc.boolean(),
        from: fc.oneof(
          { weight: 5, arbitrary: fc.nat(1000).map((live) => ({ live })) },
          { weight: 1, arbitrary: fc.nat(1000).map((compacted) => ({ compacted })) },
        ),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('grant' as const), ttl: fc.constantFrom(3, 5, 10, 10, 1000) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('ttl' as const), lease: fc.nat(7) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 12 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('revoke' as const), lease: fc.nat(7) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('keepAlive' as const), lease: fc.nat(7) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('concurrent' as const),
        writes: fc.uniqueArray(
          fc.record({ key: keyArb, value: valueArb, kind: fc.constantFrom('create' as const, 'update' as const, 'delete' as const) }),
          { minLength: 2, maxLength: 4, selector: (w) => w.key },
        ),
        compact: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(1000) }),
        snapshot: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: 'checkLive' as const }) },
  ];
  if (durable) {
    ops.push({ weight: 2, arbitrary: fc.constant({ op: 'restart' as const }) });
    ops.push({ weight: 1, arbitrary: fc.constant({ op: 'snapshot' as const }) });
  }
  return fc.oneof(...ops.filter((o) => !SKIP.has(opName(o.arbitrary))));
}

function opName(arb: fc.Arbitrary<Op>): string {
  return fc.sample(arb, { numRuns: 1, seed: 1 })[0]!.op;
}

// ---- comparing outcomes ----

const enc = new TextEncoder();

type Outcome = { ok: unknown } | { error: string };

async function outcome<T>(f: () => Promise<T> | T, norm: (v: T) => unknown): Promise<Outcome> {
  try {
    return { ok: norm(await f()) };
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    return { error: e instanceof Error ? e.name : String(e) };
  }
}

function plainTxn(r: TxnResult): unknown {
  return r.kv ? { succeeded: r.succeeded, revision: r.revision, kv: plainKv(r.kv) } : { succeeded: r.succeeded, revision: r.revision };
}

function plainRange(r: RangeResult): unknown {
  return { kvs: r.kvs.map(plainKv), more: r.more, count: r.count };
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const WAIT_MS = 1500;

// ---- running a sequence ----

interface Mode {
  durable: boolean;
}

class Run {
  store!: EmbeddedStore;
  model!: StoreModel;
  private options!: EngineOptions;
  private clock!: ManualClock;
  /** When each live lease expires, by the ManualClock (the model itself has no clock). */
  private readonly deadlines = new Map<number, number>();
  private dir: string | undefined;
  private live: { reader: WatchReader; start: number; consumed: number } | undefined;

  constructor(private readonly mode: Mode) {}

  async start(): Promise<void> {
    this.dir = this.mode.durable ? mkdtempSync(join(tmpdir(), 'kubelite-property-')) : undefined;
    this.clock = new ManualClock(1_700_000_000_000);
    this.options = {
      clock: this.clock,
      fsync: false,
      compactionBatch: 2,
      ...(this.dir ? { dir: this.dir, segmentBytes: 128, snapshotEveryBytes: 256 } : {}),
    };
    this.store = await openStore(this.options);
    const st = await this.store.status();
    this.model = new StoreModel(st.revision, st.compactRevision);
    this.openLive(this.model.revision + 1);
  }

  async stop(): Promise<void> {
    try {
      this.live?.reader.watch.cancel();
      await timeout(this.store.close(), WAIT_MS, 'close');
    } finally {
      if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private openLive(start: number): void {
    this.live = { reader: new WatchReader(this.store.watch('/', { prefix: true, prevKv: true, startRevision: start })), start, consumed: 0 };
  }

  private leaseId(ref: number): number | undefined {
    const ids = [...this.model.leases.keys()].sort((a, b) => a - b);
    if (ids.length === 0) return undefined;
    return ids[ref % ids.length];
  }

  private writeOptions(ref: LeaseRef): WriteOptions | undefined {
    if (ref === -1) return undefined;
    if (ref === -2) return { lease: 987_654_321 };
    const id = this.leaseId(ref);
    return id === undefined ? undefined : { lease: id };
  }

  private modRevision(key: Key, ref: RevRef): number {
    const current = this.model.get(key)?.modRevision ?? 0;
    if (ref === 'current') {
      // 0 for a missing key is etcd's "does not exist" compare; the conformance suite covers
      // it. Here a missing key gets a wrong non-zero revision instead.
      return current === 0 ? this.model.revision + 1 : current;
    }
    let r = 1 + (ref.wrong % (this.model.revision + 2));
    if (r === current) r += 1;
    return r;
  }

  private async compare(what: string, engine: Outcome, model: Outcome): Promise<void> {
    assert.deepEqual(engine, model, `${what}: engine and model disagree`);
  }

  private async checkStatus(after: string): Promise<void> {
    const st = await this.store.status();
    const m = this.model.status();
    assert.deepEqual(
      { revision: st.revision, compactRevision: st.compactRevision, keys: st.keys, leases: st.leases },
      m,
      `status after ${after}`,
    );
  }

  /** Every revision still retained reads the same as the model's history. */
  async checkHistory(): Promise<void> {
    const from = Math.max(this.model.compactRevision, this.model.history[0]!.revision);
    for (let rev = from; rev <= this.model.revision; rev++) {
      const e = await this.store.range('/', { prefix: true, revision: rev });
      assert.deepEqual(plainRange(e), plainRange(this.model.range('/', { prefix: true, revision: rev })), `history at revision ${rev}`);
    }
  }

  /** The long-lived watcher has seen exactly the model's events since it started. */
  async checkLive(): Promise<void> {
    const live = this.live;
    if (!live) return;
    const expected = this.model.eventsSince('/', { prefix: true, prevKv: true, startRevision: live.start }).slice(live.consumed);
    const got = await live.reader.events(expected.length);
    assert.deepEqual(got.map(plainEvent), expected.map(plainEvent), 'events of the long-lived watcher');
    live.consumed += expected.length;
    await live.reader.expectProgress(this.model.revision);
  }

  private async checkTimeToLive(id: number): Promise<void> {
    const st = await this.store.leaseTimeToLive(id);
    const left = Math.ceil((this.deadlines.get(id)! - this.clock.now()) / 1000);
    assert.deepEqual(
      { id: st.id, grantedTtl: st.grantedTtl, ttl: st.ttl, keys: [...st.keys].sort() },
      { id, grantedTtl: this.model.leases.get(id), ttl: left, keys: this.model.leaseKeys(id) },
      `timeToLive of lease ${id}`,
    );
  }

  /**
   * Move the clock; every lease whose deadline passes expires, deleting its keys in one
   * revision. Leases due at the same moment may expire in any order: the model follows the
   * engine's, read back from the revisions the expiries made, and checks it is deadline order.
   */
  private async advance(ms: number): Promise<void> {
    const m = this.model;
    this.clock.advance(ms);
    const now = this.clock.now();
    const due = [...this.deadlines].filter(([, d]) => d <= now).map(([id]) => id);
    const withKeys = due.filter((id) => m.leaseKeys(id).length > 0);
    const before = m.revision;
    const want = before + withKeys.length;
    const leasesLeft = m.leases.size - due.length;
    const end = Date.now() + WAIT_MS;
    for (;;) {
      const st = await this.store.status();
      if (st.revision === want && st.leases === leasesLeft) break;
      if (st.revision > want || Date.now() > end) {
        assert.fail(
          `after advancing ${ms} ms: status ${JSON.stringify(st)}, expected revision ${want} and ${leasesLeft} leases (expiring: ${JSON.stringify(due)})`,
        );
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    let lastDeadline = -Infinity;
    for (let rev = before + 1; rev <= want; rev++) {
      const was = new Set((await this.store.range('/', { prefix: true, revision: rev - 1 })).kvs.map((kv) => kv.key));
      for (const kv of (await this.store.range('/', { prefix: true, revision: rev })).kvs) was.delete(kv.key);
      const gone = [...was].sort().join(',');
      const id = withKeys.find((l) => m.leases.has(l) && m.leaseKeys(l).join(',') === gone);
      assert.ok(id !== undefined, `revision ${rev} deleted [${gone}], which is no expiring lease's keys`);
      const deadline = this.deadlines.get(id)!;
      assert.ok(deadline >= lastDeadline, `lease ${id} expired out of deadline order`);
      lastDeadline = deadline;
      m.leaseRevoke(id);
      this.deadlines.delete(id);
    }
    for (const id of due) {
      if (!m.leases.has(id)) continue;
      m.leaseRevoke(id);
      this.deadlines.delete(id);
    }
  }

  async apply(op: Op): Promise<void> {
    const m = this.model;
    switch (op.op) {
      case 'create': {
        const v = enc.encode(op.value);
        const o = this.writeOptions(op.lease);
        const e = await outcome(() => this.store.create(op.key, v, o), plainTxn);
        await this.compare(`create ${op.key}`, e, await outcome(() => m.create(op.key, v, o), plainTxn));
        break;
      }
      case 'update': {
        const v = enc.encode(op.value);
        const o = this.writeOptions(op.lease);
        const rev = this.modRevision(op.key, op.rev);
        const e = await outcome(() => this.store.update(op.key, v, rev, o), plainTxn);
        await this.compare(`update ${op.key} at ${rev}`, e, await outcome(() => m.update(op.key, v, rev, o), plainTxn));
        break;
      }
      case 'delete': {
        const rev = op.rev === 'any' ? undefined : this.modRevision(op.key, op.rev);
        const e = await outcome(() => this.store.delete(op.key, rev), plainTxn);
        await this.compare(`delete ${op.key} at ${rev}`, e, await outcome(() => m.delete(op.key, rev), plainTxn));
        break;
      }
      case 'range': {
        const options: RangeOptions = {};
        if (op.prefix) options.prefix = true;
        if (op.limit) options.limit = op.limit;
        if (op.after !== null) options.after = op.after;
        if (op.countOnly) options.countOnly = true;
        const at = op.at;
        const low = Math.max(1, m.compactRevision);
        if (at !== 'latest') {
          if ('hist' in at) options.revision = low + (at.hist % (m.revision - low + 1));
          else if ('future' in at) options.revision = m.revision + 1 + at.future;
          else if (m.compactRevision > 1) options.revision = 1 + (at.compacted % (m.compactRevision - 1));
        }
        const what = `range ${op.key} ${JSON.stringify(options)}`;
        let readAt = 0;
        const e = await outcome(
          () => this.store.range(op.key, options),
          (r) => {
            readAt = r.revision;
            return plainRange(r);
          },
        );
        await this.compare(what, e, await outcome(() => m.range(op.key, options), plainRange));
        if ('ok' in e) {
          // The contract says the revision read at; etcd answers with the current one.
          const want = options.revision ?? m.revision;
          assert.ok(readAt === want || readAt === m.revision, `${what}: result revision ${readAt}, expected ${want}`);
        }
        break;
      }
      case 'compact': {
        const low = Math.max(1, m.compactRevision);
        const rev = low + (op.seed % (m.revision - low + 2));
        const e = await outcome(() => this.store.compact(rev), () => null);
        await this.compare(`compact ${rev}`, e, await outcome(() => m.compact(rev), () => null));
        break;
      }
      case 'watch': {
        const low = m.compactRevision + 1;
        let start: number;
        if ('live' in op.from) start = low + (op.from.live % (m.revision + 1 - low + 1));
        else if (m.compactRevision > 1) start = 1 + (op.from.compacted % (m.compactRevision - 1));
        else start = m.revision + 1;
        const options = { prefix: op.prefix, prevKv: op.prevKv, startRevision: start };
        const what = `watch ${op.key} ${JSON.stringify(options)}`;
        let expected;
        try {
          expected = m.watchEvents(op.key, options);
        } catch (err) {
          expected = err as Error;
        }
        let reader: WatchReader;
        try {
          reader = new WatchReader(this.store.watch(op.key, options));
        } catch (err) {
          assert.ok(expected instanceof Error, `${what}: threw ${String(err)}`);
          assert.equal((err as Error).name, expected.name, what);
          break;
        }
        try {
          if (expected instanceof Error) {
            const seen = await reader.expectThrows(expected.constructor as new () => Error);
            assert.deepEqual(seen.flatMap((r) => r.events), [], `${what}: events before the error`);
          } else {
            const got = await reader.events(expected.length);
            assert.deepEqual(got.map(plainEvent), expected.map(plainEvent), what);
            await reader.expectProgress(m.revision);
          }
        } finally {
          reader.watch.cancel();
        }
        break;
      }
      case 'grant': {
        const e = await this.store.leaseGrant(op.ttl);
        m.leaseGrant(op.ttl, e.id);
        this.deadlines.set(e.id, this.clock.now() + op.ttl * 1000);
        assert.equal(e.ttl, op.ttl);
        break;
      }
      case 'revoke': {
        const id = this.leaseId(op.lease) ?? 424_242;
        const e = await outcome(() => this.store.leaseRevoke(id), () => null);
        await this.compare(`revoke ${id}`, e, await outcome(() => m.leaseRevoke(id), () => null));
        this.deadlines.delete(id);
        break;
      }
      case 'keepAlive': {
        const id = this.leaseId(op.lease) ?? 424_242;
        const e = await outcome(() => this.store.leaseKeepAlive(id), (t) => t);
        await this.compare(`keepAlive ${id}`, e, await outcome(() => m.leaseKeepAlive(id), (t) => t));
        if (m.leases.has(id)) {
          this.deadlines.set(id, this.clock.now() + m.leases.get(id)! * 1000);
          await this.checkTimeToLive(id);
        }
        break;
      }
      case 'ttl': {
        const id = this.leaseId(op.lease);
        if (id !== undefined) await this.checkTimeToLive(id);
        break;
      }
      case 'advance': {
        await this.advance(op.seconds * 1000);
        break;
      }
      case 'concurrent': {
        // Distinct keys: each write's success does not depend on the order; the engine picks
        // the order, and the model follows it (by the revisions the engine gave).
        const before = m.revision;
        const plans = op.writes.map((w) => ({ ...w, v: enc.encode(w.value), rev: m.get(w.key)?.modRevision ?? 0 }));
        const low = Math.max(1, m.compactRevision);
        const compactAt = op.compact === null ? undefined : low + (op.compact % (before - low + 1));
        const compacting = compactAt === undefined ? undefined : outcome(() => this.store.compact(compactAt), () => null);
        const snapshotting = op.snapshot ? outcome(() => this.store.snapshot(), () => null) : undefined;
        const results = await timeout(
          Promise.all(
            plans.map((p) =>
              outcome(
                () =>
                  p.kind === 'create'
                    ? this.store.create(p.key, p.v)
                    : p.kind === 'update'
                      ? this.store.update(p.key, p.v, p.rev === 0 ? before + 100 : p.rev)
                      : this.store.delete(p.key),
                (r) => r,
              ),
            ),
          ),
          WAIT_MS,
          `${plans.length} concurrent writes to complete`,
        );
        const order = plans
          .map((p, i) => ({ p, r: results[i]! }))
          .sort((x, y) => {
            const rx = 'ok' in x.r ? (x.r.ok as TxnResult) : undefined;
            const ry = 'ok' in y.r ? (y.r.ok as TxnResult) : undefined;
            return (rx?.succeeded ? rx.revision : 0) - (ry?.succeeded ? ry.revision : 0);
          });
        for (const { p, r } of order) {
          const mo = await outcome(
            () =>
              p.kind === 'create'
                ? m.create(p.key, p.v)
                : p.kind === 'update'
                  ? m.update(p.key, p.v, p.rev === 0 ? before + 100 : p.rev)
                  : m.delete(p.key),
            (x) => x,
          );
          const norm = (o: Outcome): unknown => {
            if (!('ok' in o)) return o;
            const t = o.ok as TxnResult;
            // A failed write reports the revision its check was made at: any within the batch.
            return t.succeeded ? plainTxn(t) : { ...(plainTxn(t) as object), revision: 'batch' };
          };
          if ('ok' in r && !(r.ok as TxnResult).succeeded) {
            const rev = (r.ok as TxnResult).revision;
            assert.ok(rev >= before && rev <= m.revision + plans.length, `concurrent ${p.kind} ${p.key}: failed at revision ${rev}`);
          }
          await this.compare(`concurrent ${p.kind} ${p.key}`, norm(r) as Outcome, norm(mo) as Outcome);
        }
        if (compacting) {
          const e = await timeout(compacting, WAIT_MS, 'a compaction run alongside writes');
          await this.compare(`concurrent compact ${compactAt}`, e, await outcome(() => m.compact(compactAt!), () => null));
        }
        if (snapshotting) {
          assert.deepEqual(await timeout(snapshotting, WAIT_MS, 'a snapshot run alongside writes'), { ok: null }, 'concurrent snapshot');
        }
        break;
      }
      case 'checkLive':
        await this.checkLive();
        break;
      case 'snapshot':
        await this.store.snapshot();
        break;
      case 'restart': {
        await this.checkLive();
        const closing = this.live?.reader.expectThrows(StoreClosedError);
        await timeout(this.store.close(), WAIT_MS, 'close');
        if (closing) assert.deepEqual((await closing).flatMap((r) => r.events), [], 'events after close');
        this.store = await openStore(this.options);
        // Leases restart their TTL on recovery (as etcd's do).
        for (const [id, ttl] of m.leases) this.deadlines.set(id, this.clock.now() + ttl * 1000);
        await this.checkStatus('restart');
        await this.checkHistory();
        // The new long-lived watcher replays from where the old one started (when retained).
        // It is read to the end at once: a watcher still pulling history is cut off by a
        // compaction that passes it (etcd too, if the compaction wins the race), and this one
        // is meant to check delivery, not that race.
        this.openLive(Math.max(this.live?.start ?? 1, m.compactRevision + 1));
        await this.checkLive();
        break;
      }
    }
    await this.checkStatus(op.op);
  }
}

async function runSequence(mode: Mode, ops: Op[]): Promise<void> {
  const run = new Run(mode);
  await run.start();
  try {
    for (const op of ops) await run.apply(op);
    await run.checkLive();
    await run.checkHistory();
  } finally {
    await run.stop();
  }
}

/** PROPERTY_RUNS_FACTOR=20 runs twenty times as many sequences (a longer soak). */
const RUNS_FACTOR = Number(process.env.PROPERTY_RUNS_FACTOR ?? 1);

function property(mode: Mode, numRuns: number, maxLength: number): Promise<void> {
  // Replay a reported failure with PROPERTY_SEED and PROPERTY_PATH (from the report).
  const seed = process.env.PROPERTY_SEED;
  const path = process.env.PROPERTY_PATH;
  return fc.assert(
    fc.asyncProperty(fc.array(opArb(mode.durable), { minLength: 1, maxLength, size: 'max' }), async (ops) => {
      await runSequence(mode, ops);
    }),
    {
      numRuns: Math.round(numRuns * RUNS_FACTOR),
      interruptAfterTimeLimit: RUNS_FACTOR * 60_000,
      includeErrorInReport: true,
      ...(seed ? { seed: Number(seed) } : {}),
      ...(path ? { path } : {}),
    },
  );
}

describe('storage engine agrees with the reference model', () => {
  // Debugging aid: PROPERTY_OPS='[...]' (a counterexample's operations) with PROPERTY_MODE=memory
  // or durable runs just that sequence.
  const replay = process.env.PROPERTY_OPS;
  if (replay) {
    it('replay of PROPERTY_OPS', { timeout: 60_000 }, async () => {
      await runSequence({ durable: process.env.PROPERTY_MODE === 'durable' }, JSON.parse(replay) as Op[]);
    });
    return;
  }

  it('memory mode', { timeout: 180_000 * RUNS_FACTOR }, async () => {
    await property({ durable: false }, 100, 100);
  });

  it('durable mode, with restarts, snapshots and segment removal', { timeout: 180_000 * RUNS_FACTOR }, async () => {
    await property({ durable: true }, 40, 60);
  });
});
