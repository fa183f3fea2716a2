// `kubelite up`: opens the data dir and starts the components, then waits for SIGINT/SIGTERM
// and stops them in reverse order, so that the next `up` resumes every object.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generatePki, kubeconfig, loadOrCreatePki, startApiServer, type ApiServerOptions } from '../apiserver/index.ts';
import { startComponents, type ComponentsOptions } from './components.ts';
import { openStore } from '../storage/index.ts';

export interface UpOptions {
  dataDir: string;
  memory: boolean;
  host: string;
  port: number;
  /** API server settings from the command line (token file, encryption, audit). */
  server?: Partial<Pick<ApiServerOptions, 'tokenAuthFile' | 'encryptionProviderConfig' | 'auditPolicyFile' | 'auditLogPath' | 'defaultNotReadyTolerationSeconds' | 'defaultUnreachableTolerationSeconds'>>;
  /** A KubeSchedulerConfiguration file for the scheduler. */
  schedulerConfig?: string;
  /** Which components run, and the controller manager's settings. */
  components?: Pick<ComponentsOptions, 'scheduler' | 'controllerManager' | 'controllers' | 'controllerConfig'>;
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
  const started = performance.now();
  const dataDir = expandHome(options.dataDir);
  if (!options.memory) await prepareDataDir(dataDir);
  const store = await openStore(options.memory ? {} : { dir: join(dataDir, 'store') });
  try {
    const pki = options.memory ? await generatePki() : await loadOrCreatePki(join(dataDir, 'pki'));
    // The controller manager does the background work (GC, namespaces, accounts), as upstream;
    // with it disabled, nothing does, as with k3s --disable-controller-manager.
    const api = await startApiServer({ store, pki, host: options.host, port: options.port, ...options.server, builtinControllers: false });
    const configPath = options.memory ? join(tmpdir(), `kubelite-${process.pid}.kubeconfig`) : join(dataDir, 'kubeconfig');
    const components = await startComponents({
      url: api.url,
      pki,
      log,
      ...options.components,
      controllerConfig: { hostPathRoot: join(options.memory ? tmpdir() : dataDir, 'storage'), createHostPathDirs: !options.memory, ...options.components?.controllerConfig },
      ...(options.schedulerConfig ? { schedulerConfig: await readFile(options.schedulerConfig, 'utf8') } : {}),
    });
    try {
      await writeFile(configPath, kubeconfig(pki, api.url), { mode: 0o600 });
      const status = await store.status();
      const ms = (performance.now() - started).toFixed(0);
      const where = options.memory ? 'in memory' : `data dir ${dataDir}`;
      log(`kubelite: API server ready at ${api.url} in ${ms} ms (${where}, revision ${status.revision}, ${status.keys} keys)`);
      log(`export KUBECONFIG=${configPath}`);
      log(`kubelite: ${await signal} received, stopping`);
    } finally {
      await components.stop();
      await api.close();
      if (options.memory) await rm(configPath, { force: true });
    }
  } finally {
    await store.close();
  }
  log('kubelite: stopped');
}
