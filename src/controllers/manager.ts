// kube-controller-manager: one SharedInformerFactory for every controller, controllers picked
// by name from one registry, workers started only once every cache has synced. As upstream's
// --use-service-account-credentials, each controller may write as its own ServiceAccount
// (kube-system/<name>-controller, bound to system:controller:<name>-controller), while the
// informers read as the controller manager.
import { setMaxListeners } from 'node:events';
import { EventRecorder, SharedInformerFactory, isConflict, isNotFound, type Client } from '../client/index.ts';
import { realClock, type Clock } from '../util/clock.ts';
import type { Controller } from './controller.ts';
import { DeploymentController } from './deployment/index.ts';
import { ReplicaSetController } from './replicaset/index.ts';
import { JobController } from './job/index.ts';
import { TTLAfterFinishedController } from './job/ttl.ts';
import { CronJobController } from './cronjob/index.ts';
import { DaemonSetController } from './daemonset/index.ts';
import { StatefulSetController } from './statefulset/index.ts';
import { EndpointsController } from './endpoints/index.ts';
import { EndpointSliceController } from './endpointslice/index.ts';
import { GarbageCollector } from './garbagecollector/index.ts';
import { NamespaceController } from './namespace/index.ts';
import { NodeLifecycleController } from './nodelifecycle/index.ts';
import { TaintEvictionController } from './tainteviction/index.ts';
import { HorizontalController } from './podautoscaler/index.ts';
import { PersistentVolumeController } from './volume/index.ts';
import { DisruptionController } from './disruption/index.ts';
import { ServiceAccountsController } from './serviceaccount/index.ts';
import { TokensController } from './serviceaccount/tokens.ts';
import { RootCACertPublisher } from './rootcacert/index.ts';
import { ResourceQuotaController } from './resourcequota/index.ts';
import { CsrSigningController } from './certificates/signer.ts';
import { CsrApprovingController } from './certificates/approver.ts';
import { TokenIssuer } from '../apiserver/tokens.ts';

export interface ControllerContext {
  client: Client;
  /** The controller manager's own client (for the few controllers upstream runs with it). */
  rootClient: Client;
  keys: ControllerKeys;
  factory: SharedInformerFactory;
  clock: Clock;
  config: ControllerManagerConfig;
  /** Events under the given component name (`replicaset-controller`, ...). */
  recorder(component: string): EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

/** Secrets upstream's controller manager is given as files (--root-ca-file and the like). */
export interface ControllerKeys {
  /** The cluster CA bundle put in kube-root-ca.crt and token Secrets (--root-ca-file). */
  rootCA?: string;
  /** The CA the built-in signers sign with (--cluster-signing-cert-file / -key-file). */
  signing?: { cert: string; key: string };
  /** Signs legacy ServiceAccount tokens (--service-account-private-key-file). */
  serviceAccountKey?: string;
}

/** kube-controller-manager's tunables that kubelite takes, in ms where upstream has durations. */
export interface ControllerManagerConfig {
  /** --node-monitor-period (5 s). */
  nodeMonitorPeriodMs: number;
  /** --node-monitor-grace-period (50 s): no heartbeat for this long and a node is Unknown. */
  nodeMonitorGracePeriodMs: number;
  /** --node-startup-grace-period (60 s). */
  nodeStartupGracePeriodMs: number;
  /** --node-eviction-rate (0.1 nodes a second per zone) and --secondary-node-eviction-rate (0.01). */
  nodeEvictionRate: number;
  secondaryNodeEvictionRate: number;
  /** --large-cluster-size-threshold (50) and --unhealthy-zone-threshold (0.55). */
  largeClusterSizeThreshold: number;
  unhealthyZoneThreshold: number;
  /** --horizontal-pod-autoscaler-sync-period (15 s). */
  hpaSyncPeriodMs: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 min). */
  hpaDownscaleStabilizationMs: number;
  /** --horizontal-pod-autoscaler-tolerance (0.1). */
  hpaTolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min) and -initial-readiness-delay (30 s). */
  hpaCpuInitializationPeriodMs: number;
  hpaInitialReadinessDelayMs: number;
  /** --resource-quota-sync-period (5 min). */
  resourceQuotaSyncPeriodMs: number;
  /** Where the hostPath provisioner puts volumes, and whether it makes their directories. */
  hostPathRoot: string;
  createHostPathDirs: boolean;
}

export const DEFAULT_CONTROLLER_MANAGER_CONFIG: Readonly<ControllerManagerConfig> = Object.freeze({
  nodeMonitorPeriodMs: 5_000,
  nodeMonitorGracePeriodMs: 50_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
  hpaSyncPeriodMs: 15_000,
  hpaDownscaleStabilizationMs: 300_000,
  hpaTolerance: 0.1,
  hpaCpuInitializationPeriodMs: 300_000,
  hpaInitialReadinessDelayMs: 30_000,
  resourceQuotaSyncPeriodMs: 300_000,
  hostPathRoot: '/var/lib/kubelite/storage',
  createHostPathDirs: false,
});

