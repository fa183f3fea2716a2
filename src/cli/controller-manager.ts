// `kubelite controller-manager`: the controller manager alone, against any cluster's API
// server, as kube-controller-manager runs: a kubeconfig for reading, leader election on the
// kube-system/kube-controller-manager Lease, and with --use-service-account-credentials a
// ServiceAccount token per controller (from the TokenRequest API, refreshed before it expires).
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parseDuration } from '../api/protobuf/index.ts';
import { Client, isAlreadyExists, resources, runLeaderElected } from '../client/index.ts';
import { DEFAULT_CONTROLLER_MANAGER_CONFIG, logControllerErrors, selectControllers, startControllerManager, type ControllerKeys, type ControllerManagerConfig } from '../controllers/manager.ts';
import { leaderIdentity, VERSION } from './components.ts';
import { kubeconfigPath } from './sim.ts';

type Flags = Record<string, string | undefined>;
type NumericKey = { [K in keyof ControllerManagerConfig]: ControllerManagerConfig[K] extends number ? K : never }[keyof ControllerManagerConfig];

/** Upstream's flags for the tunables, each with how to read it into the config. */
const TUNABLES: { flag: string; key: NumericKey; kind: 'duration' | 'number'; help: string }[] = [
  { flag: 'node-monitor-period', key: 'nodeMonitorPeriodMs', kind: 'duration', help: 'how often node health is checked' },
  { flag: 'node-monitor-grace-period', key: 'nodeMonitorGracePeriodMs', kind: 'duration', help: 'silence after which a node is marked Unknown' },
  { flag: 'node-startup-grace-period', key: 'nodeStartupGracePeriodMs', kind: 'duration', help: 'time a new node has to post its status' },
  { flag: 'node-eviction-rate', key: 'nodeEvictionRate', kind: 'number', help: 'nodes a second whose pods may be evicted, per healthy zone' },
  { flag: 'secondary-node-eviction-rate', key: 'secondaryNodeEvictionRate', kind: 'number', help: 'the same in an unhealthy zone' },
  { flag: 'horizontal-pod-autoscaler-sync-period', key: 'hpaSyncPeriodMs', kind: 'duration', help: 'how often autoscalers are evaluated' },
  { flag: 'horizontal-pod-autoscaler-downscale-stabilization', key: 'hpaDownscaleStabilizationMs', kind: 'duration', help: 'how far back scale-down recommendations count' },
  { flag: 'horizontal-pod-autoscaler-tolerance', key: 'hpaTolerance', kind: 'number', help: 'ratio change below which autoscalers do nothing' },
  { flag: 'resource-quota-sync-period', key: 'resourceQuotaSyncPeriodMs', kind: 'duration', help: 'how often quota usage is recounted in full' },
];

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Adds the tunables' flags to a command (`up` takes them too). */
export function addControllerManagerFlags(cmd: Command): Command {
  cmd.option('--controllers <list>', "controllers to run: '*' for all, 'name' to add one, '-name' to leave one out", '*');
  for (const t of TUNABLES) {
    const d = DEFAULT_CONTROLLER_MANAGER_CONFIG[t.key];
    cmd.option(`--${t.flag} <${t.kind}>`, `${t.help} (default ${t.kind === 'duration' ? `${d / 1000}s` : d})`);
  }
  return cmd;
}

/** The config the flags ask for; a bad value is an error naming the flag. */
export function controllerConfigFromFlags(opts: Flags): Partial<ControllerManagerConfig> {
  const out: Partial<ControllerManagerConfig> = {};
  for (const t of TUNABLES) {
    const v = opts[camel(t.flag)];
    if (v === undefined) continue;
    let n: number;
    try {
      n = t.kind === 'duration' ? Number(parseDuration(v) / 1_000_000n) : Number(v);
    } catch {
      n = NaN;
    }
    if (!Number.isFinite(n) || n < 0) throw new Error(`invalid argument "${v}" for "--${t.flag}" flag`);
    out[t.key] = n;
  }
  return out;
}

/**
 * A client per controller that acts as kube-system/<account>: the account is made if missing
 * and its token asked for through TokenRequest, then renewed at 80% of its life.
 */
