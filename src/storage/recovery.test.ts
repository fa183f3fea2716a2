// Recovery on real files: what a crash can leave (a torn tail) is repaired, what it cannot
// (damage before the tail, missing files, a corrupt snapshot) is refused without touching the
// files, foreign directories are never written to, and one directory has one owner at a time.

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CorruptError, RequestTooLargeError, StorageError } from './errors.ts';
import { openStore, type EmbeddedStore, type EngineOptions } from './engine.ts';
import { segmentName } from './files.ts';
import { MAX_REQUEST_BYTES } from './types.ts';

const root = mkdtempSync(join(tmpdir(), 'kubelite-recovery-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${++dirs}`);

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');

const key = (i: number) => `/registry/things/k${String(i).padStart(4, '0')}`;
const val = (i: number, tag = 'v') => Buffer.from(`${tag}-${i}-${'x'.repeat(i % 37)}`);

/** Opens a store, creates keys 0..n-1 one at a time (one frame each), closes it. */
async function fill(dir: string, n: number, options: Omit<EngineOptions, 'dir'> = {}): Promise<void> {
  const s = await openStore({ dir, ...options });
  for (let i = 0; i < n; i++) {
    const r = await s.create(key(i), val(i));
    assert.ok(r.succeeded);
  }
  await s.close();
}

/** Asserts keys 0..n-1 hold their values and nothing else is stored. */
async function expectKeys(s: EmbeddedStore, n: number, tag = 'v'): Promise<void> {
  const r = await s.range('/registry/things/', { prefix: true });
  assert.deepEqual(
    r.kvs.map((kv) => kv.key),
    Array.from({ length: n }, (_, i) => key(i)),
  );
  for (const [i, kv] of r.kvs.entries()) assert.deepEqual(Buffer.from(kv.value), val(i, tag), `value of ${kv.key}`);
  assert.equal((await s.status()).revision, 1 + n);
}

function segmentsOf(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /^wal-[0-9a-f]{16}\.log$/.test(n))
    .sort();
}

/** Frame offsets of a log segment: header of 16 bytes, then `[u32 len][u32 crc][payload]`. */
function framesOf(path: string): { off: number; len: number; end: number }[] {
  const buf = readFileSync(path);
  const out: { off: number; len: number; end: number }[] = [];
  let off = 16;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len === 0 || off + 8 + len > buf.length) break;
    out.push({ off, len, end: off + 8 + len });
    off += 8 + len;
  }
  assert.equal(off, buf.length, `${path} is a clean sequence of frames`);
  return out;
}

/** Every file under `dir` (recursively) with its bytes, or the bytes of `dir` if it is a file. */
function contents(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (p: string, rel: string) => {
    if (statSync(p).isDirectory()) {
      out.set(`${rel}/`, Buffer.alloc(0));
      for (const n of readdirSync(p).sort()) walk(join(p, n), `${rel}/${n}`);
    } else out.set(rel, readFileSync(p));
  };
  walk(dir, '');
  return out;
}

function flip(path: string, offset: number, mask = 0x01): void {
  const buf = readFileSync(path);
  assert.ok(offset < buf.length);
  buf[offset]! ^= mask;
  writeFileSync(path, buf);
}

/** openStore must reject with `code`, the message matching every pattern, and change nothing. */
async function expectRefused(dir: string, code: string, patterns: (string | RegExp)[], options: Omit<EngineOptions, 'dir'> = {}) {
  const before = contents(dir);
  let store: EmbeddedStore | undefined;
  try {
    store = await openStore({ dir, ...options });
  } catch (err) {
    assert.ok(err instanceof StorageError, `a StorageError, not ${(err as Error)?.stack ?? String(err)}`);
    assert.equal(err.code, code, err.message);
    if (code === 'Corrupt') {
      assert.ok(err instanceof CorruptError, `a CorruptError, not a plain ${err.name} with code 'Corrupt': ${err.message}`);
    }
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok(err.message.includes(p), `message ${JSON.stringify(err.message)} names ${p}`);
      else assert.match(err.message, p);
    }
    assert.deepEqual(contents(dir), before, 'the files are left as they were');
    return err;
  }
  await store.close();
  assert.fail(`openStore accepted ${dir}; expected a ${code} error`);
}

