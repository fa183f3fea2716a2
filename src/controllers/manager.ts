// kube-controller-manager: one SharedInformerFactory for every controller, controllers picked
// by name from one registry, workers started only once every cache has synced. As upstream's
// --use-service-account-credentials, each controller may write as its own ServiceAccount
// (kube-system/<name>-controller, bound to system:controller:<name>-controller), while the
// informers read as the controller manager.
import { EventRecorder, SharedInformerFactory, type Client } from '../client/index.ts';
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

export interface ControllerContext {
  client: Client;
  factory: SharedInformerFactory;
  clock: Clock;
  config: ControllerManagerConfig;
  /** Events under the given component name (`replicaset-controller`, ...). */
  recorder(component: string): EventRecorder;
  onError?: (key: string, err: unknown) => void;
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
});

/** What every controller's constructor takes, with its events under `component`. */
const base = (c: ControllerContext, component: string) => ({
  client: c.client,
  factory: c.factory,
  clock: c.clock,
  recorder: c.recorder(component),
  ...(c.onError ? { onError: c.onError } : {}),
});

/** Upstream's controller names (`--controllers`), each with its default worker count. */
export const CONTROLLERS: Record<string, { workers: number; account: string; make: (ctx: ControllerContext) => Controller }> = {
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
    make: (c) => new TTLAfterFinishedController({ client: c.client, factory: c.factory, clock: c.clock, ...(c.onError ? { onError: c.onError } : {}) }),
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

export interface StartControllerManagerOptions {
  client: Client;
  /** The client a controller writes with, given its ServiceAccount name; `client` when absent. */
  clientFor?: (account: string) => Client | Promise<Client>;
  clock?: Clock;
  /** Names from CONTROLLERS; all when absent. */
  controllers?: string[];
  config?: Partial<ControllerManagerConfig>;
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
  for (const n of names) {
    const client = o.clientFor ? await o.clientFor(CONTROLLERS[n]!.account) : o.client;
    const ctx: ControllerContext = {
      client,
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
