// Cluster events that can make an unschedulable pod schedulable (upstream framework/events.go):
// a resource, a bit set of actions, and the functions that classify node and pod updates into
// the specific actions plugins register for.

import type { Obj } from '../../apiserver/rest.ts';
import { podRequests } from './resource.ts';
import type { PodInfo } from './types.ts';

export const ActionType = {
  Add: 1 << 0,
  Delete: 1 << 1,
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  UpdateNodeAnnotation: 1 << 6,
  UpdatePodLabel: 1 << 7,
  UpdatePodScaleDown: 1 << 8,
  UpdatePodToleration: 1 << 9,
  UpdatePodSchedulingGatesEliminated: 1 << 10,
  UpdatePodGeneratedResourceClaim: 1 << 11,
  UpdatePodOther: 1 << 12,
  All: (1 << 13) - 1,
  Update: 0,
} as const;
(ActionType as { Update: number }).Update = ActionType.All & ~(ActionType.Add | ActionType.Delete);

/**
 * Resources events are about. `Pod` in a registration matches both `AssignedPod` and
 * `UnscheduledPod` events; `*` matches everything.
 */
export type EventResource =
  | 'Pod'
  | 'AssignedPod'
  | 'UnscheduledPod'
  | 'Node'
  | 'PersistentVolume'
  | 'PersistentVolumeClaim'
  | 'CSINode'
  | 'CSIDriver'
  | 'CSIStorageCapacity'
  | 'VolumeAttachment'
  | 'StorageClass'
  | 'Namespace'
  | 'ResourceClaim'
  | 'ResourceSlice'
  | 'DeviceClass'
  | '*';

export interface ClusterEvent {
  resource: EventResource;
  actionType: number;
  /** A name for logs and explanations; derived when absent. */
  label?: string;
}

export const WILDCARD: EventResource = '*';

const ACTION_NAMES: [number, string][] = Object.entries(ActionType)
  .filter(([k]) => k !== 'All' && k !== 'Update')
  .map(([k, v]) => [v as number, k]);

export function eventLabel(e: ClusterEvent): string {
  if (e.label) return e.label;
  if (e.actionType === ActionType.All) return `${e.resource === '*' ? 'WildCard' : e.resource}All`;
  const names = ACTION_NAMES.filter(([bit]) => (e.actionType & bit) !== 0).map(([, n]) => n);
  return `${e.resource}${names.join('|')}`;
}

export function isWildCard(e: ClusterEvent): boolean {
  return e.resource === WILDCARD && e.actionType === ActionType.All;
}

function resourceMatches(registered: EventResource, incoming: EventResource): boolean {
  if (registered === WILDCARD || registered === incoming) return true;
  return registered === 'Pod' && (incoming === 'AssignedPod' || incoming === 'UnscheduledPod');
}

/** Whether a registered event covers an incoming one. */
export function eventMatches(registered: ClusterEvent, incoming: ClusterEvent): boolean {
  return isWildCard(registered) || (resourceMatches(registered.resource, incoming.resource) && (registered.actionType & incoming.actionType) !== 0);
}

export const QueueingHint = { QueueSkip: 0, Queue: 1 } as const;
export type QueueingHint = (typeof QueueingHint)[keyof typeof QueueingHint];

/**
 * Decides whether an event may make a pod that this plugin rejected schedulable. `oldObj` is
 * undefined for adds and `newObj` for deletes. Throwing is treated as Queue.
 */
export type QueueingHintFn = (pod: PodInfo, oldObj: Obj | undefined, newObj: Obj | undefined) => QueueingHint;

export interface ClusterEventWithHint {
  event: ClusterEvent;
  /** Absent means always Queue. */
  hint?: QueueingHintFn;
}

// Events the scheduler itself raises.
export const EVENTS = {
  NodeAdd: { resource: 'Node', actionType: ActionType.Add, label: 'NodeAdd' },
  NodeDelete: { resource: 'Node', actionType: ActionType.Delete, label: 'NodeDelete' },
  AssignedPodAdd: { resource: 'AssignedPod', actionType: ActionType.Add, label: 'AssignedPodAdd' },
  AssignedPodDelete: { resource: 'AssignedPod', actionType: ActionType.Delete, label: 'AssignedPodDelete' },
  UnscheduledPodAdd: { resource: 'UnscheduledPod', actionType: ActionType.Add, label: 'UnscheduledPodAdd' },
  UnscheduledPodUpdate: { resource: 'UnscheduledPod', actionType: ActionType.Update, label: 'UnscheduledPodUpdate' },
  UnscheduledPodDelete: { resource: 'UnscheduledPod', actionType: ActionType.Delete, label: 'UnscheduledPodDelete' },
  UnschedulableTimeout: { resource: '*', actionType: ActionType.All, label: 'UnschedulableTimeout' },
  ForceActivate: { resource: '*', actionType: ActionType.All, label: 'ForceActivate' },
  BackoffComplete: { resource: '*', actionType: ActionType.All, label: 'BackoffComplete' },
  ScheduleAttemptFailure: { resource: '*', actionType: ActionType.All, label: 'ScheduleAttemptFailure' },
} satisfies Record<string, ClusterEvent>;

