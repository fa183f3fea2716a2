// Acceptance check for durability: a child process (test/fixtures/crash-writer.ts) writes with
// acknowledgements while this test kills it with SIGKILL at random moments, then opens the
// store here and checks that every acknowledged write is present, nothing half-written is
// visible and the store can be written again; then the next child starts on the same dir.
//
// Replay a failure with CRASH_SEED=<seed printed by the failing run>; CRASH_CYCLES=<n> changes
// the number of cycles (default 100).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type EmbeddedStore } from '../src/storage/index.ts';
import { CompactedError, StorageError } from '../src/storage/errors.ts';
import type { KeyValue } from '../src/storage/types.ts';
import {
  KEY_PREFIX,
  STORE_OPTIONS,
  checkValue,
  makeValue,
  prng,
  type CrashLine,
} from './fixtures/crash-writer.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(HERE);
const FIXTURE = join(HERE, 'fixtures', 'crash-writer.ts');
const CYCLES = Number(process.env.CRASH_CYCLES ?? 100);
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** A live key as the model knows it. */
interface KeyState {
  mod: number;
  crev: number;
  ver: number;
  lease: number;
  seq: string;
}

/** A write in flight when the child was killed: it may or may not have happened. */
type Pending =
  | { kind: 'put'; op: 'create' | 'update'; seq: string; lease: number }
  | { kind: 'del' }
  | { kind: 'revoke'; lease: number };

type Intent = Extract<CrashLine, { t: 'i' }>;

interface RunResult {
  lines: CrashLine[];
  stderr: string;
  killedAfterMs: number;
  mode: string;
}

const live = new Set<ChildProcess>();

function describeKv(kv: KeyValue | undefined): string {
  if (!kv) return 'absent';
  const v = checkValue(kv.key, kv.value);
  return `mod=${kv.modRevision} crev=${kv.createRevision} ver=${kv.version} lease=${kv.lease} ${'bad' in v ? v.bad : `seq=${v.seq}`}`;
}

/** Runs one child until it is killed; returns everything it printed. */
async function runChild(dir: string, cycle: number, rnd: () => number, leases: number[]): Promise<RunResult> {
  const childSeed = Math.floor(rnd() * 2 ** 31);
  const early = rnd() < 0.12;
  const ackTarget = 1 + Math.floor(rnd() * 60);
  const delay = early ? Math.floor(rnd() * 700) : Math.floor(rnd() * 150);
  const mode = early ? `${delay} ms after spawn` : `${delay} ms after ${ackTarget} acks`;

  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, String(cycle), String(childSeed), leases.join(',')], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const lines: CrashLine[] = [];
  let stderr = '';
  let partial = '';
  let acks = 0;
  let killTimer: NodeJS.Timeout | undefined;
  let killedAt = 0;
  const kill = () => {
    if (killedAt === 0 && child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      killedAt = Date.now();
      process.kill(child.pid, 'SIGKILL');
    }
  };
  const arm = (ms: number) => {
    killTimer ??= setTimeout(kill, ms);
  };
  const watchdog = setTimeout(kill, 20_000);
  if (early) arm(delay);
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => (stderr += s));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (s: string) => {
    partial += s;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const text = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      const line = JSON.parse(text) as CrashLine;
      lines.push(line);
      if (line.t === 'a' && ++acks >= ackTarget) arm(delay);
      if (line.t === 'err') kill();
    }
  });
  try {
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    const err = lines.find((l) => l.t === 'err');
    if (err) throw new Error(`cycle ${cycle}: the writer failed: ${err.message}\n${stderr}`);
    if (signal !== 'SIGKILL' || killedAt === 0) {
      throw new Error(`cycle ${cycle}: the writer exited on its own (code ${code}, signal ${signal})\n${stderr}`);
    }
    if (Date.now() - started > 20_000) throw new Error(`cycle ${cycle}: the writer made no progress in 20 s\n${stderr}`);
    // A line cut short by the kill was never completely written, so it never happened; but
    // write(2) of one short line to a pipe is atomic, so there should be none.
    assert.equal(partial, '', `cycle ${cycle}: torn output line ${JSON.stringify(partial)}`);
    return { lines, stderr, killedAfterMs: killedAt - started, mode };
  } finally {
    clearTimeout(killTimer);
    clearTimeout(watchdog);
    live.delete(child);
  }
}

