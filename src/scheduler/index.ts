// kube-scheduler core: a pure, deterministic scheduler that the lead feeds from informers.
//
// Wiring:
//   const sched = new Scheduler({ cluster, config /* KubeSchedulerConfiguration, optional */ });
//   Node informer:  add -> sched.onNodeAdd(node); update -> sched.onNodeUpdate(old, new);
//                   delete -> sched.onNodeDelete(node).
//   Pod informer (all pods; the scheduler sorts assigned from unscheduled, skips pods of other
//   schedulers, and treats Succeeded/Failed as deleted):
//                   add -> sched.onPodAdd(pod); update -> sched.onPodUpdate(old, new);
//                   delete -> sched.onPodDelete(pod).
//   Other informers that plugins register for (PVC, PV, StorageClass, CSINode, Namespace ...):
//                   sched.onClusterEvent({ resource: 'PersistentVolumeClaim', actionType: ActionType.Add }, old, new).
//   Start after the informers synced: sched.run() (queue timers + a loop that yields between
//   batches); sched.stop() to end. Tests drive it with ManualClock and scheduleOne()/runUntilIdle().
//
// `cluster` is the outside world (ClusterAPI): bind(binding) creates pods/<name>/binding and
// resolves when the API server accepted it (the informer's update with spec.nodeName then
// confirms the assumed pod); recordEvent (FailedScheduling, Scheduled); updatePodStatus (the
// PodScheduled=False condition and status.nominatedNodeName); deletePod (preemption victims);
// listPodDisruptionBudgets; optional getPod/get/list informer lookups. Plugins call get/list
// by kind: PersistentVolumeClaim (namespaced), PersistentVolume, StorageClass and Namespace
// (cluster-scoped, namespace ""), Service (list), ReplicaSet, StatefulSet, ReplicationController
// (get; for PodTopologySpread's default constraints). Without them, such objects count as absent.
//
// Plugins: inTreeRegistry() has the in-tree plugins; add more with
// inTreeRegistry().register(name, (args, handle) => plugin) and pass `registry`. Default plugins
// the registry lacks (VolumeRestrictions, NodeVolumeLimits, VolumeZone, DynamicResources) are
// skipped until registered.

export { Scheduler, ERR_NO_NODES_AVAILABLE, type SchedulerOptions, type ScheduleOneResult, type ScheduleOutcome } from './scheduler.ts';
export { Cache, CacheError, NodeTree, Snapshot, type CacheOptions } from './cache.ts';
export { SchedulingQueue, KeyedHeap, type QueueOptions, type QueueName } from './queue.ts';
export { AttemptRecord, ExplanationStore, type Explanation, type NodeFilterResult, type NodeScore, type PluginStatus } from './explanation.ts';
export * from './framework/interfaces.ts';
export { Code, CODE_NAMES, Status, isSuccess, asErrorStatus, type Result } from './framework/status.ts';
export { CycleState, type StateData } from './framework/cycle_state.ts';
export { NodeInfo, PodInfo, HostPortInfo, DEFAULT_SCHEDULER_NAME, type HostPort, type ImageStateSummary } from './framework/types.ts';
export * from './framework/resource.ts';
export * from './framework/helpers.ts';
export * from './framework/events.ts';
export { FitError, NodeToStatus, formatFitError, newDiagnosis, addPluginStatus, type Diagnosis } from './framework/fit_error.ts';
export {
  ConfigError,
  DEFAULT_MULTIPOINT,
  EXTENSION_POINTS,
  defaultPlugins,
  mergePluginSet,
  numFeasibleNodesToFind,
  parseSchedulerConfig,
  type ExtensionPoint,
  type PluginRef,
  type PluginSet,
  type Plugins,
  type ProfileConfig,
  type SchedulerConfig,
} from './framework/config.ts';
export { Registry, type PluginFactory } from './framework/registry.ts';
export { Framework, type FrameworkOptions, type RegisteredEvent, type ScoreResult } from './framework/runtime.ts';
export { Parallelizer, chunkSizeFor } from './framework/parallelize.ts';
export { inTreeRegistry } from './plugins/registry.ts';
export { DefaultPreemption, type DefaultPreemptionArgs, type DefaultPreemptionOptions } from './plugins/default_preemption.ts';
export { InterPodAffinity, type InterPodAffinityArgs } from './plugins/inter_pod_affinity.ts';
export { PodTopologySpread, SYSTEM_DEFAULT_CONSTRAINTS, type PodTopologySpreadArgs } from './plugins/pod_topology_spread.ts';
export { VolumeBinding } from './plugins/volume_binding.ts';
export { Names } from './plugins/names.ts';