// ---- classifying updates ----

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  for (const k of ka) if ((a ?? {})[k] !== (b ?? {})[k]) return false;
  return true;
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function conditionStatuses(node: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of (node.status?.conditions ?? []) as Obj[]) out[c.type] = c.status;
  return out;
}

/** Upstream NodeSchedulingPropertiesChange: the specific events a node update amounts to. */
export function nodeSchedulingPropertiesChange(newNode: Obj, oldNode: Obj): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  const add = (actionType: number, label: string) => out.push({ resource: 'Node', actionType, label });
  // Only a node becoming schedulable can help a pod; it is reported as a taint change.
  if (!!newNode.spec?.unschedulable !== !!oldNode.spec?.unschedulable && !newNode.spec?.unschedulable) {
    add(ActionType.UpdateNodeTaint, 'NodeSpecUnschedulableChange');
  }
  if (!sameJSON(newNode.status?.allocatable, oldNode.status?.allocatable)) add(ActionType.UpdateNodeAllocatable, 'NodeAllocatableChange');
  if (!sameMap(newNode.metadata?.labels, oldNode.metadata?.labels)) add(ActionType.UpdateNodeLabel, 'NodeLabelChange');
  if (!sameJSON(newNode.spec?.taints, oldNode.spec?.taints)) add(ActionType.UpdateNodeTaint, 'NodeTaintChange');
  if (!sameMap(conditionStatuses(newNode), conditionStatuses(oldNode))) add(ActionType.UpdateNodeCondition, 'NodeConditionChange');
  if (!sameMap(newNode.metadata?.annotations, oldNode.metadata?.annotations)) add(ActionType.UpdateNodeAnnotation, 'NodeAnnotationChange');
  return out;
}

/** Upstream extractPodScaleDown: some request was lowered or removed. */
function scaledDown(newPod: Obj, oldPod: Obj): boolean {
  const useStatus = !!newPod.spec?.nodeName;
  const now = podRequests(newPod, { useStatus });
  for (const [name, before] of podRequests(oldPod, { useStatus })) {
    const after = now.get(name);
    if (after === undefined || after < before) return true;
  }
  return false;
}

/** Upstream PodSchedulingPropertiesChange for an assigned or an unscheduled pod. */
export function podSchedulingPropertiesChange(newPod: Obj, oldPod: Obj): ClusterEvent[] {
  const resource: EventResource = newPod.spec?.nodeName ? 'AssignedPod' : 'UnscheduledPod';
  const out: ClusterEvent[] = [];
  const add = (actionType: number, label: string) => out.push({ resource, actionType, label: `${resource}${label}` });
  if (!sameMap(newPod.metadata?.labels, oldPod.metadata?.labels)) add(ActionType.UpdatePodLabel, 'UpdatePodLabel');
  if (scaledDown(newPod, oldPod)) add(ActionType.UpdatePodScaleDown, 'UpdatePodScaleDown');
  const oldGates = (oldPod.spec?.schedulingGates ?? []) as unknown[];
  const newGates = (newPod.spec?.schedulingGates ?? []) as unknown[];
  if (oldGates.length > 0 && newGates.length === 0) add(ActionType.UpdatePodSchedulingGatesEliminated, 'UpdatePodSchedulingGatesEliminated');
  if (!sameJSON(newPod.spec?.tolerations, oldPod.spec?.tolerations)) add(ActionType.UpdatePodToleration, 'UpdatePodToleration');
  if (!sameJSON(newPod.status?.resourceClaimStatuses, oldPod.status?.resourceClaimStatuses)) {
    add(ActionType.UpdatePodGeneratedResourceClaim, 'UpdatePodGeneratedResourceClaim');
  }
  if (out.length === 0) add(ActionType.UpdatePodOther, 'Update');
  return out;
}