describe('a torn tail is cut off', () => {
  const cases: [string, (f: { off: number; len: number; end: number }) => number][] = [
    ['inside the frame header', (f) => f.off + 3],
    ['right after the frame header', (f) => f.off + 8],
    ['in the middle of the payload', (f) => f.off + 8 + Math.floor(f.len / 2)],
    ['one byte short', (f) => f.end - 1],
  ];
  for (const [name, cut] of cases) {
    test(`truncated ${name}`, async () => {
      const dir = freshDir();
      await fill(dir, 20);
      const [seg] = segmentsOf(dir);
      const path = join(dir, seg!);
      const last = framesOf(path).at(-1)!;
      truncateSync(path, cut(last));

      const s = await openStore({ dir });
      try {
        await expectKeys(s, 19);
        assert.equal(statSync(path).size, last.off, 'the torn frame is cut off the file');
        const r = await s.create(key(19), val(19));
        assert.ok(r.succeeded);
        assert.equal(r.revision, 21);
      } finally {
        await s.close();
      }
      const s2 = await openStore({ dir });
      try {
        await expectKeys(s2, 20);
      } finally {
        await s2.close();
      }
    });
  }

  const tails: [string, Buffer][] = [
    ['one zero byte', Buffer.alloc(1)],
    ['4 KiB of zeros (a file extended without its data)', Buffer.alloc(4096)],
    ['5 garbage bytes (a torn frame header)', Buffer.from([0x17, 0x2a, 0x00, 0x00, 0x99])],
    ['the start of a frame that claims more bytes than follow', Buffer.from('e8030000deadbeef0102030405', 'hex')],
    ['64 garbage bytes', Buffer.from('deadbeef'.repeat(16), 'hex')],
  ];
  for (const [name, tail] of tails) {
    test(`appended ${name}`, async () => {
      const dir = freshDir();
      await fill(dir, 20);
      const path = join(dir, segmentsOf(dir)[0]!);
      const size = statSync(path).size;
      appendFileSync(path, tail);

      let s: EmbeddedStore;
      try {
        s = await openStore({ dir });
      } catch (err) {
        assert.fail(`a log ending in ${name} after its last whole frame is refused: ${(err as Error).message}`);
      }
      try {
        await expectKeys(s, 20);
        assert.equal(statSync(path).size, size, 'the tail is cut off');
        assert.ok((await s.create('/registry/things/more', Buffer.from('ok'))).succeeded);
      } finally {
        await s.close();
      }
      const s2 = await openStore({ dir });
      try {
        assert.equal((await s2.range('/registry/things/more')).kvs.length, 1);
        assert.equal((await s2.status()).revision, 22);
      } finally {
        await s2.close();
      }
    });
  }

  test('a new segment torn while its header was written', async () => {
    const dir = freshDir();
    await fill(dir, 20);
    const next = join(dir, segmentName(2));
    writeFileSync(next, Buffer.from('KLWAL'));
    const s = await openStore({ dir });
    try {
      await expectKeys(s, 20);
      assert.ok((await s.create('/registry/things/more', Buffer.from('ok'))).succeeded);
    } finally {
      await s.close();
    }
    const s2 = await openStore({ dir });
    try {
      assert.equal((await s2.status()).revision, 22);
    } finally {
      await s2.close();
    }
  });
});

