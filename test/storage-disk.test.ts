// A full disk: writes fail with a clear NoSpace error and are not applied, everything
// acknowledged stays readable, and once there is room again the store goes on. Runs on a tiny
// tmpfs, so it needs root (mount); it is skipped otherwise.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmdirSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type EmbeddedStore } from '../src/storage/index.ts';
import { StorageError } from '../src/storage/errors.ts';

// Small segments, so that the log rolls while the disk fills. The first test takes snapshots
// only when asked (so that a background snapshot's temporary file does not come and go while
// the disk is full); the second lets them run, and fail, on their own.
const OPTIONS = { segmentBytes: 128 * 1024 } as const;
const AUTO_SNAPSHOTS = { segmentBytes: 16 * 1024, snapshotEveryBytes: 128 * 1024 } as const;

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Mounts a tmpfs of `size`, runs `fn` in it, and always unmounts and removes it. */
async function withTmpfs(t: TestContext, size: string, fn: (mnt: string) => Promise<void>): Promise<void> {
  if (process.getuid?.() !== 0) {
    t.skip(`needs root to mount a tmpfs: running as uid ${process.getuid?.()}`);
    return;
  }
  const mnt = mkdtempSync(join(tmpdir(), 'kubelite-disk-'));
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
  } catch (err) {
    rmdirSync(mnt);
    const why = ((err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message).trim();
    t.skip(`needs root to mount a tmpfs: mount failed: ${why}`);
    return;
  }
  try {
    await fn(mnt);
  } finally {
    try {
      run('umount', [mnt]);
    } catch {
      run('umount', ['-l', mnt]);
    }
    rmdirSync(mnt);
  }
}