class Model {
  /** Live keys after the last check (with what the checker itself wrote). */
  keys = new Map<string, KeyState>();
  leases = new Set<number>();
  revision: number | undefined;
  storeKeys = 0;
  cyclesWithWrites = 0;
  acked = 0;
  attempted = 0;
  recoveries = 0;
  /** Highest log segment and the snapshots seen, to show that rolls and snapshots happened. */
  maxSegment = 0;
  snapshots = new Set<number>();

  async checkCycle(dir: string, cycle: number, run: RunResult): Promise<void> {
    const where = `cycle ${cycle} (killed ${run.mode}, at ${run.killedAfterMs} ms)`;
    const fail = (msg: string): never => {
      throw new Error(`${where}: ${msg}`);
    };

    // ---- replay the child's output into the acknowledged state and the writes in flight ----
    const cur = new Map<string, KeyState | null>();
    const pending = new Map<string, Pending>();
    const leaseCur = new Map<number, boolean>();
    const leasePending = new Map<number, 'grant' | 'revoke'>();
    const intents = new Map<number, Intent>();
    const ackedRevs = new Set<number>();
    const history: { key: string; rev: number; seq: string | undefined }[] = [];
    let maxAcked = 0;
    const state = (key: string): KeyState | null => (cur.has(key) ? cur.get(key)! : (this.keys.get(key) ?? null));
    const keysOfLease = (lease: number): string[] =>
      [...new Set([...this.keys.keys(), ...cur.keys()])].filter((k) => state(k)?.lease === lease);
    const noteRev = (rev: number | undefined, what: string): number => {
      if (rev === undefined || !Number.isInteger(rev)) fail(`${what}: ack without a revision`);
      if (this.revision !== undefined && rev! <= this.revision) fail(`${what}: acked revision ${rev} is not above the recovered ${this.revision}`);
      if (ackedRevs.has(rev!)) fail(`${what}: revision ${rev} acknowledged twice`);
      ackedRevs.add(rev!);
      maxAcked = Math.max(maxAcked, rev!);
      return rev!;
    };

    let opened = false;
    for (const line of run.lines) {
      if (line.t === 'open') {
        opened = true;
        this.recoveries++;
        if (this.revision !== undefined && line.rev !== this.revision) {
          fail(`the writer recovered revision ${line.rev}, the checker left ${this.revision}`);
        }
        if (this.revision !== undefined && line.keys !== this.storeKeys) {
          fail(`the writer recovered ${line.keys} keys, the checker left ${this.storeKeys}`);
        }
      } else if (line.t === 'i') {
        if (!opened) fail('intent before open');
        this.attempted++;
        intents.set(line.id, line);
        if (line.op === 'create' || line.op === 'update') {
          if (pending.has(line.key)) fail(`two writes of ${line.key} in flight`);
          pending.set(line.key, { kind: 'put', op: line.op, seq: line.seq, lease: line.lease });
        } else if (line.op === 'delete') {
          if (pending.has(line.key)) fail(`two writes of ${line.key} in flight`);
          pending.set(line.key, { kind: 'del' });
        } else if (line.op === 'grant') {
          leasePending.set(line.lease, 'grant');
        } else {
          leasePending.set(line.lease, 'revoke');
          for (const k of keysOfLease(line.lease)) {
            if (pending.has(k)) fail(`a write of ${k} in flight while its lease is revoked`);
            pending.set(k, { kind: 'revoke', lease: line.lease });
          }
        }
      } else if (line.t === 'a') {
        this.acked++;
        const i = intents.get(line.id);
        if (!i) return fail(`ack ${line.id} without an intent`);
        if (i.op === 'create' || i.op === 'update') {
          const what = `${i.op} ${i.key} (write ${i.seq})`;
          const rev = noteRev(line.mod, what);
          if (line.rev !== rev) fail(`${what}: response revision ${line.rev} but kv modRevision ${rev}`);
          const before = state(i.key);
          if (i.op === 'create') {
            if (before) fail(`${what}: acknowledged create of a live key`);
            if (line.ver !== 1 || line.crev !== rev) fail(`${what}: create acked with version ${line.ver}, createRevision ${line.crev}`);
          } else {
            if (!before) return fail(`${what}: acknowledged update of an absent key`);
            if (rev <= before.mod) fail(`${what}: revision ${rev} not above ${before.mod}`);
            if (line.ver !== before.ver + 1 || line.crev !== before.crev) {
              fail(`${what}: update acked with version ${line.ver}, createRevision ${line.crev}; before: ${before.ver}, ${before.crev}`);
            }
          }
          cur.set(i.key, { mod: rev, crev: line.crev!, ver: line.ver!, lease: i.lease, seq: i.seq });
          pending.delete(i.key);
          history.push({ key: i.key, rev, seq: i.seq });
        } else if (i.op === 'delete') {
          const rev = noteRev(line.rev, `delete ${i.key}`);
          cur.set(i.key, null);
          pending.delete(i.key);
          history.push({ key: i.key, rev, seq: undefined });
        } else if (i.op === 'grant') {
          leaseCur.set(i.lease, true);
          leasePending.delete(i.lease);
        } else {
          for (const [k, p] of pending) {
            if (p.kind === 'revoke' && p.lease === i.lease) {
              cur.set(k, null);
              pending.delete(k);
            }
          }
          leaseCur.set(i.lease, false);
          leasePending.delete(i.lease);
        }
      }
    }
    if (ackedRevs.size > 0) this.cyclesWithWrites++;

    // ---- recover here and compare ----
    let store: EmbeddedStore;
    try {
      store = await openStore({ dir, ...STORE_OPTIONS });
    } catch (err) {
      return fail(`recovery failed: ${(err as Error).stack}`);
    }
    try {
      const status = await store.status();
      if (status.revision < maxAcked) fail(`recovered revision ${status.revision} is below the acknowledged ${maxAcked}`);
      if (this.revision !== undefined && status.revision < this.revision) {
        fail(`recovered revision ${status.revision} is below the one before the crash, ${this.revision}`);
      }
      if (status.compactRevision > status.revision) fail(`compactRevision ${status.compactRevision} > revision ${status.revision}`);

      const all = await store.range('/crash/', { prefix: true });
      if (all.more || all.count !== all.kvs.length) fail(`range: count ${all.count}, ${all.kvs.length} kvs, more ${all.more}`);
      if (all.revision !== status.revision) fail(`range read at ${all.revision}, status says ${status.revision}`);
      if (status.keys !== all.kvs.length) fail(`status counts ${status.keys} keys, range finds ${all.kvs.length}`);
      const actual = new Map<string, KeyValue>();
      let prev = '';
      for (const kv of all.kvs) {
        if (kv.key <= prev) fail(`range result not sorted: ${kv.key} after ${prev}`);
        prev = kv.key;
        actual.set(kv.key, kv);
        const v = checkValue(kv.key, kv.value);
        if ('bad' in v) fail(`${kv.key}: malformed value: ${v.bad}`);
        if (kv.modRevision > status.revision || kv.createRevision > kv.modRevision || kv.createRevision < 1 || kv.version < 1) {
          fail(`${kv.key}: inconsistent revisions ${describeKv(kv)} at store revision ${status.revision}`);
        }
      }

      const keys = new Set<string>([...this.keys.keys(), ...cur.keys(), ...pending.keys()]);
      for (const kv of all.kvs) {
        if (!keys.has(kv.key)) fail(`${kv.key} is present but was never written: ${describeKv(kv)}`);
      }
      for (const key of keys) {
        const a = state(key);
        const p = pending.get(key);
        const kv = actual.get(key);
        const v = kv ? checkValue(key, kv.value) : undefined;
        const seq = v && 'seq' in v ? v.seq : undefined;
        const isA = a
          ? kv !== undefined && kv.modRevision === a.mod && kv.createRevision === a.crev && kv.version === a.ver && kv.lease === a.lease && seq === a.seq
          : kv === undefined;
        let isP = false;
        if (p?.kind === 'put' && kv) {
          isP =
            seq === p.seq &&
            kv.lease === p.lease &&
            kv.modRevision > (a?.mod ?? this.revision ?? 0) &&
            (p.op === 'update' ? a !== null && kv.version === a.ver + 1 && kv.createRevision === a.crev : kv.version === 1 && kv.createRevision === kv.modRevision);
        } else if ((p?.kind === 'del' || p?.kind === 'revoke') && !kv) {
          isP = true;
        }
        if (!isA && !isP) {
          const expect = a ? `mod=${a.mod} crev=${a.crev} ver=${a.ver} lease=${a.lease} seq=${a.seq}` : 'absent';
          fail(
            `${key}: found ${describeKv(kv)}; acknowledged state: ${expect}` +
              (p ? `; in flight: ${JSON.stringify(p)}` : '; nothing in flight') +
              (cur.has(key) ? ' (acknowledged in this cycle)' : ' (from before this cycle)'),
          );
        }
      }

      // Leases: the acknowledged ones exist, revoked ones do not, a revoke is all or nothing,
      // and each lease knows exactly the live keys that name it.
      const candidates = new Set<number>([...this.leases, ...leaseCur.keys(), ...leasePending.keys()]);
      const existing = new Set<number>();
      for (const id of candidates) {
        let keysOfIt: string[] | undefined;
        try {
          keysOfIt = (await store.leaseTimeToLive(id)).keys;
          existing.add(id);
        } catch (err) {
          if (!(err instanceof StorageError && err.code === 'LeaseNotFound')) throw err;
        }
        const acked = leaseCur.get(id) ?? this.leases.has(id);
        const inFlight = leasePending.get(id);
        if (keysOfIt === undefined ? acked && inFlight !== 'revoke' : !acked && inFlight !== 'grant') {
          fail(`lease ${id} ${keysOfIt ? 'exists' : 'is missing'}; acknowledged: ${acked ? 'granted' : 'revoked'}, in flight: ${inFlight ?? 'nothing'}`);
        }
        const attached = all.kvs.filter((kv) => kv.lease === id).map((kv) => kv.key);
        if (keysOfIt && JSON.stringify(keysOfIt) !== JSON.stringify(attached)) {
          fail(`lease ${id} lists keys ${JSON.stringify(keysOfIt)}, but the keys naming it are ${JSON.stringify(attached)}`);
        }
        if (!keysOfIt && attached.length > 0) fail(`lease ${id} is gone but keys still name it: ${attached.join(', ')}`);
        if (inFlight === 'revoke' && keysOfIt) {
          for (const [k, p] of pending) {
            if (p.kind === 'revoke' && p.lease === id && !actual.has(k)) fail(`lease ${id} survived its revoke, but its key ${k} is gone`);
          }
        }
      }
      if (status.leases !== existing.size) fail(`status counts ${status.leases} leases, the model knows ${existing.size}`);

      // History: each acknowledged write is visible at its own revision (unless compacted).
      for (const h of history) {
        if (h.rev < status.compactRevision) continue;
        const r = await store.range(h.key, { revision: h.rev });
        const kv = r.kvs[0];
        const v = kv ? checkValue(h.key, kv.value) : undefined;
        const ok = h.seq === undefined ? kv === undefined : kv?.modRevision === h.rev && v !== undefined && 'seq' in v && v.seq === h.seq;
        if (!ok) fail(`${h.key} at revision ${h.rev}: found ${describeKv(kv)}, acknowledged ${h.seq ? `write ${h.seq}` : 'delete'}`);
      }
      if (status.compactRevision > 1) {
        await assert.rejects(store.range('/crash/', { prefix: true, revision: status.compactRevision - 1 }), CompactedError);
      }

      // ---- the recovered store takes writes ----
      const checkKey = `/crash/check/${String(cycle).padStart(4, '0')}`;
      const r1 = await store.create(checkKey, makeValue(checkKey, `${cycle}.999999999`, 64));
      if (!r1.succeeded) fail(`create ${checkKey} after recovery did not succeed`);
      if (r1.revision !== status.revision + 1) fail(`the first write after recovery got revision ${r1.revision}, not ${status.revision + 1}`);
      const someKey = all.kvs.find((kv) => kv.key.startsWith(KEY_PREFIX));
      if (someKey) {
        const r2 = await store.update(someKey.key, makeValue(someKey.key, `${cycle}.999999998`, 32), someKey.modRevision);
        if (!r2.succeeded) fail(`update of ${someKey.key} after recovery did not succeed`);
      }

      // The new baseline, read back.
      const after = await store.range('/crash/', { prefix: true });
      this.keys = new Map();
      for (const kv of after.kvs) {
        const v = checkValue(kv.key, kv.value);
        if ('bad' in v) return fail(`${kv.key} is malformed after the checker wrote: ${v.bad}`);
        this.keys.set(kv.key, { mod: kv.modRevision, crev: kv.createRevision, ver: kv.version, lease: kv.lease, seq: v.seq });
      }
      this.leases = existing;
      const st2 = await store.status();
      this.revision = st2.revision;
      this.storeKeys = st2.keys;
    } finally {
      await store.close();
    }
    for (const name of readdirSync(dir)) {
      const m = /^(wal|snap)-([0-9a-f]{16})\.(log|snap)$/.exec(name);
      if (!m) continue;
      const seq = parseInt(m[2]!, 16);
      if (m[1] === 'wal') this.maxSegment = Math.max(this.maxSegment, seq);
      else this.snapshots.add(seq);
    }
  }
}

