// Which REST collection a request goes to. The client needs no schema: a Resource names the
// URL (group, version, plural) and how to fill an object's apiVersion and kind.

export interface Resource {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: `pods`. */
  resource: string;
  namespaced: boolean;
  kind: string;
}

const r = (group: string, version: string, resource: string, kind: string, namespaced: boolean): Resource =>
  Object.freeze({ group, version, resource, kind, namespaced });

/** The resources kubelite's own components use. */
export const resources = Object.freeze({
  pods: r('', 'v1', 'pods', 'Pod', true),
  nodes: r('', 'v1', 'nodes', 'Node', false),
  services: r('', 'v1', 'services', 'Service', true),
  replicationcontrollers: r('', 'v1', 'replicationcontrollers', 'ReplicationController', true),
  endpoints: r('', 'v1', 'endpoints', 'Endpoints', true),
  events: r('', 'v1', 'events', 'Event', true),
  namespaces: r('', 'v1', 'namespaces', 'Namespace', false),
  configmaps: r('', 'v1', 'configmaps', 'ConfigMap', true),
  secrets: r('', 'v1', 'secrets', 'Secret', true),
  serviceaccounts: r('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  persistentvolumeclaims: r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true),
  persistentvolumes: r('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  deployments: r('apps', 'v1', 'deployments', 'Deployment', true),
  replicasets: r('apps', 'v1', 'replicasets', 'ReplicaSet', true),
  statefulsets: r('apps', 'v1', 'statefulsets', 'StatefulSet', true),
  daemonsets: r('apps', 'v1', 'daemonsets', 'DaemonSet', true),
  jobs: r('batch', 'v1', 'jobs', 'Job', true),
  cronjobs: r('batch', 'v1', 'cronjobs', 'CronJob', true),
  leases: r('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  endpointslices: r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  poddisruptionbudgets: r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true),
  priorityclasses: r('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false),
  horizontalpodautoscalers: r('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true),
  storageclasses: r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false),
  csinodes: r('storage.k8s.io', 'v1', 'csinodes', 'CSINode', false),
});

export function apiVersionOf(res: Resource): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

/** `/api/v1/namespaces/ns/pods/name/status`; a namespaced resource without ns is "all namespaces". */
export function resourcePath(res: Resource, namespace?: string, name?: string, subresource?: string): string {
  let p = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${res.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}
