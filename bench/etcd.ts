// Starts a real etcd (Debian's /usr/bin/etcd, installed by scripts/install-deps.sh) as a peer
// for comparisons: loopback only, free ports, a temp data dir. stop() ends only that child, by
// its PID, and removes its data dir; other etcd processes on the machine are never touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { freePorts, sleep, tempDir } from './lib.ts';

export const ETCD_BIN = '/usr/bin/etcd';

export interface EtcdServer {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** As the server reports it, e.g. "3.4.23". */
  readonly version: string;
  readonly pid: number;
  readonly dataDir: string;
  /** A new client for this server (the caller closes it). */
  client(): Etcd3;
  /** Kills this etcd (SIGTERM, then SIGKILL after 5 s) and removes its data dir. Idempotent. */
  stop(): Promise<void>;
}

export type StartEtcdResult = { etcd: EtcdServer; reason?: undefined } | { etcd: undefined; reason: string };

export interface StartEtcdOptions {
  /** How long to wait for the server to answer, ms (default 20 s). */
  readyTimeoutMs?: number;
  /** Extra command-line flags. */
  extraArgs?: string[];
}

// Children still running when this process exits are killed (by PID) so none is left behind.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Starts etcd and waits until it serves requests. Returns `{ etcd: undefined, reason }` when
 * there is no etcd binary here or it failed to start.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<StartEtcdResult> {
  try {
    accessSync(ETCD_BIN, constants.X_OK);
  } catch {
    return { etcd: undefined, reason: `${ETCD_BIN} not found (run scripts/install-deps.sh as root)` };
  }
  const { readyTimeoutMs = 20_000, extraArgs = [] } = options;
  const [clientPort, peerPort] = await freePorts(2);
  const dir = tempDir('etcd');
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'bench',
    '--data-dir', dir.path,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `bench=${peerUrl}`,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', `kubelite-bench-${process.pid}-${clientPort}`,
    '--logger', 'zap',
    '--log-outputs', 'stderr',
    '--log-level', 'warn',
    ...extraArgs,
  ];
  // etcd also reads ETCD_* variables; start it from flags alone.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCD_')) env[k] = v;

  const child = spawn(ETCD_BIN, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderrTail = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderrTail = (stderrTail + d).slice(-4000);
  });
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));
  const exited = exitOf(child);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    live.delete(child);
    dir.remove();
  };

  const probe = new Etcd3({ hosts: clientUrl, dialTimeout: 1000 });
  const deadline = Date.now() + readyTimeoutMs;
  let version: string | undefined;
  let lastError = '';
  try {
    while (Date.now() < deadline) {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) break;
      try {
        const status = await probe.maintenance.status({});
        version = status.version;
        break;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        await sleep(100);
      }
    }
  } finally {
    probe.close();
  }
  if (version === undefined || child.pid === undefined) {
    const why = spawnError
      ? `spawn failed: ${spawnError.message}`
      : child.exitCode !== null || child.signalCode !== null
        ? `exited (${child.exitCode ?? child.signalCode})`
        : `not ready after ${readyTimeoutMs} ms (${lastError})`;
    await stop();
    return { etcd: undefined, reason: `etcd ${why}: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}` };
  }
  return {
    etcd: {
      endpoint: clientUrl,
      version,
      pid: child.pid,
      dataDir: dir.path,
      client: () => new Etcd3({ hosts: clientUrl }),
      stop,
    },
  };
}