/** What every controller's constructor takes. */
const core = (c: ControllerContext) => ({ client: c.client, factory: c.factory, clock: c.clock, ...(c.onError ? { onError: c.onError } : {}) });
/** The same, with its events under `component`. */
const base = (c: ControllerContext, component: string) => ({ ...core(c), recorder: c.recorder(component) });

export interface ControllerEntry {
  workers: number;
  /** The ServiceAccount it acts as; '' for the controller manager's own credentials. */
  account: string;
  /** Why it cannot run with these keys (it is then skipped, as upstream skips it). */
  missing?: (keys: ControllerKeys) => string | undefined;
  make: (ctx: ControllerContext) => Controller;
}

/** Upstream's controller names (`--controllers`), each with its default worker count. */
export const CONTROLLERS: Record<string, ControllerEntry> = {
  replicaset: { workers: 5, account: 'replicaset-controller', make: (c) => new ReplicaSetController(base(c, 'replicaset-controller')) },
  deployment: { workers: 5, account: 'deployment-controller', make: (c) => new DeploymentController(base(c, 'deployment-controller')) },
  daemonset: { workers: 2, account: 'daemon-set-controller', make: (c) => new DaemonSetController(base(c, 'daemonset-controller')) },
  statefulset: { workers: 5, account: 'statefulset-controller', make: (c) => new StatefulSetController(base(c, 'statefulset-controller')) },
  endpoint: { workers: 5, account: 'endpoint-controller', make: (c) => new EndpointsController(base(c, 'endpoint-controller')) },
  endpointslice: { workers: 5, account: 'endpointslice-controller', make: (c) => new EndpointSliceController(base(c, 'endpointslice-controller')) },
  job: { workers: 5, account: 'job-controller', make: (c) => new JobController(base(c, 'job-controller')) },
  cronjob: { workers: 5, account: 'cronjob-controller', make: (c) => new CronJobController(base(c, 'cronjob-controller')) },
  'ttl-after-finished': {
    workers: 5,
    account: 'ttl-after-finished-controller',
    make: (c) => new TTLAfterFinishedController(core(c)),
  },
  garbagecollector: { workers: 20, account: 'generic-garbage-collector', make: (c) => new GarbageCollector(base(c, 'garbage-collector-controller')) },
  namespace: { workers: 10, account: 'namespace-controller', make: (c) => new NamespaceController(core(c)) },
  nodelifecycle: {
    workers: 8,
    account: 'node-controller',
    make: (c) =>
      new NodeLifecycleController({
        ...base(c, 'node-controller'),
        nodeMonitorPeriodMs: c.config.nodeMonitorPeriodMs,
        nodeMonitorGracePeriodMs: c.config.nodeMonitorGracePeriodMs,
        nodeStartupGracePeriodMs: c.config.nodeStartupGracePeriodMs,
        nodeEvictionRate: c.config.nodeEvictionRate,
        secondaryNodeEvictionRate: c.config.secondaryNodeEvictionRate,
        unhealthyZoneThreshold: c.config.unhealthyZoneThreshold,
        largeClusterSizeThreshold: c.config.largeClusterSizeThreshold,
      }),
  },
  'taint-eviction-controller': { workers: 8, account: 'node-controller', make: (c) => new TaintEvictionController(base(c, 'taint-eviction-controller')) },
  horizontalpodautoscaling: {
    workers: 5,
    account: 'horizontal-pod-autoscaler',
    make: (c) =>
      new HorizontalController({
        ...base(c, 'horizontal-pod-autoscaler'),
        syncPeriodMs: c.config.hpaSyncPeriodMs,
        downscaleStabilizationMs: c.config.hpaDownscaleStabilizationMs,
        tolerance: c.config.hpaTolerance,
        cpuInitializationPeriodMs: c.config.hpaCpuInitializationPeriodMs,
        initialReadinessDelayMs: c.config.hpaInitialReadinessDelayMs,
      }),
  },
  'persistentvolume-binder': {
    workers: 2,
    account: 'persistent-volume-binder',
    make: (c) => new PersistentVolumeController({ ...base(c, 'persistentvolume-controller'), root: c.config.hostPathRoot, createDirs: c.config.createHostPathDirs }),
  },
  disruption: { workers: 1, account: 'disruption-controller', make: (c) => new DisruptionController(base(c, 'controllermanager')) },
  serviceaccount: {
    workers: 1,
    account: 'service-account-controller',
    make: (c) => new ServiceAccountsController(core(c)),
  },
  'serviceaccount-token': {
    workers: 5,
    account: '',
    missing: (k) => (!k.serviceAccountKey || !k.rootCA ? 'no service account private key or root CA' : undefined),
    make: (c) => {
      const issuer = new TokenIssuer(c.keys.serviceAccountKey!);
      return new TokensController({
        ...core(c),
        client: c.rootClient,
        rootCA: c.keys.rootCA!,
        generateLegacyToken: (sa, secret) =>
          issuer.issueLegacy({ namespace: sa.metadata.namespace, secretName: secret.metadata.name, serviceAccountName: sa.metadata.name, serviceAccountUid: sa.metadata.uid }),
      });
    },
  },
  'root-ca-cert-publisher': {
    workers: 1,
    account: 'root-ca-cert-publisher',
    missing: (k) => (k.rootCA ? undefined : 'no root CA'),
    make: (c) => new RootCACertPublisher({ ...core(c), rootCA: c.keys.rootCA! }),
  },
  resourcequota: {
    workers: 5,
    account: 'resourcequota-controller',
    make: (c) => new ResourceQuotaController({ ...core(c), resyncPeriodMs: c.config.resourceQuotaSyncPeriodMs }),
  },
  csrsigning: {
    workers: 5,
    account: 'certificate-controller',
    missing: (k) => (k.signing ? undefined : 'no cluster signing certificate and key'),
    make: (c) => new CsrSigningController({ ...core(c), ca: c.keys.signing! }),
  },
  csrapproving: {
    workers: 5,
    account: 'certificate-controller',
    make: (c) => new CsrApprovingController(core(c)),
  },
};