describe('damage before the tail is refused, and the files are left alone', () => {
  // Frame 10 of 20 in the only (so the last) segment: acknowledged frames follow it.
  const spots: [string, (f: { off: number; len: number }) => [number, number]][] = [
    ['a payload byte', (f) => [f.off + 8 + Math.floor(f.len / 2), 0x01]],
    ['a checksum byte', (f) => [f.off + 5, 0x80]],
    ['the low byte of the length', (f) => [f.off, 0x01]],
    ['the length, so that the frame seems to run past the end of the file', (f) => [f.off + 2, 0x01]],
    ['the high byte of the length (an impossible length)', (f) => [f.off + 3, 0x40]],
  ];
  for (const [name, spot] of spots) {
    test(`a flipped bit in ${name} of a middle frame of the last segment`, async () => {
      const dir = freshDir();
      await fill(dir, 20);
      const seg = segmentsOf(dir)[0]!;
      const f = framesOf(join(dir, seg))[9]!;
      const [at, mask] = spot(f);
      flip(join(dir, seg), at, mask);
      await expectRefused(dir, 'Corrupt', [join(dir, seg), `offset ${f.off}`]);
    });
  }

  for (const [name, spot] of spots.slice(0, 3)) {
    test(`a flipped bit in ${name} of the last frame of a segment that is not the last`, async () => {
      const dir = freshDir();
      await fill(dir, 40, { segmentBytes: 512 });
      const segs = segmentsOf(dir);
      assert.ok(segs.length >= 3, `${segs.length} segments`);
      const seg = segs[1]!;
      const f = framesOf(join(dir, seg)).at(-1)!;
      const [at, mask] = spot(f);
      flip(join(dir, seg), at, mask);
      await expectRefused(dir, 'Corrupt', [join(dir, seg), `offset ${f.off}`]);
    });
  }

  test('a segment that is not the last, cut short', async () => {
    const dir = freshDir();
    await fill(dir, 40, { segmentBytes: 512 });
    const seg = segmentsOf(dir)[1]!;
    const f = framesOf(join(dir, seg)).at(-1)!;
    truncateSync(join(dir, seg), f.off + 10);
    await expectRefused(dir, 'Corrupt', [join(dir, seg), `offset ${f.off}`]);
  });

  test('a segment with a damaged header', async () => {
    const dir = freshDir();
    await fill(dir, 40, { segmentBytes: 512 });
    const seg = segmentsOf(dir)[1]!;
    flip(join(dir, seg), 2);
    await expectRefused(dir, 'Corrupt', [join(dir, seg)]);
  });

  test('a missing middle segment', async () => {
    const dir = freshDir();
    await fill(dir, 40, { segmentBytes: 512 });
    const segs = segmentsOf(dir);
    assert.ok(segs.length >= 4, `${segs.length} segments`);
    unlinkSync(join(dir, segs[2]!));
    await expectRefused(dir, 'Corrupt', [segs[2]!, /missing/]);
  });

  test('a missing first segment', async () => {
    const dir = freshDir();
    await fill(dir, 40, { segmentBytes: 512 });
    const segs = segmentsOf(dir);
    unlinkSync(join(dir, segs[0]!));
    await expectRefused(dir, 'Corrupt', [segs[0]!, /missing/]);
  });
});

