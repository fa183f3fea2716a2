// Lookups of cluster objects the plugins need beyond nodes and pods, through the optional
// informer accessors of ClusterAPI. Resources are named by kind ("Service", "ReplicaSet",
// "PersistentVolumeClaim", "Namespace", ...); cluster-scoped objects have namespace "". A
// cluster without the accessors behaves as one without such objects.

import type { Obj } from '../../apiserver/rest.ts';
import type { ClusterAPI } from '../framework/interfaces.ts';

export function getObject(cluster: ClusterAPI, resource: string, namespace: string, name: string): Obj | undefined {
  return cluster.get?.(resource, namespace, name);
}

export function listObjects(cluster: ClusterAPI, resource: string): Obj[] {
  return cluster.list?.(resource) ?? [];
}

/** The labels of a namespace; undefined when it is unknown (upstream then assumes no labels). */
export function namespaceLabels(cluster: ClusterAPI, namespace: string): Record<string, string> | undefined {
  return getObject(cluster, 'Namespace', '', namespace)?.metadata?.labels;
}

/** metav1.GetControllerOf: the owner reference with controller=true. */
export function controllerRef(obj: Obj): Obj | undefined {
  const refs = obj.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  return (refs as Obj[]).find((r) => r?.controller === true);
}
