// `kubelite up`: opens the data dir and starts the components, then waits for SIGINT/SIGTERM
// and stops them in reverse order, so that the next `up` resumes every object.
import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '../storage/index.ts';

export interface UpOptions {
  dataDir: string;
  memory: boolean;
  /** Where progress lines go (stdout by default). */
  log?: (line: string) => void;
}

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : resolve(p);
}

async function prepareDataDir(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (st && !st.isDirectory()) throw new Error(`data dir ${dir} exists and is not a directory`);
  if (!st) await mkdir(dir, { recursive: true, mode: 0o700 });
}

export async function up(options: UpOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = performance.now();
  const dataDir = expandHome(options.dataDir);
  if (!options.memory) await prepareDataDir(dataDir);
  const store = await openStore(options.memory ? {} : { dir: join(dataDir, 'store') });
  const status = await store.status();
  const ms = (performance.now() - started).toFixed(0);
  const where = options.memory ? 'in memory' : `data dir ${dataDir}`;
  log(`kubelite: store ready in ${ms} ms (${where}, revision ${status.revision}, ${status.keys} keys)`);

  // Nothing else holds the event loop open yet (no server sockets), so hold it until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log(`kubelite: ${signal} received, stopping`);
      store.close().then(done, (err: unknown) => {
        log(`kubelite: error while stopping: ${(err as Error).message}`);
        process.exitCode = 1;
        done();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(keepAlive);
  log('kubelite: stopped');
}