/**
 * Upstream's --controllers syntax: `*` for every controller on by default, `name` to add one,
 * `-name` to leave one out. Unknown names are an error, as upstream.
 */
export function selectControllers(spec: string[]): string[] {
  const all = Object.keys(CONTROLLERS);
  const on = new Set<string>();
  const off = new Set<string>();
  let star = false;
  for (const raw of spec.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    if (raw === '*') star = true;
    else if (raw.startsWith('-')) off.add(raw.slice(1));
    else on.add(raw);
  }
  for (const n of [...on, ...off]) if (!CONTROLLERS[n]) throw new Error(`"${n}" is not in the list of known controllers`);
  return all.filter((n) => !off.has(n) && (star || on.has(n)));
}

/**
 * An onError that logs what is worth a line: conflicts are the normal price of optimistic
 * concurrency and an object gone meanwhile the normal end of a race with its deletion (the key
 * is retried or dropped either way).
 */
export function logControllerErrors(log: (line: string) => void, prefix: string): (key: string, err: unknown) => void {
  return (key, err) => {
    if (!isConflict(err) && !isNotFound(err)) log(`${prefix}: ${key}: ${(err as Error).message}`);
  };
}

export interface StartControllerManagerOptions {
  client: Client;
  /** The client a controller writes with, given its ServiceAccount name; `client` when absent. */
  clientFor?: (account: string) => Client | Promise<Client>;
  clock?: Clock;
  /** Names from CONTROLLERS; all when absent. */
  controllers?: string[];
  config?: Partial<ControllerManagerConfig>;
  keys?: ControllerKeys;
  /** Told of each controller left out for want of keys. */
  onSkip?: (name: string, why: string) => void;
  onError?: (key: string, err: unknown) => void;
}

export interface RunningControllerManager {
  readonly controllers: ReadonlyMap<string, Controller>;
  stop(): Promise<void>;
}

export async function startControllerManager(o: StartControllerManagerOptions): Promise<RunningControllerManager> {
  const clock = o.clock ?? realClock;
  const names = o.controllers ?? Object.keys(CONTROLLERS);
  for (const n of names) if (!CONTROLLERS[n]) throw new Error(`unknown controller "${n}"`);
  const config: ControllerManagerConfig = { ...DEFAULT_CONTROLLER_MANAGER_CONFIG, ...o.config };
  const factory = new SharedInformerFactory(o.client, { clock });
  const recorders: EventRecorder[] = [];
  const controllers = new Map<string, Controller>();
  const keys = o.keys ?? {};
  for (const n of names) {
    const entry = CONTROLLERS[n]!;
    const why = entry.missing?.(keys);
    if (why) {
      o.onSkip?.(n, why);
      continue;
    }
    const client = o.clientFor && entry.account ? await o.clientFor(entry.account) : o.client;
    const ctx: ControllerContext = {
      client,
      rootClient: o.client,
      keys,
      factory,
      clock,
      config,
      recorder: (component) => {
        const r = new EventRecorder(client, { component, clock });
        recorders.push(r);
        return r;
      },
      ...(o.onError ? { onError: o.onError } : {}),
    };
    controllers.set(n, CONTROLLERS[n]!.make(ctx));
  }
  const ac = new AbortController();
  // Every controller and informer listens on this one signal.
  setMaxListeners(100_000, ac.signal);
  factory.start();
  const synced = await factory.waitForCacheSync(ac.signal);
  if (!synced) {
    await factory.shutdown();
    throw new Error('controller manager: caches did not sync');
  }
  const running = [...controllers].map(([n, c]) => c.run(CONTROLLERS[n]!.workers, ac.signal));
  return {
    controllers,
    async stop() {
      ac.abort();
      await Promise.all(running);
      await factory.shutdown();
      await Promise.all(recorders.map((r) => r.shutdown()));
    },
  };
}