/** Takes whatever space is left on the file system, so that no file can grow by a page. */
function ballast(mnt: string, name: string): void {
  const fd = openSync(join(mnt, name), 'a');
  const chunk = Buffer.alloc(4096, 0x42);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

/** A value that names its key, more than a page long so that it always needs a new page. */
const value = (key: string, n = 5000) => Buffer.from(`${key}|`.padEnd(n, '.'));

function isNoSpace(err: unknown): boolean {
  assert.ok(err instanceof StorageError, `a StorageError, not ${(err as Error)?.stack ?? String(err)}`);
  assert.equal(err.code, 'NoSpace', err.message);
  assert.match(err.message, /no space left on device/);
  return true;
}

/** Every acknowledged key holds its value and no other key of `prefix` exists. */
async function expectExactly(s: EmbeddedStore, prefix: string, acked: Map<string, Buffer>): Promise<void> {
  const r = await s.range(prefix, { prefix: true });
  assert.deepEqual(
    r.kvs.map((kv) => kv.key),
    [...acked.keys()].sort(),
  );
  for (const kv of r.kvs) assert.deepEqual(Buffer.from(kv.value), acked.get(kv.key), `value of ${kv.key}`);
}

function trackUnhandled(): { list: unknown[]; stop: () => void } {
  const list: unknown[] = [];
  const on = (reason: unknown) => list.push(reason);
  process.on('unhandledRejection', on);
  return { list, stop: () => process.off('unhandledRejection', on) };
}

test('a full disk: writes fail with NoSpace and are not applied; with room again they succeed', async (t) => {
  await withTmpfs(t, '1m', async (mnt) => {
    const unhandled = trackUnhandled();
    const dir = join(mnt, 'store');
    const acked = new Map<string, Buffer>();
    const refused = new Set<string>();
    let s = await openStore({ dir, ...OPTIONS });
    try {
      // Fill the disk.
      let first: unknown;
      for (let i = 0; first === undefined; i++) {
        assert.ok(i < 1000, 'the disk never filled up');
        const key = `/registry/fill/${String(i).padStart(4, '0')}`;
        try {
          assert.ok((await s.create(key, value(key))).succeeded);
          acked.set(key, value(key));
        } catch (err) {
          first = err;
          refused.add(key);
        }
      }
      isNoSpace(first);
      assert.ok(acked.size > 20, `only ${acked.size} writes fit`);
      assert.ok((first as Error).message.includes(dir), `the message names the store: ${(first as Error).message}`);
      t.diagnostic(`${acked.size} writes fit; then: ${(first as Error).message}`);
      ballast(mnt, 'ballast-1');

      // Reads go on, and show exactly what was acknowledged.
      await expectExactly(s, '/registry/fill/', acked);
      const revision = (await s.status()).revision;
      assert.equal(revision, 1 + acked.size);

      // Later writes fail the same way, one at a time or many at once, and are not applied.
      for (let i = 0; i < 5; i++) {
        const key = `/registry/later/${i}`;
        await assert.rejects(s.create(key, value(key)), isNoSpace);
        refused.add(key);
      }
      const some = [...acked.keys()][3]!;
      const cur = (await s.range(some)).kvs[0]!;
      await assert.rejects(s.update(some, value(some, 9000), cur.modRevision), isNoSpace);
      const many = Array.from({ length: 20 }, (_, i) => `/registry/many/${String(i).padStart(2, '0')}`);
      const results = await Promise.allSettled(many.map((k) => s.create(k, value(k))));
      for (const [i, r] of results.entries()) {
        if (r.status === 'fulfilled') assert.fail(`${many[i]} was written on a full disk`);
        isNoSpace(r.reason);
        refused.add(many[i]!);
      }
      assert.equal((await s.status()).revision, revision, 'failed writes took no revision');
      assert.equal((await s.status()).keys, acked.size);
      await expectExactly(s, '/registry/fill/', acked);
      assert.equal((await s.range('/registry/', { prefix: true, countOnly: true })).count, acked.size);
      assert.deepEqual((await s.range(some)).kvs[0], cur);

      // A snapshot on the full disk fails cleanly (here: it cannot even start a new log
      // segment) and leaves the log as it was.
      await assert.rejects(s.snapshot(), isNoSpace);
      await expectExactly(s, '/registry/fill/', acked);
      await assert.rejects(s.create('/registry/later/after-snapshot', value('/registry/later/after-snapshot')), isNoSpace);
      refused.add('/registry/later/after-snapshot');
      // With two pages free, the snapshot starts a new segment but cannot write itself; its
      // temporary file is removed and the new segment takes small writes.
      truncateSync(join(mnt, 'ballast-1'), statSync(join(mnt, 'ballast-1')).size - 8192);
      await assert.rejects(s.snapshot(), isNoSpace);
      assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary file is left');
      await expectExactly(s, '/registry/fill/', acked);
      assert.ok((await s.create('/registry/fill/small', Buffer.from('small'))).succeeded, 'a small write after the failed snapshot');
      acked.set('/registry/fill/small', Buffer.from('small'));
      ballast(mnt, 'ballast-2');
      await assert.rejects(s.create('/registry/later/after-snapshot-2', value('/registry/later/after-snapshot-2')), isNoSpace);
      refused.add('/registry/later/after-snapshot-2');
      await expectExactly(s, '/registry/fill/', acked);

      // Room again: writes succeed.
      run('mount', ['-o', 'remount,size=8m', mnt]);
      for (let i = 0; i < 50; i++) {
        const key = `/registry/fill/r${String(i).padStart(3, '0')}`;
        assert.ok((await s.create(key, value(key))).succeeded, key);
        acked.set(key, value(key));
      }
      const r = await s.update(some, value(some, 9000), cur.modRevision);
      assert.ok(r.succeeded);
      acked.set(some, value(some, 9000));
      const concurrent = await Promise.all(many.map((k) => s.create(k, value(k))));
      assert.ok(concurrent.every((c) => c.succeeded));
      for (const k of many) {
        acked.set(k, value(k));
        refused.delete(k);
      }
      await s.snapshot();
      await expectExactly(s, '/registry/fill/', new Map([...acked].filter(([k]) => k.startsWith('/registry/fill/'))));
      const finalRevision = (await s.status()).revision;
      await s.close();

      // After a restart: everything acknowledged, nothing refused.
      s = await openStore({ dir, ...OPTIONS });
      assert.equal((await s.status()).revision, finalRevision);
      await expectExactly(s, '/registry/', acked);
      for (const k of refused) assert.equal((await s.range(k)).kvs.length, 0, `${k} was refused but is there`);
      assert.ok((await s.create('/registry/last', Buffer.from('x'))).succeeded);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled.list, [], 'no unhandled rejections');
    } finally {
      unhandled.stop();
      await s.close();
    }
  });
});