describe('a corrupt snapshot is refused', () => {
  /** 30 keys, a snapshot after the first 20; returns the snapshot's path. */
  async function withSnapshot(dir: string): Promise<string> {
    const s = await openStore({ dir, segmentBytes: 512 });
    for (let i = 0; i < 20; i++) assert.ok((await s.create(key(i), val(i))).succeeded);
    await s.snapshot();
    for (let i = 20; i < 30; i++) assert.ok((await s.create(key(i), val(i))).succeeded);
    await s.close();
    const snaps = readdirSync(dir).filter((n) => n.startsWith('snap-'));
    assert.equal(snaps.length, 1);
    // The snapshot replaced the log before it: nothing else holds those writes.
    assert.ok(!segmentsOf(dir).includes(segmentName(1)));
    const s2 = await openStore({ dir });
    await expectKeys(s2, 30);
    await s2.close();
    return join(dir, snaps[0]!);
  }

  const damages: [string, (path: string) => void][] = [
    ['a flipped byte in a record', (p) => flip(p, Math.floor(statSync(p).size / 2))],
    ['a flipped byte in its metadata', (p) => flip(p, 8 + 8 + 3)],
    ['a flipped byte in its trailer', (p) => flip(p, statSync(p).size - 3)],
    ['a damaged magic number', (p) => flip(p, 1)],
    ['cut in half', (p) => truncateSync(p, Math.floor(statSync(p).size / 2))],
    ['its trailer missing', (p) => truncateSync(p, statSync(p).size - 30)],
    ['empty', (p) => truncateSync(p, 0)],
    ['extra bytes at its end', (p) => appendFileSync(p, Buffer.alloc(16))],
  ];
  for (const [name, damage] of damages) {
    test(`snapshot with ${name}`, async () => {
      const dir = freshDir();
      const snap = await withSnapshot(dir);
      damage(snap);
      await expectRefused(dir, 'Corrupt', [snap]);
    });
  }
});

describe('foreign directories are refused and left alone', () => {
  test("etcd's data dir (member/)", async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'member', 'snap'), { recursive: true });
    mkdirSync(join(dir, 'member', 'wal'), { recursive: true });
    writeFileSync(join(dir, 'member', 'snap', 'db'), 'bolt');
    await expectRefused(dir, 'ForeignDataDir', [dir, 'member']);
  });

  test('a FORMAT file with other content', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'FORMAT'), 'someone-else 7\n');
    writeFileSync(join(dir, 'wal-0000000000000001.log'), 'not ours');
    writeFileSync(join(dir, 'snap-0000000000000001.snap.tmp'), 'not ours either');
    await expectRefused(dir, 'ForeignDataDir', [join(dir, 'FORMAT'), 'someone-else']);
  });

  test('a regular file given as the dir', async () => {
    const dir = freshDir();
    writeFileSync(dir, 'a file\n');
    await expectRefused(dir, 'ForeignDataDir', [dir, 'not a directory']);
  });

  test('a directory with files of some other program', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    writeFileSync(join(dir, 'LOCK'), '1\n');
    await expectRefused(dir, 'ForeignDataDir', [dir, 'notes.txt']);
  });

  test('an empty directory is taken, and marked', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const s = await openStore({ dir });
    await s.close();
    assert.equal(readFileSync(join(dir, 'FORMAT'), 'utf8'), 'kubelite-store 1\n');
  });
});

describe('one owner at a time', () => {
  test('a second openStore in the same process is refused while the first is open', async () => {
    const dir = freshDir();
    const first = await openStore({ dir });
    let second: EmbeddedStore | undefined;
    try {
      await assert.rejects(
        (async () => {
          second = await openStore({ dir });
        })(),
        (err: unknown) => err instanceof StorageError && err.code === 'Locked' && err.message.includes(dir),
      );
      assert.equal(readFileSync(join(dir, 'LOCK'), 'utf8'), `${process.pid}\n`);
      assert.ok((await first.create('/a', Buffer.from('1'))).succeeded, 'the first handle still works');
    } finally {
      await second?.close();
      await first.close();
    }
    const again = await openStore({ dir });
    assert.equal((await again.range('/a')).kvs.length, 1);
    await again.close();
  });

  test('a store open in a live child process is refused; once the child is killed its lock is taken over', async () => {
    const dir = freshDir();
    const script =
      `import { openStore } from ${JSON.stringify(pathToFileURL(join(HERE, 'index.ts')).href)};\n` +
      `const s = await openStore({ dir: ${JSON.stringify(dir)} });\n` +
      `await s.create('/child', Buffer.from('x'));\n` +
      `console.log('open');\n` +
      `setInterval(() => {}, 1000);\n`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let out = '';
      child.stdout!.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (s: string) => {
          out += s;
          if (out.includes('open\n')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`the child exited (${code}) before opening the store`)));
      });
      const before = contents(dir);
      await assert.rejects(
        openStore({ dir }),
        (err: unknown) =>
          err instanceof StorageError && err.code === 'Locked' && err.message.includes(String(child.pid)),
      );
      assert.deepEqual(contents(dir), before, 'the refused open changed nothing');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    assert.equal(readFileSync(join(dir, 'LOCK'), 'utf8'), `${child.pid}\n`, 'the dead child left its lock behind');
    const s = await openStore({ dir });
    try {
      assert.equal(readFileSync(join(dir, 'LOCK'), 'utf8'), `${process.pid}\n`);
      assert.equal((await s.range('/child')).kvs.length, 1);
    } finally {
      await s.close();
    }
  });

  test('a stale LOCK of a dead process is taken over, and released on close', async () => {
    const dir = freshDir();
    await fill(dir, 3);
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(dead, 'exit');
    writeFileSync(join(dir, 'LOCK'), `${dead.pid}\n`);
    const s = await openStore({ dir });
    try {
      assert.equal(readFileSync(join(dir, 'LOCK'), 'utf8'), `${process.pid}\n`);
      await expectKeys(s, 3);
    } finally {
      await s.close();
    }
    assert.ok(!readdirSync(dir).includes('LOCK'), 'close releases the lock');
  });
});

