// A real cluster for end-to-end tests: the API server in this process on a free loopback
// port, with a memory store and a fresh PKI, and the real kubectl binaries fetched by
// scripts/fetch-clients.mjs (run by `npm test`'s pretest).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePki, kubeconfig, startApiServer, type ApiServer, type ApiServerOptions } from '../../src/apiserver/index.ts';
import { startComponents, type ComponentsOptions } from '../../src/cli/components.ts';
import { Client } from '../../src/client/index.ts';
import { SimNodes, type SimConfig } from '../../src/sim/nodes.ts';
import { openStore, type EmbeddedStore } from '../../src/storage/index.ts';

const CLIENTS = new URL('../../.cache/clients/', import.meta.url).pathname;

export type ClientVersion = 'v35' | 'v33' | 'debian';

export function kubectlPath(version: ClientVersion = 'v35'): string {
  return version === 'debian' ? join(CLIENTS, 'debian', 'kubectl') : join(CLIENTS, version, 'kubectl', 'kubectl');
}

export function helmPath(version: 'v35' | 'v33' = 'v35'): string {
  return join(CLIENTS, version, 'helm', 'helm');
}

/** Why a client is missing (for t.skip), or undefined when it is there. */
export function missingClient(version: ClientVersion): string | undefined {
  return existsSync(kubectlPath(version))
    ? undefined
    : `kubectl ${version} is not in ${CLIENTS} (run node scripts/fetch-clients.mjs)`;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface TestCluster {
  api: ApiServer;
  store: EmbeddedStore;
  dir: string;
  kubeconfigPath: string;
  kubectl(args: string[], options?: { version?: ClientVersion; stdin?: string; env?: Record<string, string> }): Promise<RunResult>;
  /** kubectl that must succeed; returns stdout. */
  k(...args: string[]): Promise<string>;
  /** The admin's client, for tests that drive the API directly (simulated nodes use it too). */
  client: Client;
  /** Simulated nodes started with the cluster, if any were asked for. */
  sim?: SimNodes;
  stop(): Promise<void>;
}

export function run(bin: string, args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

export async function startCluster(
  options: Partial<Omit<ApiServerOptions, 'store' | 'pki' | 'port'>> & {
    /** Also run the scheduler and the controller manager, with their own identities, as `kubelite up` does. */
    components?: boolean | Omit<ComponentsOptions, 'url' | 'pki' | 'log'>;
    /** Simulated nodes to start (with the admin's client, as `kubelite sim nodes` would). */
    sim?: SimConfig;
  } = {},
): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-e2e-'));
  const store = await openStore({});
  const pki = await generatePki();
  const { components: withComponents, sim: simConfig, ...serverOptions } = options;
  // With a controller manager running, it (not the API server) does the background work.
  const withControllerManager = !!withComponents && (withComponents === true || withComponents.controllerManager !== false);
  const api = await startApiServer({ store, pki, port: 0, ...(withControllerManager ? { builtinControllers: false } : {}), ...serverOptions });
  const components = withComponents
    ? await startComponents({ url: api.url, pki, log: (line) => process.stderr.write(`${line}\n`), ...(typeof withComponents === 'object' ? withComponents : {}) })
    : undefined;
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig(pki, api.url), { mode: 0o600 });
  // kubectl caches discovery under HOME; a private HOME keeps runs independent.
  const env = { KUBECONFIG: kubeconfigPath, HOME: dir, KUBECACHEDIR: join(dir, 'cache') };
  const client = Client.fromKubeconfig(kubeconfig(pki, api.url) + '\n');
  const sim = simConfig ? new SimNodes({ client, config: simConfig, reportMetricsToApi: true }) : undefined;
  await sim?.start();
  const cluster: TestCluster = {
    api,
    store,
    dir,
    kubeconfigPath,
    client,
    ...(sim ? { sim } : {}),
    kubectl: (args, o = {}) => run(kubectlPath(o.version), args, { ...(o.stdin !== undefined ? { stdin: o.stdin } : {}), env: { ...env, ...o.env } }),
    async k(...args) {
      const r = await cluster.kubectl(args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    async stop() {
      await sim?.stop();
      client.close();
      await components?.stop();
      await api.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

export function writeTemp(cluster: TestCluster, name: string, text: string): string {
  const p = join(cluster.dir, name);
  writeFileSync(p, text);
  return p;
}

/** Polls `fn` until it returns something other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
