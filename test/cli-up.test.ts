// `kubelite up` as a user runs it: the real command in a child process, stopped by a signal.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../src/storage/index.ts';
import { Client, resources } from '../src/client/index.ts';

const bin = new URL('../bin/kubelite.mjs', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'kubelite-cli-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function start(args: string[]): { child: ChildProcess; out: () => string; ready: Promise<string>; exit: Promise<number | null> } {
  // Port 0: any free port, so tests never clash with a cluster already on 6443.
  const child = spawn(process.execPath, [bin, ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const check = () => {
      const line = out.split('\n').find((l) => l.includes('API server ready'));
      if (line) resolve(line);
    };
    child.stdout!.on('data', check);
    void exit.then(() => reject(new Error(`kubelite exited before ready: ${out}`)));
  });
  ready.catch(() => {}); // only the tests that wait for "ready" care

  return { child, out: () => out, ready, exit };
}

test('up starts, stops cleanly on SIGINT and SIGTERM, and the next up resumes the data', async () => {
  const dataDir = join(root, 'data');
  const first = start(['up', '--data-dir', dataDir]);
  assert.match(await first.ready, /^kubelite: API server ready at https:\/\/127\.0\.0\.1:\d+ in \d+ ms \(data dir .*, revision \d+, \d+ keys\)$/);
  first.child.kill('SIGINT');
  assert.equal(await first.exit, 0);
  assert.match(first.out(), new RegExp(`\nexport KUBECONFIG=${dataDir}/kubeconfig\n`));
  assert.match(first.out(), /stopped/);
  assert.ok(!readdirSync(join(dataDir, 'store')).includes('LOCK'), 'lock released on stop');

  // Write through the store while kubelite is down, as the API server will.
  const store = await openStore({ dir: join(dataDir, 'store') });
  const put = await store.create(
    '/registry/configmaps/default/written-while-down',
    Buffer.from(JSON.stringify({ metadata: { name: 'written-while-down', namespace: 'default' }, data: { a: 'b' } })),
  );
  assert.ok(put.succeeded);
  await store.close();

  const second = start(['up', '--data-dir', dataDir]);
  await second.ready;
  const client = Client.fromKubeconfig(join(dataDir, 'kubeconfig'));
  const cm = await client.get(resources.configmaps, 'default', 'written-while-down').finally(() => client.close());
  assert.deepEqual(cm.data, { a: 'b' }, 'the object written while down is there');
  second.child.kill('SIGTERM');
  assert.equal(await second.exit, 0);
});

test('up refuses a second instance on the same data dir with a one-line reason', async () => {
  const dataDir = join(root, 'shared');
  const first = start(['up', '--data-dir', dataDir]);
  await first.ready;
  const second = start(['up', '--data-dir', dataDir]);
  assert.equal(await second.exit, 1);
  assert.match(second.out(), new RegExp(`^kubelite: error: storage: .* is in use by process ${first.child.pid}\\n$`));
  first.child.kill('SIGINT');
  assert.equal(await first.exit, 0);
});

test('up refuses a data dir that is a file, or a store dir written by something else', async () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  const r1 = start(['up', '--data-dir', file]);
  assert.equal(await r1.exit, 1);
  assert.equal(r1.out(), `kubelite: error: data dir ${file} exists and is not a directory\n`);

  const foreign = join(root, 'etcd-data');
  mkdirSync(join(foreign, 'store', 'member', 'wal'), { recursive: true });
  const r2 = start(['up', '--data-dir', foreign]);
  assert.equal(await r2.exit, 1);
  assert.match(r2.out(), /^kubelite: error: storage: .*store is not empty and was not written by kubelite \(it holds member\); refusing to use it\n$/);
  assert.deepEqual(readdirSync(join(foreign, 'store')), ['member']);
});

test('up --memory keeps nothing on disk', async () => {
  const run = start(['up', '--memory', '--data-dir', join(root, 'unused')]);
  assert.match(await run.ready, /in memory/);
  run.child.kill('SIGINT');
  assert.equal(await run.exit, 0);
  assert.throws(() => readdirSync(join(root, 'unused')), /ENOENT/);
});
