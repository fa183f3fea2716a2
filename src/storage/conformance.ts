// The store contract as a test suite. `storeConformance` registers node:test cases that check a
// backend against types.ts, and, where the contract leaves a detail open, against what etcd v3
// does (checked against a real etcd 3.4). Every backend runs the same suite: the embedded
// engine in memory and durable modes, and anything else that claims to be a Store.

import { afterEach, beforeEach, describe, it as nodeIt } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompactedError,
  FutureRevisionError,
  InvalidArgumentError,
  LeaseNotFoundError,
  RequestTooLargeError,
  StorageError,
  StoreClosedError,
} from './errors.ts';
import { MAX_LEASE_TTL, MAX_REQUEST_BYTES } from './types.ts';
import type { KeyValue, Store, TxnResult, Watch, WatchEvent, WatchResponse } from './types.ts';
import type { ManualClock } from '../util/clock.ts';

export interface ConformanceHarness {
  /** A new, empty store. */
  open(): Promise<Store>;
  /** Close the store `open` (or `reopen`) last returned and open the same data again. */
  reopen?(): Promise<Store>;
  /** The clock driving the backend's lease expiry, when the test can move it. */
  clock?: ManualClock;
  /**
   * The backend's limit on events buffered per watcher (the engine's `maxWatcherLag`), when it
   * was opened with a small one: enables the slow-watcher case.
   */
  maxWatcherLag?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array): string => dec.decode(b);

/** How long to wait for something asynchronous (a watch response, a lease expiry) to happen. */
const WAIT_MS = 3000;

/** A KeyValue as plain data, for deepEqual (values as text, whatever their byte container). */
export function plainKv(kv: KeyValue): Record<string, unknown> {
  return {
    key: kv.key,
    value: text(kv.value),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: kv.lease,
  };
}

export function plainEvent(e: WatchEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.type, kv: plainKv(e.kv) };
  if (e.prevKv) out.prevKv = plainKv(e.prevKv);
  return out;
}

function plainTxn(r: TxnResult): Record<string, unknown> {
  const out: Record<string, unknown> = { succeeded: r.succeeded, revision: r.revision };
  if (r.kv) out.kv = plainKv(r.kv);
  return out;
}

function isError(cls: new (...args: never[]) => Error): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return true;
  };
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Every case gets a time limit; while one runs, a timer keeps the event loop alive, so that a
 * store promise that never settles fails that case (by its timeout) instead of draining the
 * event loop and cancelling every case after it.
 */
const CASE_TIMEOUT_MS = 30_000;
function it(name: string, fn: () => Promise<void>): void {
  nodeIt(name, { timeout: CASE_TIMEOUT_MS }, fn);
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads a watch one response at a time, with timeouts, checking each response's revision. */
export class WatchReader {
  readonly responses: WatchResponse[] = [];
  private readonly it: AsyncIterator<WatchResponse>;
  private pending: Promise<IteratorResult<WatchResponse>> | undefined;

  constructor(readonly watch: Watch) {
    this.it = watch[Symbol.asyncIterator]();
  }

  /** The next response, or undefined when iteration ended. Rejects as the iterator does. */
  async next(ms = WAIT_MS): Promise<WatchResponse | undefined> {
    // A timed-out read stays pending; the next call waits for the same one.
    this.pending ??= this.it.next();
    const r = await timeout(this.pending, ms, 'a watch response');
    this.pending = undefined;
    if (r.done) return undefined;
    const res = r.value;
    let last = 0;
    for (const e of res.events) {
      assert.ok(e.kv.modRevision >= last, `events out of revision order in one response: ${JSON.stringify(res.events.map(plainEvent))}`);
      last = e.kv.modRevision;
    }
    assert.ok(res.revision >= last, `response revision ${res.revision} below its last event's revision ${last}`);
    this.responses.push(res);
    return res;
  }

  /** Exactly `n` events (fails if a response brings more than that, or iteration ends). */
  async events(n: number, ms = WAIT_MS): Promise<WatchEvent[]> {
    const out: WatchEvent[] = [];
    while (out.length < n) {
      const res = await this.next(ms);
      assert.ok(res, `watch ended after ${out.length} of ${n} events: ${JSON.stringify(out.map(plainEvent))}`);
      out.push(...res.events);
    }
    assert.equal(out.length, n, `expected ${n} events, got ${JSON.stringify(out.map(plainEvent))}`);
    return out;
  }

  /**
   * Ask for progress and expect an empty response at `revision`: proves that nothing beyond
   * what was read has been (or will be) delivered up to that revision.
   */
  async expectProgress(revision: number, ms = WAIT_MS): Promise<void> {
    this.watch.requestProgress();
    const res = await this.next(ms);
    assert.ok(res, 'watch ended instead of answering requestProgress');
    assert.deepEqual(res.events.map(plainEvent), [], 'unexpected events before the progress response');
    assert.equal(res.revision, revision, 'progress response revision');
  }

  /** Expect iteration to end by throwing an error of class `cls` (after any number of responses). */
  async expectThrows(cls: new (...args: never[]) => Error, ms = WAIT_MS): Promise<WatchResponse[]> {
    const seen: WatchResponse[] = [];
    for (;;) {
      let res: WatchResponse | undefined;
      try {
        res = await this.next(ms);
      } catch (e) {
        isError(cls)(e);
        return seen;
      }
      assert.ok(res, `watch ended without throwing ${cls.name}`);
      seen.push(res);
    }
  }

  /** Expect iteration to end normally (after any number of responses). */
  async expectEnd(ms = WAIT_MS): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      if ((await this.next(ms)) === undefined) return;
    }
    assert.fail('watch did not end');
  }
}

/** Watch, expecting the watch itself or its iteration to fail with `cls`. */
async function expectWatchFails(
  store: Store,
  key: string,
  options: Parameters<Store['watch']>[1],
  cls: new (...args: never[]) => Error,
): Promise<void> {
  let w: Watch;
  try {
    w = store.watch(key, options);
  } catch (e) {
    isError(cls)(e);
    return;
  }
  const reader = new WatchReader(w);
  try {
    const seen = await reader.expectThrows(cls);
    assert.deepEqual(seen.flatMap((r) => r.events.map(plainEvent)), [], 'events delivered before the error');
  } finally {
    w.cancel();
  }
}

async function currentRevision(store: Store): Promise<number> {
  return (await store.status()).revision;
}

