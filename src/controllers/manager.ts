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
  /** Events under the given component name (`replicaset-controller`, ...). */
  recorder(component: string): EventRecorder;
  onError?: (key: string, err: unknown) => void;
}

/** Upstream's controller names (`--controllers`), each with its default worker count. */
export const CONTROLLERS: Record<string, { workers: number; account: string; make: (ctx: ControllerContext) => Controller }> = {
  replicaset: {
    workers: 5,
    account: 'replicaset-controller',
    make: (c) => new ReplicaSetController({ client: c.client, factory: c.factory, clock: c.clock, recorder: c.recorder('replicaset-controller'), ...(c.onError ? { onError: c.onError } : {}) }),
  },
  deployment: {
    workers: 5,
    account: 'deployment-controller',
    make: (c) => new DeploymentController({ client: c.client, factory: c.factory, clock: c.clock, recorder: c.recorder('deployment-controller'), ...(c.onError ? { onError: c.onError } : {}) }),
  },
  daemonset: {
    workers: 2,
    account: 'daemon-set-controller',
    make: (c) => new DaemonSetController({ client: c.client, factory: c.factory, clock: c.clock, recorder: c.recorder('daemonset-controller'), ...(c.onError ? { onError: c.onError } : {}) }),
  },
  statefulset: {
    workers: 5,
    account: 'statefulset-controller',
    make: (c) => new StatefulSetController({ client: c.client, factory: c.factory, clock: c.clock, recorder: c.recorder('statefulset-controller'), ...(c.onError ? { onError: c.onError } : {}) }),
  },
  endpoint: {
    workers: 5,
    account: 'endpoint-controller',
    make: (c) => new EndpointsController({ client: c.client, factory: c.factory, clock: c.clock, recorder: c.recorder('endpoint-controller'), ...(c.onError ? { onError: c.onError } : {}) }),
  },
  endpointslice: {
    workers: 5,
    account: 'endpointslice-controller',
    make: (c) => new EndpointSliceController({ client: c.client, factory: c.factory, clock: c.clock, recorder: c.recorder('endpointslice-controller'), ...(c.onError ? { onError: c.onError } : {}) }),
  },
  job: {
    workers: 5,
    account: 'job-controller',
    make: (c) => new JobController({ client: c.client, factory: c.factory, clock: c.clock, recorder: c.recorder('job-controller'), ...(c.onError ? { onError: c.onError } : {}) }),
  },
  cronjob: {
    workers: 5,
    account: 'cronjob-controller',
    make: (c) => new CronJobController({ client: c.client, factory: c.factory, clock: c.clock, recorder: c.recorder('cronjob-controller'), ...(c.onError ? { onError: c.onError } : {}) }),
  },
  'ttl-after-finished': {
    workers: 5,
    account: 'ttl-after-finished-controller',
    make: (c) => new TTLAfterFinishedController({ client: c.client, factory: c.factory, clock: c.clock, ...(c.onError ? { onError: c.onError } : {}) }),
  },
};

export interface StartControllerManagerOptions {
  client: Client;
  /** The client a controller writes with, given its ServiceAccount name; `client` when absent. */
  clientFor?: (account: string) => Client | Promise<Client>;
  clock?: Clock;
  /** Names from CONTROLLERS; all when absent. */
  controllers?: string[];
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
  const factory = new SharedInformerFactory(o.client, { clock });
  const recorders: EventRecorder[] = [];
  const controllers = new Map<string, Controller>();
  for (const n of names) {
    const client = o.clientFor ? await o.clientFor(CONTROLLERS[n]!.account) : o.client;
    const ctx: ControllerContext = {
      client,
      factory,
      clock,
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