describe('request size limit', () => {
  test('key plus value of exactly 1.5 MiB passes, one byte more is refused and nothing is written', async () => {
    const dir = freshDir();
    const big = '/registry/big';
    const other = '/registry/é-other';
    const s = await openStore({ dir });
    let revision: number;
    try {
      const atLimit = Buffer.alloc(MAX_REQUEST_BYTES - Buffer.byteLength(big), 0x61);
      const created = await s.create(big, atLimit);
      assert.ok(created.succeeded);
      revision = (await s.status()).revision;

      const over = Buffer.alloc(MAX_REQUEST_BYTES - Buffer.byteLength(big) + 1, 0x62);
      await assert.rejects(s.update(big, over, created.revision), RequestTooLargeError);
      await assert.rejects(s.create('/registry/big2', Buffer.alloc(MAX_REQUEST_BYTES - 14 + 1)), RequestTooLargeError);
      // Bytes, not characters: 'é' is two bytes, so this is one byte over although
      // other.length + value.length is exactly the limit.
      const otherOver = Buffer.alloc(MAX_REQUEST_BYTES - other.length);
      assert.equal(Buffer.byteLength(other) + otherOver.length, MAX_REQUEST_BYTES + 1);
      await assert.rejects(s.create(other, otherOver), (err: unknown) => {
        assert.ok(err instanceof RequestTooLargeError);
        assert.equal(err.code, 'RequestTooLarge');
        assert.match(err.message, /request is too large/);
        return true;
      });
      await assert.rejects(s.create('/'.repeat(MAX_REQUEST_BYTES + 1), Buffer.alloc(0)), RequestTooLargeError);

      const st = await s.status();
      assert.equal(st.revision, revision, 'the refused writes took no revision');
      assert.equal(st.keys, 1);
      const r = await s.range(big);
      assert.equal(r.kvs[0]!.version, 1);
      assert.deepEqual(Buffer.from(r.kvs[0]!.value), atLimit);
      assert.equal((await s.range('/registry/', { prefix: true, countOnly: true })).count, 1);
    } finally {
      await s.close();
    }
    const s2 = await openStore({ dir });
    try {
      const st = await s2.status();
      assert.equal(st.revision, revision);
      assert.equal(st.keys, 1);
      const r = await s2.range('/registry/', { prefix: true });
      assert.deepEqual(
        r.kvs.map((kv) => [kv.key, kv.version, kv.value.length, kv.value[0]]),
        [[big, 1, MAX_REQUEST_BYTES - Buffer.byteLength(big), 0x61]],
      );
    } finally {
      await s2.close();
    }
  });
});