test(`crash: ${CYCLES} SIGKILLs of a writing child lose no acknowledged write and show nothing half-written`, async (t) => {
  const rnd = prng(SEED);
  t.diagnostic(`seed ${SEED} (replay with CRASH_SEED=${SEED})`);
  console.log(`storage-crash: seed ${SEED} (replay with CRASH_SEED=${SEED})`);
  const root = mkdtempSync(join(tmpdir(), 'kubelite-crash-'));
  const dir = join(root, 'store');
  const model = new Model();
  const started = Date.now();
  let cycle = 0;
  try {
    for (; cycle < CYCLES; cycle++) {
      const run = await runChild(dir, cycle, rnd, [...model.leases].sort((a, b) => a - b));
      await model.checkCycle(dir, cycle, run);
    }
  } catch (err) {
    (err as Error).message = `seed ${SEED}: ${(err as Error).message}`;
    throw err;
  } finally {
    for (const child of live) if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
  const summary =
    `${CYCLES} cycles in ${((Date.now() - started) / 1000).toFixed(1)} s: ${model.attempted} writes attempted, ` +
    `${model.acked} acknowledged, ${model.cyclesWithWrites} cycles with acknowledged writes, ` +
    `${model.recoveries} recoveries by the writer, ${model.keys.size} keys and ${model.leases.size} leases at the end, ` +
    `${model.maxSegment} log segments and ${model.snapshots.size} snapshots seen`;
  t.diagnostic(summary);
  console.log(`storage-crash: ${summary}`);
  assert.ok(model.cyclesWithWrites >= CYCLES * 0.7, `only ${model.cyclesWithWrites} cycles had acknowledged writes`);
  if (CYCLES >= 20) {
    assert.ok(model.maxSegment >= CYCLES / 4, `the log rolled only to segment ${model.maxSegment}`);
    assert.ok(model.snapshots.size >= 3, `only ${model.snapshots.size} snapshots were seen`);
  }
});