/** Poll `check` until it returns true (used for asynchronous lease expiry). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + WAIT_MS;
  while (Date.now() < end) {
    if (await check()) return;
    await tick(5);
  }
  assert.fail(`timed out waiting for ${what}`);
}

export function storeConformance(name: string, harness: ConformanceHarness): void {
  describe(`store conformance: ${name}`, () => {
    let stores: Store[] = [];

    async function open(): Promise<Store> {
      const s = await harness.open();
      stores.push(s);
      return s;
    }

    async function reopen(): Promise<Store> {
      assert.ok(harness.reopen);
      const s = await harness.reopen();
      stores.push(s);
      return s;
    }

    let keepAlive: NodeJS.Timeout | undefined;
    beforeEach(() => {
      keepAlive = setInterval(() => {}, 1000);
    });

    afterEach(async () => {
      clearInterval(keepAlive);
      for (const s of stores) await timeout(s.close(), WAIT_MS, 'close').catch(() => {});
      stores = [];
    });

    describe('revisions and writes', () => {
      it('a fresh store is empty at revision 1, like etcd', async () => {
        const s = await open();
        const st = await s.status();
        assert.equal(st.revision, 1);
        assert.equal(st.keys, 0);
        assert.equal(st.leases, 0);
        assert.equal(st.compactRevision, 0);
      });

      it('each successful write raises the revision by exactly one; a failed one leaves it', async () => {
        const s = await open();
        let rev = await currentRevision(s);
        const expectRev = async (r: TxnResult, succeeded: boolean) => {
          assert.equal(r.succeeded, succeeded);
          if (succeeded) rev += 1;
          assert.equal(r.revision, rev, 'TxnResult.revision');
          assert.equal(await currentRevision(s), rev, 'status().revision');
        };
        const c = await s.create('/k', bytes('1'));
        await expectRev(c, true);
        await expectRev(await s.create('/k', bytes('2')), false);
        await expectRev(await s.update('/k', bytes('2'), c.revision + 7), false);
        const u = await s.update('/k', bytes('2'), c.revision);
        await expectRev(u, true);
        await expectRev(await s.update('/k', bytes('3'), c.revision), false);
        await expectRev(await s.delete('/missing'), false);
        await expectRev(await s.delete('/k', c.revision), false);
        await expectRev(await s.delete('/k', u.revision), true);
        await expectRev(await s.delete('/k'), false);
        await expectRev(await s.create('/k', bytes('4')), true);
        await expectRev(await s.delete('/k'), true);
        await assert.rejects(s.create('', bytes('x')), isError(InvalidArgumentError));
        assert.equal(await currentRevision(s), rev, 'a rejected write leaves the revision');
      });

      it('concurrent writes each get their own revision and all complete', async () => {
        const s = await open();
        const rev = await currentRevision(s);
        const results = await timeout(
          Promise.all([s.create('/c/1', bytes('1')), s.create('/c/2', bytes('2')), s.create('/c/3', bytes('3')), s.create('/c/1', bytes('x'))]),
          WAIT_MS,
          'four concurrent writes to complete',
        );
        assert.deepEqual(results.map((r) => r.succeeded), [true, true, true, false]);
        assert.deepEqual(results.slice(0, 3).map((r) => r.revision).sort(), [rev + 1, rev + 2, rev + 3]);
        assert.equal(await currentRevision(s), rev + 3);
        assert.equal((await s.range('/c/', { prefix: true })).count, 3);
      });

      it('status is linearizable: its key count is the live keys at its revision, also with writes in flight', async () => {
        const s = await open();
        await s.create('/x', bytes('1'));
        const inFlight = [s.create('/a', bytes('1')), s.create('/b', bytes('1')), s.delete('/x')];
        const during = s.status();
        await timeout(Promise.all(inFlight), WAIT_MS, 'the writes to complete');
        const st = await during;
        const atRev = await s.range('/', { prefix: true, countOnly: true, revision: st.revision });
        assert.equal(st.keys, atRev.count, `status ${JSON.stringify(st)} counts keys that are not at its revision`);
        const now = await s.status();
        assert.equal(now.keys, 2);
      });

      it('status counts open watches', async () => {
        const s = await open();
        const w1 = s.watch('/a');
        const w2 = s.watch('/b/', { prefix: true });
        const w3 = s.watch('/a');
        assert.equal((await s.status()).watchers, 3);
        w1.cancel();
        w3.cancel();
        assert.equal((await s.status()).watchers, 1);
        w2.cancel();
        assert.equal((await s.status()).watchers, 0);
      });

      it('create returns the new kv: createRevision = modRevision = the write revision, version 1, lease 0', async () => {
        const s = await open();
        const r = await s.create('/a', bytes('v'));
        assert.ok(r.succeeded && r.kv);
        assert.deepEqual(plainKv(r.kv), { key: '/a', value: 'v', createRevision: r.revision, modRevision: r.revision, version: 1, lease: 0 });
        const got = await s.range('/a');
        assert.deepEqual(got.kvs.map(plainKv), [plainKv(r.kv)]);
      });

      it('create fails on an existing key and returns its current kv', async () => {
        const s = await open();
        const first = await s.create('/a', bytes('one'));
        const up = await s.update('/a', bytes('two'), first.revision);
        const r = await s.create('/a', bytes('three'));
        assert.equal(r.succeeded, false);
        assert.equal(r.revision, up.revision);
        assert.ok(r.kv, 'failed create carries the current kv');
        assert.deepEqual(plainKv(r.kv), { key: '/a', value: 'two', createRevision: first.revision, modRevision: up.revision, version: 2, lease: 0 });
        assert.equal(text((await s.range('/a')).kvs[0]!.value), 'two');
      });

      it('update with the current modRevision: version + 1, createRevision kept, modRevision = write revision', async () => {
        const s = await open();
        const c = await s.create('/a', bytes('1'));
        await s.create('/other', bytes('x'));
        const u1 = await s.update('/a', bytes('2'), c.revision);
        const u2 = await s.update('/a', bytes('3'), u1.revision);
        assert.ok(u2.succeeded && u2.kv);
        assert.deepEqual(plainKv(u2.kv), { key: '/a', value: '3', createRevision: c.revision, modRevision: u2.revision, version: 3, lease: 0 });
        assert.deepEqual((await s.range('/a')).kvs.map(plainKv), [plainKv(u2.kv)]);
      });

      it('update with a stale (or future) modRevision fails and returns the current kv', async () => {
        const s = await open();
        const c = await s.create('/a', bytes('1'));
        const u = await s.update('/a', bytes('2'), c.revision);
        for (const stale of [c.revision, u.revision + 1, u.revision - 1, 1]) {
          const r = await s.update('/a', bytes('bad'), stale);
          assert.equal(r.succeeded, false, `modRevision ${stale}`);
          assert.equal(r.revision, u.revision);
          assert.ok(r.kv);
          assert.deepEqual(plainKv(r.kv), plainKv(u.kv!));
        }
        assert.equal(text((await s.range('/a')).kvs[0]!.value), '2');
      });

      it('update of a missing key with a non-zero modRevision fails without a kv', async () => {
        const s = await open();
        const c = await s.create('/gone', bytes('1'));
        await s.delete('/gone');
        for (const key of ['/never', '/gone']) {
          const r = await s.update(key, bytes('x'), c.revision);
          assert.equal(r.succeeded, false);
          assert.equal(r.kv, undefined);
          assert.equal((await s.range(key)).count, 0);
        }
      });

      it("update with modRevision 0 creates a missing key (etcd compares a missing key's mod_revision as 0)", async () => {
        const s = await open();
        const rev = await currentRevision(s);
        const r = await s.update('/new', bytes('v'), 0);
        assert.equal(r.succeeded, true);
        assert.equal(r.revision, rev + 1);
        assert.ok(r.kv);
        assert.deepEqual(plainKv(r.kv), { key: '/new', value: 'v', createRevision: rev + 1, modRevision: rev + 1, version: 1, lease: 0 });
        const again = await s.update('/new', bytes('w'), 0);
        assert.equal(again.succeeded, false, 'modRevision 0 does not match an existing key');
        assert.deepEqual(plainKv(again.kv!), plainKv(r.kv));
      });

      it('unconditional delete returns the deleted kv', async () => {
        const s = await open();
        const c = await s.create('/a', bytes('v'));
        const d = await s.delete('/a');
        assert.equal(d.succeeded, true);
        assert.equal(d.revision, c.revision + 1);
        assert.ok(d.kv, 'delete carries the deleted kv');
        assert.deepEqual(plainKv(d.kv), plainKv(c.kv!));
        const r = await s.range('/a');
        assert.equal(r.count, 0);
        assert.deepEqual(r.kvs, []);
        assert.equal((await s.status()).keys, 0);
      });

      it('conditional delete: the current modRevision deletes, a stale one fails and returns the current kv', async () => {
        const s = await open();
        const c = await s.create('/a', bytes('1'));
        const u = await s.update('/a', bytes('2'), c.revision);
        const bad = await s.delete('/a', c.revision);
        assert.equal(bad.succeeded, false);
        assert.equal(bad.revision, u.revision);
        assert.deepEqual(plainKv(bad.kv!), plainKv(u.kv!));
        assert.equal((await s.range('/a')).count, 1);
        const good = await s.delete('/a', u.revision);
        assert.equal(good.succeeded, true);
        assert.equal(good.revision, u.revision + 1);
        assert.deepEqual(plainKv(good.kv!), plainKv(u.kv!));
      });

      it('delete of a missing key fails, conditional or not, and writes nothing', async () => {
        const s = await open();
        const c = await s.create('/a', bytes('1'));
        await s.delete('/a');
        const rev = await currentRevision(s);
        for (const r of [await s.delete('/a'), await s.delete('/a', c.revision), await s.delete('/never'), await s.delete('/never', 5)]) {
          assert.equal(r.succeeded, false);
          assert.equal(r.revision, rev);
          assert.equal(r.kv, undefined);
        }
        assert.equal(await currentRevision(s), rev);
      });

      it('delete + create starts a new life: version 1, new createRevision', async () => {
        const s = await open();
        const c = await s.create('/a', bytes('1'));
        await s.update('/a', bytes('2'), c.revision);
        await s.delete('/a');
        const again = await s.create('/a', bytes('3'));
        assert.ok(again.succeeded && again.kv);
        assert.equal(again.kv.version, 1);
        assert.equal(again.kv.createRevision, again.revision);
        assert.notEqual(again.kv.createRevision, c.revision);
        const u = await s.update('/a', bytes('4'), again.revision);
        assert.equal(u.kv!.version, 2);
        assert.equal(u.kv!.createRevision, again.revision);
      });

      it('values are stored byte for byte, including empty and binary values', async () => {
        const s = await open();
        const bin = new Uint8Array([0, 255, 1, 128, 0, 10, 13]);
        await s.create('/bin', bin);
        await s.create('/empty', new Uint8Array(0));
        const got = await s.range('/', { prefix: true });
        const byKey = new Map(got.kvs.map((kv) => [kv.key, kv]));
        assert.deepEqual([...byKey.get('/bin')!.value], [...bin]);
        assert.equal(byKey.get('/empty')!.value.length, 0);
      });

      it('the written buffer is copied: mutating it after the write does not change the store', async () => {
        const s = await open();
        const mutable = bytes('original');
        const c = await s.create('/m', mutable);
        mutable[0] = 'X'.charCodeAt(0);
        assert.equal(text((await s.range('/m')).kvs[0]!.value), 'original');
        const next = bytes('second');
        await s.update('/m', next, c.revision);
        next[0] = 'X'.charCodeAt(0);
        assert.equal(text((await s.range('/m')).kvs[0]!.value), 'second');
      });

      it('returned values are copies: mutating a result, a range or a watch event does not change the store', async () => {
        // etcd hands out copies (over the wire); a caller scribbling on a result must not
        // corrupt what every other reader and watcher sees.
        const s = await open();
        const reader = new WatchReader(s.watch('/m'));
        const c = await s.create('/m', bytes('original'));
        c.kv!.value[0] = 'X'.charCodeAt(0);
        assert.equal(text((await s.range('/m')).kvs[0]!.value), 'original', 'after mutating the TxnResult kv');
        (await s.range('/m')).kvs[0]!.value[1] = 'Y'.charCodeAt(0);
        assert.equal(text((await s.range('/m')).kvs[0]!.value), 'original', 'after mutating a range result');
        const [e] = await reader.events(1);
        e!.kv.value[2] = 'Z'.charCodeAt(0);
        assert.equal(text((await s.range('/m')).kvs[0]!.value), 'original', 'after mutating a watch event');
        reader.watch.cancel();
      });
    });

    describe('range', () => {
      const keys = ['/a/2', '/b', '/a', '/a/1', '/ab', '/a/2/x', '/a/B', '/a/~', '/a/_', '/c'];

      async function seeded(): Promise<Store> {
        const s = await open();
        for (const k of keys) await s.create(k, bytes(`v${k}`));
        return s;
      }

      it('a single key: the kv, or nothing', async () => {
        const s = await seeded();
        const rev = await currentRevision(s);
        const r = await s.range('/a');
        assert.deepEqual(r.kvs.map((kv) => kv.key), ['/a']);
        assert.equal(r.count, 1);
        assert.equal(r.more, false);
        assert.equal(r.revision, rev);
        const none = await s.range('/a/3');
        assert.deepEqual(none.kvs, []);
        assert.equal(none.count, 0);
        assert.equal(none.more, false);
        assert.equal(none.revision, rev);
      });

      it('by prefix: exactly the keys that start with it, sorted by key bytes', async () => {
        const s = await seeded();
        const sorted = (p: string) => keys.filter((k) => k.startsWith(p)).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        for (const p of ['/a/', '/a', '/', '/a/2', '/a/2/', '/b', '/z', '/a/B']) {
          const r = await s.range(p, { prefix: true });
          assert.deepEqual(r.kvs.map((kv) => kv.key), sorted(p), `prefix ${p}`);
          assert.equal(r.count, sorted(p).length);
          assert.equal(r.more, false);
        }
        const dir = await s.range('/a/', { prefix: true });
        assert.ok(!dir.kvs.some((kv) => kv.key === '/a' || kv.key === '/ab'), 'prefix /a/ must not match /a or /ab');
        assert.deepEqual(dir.kvs.map((kv) => text(kv.value)), dir.kvs.map((kv) => `v${kv.key}`));
      });

      it('limit cuts the result short and sets more; count is the whole range', async () => {
        const s = await seeded();
        const all = (await s.range('/a/', { prefix: true })).kvs.map((kv) => kv.key);
        assert.equal(all.length, 6);
        const r = await s.range('/a/', { prefix: true, limit: 2 });
        assert.deepEqual(r.kvs.map((kv) => kv.key), all.slice(0, 2));
        assert.equal(r.more, true);
        assert.equal(r.count, 6);
        const exact = await s.range('/a/', { prefix: true, limit: 6 });
        assert.equal(exact.kvs.length, 6);
        assert.equal(exact.more, false);
        const big = await s.range('/a/', { prefix: true, limit: 100 });
        assert.equal(big.kvs.length, 6);
        assert.equal(big.more, false);
        const zero = await s.range('/a/', { prefix: true, limit: 0 });
        assert.equal(zero.kvs.length, 6, 'limit 0 means no limit');
        const one = await s.range('/a', { limit: 1 });
        assert.deepEqual(one.kvs.map((kv) => kv.key), ['/a']);
        assert.equal(one.more, false);
      });

      it('after + limit pages through every key exactly once at a fixed revision, with count honouring after', async () => {
        const s = await seeded();
        const first = await s.range('/', { prefix: true, limit: 3 });
        const rev = first.revision;
        const expected = (await s.range('/', { prefix: true })).kvs.map((kv) => kv.key);
        // Writes between pages must not show up in a read at the first page's revision.
        await s.create('/a/0', bytes('late'));
        await s.delete('/c');
        await s.create('/zz', bytes('late'));
        const seen = first.kvs.map((kv) => kv.key);
        assert.equal(first.count, expected.length);
        let page = first;
        while (page.more) {
          const after = page.kvs[page.kvs.length - 1]!.key;
          page = await s.range('/', { prefix: true, limit: 3, after, revision: rev });
          const remaining = expected.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0);
          assert.equal(page.count, remaining.length, `count after ${after}`);
          assert.deepEqual(page.kvs.map((kv) => kv.key), remaining.slice(0, 3));
          seen.push(...page.kvs.map((kv) => kv.key));
        }
        assert.deepEqual(seen, expected);
        const tail = await s.range('/', { prefix: true, after: expected[expected.length - 1]!, revision: rev });
        assert.deepEqual(tail.kvs, []);
        assert.equal(tail.count, 0);
        assert.equal(tail.more, false);
        const latest = await s.range('/a/', { prefix: true, after: '/a/' });
        assert.equal(latest.kvs[0]?.key, '/a/0', 'after at the latest revision sees the new key');
      });

      it('countOnly returns the count and no kvs', async () => {
        const s = await seeded();
        const r = await s.range('/a/', { prefix: true, countOnly: true });
        assert.deepEqual(r.kvs, []);
        assert.equal(r.count, 6);
        assert.equal(r.more, false);
        const one = await s.range('/b', { countOnly: true });
        assert.equal(one.count, 1);
        assert.deepEqual(one.kvs, []);
        const withLimit = await s.range('/a/', { prefix: true, countOnly: true, limit: 2 });
        assert.equal(withLimit.count, 6);
        assert.deepEqual(withLimit.kvs, []);
        assert.equal(withLimit.more, false, 'etcd: more is false with countOnly');
      });

      it('revision reads the history: every version, deletions, recreations', async () => {
        const s = await open();
        const r0 = await currentRevision(s);
        const c = await s.create('/h', bytes('1'));
        const o = await s.create('/h2', bytes('x'));
        const u = await s.update('/h', bytes('2'), c.revision);
        const d = await s.delete('/h');
        const c2 = await s.create('/h', bytes('3'));
        const at = async (rev: number) => (await s.range('/h', { revision: rev })).kvs.map(plainKv);
        assert.deepEqual(await at(r0), []);
        assert.deepEqual(await at(c.revision), [plainKv(c.kv!)]);
        assert.deepEqual(await at(o.revision), [plainKv(c.kv!)]);
        assert.deepEqual(await at(u.revision), [plainKv(u.kv!)]);
        assert.deepEqual(await at(d.revision), []);
        assert.deepEqual(await at(c2.revision), [plainKv(c2.kv!)]);
        assert.deepEqual(await at(0), [plainKv(c2.kv!)], 'revision 0 means the latest');
        const p = await s.range('/h', { prefix: true, revision: u.revision });
        assert.deepEqual(p.kvs.map((kv) => `${kv.key}=${text(kv.value)}`), ['/h=2', '/h2=x']);
        assert.equal(p.count, 2);
        const counted = await s.range('/h', { prefix: true, revision: d.revision, countOnly: true });
        assert.equal(counted.count, 1);
        // etcd answers with the current revision in the header; the contract says the revision
        // read at. Either is accepted.
        assert.ok(p.revision === u.revision || p.revision === c2.revision, `range revision ${p.revision}`);
      });

      it('a future revision fails with FutureRevisionError', async () => {
        const s = await seeded();
        const rev = await currentRevision(s);
        await assert.rejects(s.range('/a', { revision: rev + 1 }), isError(FutureRevisionError));
        await assert.rejects(s.range('/', { prefix: true, revision: rev + 100 }), isError(FutureRevisionError));
        assert.equal((await s.range('/a', { revision: rev })).count, 1);
      });

      it('compact: below fails with CompactedError, exactly at the compact revision reads that state', async () => {
        const s = await open();
        const a1 = await s.create('/a', bytes('1'));
        const b = await s.create('/b', bytes('1'));
        const a2 = await s.update('/a', bytes('2'), a1.revision);
        await s.delete('/b');
        const at = await currentRevision(s);
        const a3 = await s.update('/a', bytes('3'), a2.revision);
        await s.compact(at);
        const st = await s.status();
        assert.equal(st.compactRevision, at);
        await assert.rejects(s.range('/a', { revision: at - 1 }), (e: unknown) => {
          isError(CompactedError)(e);
          assert.equal((e as CompactedError).compactRevision, at);
          return true;
        });
        await assert.rejects(s.range('/', { prefix: true, revision: b.revision }), isError(CompactedError));
        const exact = await s.range('/', { prefix: true, revision: at });
        assert.deepEqual(exact.kvs.map(plainKv), [plainKv(a2.kv!)]);
        assert.deepEqual((await s.range('/a')).kvs.map(plainKv), [plainKv(a3.kv!)]);
        assert.deepEqual((await s.range('/a', { revision: a3.revision })).kvs.map(plainKv), [plainKv(a3.kv!)]);
        // Writes go on as before.
        const a4 = await s.update('/a', bytes('4'), a3.revision);
        assert.equal(a4.succeeded, true);
        assert.equal(a4.kv!.version, 4);
        assert.equal(a4.kv!.createRevision, a1.revision);
      });

      it('compact at or below the compact revision fails with CompactedError, above the current with FutureRevisionError', async () => {
        const s = await seeded();
        const rev = await currentRevision(s);
        await s.compact(rev - 3);
        await assert.rejects(s.compact(rev - 3), isError(CompactedError));
        await assert.rejects(s.compact(rev - 5), isError(CompactedError));
        await assert.rejects(s.compact(rev + 1), isError(FutureRevisionError));
        assert.equal((await s.status()).compactRevision, rev - 3);
        await s.compact(rev);
        assert.equal((await s.status()).compactRevision, rev);
        assert.equal(await currentRevision(s), rev, 'compaction is not a write');
        assert.equal((await s.range('/', { prefix: true })).count, keys.length);
      });
    });

    describe('watch', () => {
      it('delivers every event from startRevision, in order, exactly once, then live events', async () => {
        const s = await open();
        const writes: TxnResult[] = [];
        writes.push(await s.create('/w/a', bytes('1')));
        writes.push(await s.create('/w/b', bytes('1')));
        writes.push(await s.update('/w/a', bytes('2'), writes[0]!.revision));
        writes.push(await s.delete('/w/b'));
        writes.push(await s.create('/w/c', bytes('1')));
        const start = writes[1]!.revision;
        const reader = new WatchReader(s.watch('/w/', { prefix: true, startRevision: start }));
        // More writes while the watcher catches up.
        const live = s.create('/w/d', bytes('1'));
        writes.push(await live);
        writes.push(await s.update('/w/a', bytes('3'), writes[2]!.revision));
        const events = await reader.events(writes.length - 1);
        assert.deepEqual(
          events.map((e) => [e.type, e.kv.key, e.kv.modRevision]),
          writes.slice(1).map((w, i) => [i + 1 === 3 ? 'delete' : 'put', w.kv!.key, w.revision]),
        );
        await reader.expectProgress(await currentRevision(s));
        const more = await s.create('/w/e', bytes('1'));
        const [e] = await reader.events(1);
        assert.deepEqual(plainEvent(e!), { type: 'put', kv: plainKv(more.kv!) });
        reader.watch.cancel();
      });

      it('without startRevision watches from now on', async () => {
        const s = await open();
        await s.create('/w/old', bytes('1'));
        const reader = new WatchReader(s.watch('/w/', { prefix: true }));
        const n = await s.create('/w/new', bytes('1'));
        const events = await reader.events(1);
        assert.deepEqual(events.map(plainEvent), [{ type: 'put', kv: plainKv(n.kv!) }]);
        await reader.expectProgress(n.revision);
        reader.watch.cancel();
      });

      it('a watch from a future revision delivers only events from that revision on', async () => {
        const s = await open();
        const rev = await currentRevision(s);
        const reader = new WatchReader(s.watch('/f/', { prefix: true, startRevision: rev + 3 }));
        const writes: TxnResult[] = [];
        for (let i = 0; i < 5; i++) writes.push(await s.create(`/f/${i}`, bytes('1')));
        const events = await reader.events(3);
        assert.deepEqual(events.map((e) => e.kv.modRevision), [rev + 3, rev + 4, rev + 5]);
        await reader.expectProgress(rev + 5);
        reader.watch.cancel();
      });

      it('a single-key watch sees only that key, not keys that share its leading characters', async () => {
        const s = await open();
        const reader = new WatchReader(s.watch('/a'));
        await s.create('/a/x', bytes('1'));
        await s.create('/ab', bytes('1'));
        const a = await s.create('/a', bytes('1'));
        await s.create('/', bytes('1'));
        const d = await s.delete('/a');
        const events = await reader.events(2);
        assert.deepEqual(events.map((e) => [e.type, e.kv.key, e.kv.modRevision]), [['put', '/a', a.revision], ['delete', '/a', d.revision]]);
        await reader.expectProgress(d.revision);
        reader.watch.cancel();
      });

      it('a prefix watch sees exactly the keys with the prefix (/a/ is not /a nor /ab)', async () => {
        const s = await open();
        const reader = new WatchReader(s.watch('/a/', { prefix: true }));
        await s.create('/a', bytes('1'));
        await s.create('/ab', bytes('1'));
        const x = await s.create('/a/x', bytes('1'));
        await s.create('/b/a/', bytes('1'));
        const y = await s.create('/a/y/z', bytes('1'));
        const events = await reader.events(2);
        assert.deepEqual(events.map((e) => [e.kv.key, e.kv.modRevision]), [['/a/x', x.revision], ['/a/y/z', y.revision]]);
        await reader.expectProgress(y.revision);
        reader.watch.cancel();
      });

      it('put events carry the new kv; delete events a tombstone (empty value, delete revision, as etcd)', async () => {
        const s = await open();
        const reader = new WatchReader(s.watch('/k'));
        const c = await s.create('/k', bytes('1'));
        const u = await s.update('/k', bytes('2'), c.revision);
        const d = await s.delete('/k');
        const events = await reader.events(3);
        assert.deepEqual(events.map(plainEvent), [
          { type: 'put', kv: plainKv(c.kv!) },
          { type: 'put', kv: plainKv(u.kv!) },
          { type: 'delete', kv: { key: '/k', value: '', createRevision: 0, modRevision: d.revision, version: 0, lease: 0 } },
        ]);
        reader.watch.cancel();
      });

      it('prevKv: none for a new key, the previous version for updates and deletes; only when asked', async () => {
        const s = await open();
        const withPrev = new WatchReader(s.watch('/k', { prevKv: true }));
        const without = new WatchReader(s.watch('/k'));
        const c = await s.create('/k', bytes('1'));
        const u = await s.update('/k', bytes('2'), c.revision);
        const d = await s.delete('/k');
        const tomb = { key: '/k', value: '', createRevision: 0, modRevision: d.revision, version: 0, lease: 0 };
        assert.deepEqual((await withPrev.events(3)).map(plainEvent), [
          { type: 'put', kv: plainKv(c.kv!) },
          { type: 'put', kv: plainKv(u.kv!), prevKv: plainKv(c.kv!) },
          { type: 'delete', kv: tomb, prevKv: plainKv(u.kv!) },
        ]);
        assert.deepEqual((await without.events(3)).map(plainEvent), [
          { type: 'put', kv: plainKv(c.kv!) },
          { type: 'put', kv: plainKv(u.kv!) },
          { type: 'delete', kv: tomb },
        ]);
        // prevKv from history too.
        const past = new WatchReader(s.watch('/k', { prevKv: true, startRevision: u.revision }));
        assert.deepEqual((await past.events(2)).map(plainEvent), [
          { type: 'put', kv: plainKv(u.kv!), prevKv: plainKv(c.kv!) },
          { type: 'delete', kv: tomb, prevKv: plainKv(u.kv!) },
        ]);
        for (const r of [withPrev, without, past]) r.watch.cancel();
      });

      it('several watchers of the same key each receive every event', async () => {
        const s = await open();
        const readers = [0, 1, 2].map(() => new WatchReader(s.watch('/k')));
        const c = await s.create('/k', bytes('1'));
        const u = await s.update('/k', bytes('2'), c.revision);
        for (const r of readers) {
          assert.deepEqual((await r.events(2)).map((e) => e.kv.modRevision), [c.revision, u.revision]);
          r.watch.cancel();
        }
      });

      it('a watch from a compacted revision fails with CompactedError; from the compact revision it works', async () => {
        const s = await open();
        const a = await s.create('/k', bytes('1'));
        const b = await s.update('/k', bytes('2'), a.revision);
        const c = await s.update('/k', bytes('3'), b.revision);
        await s.compact(b.revision);
        await expectWatchFails(s, '/k', { startRevision: a.revision }, CompactedError);
        await expectWatchFails(s, '/', { prefix: true, startRevision: b.revision - 1 }, CompactedError);
        const reader = new WatchReader(s.watch('/k', { startRevision: b.revision }));
        assert.deepEqual((await reader.events(2)).map(plainEvent), [
          { type: 'put', kv: plainKv(b.kv!) },
          { type: 'put', kv: plainKv(c.kv!) },
        ]);
        reader.watch.cancel();
      });

      it('requestProgress yields an empty response with the current revision', async () => {
        const s = await open();
        await s.create('/other', bytes('1'));
        const reader = new WatchReader(s.watch('/k'));
        await reader.expectProgress(await currentRevision(s));
        // Writes to other keys move the revision the progress response reports.
        await s.create('/other2', bytes('1'));
        await s.create('/other3', bytes('1'));
        await reader.expectProgress(await currentRevision(s));
        reader.watch.cancel();
      });

      it('cancel ends iteration, also for a reader waiting on it', async () => {
        const s = await open();
        const idle = new WatchReader(s.watch('/k'));
        const waiting = idle.next();
        await tick(10);
        idle.watch.cancel();
        assert.equal(await waiting, undefined, 'the pending read ends');
        assert.equal(await idle.next(), undefined, 'and stays ended');

        const busy = new WatchReader(s.watch('/k'));
        await s.create('/k', bytes('1'));
        await busy.events(1);
        busy.watch.cancel();
        busy.watch.cancel(); // idempotent
        await s.update('/k', bytes('2'), (await s.range('/k')).kvs[0]!.modRevision);
        await busy.expectEnd();

        // for-await ends too.
        const loop = s.watch('/k');
        setTimeout(() => loop.cancel(), 10);
        const got: WatchResponse[] = [];
        await timeout(
          (async () => {
            for await (const r of loop) got.push(r);
          })(),
          WAIT_MS,
          'for-await to end after cancel',
        );
        assert.deepEqual(got.flatMap((r) => r.events), []);
      });

      it('close ends every watch with StoreClosedError', async () => {
        const s = await open();
        const reader = new WatchReader(s.watch('/k'));
        const pending = reader.next().then(
          (r) => r,
          (e: unknown) => e,
        );
        await tick(10);
        await s.close();
        isError(StoreClosedError)(await pending);
      });

      if (harness.maxWatcherLag !== undefined) {
        const lag = harness.maxWatcherLag;
        it(`a watcher that does not read is cut off with CompactedError after ${lag} pending events; others go on`, async () => {
          const s = await open();
          const slow = new WatchReader(s.watch('/k/', { prefix: true }));
          const fast = new WatchReader(s.watch('/k/', { prefix: true }));
          const n = lag * 2 + 10;
          const writes: number[] = [];
          for (let i = 0; i < n; i++) {
            writes.push((await s.create(`/k/${String(i).padStart(5, '0')}`, bytes('x'))).revision);
            if (i % 7 === 0) assert.equal((await fast.events(1))[0]!.kv.modRevision, writes[i]);
            else await fast.events(1);
          }
          await fast.expectProgress(writes[n - 1]!);
          // Whatever the slow watcher was given before the cut-off is a gap-free prefix.
          const seen = await slow.expectThrows(CompactedError);
          const revs = seen.flatMap((r) => r.events.map((e) => e.kv.modRevision));
          assert.deepEqual(revs, writes.slice(0, revs.length));
          assert.ok(revs.length < n, 'the slow watcher was cut off before the end');
          // The fast one is unaffected.
          const more = await s.create('/k/more', bytes('1'));
          assert.equal((await fast.events(1))[0]!.kv.modRevision, more.revision);
          fast.watch.cancel();
        });
      }
    });

    describe('leases', () => {
      it('grant gives a non-zero id and the TTL; an explicit id is kept; a used id fails (LeaseExists)', async () => {
        const s = await open();
        const rev = await currentRevision(s);
        const g = await s.leaseGrant(60);
        assert.ok(g.id > 0, 'lease id');
        assert.equal(g.ttl, 60);
        const g2 = await s.leaseGrant(30);
        assert.notEqual(g2.id, g.id);
        const mine = await s.leaseGrant(20, 4242);
        assert.deepEqual(mine, { id: 4242, ttl: 20 });
        await assert.rejects(s.leaseGrant(20, 4242), (e: unknown) => {
          assert.ok(e instanceof StorageError, String(e));
          assert.equal(e.code, 'LeaseExists');
          return true;
        });
        assert.equal((await s.status()).leases, 3);
        await assert.rejects(s.leaseGrant(MAX_LEASE_TTL + 1), isError(StorageError));
        assert.equal((await s.status()).leases, 3);
        assert.equal(await currentRevision(s), rev, 'lease grants are not key writes');
      });

      it('timeToLive reports the granted TTL, the time left and the attached keys; keepAlive returns the TTL', async () => {
        const s = await open();
        const g = await s.leaseGrant(60);
        await s.create('/l/a', bytes('1'), { lease: g.id });
        await s.create('/l/b', bytes('1'), { lease: g.id });
        await s.create('/l/c', bytes('1'));
        const st = await s.leaseTimeToLive(g.id);
        assert.equal(st.id, g.id);
        assert.equal(st.grantedTtl, 60);
        assert.ok(st.ttl > 0 && st.ttl <= 60, `ttl ${st.ttl}`);
        assert.deepEqual([...st.keys].sort(), ['/l/a', '/l/b']);
        assert.equal(await s.leaseKeepAlive(g.id), 60);
        const kv = (await s.range('/l/a')).kvs[0]!;
        assert.equal(kv.lease, g.id);
      });

      it('revoke deletes every attached key in one revision, visible to watchers', async () => {
        const s = await open();
        const g = await s.leaseGrant(60);
        const keep = await s.leaseGrant(60);
        const b = await s.create('/l/b', bytes('1'), { lease: g.id });
        const a = await s.create('/l/a', bytes('1'), { lease: g.id });
        await s.create('/l/c', bytes('1'), { lease: keep.id });
        await s.create('/l/d', bytes('1'));
        const reader = new WatchReader(s.watch('/l/', { prefix: true, prevKv: true }));
        const before = await currentRevision(s);
        await s.leaseRevoke(g.id);
        const rev = await currentRevision(s);
        assert.equal(rev, before + 1, 'revoking a lease is one write, as etcd');
        assert.deepEqual((await s.range('/l/', { prefix: true })).kvs.map((kv) => kv.key), ['/l/c', '/l/d']);
        const events = await reader.events(2);
        assert.deepEqual(events.map(plainEvent), [
          { type: 'delete', kv: { key: '/l/a', value: '', createRevision: 0, modRevision: rev, version: 0, lease: 0 }, prevKv: plainKv(a.kv!) },
          { type: 'delete', kv: { key: '/l/b', value: '', createRevision: 0, modRevision: rev, version: 0, lease: 0 }, prevKv: plainKv(b.kv!) },
        ]);
        reader.watch.cancel();
        await assert.rejects(s.leaseKeepAlive(g.id), isError(LeaseNotFoundError));
        await assert.rejects(s.leaseRevoke(g.id), isError(LeaseNotFoundError));
        assert.equal((await s.status()).leases, 1);
      });

      it('revoking a lease without keys writes nothing (etcd)', async () => {
        const s = await open();
        const g = await s.leaseGrant(60);
        const before = await currentRevision(s);
        await s.leaseRevoke(g.id);
        assert.equal(await currentRevision(s), before);
        assert.equal((await s.status()).leases, 0);
      });

      it('a write without the lease detaches the key; a write with another lease moves it', async () => {
        const s = await open();
        const g = await s.leaseGrant(60);
        const h = await s.leaseGrant(60);
        const a = await s.create('/a', bytes('1'), { lease: g.id });
        const b = await s.create('/b', bytes('1'), { lease: g.id });
        const a2 = await s.update('/a', bytes('2'), a.revision);
        assert.equal(a2.kv!.lease, 0, 'etcd: a put without a lease sets lease 0');
        const b2 = await s.update('/b', bytes('2'), b.revision, { lease: h.id });
        assert.equal(b2.kv!.lease, h.id);
        assert.deepEqual((await s.leaseTimeToLive(g.id)).keys, []);
        assert.deepEqual((await s.leaseTimeToLive(h.id)).keys, ['/b']);
        await s.leaseRevoke(g.id);
        assert.deepEqual((await s.range('/', { prefix: true })).kvs.map((kv) => kv.key), ['/a', '/b']);
        await s.leaseRevoke(h.id);
        assert.deepEqual((await s.range('/', { prefix: true })).kvs.map((kv) => kv.key), ['/a']);
      });

      it('a deleted key no longer belongs to its lease', async () => {
        const s = await open();
        const g = await s.leaseGrant(60);
        await s.create('/a', bytes('1'), { lease: g.id });
        await s.delete('/a');
        await s.create('/a', bytes('2'));
        assert.deepEqual((await s.leaseTimeToLive(g.id)).keys, []);
        const before = await currentRevision(s);
        await s.leaseRevoke(g.id);
        assert.equal(await currentRevision(s), before);
        assert.equal((await s.range('/a')).count, 1);
      });

      it('unknown leases: LeaseNotFoundError from keepAlive, revoke and timeToLive (or TTL -1, as etcd)', async () => {
        const s = await open();
        await assert.rejects(s.leaseKeepAlive(777), isError(LeaseNotFoundError));
        await assert.rejects(s.leaseRevoke(777), isError(LeaseNotFoundError));
        try {
          const st = await s.leaseTimeToLive(777);
          assert.equal(st.ttl, -1, 'timeToLive of an unknown lease');
          assert.deepEqual(st.keys, []);
        } catch (e) {
          isError(LeaseNotFoundError)(e);
        }
      });

      it('writing with an unknown lease fails with LeaseNotFoundError and writes nothing', async () => {
        const s = await open();
        const c = await s.create('/a', bytes('1'));
        const rev = await currentRevision(s);
        await assert.rejects(s.create('/b', bytes('1'), { lease: 777 }), isError(LeaseNotFoundError));
        await assert.rejects(s.update('/a', bytes('2'), c.revision, { lease: 777 }), isError(LeaseNotFoundError));
        const g = await s.leaseGrant(60);
        await s.leaseRevoke(g.id);
        await assert.rejects(s.create('/b', bytes('1'), { lease: g.id }), isError(LeaseNotFoundError));
        assert.equal(await currentRevision(s), rev);
        assert.equal((await s.range('/b')).count, 0);
        assert.equal(text((await s.range('/a')).kvs[0]!.value), '1');
      });

      if (harness.clock) {
        const clock = harness.clock;

        it('expiry (ManualClock) deletes the attached keys in one revision, visible to watchers', async () => {
          const s = await open();
          const g = await s.leaseGrant(10);
          const other = await s.leaseGrant(100);
          await s.create('/l/a', bytes('1'), { lease: g.id });
          await s.create('/l/b', bytes('1'), { lease: g.id });
          await s.create('/l/c', bytes('1'), { lease: other.id });
          const reader = new WatchReader(s.watch('/l/', { prefix: true }));
          const before = await currentRevision(s);
          clock.advance(9_000);
          await tick(20);
          assert.equal((await s.range('/l/', { prefix: true })).count, 3, 'not expired before its TTL');
          assert.equal((await s.leaseTimeToLive(g.id)).ttl, 1);
          clock.advance(1_500);
          await eventually(async () => (await s.range('/l/', { prefix: true })).count === 1, 'the lease to expire');
          const events = await reader.events(2);
          assert.deepEqual(events.map((e) => [e.type, e.kv.key]), [['delete', '/l/a'], ['delete', '/l/b']]);
          assert.equal(events[0]!.kv.modRevision, before + 1);
          assert.equal(events[1]!.kv.modRevision, before + 1);
          assert.equal(await currentRevision(s), before + 1, 'one revision for the expired lease');
          await assert.rejects(s.leaseKeepAlive(g.id), isError(LeaseNotFoundError));
          await assert.rejects(s.create('/l/x', bytes('1'), { lease: g.id }), isError(LeaseNotFoundError));
          assert.equal((await s.status()).leases, 1);
          reader.watch.cancel();
        });

        it('keepAlive restarts the TTL; timeToLive rounds the time left up', async () => {
          const s = await open();
          const g = await s.leaseGrant(10);
          await s.create('/l/a', bytes('1'), { lease: g.id });
          clock.advance(2_500);
          const st = await s.leaseTimeToLive(g.id);
          assert.equal(st.grantedTtl, 10);
          assert.equal(st.ttl, 8, '7.5 s left, rounded up');
          clock.advance(5_000);
          assert.equal(await s.leaseKeepAlive(g.id), 10);
          assert.equal((await s.leaseTimeToLive(g.id)).ttl, 10);
          clock.advance(6_000); // 13.5 s since the grant, 6 s since the keepAlive
          await tick(20);
          assert.equal((await s.range('/l/a')).count, 1, 'keepAlive kept the lease');
          assert.equal((await s.leaseTimeToLive(g.id)).ttl, 4);
          clock.advance(4_500);
          await eventually(async () => (await s.range('/l/a')).count === 0, 'the lease to expire after its renewed TTL');
        });

        it('an expired lease with no keys just disappears', async () => {
          const s = await open();
          const g = await s.leaseGrant(5);
          const rev = await currentRevision(s);
          clock.advance(6_000);
          await eventually(async () => (await s.status()).leases === 0, 'the lease to expire');
          assert.equal(await currentRevision(s), rev);
          await assert.rejects(s.leaseRevoke(g.id), isError(LeaseNotFoundError));
        });
      }
    });

    describe('limits', () => {
      it('a key plus value over 1.5 MiB is rejected with RequestTooLargeError and nothing is written', async () => {
        const s = await open();
        const c = await s.create('/big', bytes('small'));
        const rev = await currentRevision(s);
        const key = '/big';
        const tooBig = new Uint8Array(MAX_REQUEST_BYTES - key.length + 1);
        await assert.rejects(s.create('/big2', new Uint8Array(MAX_REQUEST_BYTES)), isError(RequestTooLargeError));
        await assert.rejects(s.update(key, tooBig, c.revision), isError(RequestTooLargeError));
        await assert.rejects(s.create('/' + 'k'.repeat(MAX_REQUEST_BYTES), bytes('x')), isError(RequestTooLargeError));
        assert.equal(await currentRevision(s), rev);
        assert.equal(text((await s.range(key)).kvs[0]!.value), 'small');
        assert.equal((await s.range('/big2')).count, 0);
      });

      it('a key plus value of exactly 1.5 MiB is accepted', async () => {
        const s = await open();
        const key = '/exact';
        const r = await s.create(key, new Uint8Array(MAX_REQUEST_BYTES - key.length));
        assert.equal(r.succeeded, true);
        assert.equal((await s.range(key)).kvs[0]!.value.length, MAX_REQUEST_BYTES - key.length);
      });

      it('a 1 MiB value is accepted and read back intact', async () => {
        const s = await open();
        const v = new Uint8Array(1024 * 1024);
        for (let i = 0; i < v.length; i++) v[i] = (i * 31) & 0xff;
        const r = await s.create('/big', v);
        assert.equal(r.succeeded, true);
        const got = (await s.range('/big')).kvs[0]!.value;
        assert.equal(got.length, v.length);
        assert.ok(Buffer.from(got).equals(Buffer.from(v)));
      });

      it('an empty key is rejected with InvalidArgumentError', async () => {
        const s = await open();
        const rev = await currentRevision(s);
        await assert.rejects(s.create('', bytes('x')), isError(InvalidArgumentError));
        await assert.rejects(s.update('', bytes('x'), 0), isError(InvalidArgumentError));
        await assert.rejects(s.update('', bytes('x'), 5), isError(InvalidArgumentError));
        await assert.rejects(s.delete(''), isError(InvalidArgumentError));
        await assert.rejects(s.range(''), isError(InvalidArgumentError));
        assert.equal(await currentRevision(s), rev);
        assert.equal((await s.status()).keys, 0);
      });
    });

    describe('closed store', () => {
      it('every call fails with StoreClosedError; close is idempotent', async () => {
        const s = await open();
        const g = await s.leaseGrant(60);
        await s.create('/a', bytes('1'));
        await s.close();
        await s.close();
        const closed = isError(StoreClosedError);
        await assert.rejects(s.range('/a'), closed);
        await assert.rejects(s.create('/b', bytes('1')), closed);
        await assert.rejects(s.update('/a', bytes('1'), 2), closed);
        await assert.rejects(s.delete('/a'), closed);
        await assert.rejects(s.compact(1), closed);
        await assert.rejects(s.leaseGrant(60), closed);
        await assert.rejects(s.leaseRevoke(g.id), closed);
        await assert.rejects(s.leaseKeepAlive(g.id), closed);
        await assert.rejects(s.leaseTimeToLive(g.id), closed);
        await assert.rejects(s.status(), closed);
        await expectWatchFails(s, '/a', {}, StoreClosedError);
      });

      it('writes issued before close are finished, not lost', async () => {
        const s = await open();
        const pending = [s.create('/p/1', bytes('1')), s.create('/p/2', bytes('2')), s.create('/p/3', bytes('3'))];
        await timeout(s.close(), WAIT_MS, 'close');
        const results = await timeout(Promise.allSettled(pending), WAIT_MS, 'the writes issued before close to settle');
        for (const r of results) {
          assert.equal(r.status, 'fulfilled', r.status === 'rejected' ? String(r.reason) : '');
          if (r.status === 'fulfilled') assert.equal(r.value.succeeded, true);
        }
        if (harness.reopen) {
          const again = await reopen();
          assert.equal((await again.range('/p/', { prefix: true })).count, 3);
        }
      });
    });

    if (harness.reopen) {
      describe('durability', () => {
        it('data, metadata, revision and compact revision survive a reopen', async () => {
          const s = await open();
          const a = await s.create('/a', bytes('1'));
          const a2 = await s.update('/a', bytes('2'), a.revision);
          const b = await s.create('/b', new Uint8Array([0, 1, 2, 255]));
          await s.create('/c', bytes('gone'));
          await s.delete('/c');
          const at = await currentRevision(s);
          const a3 = await s.update('/a', bytes('3'), a2.revision);
          await s.compact(at);
          const before = await s.status();
          const r = await reopen();
          const after = await r.status();
          assert.equal(after.revision, before.revision);
          assert.equal(after.compactRevision, at);
          assert.equal(after.keys, 2);
          assert.deepEqual((await r.range('/', { prefix: true })).kvs.map(plainKv), [plainKv(a3.kv!), plainKv(b.kv!)]);
          assert.deepEqual([...(await r.range('/b')).kvs[0]!.value], [0, 1, 2, 255]);
          assert.deepEqual((await r.range('/', { prefix: true, revision: at })).kvs.map(plainKv), [plainKv(a2.kv!), plainKv(b.kv!)]);
          await assert.rejects(r.range('/a', { revision: at - 1 }), isError(CompactedError));
          await assert.rejects(r.compact(at), isError(CompactedError));
          const next = await r.update('/a', bytes('4'), a3.revision);
          assert.equal(next.revision, before.revision + 1, 'the revision goes on from where it was');
          assert.equal(next.kv!.version, 4);
          assert.equal((await r.create('/c', bytes('again'))).kv!.version, 1);
        });

        it('history survives a reopen: watch from an old revision, with prevKv', async () => {
          const s = await open();
          const a = await s.create('/a', bytes('1'));
          const a2 = await s.update('/a', bytes('2'), a.revision);
          const d = await s.delete('/a');
          const r = await reopen();
          const reader = new WatchReader(r.watch('/a', { startRevision: a.revision, prevKv: true }));
          assert.deepEqual((await reader.events(3)).map(plainEvent), [
            { type: 'put', kv: plainKv(a.kv!) },
            { type: 'put', kv: plainKv(a2.kv!), prevKv: plainKv(a.kv!) },
            { type: 'delete', kv: { key: '/a', value: '', createRevision: 0, modRevision: d.revision, version: 0, lease: 0 }, prevKv: plainKv(a2.kv!) },
          ]);
          await reader.expectProgress(d.revision);
          reader.watch.cancel();
        });

        it('leases and their keys survive a reopen', async () => {
          const s = await open();
          const g = await s.leaseGrant(600);
          const gone = await s.leaseGrant(600);
          await s.create('/l/a', bytes('1'), { lease: g.id });
          await s.create('/l/b', bytes('1'), { lease: g.id });
          await s.leaseRevoke(gone.id);
          const r = await reopen();
          assert.equal((await r.status()).leases, 1);
          const st = await r.leaseTimeToLive(g.id);
          assert.equal(st.grantedTtl, 600);
          assert.deepEqual([...st.keys].sort(), ['/l/a', '/l/b']);
          await assert.rejects(r.leaseKeepAlive(gone.id), isError(LeaseNotFoundError));
          const fresh = await r.leaseGrant(60);
          assert.notEqual(fresh.id, g.id, 'a new lease does not reuse a live id');
          await r.leaseRevoke(g.id);
          assert.equal((await r.range('/l/', { prefix: true })).count, 0);
        });

        if (harness.clock) {
          const clock = harness.clock;
          it('a lease still expires after a reopen, deleting its keys', async () => {
            const s = await open();
            const g = await s.leaseGrant(10);
            await s.create('/l/a', bytes('1'), { lease: g.id });
            await s.create('/l/b', bytes('1'));
            const r = await reopen();
            const reader = new WatchReader(r.watch('/l/', { prefix: true, prevKv: true }));
            clock.advance(11_000);
            await eventually(async () => (await r.range('/l/a')).count === 0, 'the lease to expire after the reopen');
            const [e] = await reader.events(1);
            assert.equal(e!.type, 'delete');
            assert.equal(e!.kv.key, '/l/a');
            assert.equal(e!.prevKv?.lease, g.id);
            assert.equal((await r.range('/l/b')).count, 1);
            await assert.rejects(r.leaseKeepAlive(g.id), isError(LeaseNotFoundError));
            reader.watch.cancel();
            // And the expiry itself is durable.
            const again = await reopen();
            assert.equal((await again.range('/l/a')).count, 0);
            assert.equal((await again.status()).leases, 0);
          });
        }

        it('several reopens in a row keep everything', async () => {
          let s = await open();
          const expected = new Map<string, string>();
          for (let round = 0; round < 4; round++) {
            for (let i = 0; i < 20; i++) {
              const key = `/r/${i % 7}`;
              const cur = (await s.range(key)).kvs[0];
              const value = `${round}-${i}`;
              if (cur && i % 5 === 0) {
                await s.delete(key, cur.modRevision);
                expected.delete(key);
              } else if (cur) {
                await s.update(key, bytes(value), cur.modRevision);
                expected.set(key, value);
              } else {
                await s.create(key, bytes(value));
                expected.set(key, value);
              }
            }
            const rev = await currentRevision(s);
            s = await reopen();
            assert.equal(await currentRevision(s), rev);
            const got = (await s.range('/r/', { prefix: true })).kvs.map((kv) => [kv.key, text(kv.value)]);
            assert.deepEqual(got, [...expected].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
          }
        });
      });
    }
  });
}