async function serviceAccountClients(admin: Client) {
  const timers: NodeJS.Timeout[] = [];
  const clients: Client[] = [];
  const tokenFor = async (account: string) => {
    const r = (await admin.request('POST', `/api/v1/namespaces/kube-system/serviceaccounts/${account}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    })) as { status: { token: string } };
    return r.status.token;
  };
  return {
    clientFor: async (account: string) => {
      await admin.create(resources.serviceaccounts, 'kube-system', { metadata: { name: account } }).catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
      const client = admin.withToken(await tokenFor(account), `kube-controller-manager/${VERSION}/${account}`);
      clients.push(client);
      const t = setInterval(() => void tokenFor(account).then((tok) => client.setToken(tok), () => {}), 3600 * 800);
      t.unref();
      timers.push(t);
      return client;
    },
    close() {
      for (const t of timers) clearInterval(t);
      for (const c of clients) c.close();
    },
  };
}

export interface ControllerManagerCommandOptions {
  kubeconfig?: string;
  /** Files as upstream's --root-ca-file, --cluster-signing-*-file, --service-account-private-key-file. */
  rootCAFile?: string;
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  serviceAccountPrivateKeyFile?: string;
  controllers: string;
  leaderElect: boolean;
  useServiceAccountCredentials: boolean;
  config: Partial<ControllerManagerConfig>;
  log?: (line: string) => void;
  /** Resolves when the command should stop (SIGINT/SIGTERM in the CLI). */
  until: Promise<unknown>;
}

export async function controllerManagerCommand(o: ControllerManagerCommandOptions): Promise<void> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const names = selectControllers(o.controllers.split(','));
  if ((o.clusterSigningCertFile === undefined) !== (o.clusterSigningKeyFile === undefined)) {
    throw new Error('--cluster-signing-cert-file and --cluster-signing-key-file go together');
  }
  const read = (f: string) => readFile(f, 'utf8');
  const keys: ControllerKeys = {
    ...(o.rootCAFile ? { rootCA: await read(o.rootCAFile) } : {}),
    ...(o.clusterSigningCertFile && o.clusterSigningKeyFile ? { signing: { cert: await read(o.clusterSigningCertFile), key: await read(o.clusterSigningKeyFile) } } : {}),
    ...(o.serviceAccountPrivateKeyFile ? { serviceAccountKey: await read(o.serviceAccountPrivateKeyFile) } : {}),
  };
  const path = kubeconfigPath(o.kubeconfig);
  const admin = Client.fromKubeconfig(path, { userAgent: `kube-controller-manager/${VERSION}` });
  const sa = o.useServiceAccountCredentials ? await serviceAccountClients(admin) : undefined;
  const start = async () => {
    const cm = await startControllerManager({
      client: admin,
      ...(sa ? { clientFor: sa.clientFor } : {}),
      controllers: names,
      config: o.config,
      keys,
      onSkip: (name, why) => log(`kube-controller-manager: not starting ${name}: ${why}`),
      onError: logControllerErrors(log, 'kube-controller-manager'),
    });
    log(`kube-controller-manager: started ${cm.controllers.size} controllers: ${[...cm.controllers.keys()].join(', ')}`);
    return cm;
  };
  // A standby holds nothing that keeps Node running (timers are unref'd): hold it open.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    if (o.leaderElect) {
      const identity = leaderIdentity();
      log(`kube-controller-manager: attempting to acquire leader lease kube-system/kube-controller-manager as ${identity}`);
      const elected = runLeaderElected({
        client: admin,
        namespace: 'kube-system',
        name: 'kube-controller-manager',
        identity,
        start,
        onNewLeader: (who) => log(`kube-controller-manager: new leader elected: ${who}`),
        onError: (err) => log(`kube-controller-manager: ${(err as Error).message}`),
      });
      await o.until;
      await elected.stop();
    } else {
      const cm = await start();
      await o.until;
      await cm.stop();
    }
  } finally {
    clearInterval(keepAlive);
    sa?.close();
    admin.close();
  }
  log('kube-controller-manager: stopped');
}
