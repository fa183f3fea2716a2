// The scheduler as a cluster component: informers feed the pure Scheduler, and its ClusterAPI
// writes through the client like kube-scheduler does (pods/binding, PodScheduled conditions,
// Events, preemption victims), optionally behind leader election on a Lease.
import {
  EventRecorder,
  LeaderElector,
  SharedInformerFactory,
  Tombstone,
  isNotFound,
  resources,
  type Client,
  type Informer,
  type Resource,
} from '../client/index.ts';
import { realClock, type Clock } from '../util/clock.ts';
import { EXPLANATION_ANNOTATION, EXPLANATION_LIMITS, compactExplanation } from './explain-format.ts';
import { ActionType, Scheduler, type ClusterAPI, type EventResource, type SchedulerOptions } from './index.ts';

type Obj = Record<string, any>;

/** Informers the plugins look objects up in, by the kind name they ask for. */
const LOOKUPS: [string, Resource, EventResource | undefined][] = [
  ['PersistentVolumeClaim', resources.persistentvolumeclaims, 'PersistentVolumeClaim'],
  ['PersistentVolume', resources.persistentvolumes, 'PersistentVolume'],
  ['StorageClass', resources.storageclasses, 'StorageClass'],
  ['CSINode', resources.csinodes, 'CSINode'],
  ['Namespace', resources.namespaces, 'Namespace'],
  ['Service', resources.services, undefined],
  ['ReplicaSet', resources.replicasets, undefined],
  ['StatefulSet', resources.statefulsets, undefined],
  ['ReplicationController', resources.replicationcontrollers, undefined],
];

export interface RunningScheduler {
  scheduler: Scheduler;
  /** Resolves once the informers have synced and scheduling has started (after winning the lease, with leader election). */
  started: Promise<void>;
  stop(): Promise<void>;
}

export interface StartSchedulerOptions extends Partial<Omit<SchedulerOptions, 'cluster'>> {
  client: Client;
  clock?: Clock;
  /** Run only while holding the kube-system/kube-scheduler Lease (as kube-scheduler's --leader-elect). */
  leaderElection?: { identity: string; leaseDurationSeconds?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
}

const unwrap = (o: Obj | Tombstone<Obj>): Obj => (o instanceof Tombstone ? o.obj : o);

export function startScheduler(o: StartSchedulerOptions): RunningScheduler {
  const clock = o.clock ?? realClock;
  const client = o.client;
  const factory = new SharedInformerFactory(client, { clock, ...(o.random ? { random: o.random } : {}) });
  const pods = factory.forResource(resources.pods);
  const nodes = factory.forResource(resources.nodes);
  const pdbs = factory.forResource(resources.poddisruptionbudgets);
  const lookups = new Map<string, Informer>(LOOKUPS.map(([kind, res]) => [kind, factory.forResource(res)]));
  const recorder = new EventRecorder(client, { component: 'default-scheduler', clock });

  let sched: Scheduler;
  const explanation = (uid: string): string | undefined => {
    const e = sched.explain(uid, EXPLANATION_LIMITS);
    return e ? JSON.stringify(compactExplanation(e)) : undefined;
  };
  const cluster: ClusterAPI = {
    async bind(b) {
      const why = explanation(b.uid);
      await client.create(
        resources.pods,
        b.namespace,
        {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: b.name, namespace: b.namespace, uid: b.uid, ...(why ? { annotations: { [EXPLANATION_ANNOTATION]: why } } : {}) },
          target: { apiVersion: 'v1', kind: 'Node', name: b.nodeName },
        },
        { subresource: 'binding' },
      );
    },
    recordEvent(e) {
      // An unschedulable pod's explanation rides on its FailedScheduling event: the scheduler's
      // role may write events and pod status, not pod metadata.
      const why = e.reason === 'FailedScheduling' ? explanation(e.regarding.uid) : undefined;
      recorder.event(
        { apiVersion: 'v1', kind: 'Pod', namespace: e.regarding.namespace, name: e.regarding.name, uid: e.regarding.uid },
        e.type,
        e.reason,
        e.note,
        ...(why ? [{ [EXPLANATION_ANNOTATION]: why }] : []),
      );
    },
    async updatePodStatus(pod, update) {
      const status: Obj = {};
      if (update.condition) status.conditions = [update.condition];
      if (update.nominatedNodeName !== undefined) status.nominatedNodeName = update.nominatedNodeName || null;
      const ns = pod.metadata.namespace;
      const name = pod.metadata.name;
      try {
        await client.patch(resources.pods, ns, name, 'strategic', { status }, { subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    async deletePod(pod) {
      await client.delete(resources.pods, pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    },
    listPodDisruptionBudgets: () => pdbs.list(),
    getPod: (ns, name) => pods.get(`${ns}/${name}`),
    get: (kind, ns, name) => lookups.get(kind)?.get(ns ? `${ns}/${name}` : name),
    list: (kind) => lookups.get(kind)?.list() ?? [],
    async annotateClaim(ns, name, annotations) {
      await client.patch(resources.persistentvolumeclaims, ns, name, 'merge', { metadata: { annotations } });
    },
  };
  sched = new Scheduler({ ...o, cluster, clock });

  pods.addEventHandler({
    onAdd: (p) => sched.onPodAdd(p),
    onUpdate: (a, b) => sched.onPodUpdate(a, b),
    onDelete: (p) => {
      sched.onPodDelete(unwrap(p));
    },
  });
  nodes.addEventHandler({
    onAdd: (n) => sched.onNodeAdd(n),
    onUpdate: (a, b) => sched.onNodeUpdate(a, b),
    onDelete: (n) => sched.onNodeDelete(unwrap(n)),
  });
  for (const [kind, , event] of LOOKUPS) {
    if (!event) continue;
    lookups.get(kind)!.addEventHandler({
      onAdd: (obj) => sched.onClusterEvent({ resource: event, actionType: ActionType.Add }, undefined, obj),
      onUpdate: (a, b) => sched.onClusterEvent({ resource: event, actionType: ActionType.Update }, a, b),
      onDelete: (obj) => sched.onClusterEvent({ resource: event, actionType: ActionType.Delete }, unwrap(obj), undefined),
    });
  }

  const ac = new AbortController();
  let elector: LeaderElector | undefined;
  const begin = async () => {
    factory.start();
    if (!(await factory.waitForCacheSync(ac.signal))) return;
    sched.run();
  };
  const started = o.leaderElection
    ? new Promise<void>((resolve) => {
        elector = new LeaderElector({
          client,
          namespace: 'kube-system',
          name: 'kube-scheduler',
          identity: o.leaderElection!.identity,
          clock,
          ...(o.leaderElection!.leaseDurationSeconds ? { leaseDurationSeconds: o.leaderElection!.leaseDurationSeconds } : {}),
          ...(o.leaderElection!.renewDeadlineMs ? { renewDeadlineMs: o.leaderElection!.renewDeadlineMs } : {}),
          ...(o.leaderElection!.retryPeriodMs ? { retryPeriodMs: o.leaderElection!.retryPeriodMs } : {}),
          callbacks: {
            onStartedLeading: () => void begin().then(resolve),
            onStoppedLeading: () => sched.stop(),
          },
        });
        void elector.run();
      })
    : begin();
  return {
    scheduler: sched,
    started,
    async stop() {
      ac.abort();
      sched.stop();
      await sched.waitForBindings().catch(() => undefined);
      await elector?.stop();
      await factory.shutdown();
      await recorder.shutdown();
    },
  };
}