test('on a full disk, small writes either succeed and are kept, or fail with NoSpace and are not', async (t) => {
  await withTmpfs(t, '1m', async (mnt) => {
    const unhandled = trackUnhandled();
    const dir = join(mnt, 'store');
    const acked = new Map<string, Buffer>();
    const refused = new Set<string>();
    let s = await openStore({ dir, ...AUTO_SNAPSHOTS });
    try {
      for (let i = 0; i < 150; i++) {
        const key = `/registry/a/${String(i).padStart(4, '0')}`;
        assert.ok((await s.create(key, value(key, 3000))).succeeded);
        acked.set(key, value(key, 3000));
      }
      ballast(mnt, 'ballast');
      // Sizes from tiny (fits in a partly used page) to large, in concurrent bursts; deletes too.
      let failures = 0;
      for (let round = 0; round < 10; round++) {
        const keys = Array.from({ length: 10 }, (_, i) => `/registry/b/${round}-${i}`);
        const sizes = keys.map((_, i) => [10, 100, 700, 2000, 5000][(round + i) % 5]!);
        const victim = [...acked.keys()][round]!;
        const ops = [
          ...keys.map((k, i) => s.create(k, value(k, sizes[i]!)).then((r) => (assert.ok(r.succeeded), acked.set(k, value(k, sizes[i]!))))),
          s.delete(victim).then((r) => (assert.ok(r.succeeded), acked.delete(victim))),
        ];
        const results = await Promise.allSettled(ops);
        for (const [i, r] of results.entries()) {
          if (r.status === 'rejected') {
            isNoSpace(r.reason);
            failures++;
            if (i < keys.length) refused.add(keys[i]!);
          }
        }
        await expectExactly(s, '/registry/', acked);
      }
      assert.ok(failures > 0, 'the disk was full, yet nothing failed');
      t.diagnostic(`${failures} of 110 writes refused`);
      const revision = (await s.status()).revision;
      await s.close();
      run('mount', ['-o', 'remount,size=8m', mnt]);
      s = await openStore({ dir, ...AUTO_SNAPSHOTS });
      assert.equal((await s.status()).revision, revision);
      await expectExactly(s, '/registry/', acked);
      for (const k of refused) assert.equal((await s.range(k)).kvs.length, 0, `${k} was refused but is there`);
      assert.ok((await s.create('/registry/last', Buffer.from('x'))).succeeded);
      acked.set('/registry/last', Buffer.from('x'));
      await s.snapshot();
      await expectExactly(s, '/registry/', acked);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled.list, [], 'no unhandled rejections');
    } finally {
      unhandled.stop();
      await s.close();
    }
  });
});

test('opening a store on a full disk either recovers it or fails with a StorageError', async (t) => {
  await withTmpfs(t, '1m', async (mnt) => {
    const dir = join(mnt, 'store');
    const acked = new Map<string, Buffer>();
    const s = await openStore({ dir, ...OPTIONS });
    for (let i = 0; i < 40; i++) {
      const key = `/registry/a/${String(i).padStart(4, '0')}`;
      assert.ok((await s.create(key, value(key, 3000))).succeeded);
      acked.set(key, value(key, 3000));
    }
    await s.close();
    ballast(mnt, 'ballast');
    let reopened: EmbeddedStore | undefined;
    let failure: unknown;
    try {
      reopened = await openStore({ dir, ...OPTIONS });
    } catch (err) {
      failure = err;
    }
    if (reopened) {
      await expectExactly(reopened, '/registry/', acked);
      await reopened.close();
    }
    run('mount', ['-o', 'remount,size=8m', mnt]);
    const again = await openStore({ dir, ...OPTIONS });
    try {
      await expectExactly(again, '/registry/', acked);
      assert.ok((await again.create('/registry/b', Buffer.from('x'))).succeeded);
    } finally {
      await again.close();
    }
    if (failure !== undefined) {
      assert.ok(
        failure instanceof StorageError,
        `opening on a full disk failed with a plain ${(failure as Error).name}, not a StorageError: ${(failure as Error).message}`,
      );
      assert.equal(failure.code, 'NoSpace', failure.message);
    }
  });
});
