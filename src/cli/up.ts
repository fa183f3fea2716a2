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

/** Resolves with the first SIGINT/SIGTERM; listening starts at once, so none is missed. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function up(options: UpOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Listen before anything is announced: whoever reads "ready" may signal straight away.
  const signal = nextSignal();
  // Nothing else holds the event loop open yet (no server sockets), so hold it until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    const started = performance.now();
    const dataDir = expandHome(options.dataDir);
    if (!options.memory) await prepareDataDir(dataDir);
    const store = await openStore(options.memory ? {} : { dir: join(dataDir, 'store') });
    const status = await store.status();
    const ms = (performance.now() - started).toFixed(0);
    const where = options.memory ? 'in memory' : `data dir ${dataDir}`;
    log(`kubelite: store ready in ${ms} ms (${where}, revision ${status.revision}, ${status.keys} keys)`);

    log(`kubelite: ${await signal} received, stopping`);
    await store.close();
    log('kubelite: stopped');
  } finally {
    clearInterval(keepAlive);
  }
}
